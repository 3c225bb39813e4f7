package org.umsec.srtp.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.umsec.srtp.Seeded;

class ReplayWindowTest {

    @Test
    void acceptsNewRejectsRepeatedAndOld() {
        ReplayWindow w = new ReplayWindow(64);
        assertThat(w.check(1000)).isEqualTo(ReplayWindow.NEW);
        w.commit(1000);
        assertThat(w.check(1000)).isEqualTo(ReplayWindow.REPLAYED);
        assertThat(w.check(937)).isEqualTo(ReplayWindow.NEW);
        assertThat(w.check(936)).isEqualTo(ReplayWindow.TOO_OLD);
        w.commit(990);
        assertThat(w.check(990)).isEqualTo(ReplayWindow.REPLAYED);
        w.commit(1100);
        assertThat(w.check(1000)).isEqualTo(ReplayWindow.TOO_OLD);
        assertThat(w.check(1099)).isEqualTo(ReplayWindow.NEW);
        assertThat(w.highest()).isEqualTo(1100);
        w.reset();
        assertThat(w.highest()).isEqualTo(-1);
        assertThat(w.check(0)).isEqualTo(ReplayWindow.NEW);
    }

    @Test
    void sizeMustBeAPowerOfTwoInRange() {
        assertThatThrownBy(() -> new ReplayWindow(32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplayWindow(192)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReplayWindow(65536)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ReplayWindow(1024).size()).isEqualTo(1024);
    }

    /** Against a model: a set of seen indices and the highest one (seeded loop; prints its seed). */
    @Test
    void matchesModel() {
        Seeded.run(200, r -> {
            int size = 64 << r.nextInt(4);
            ReplayWindow w = new ReplayWindow(size);
            Set<Long> seen = new HashSet<>();
            long highest = -1;
            int count = r.nextInt(4) == 0 ? r.nextInt(8) : r.nextInt(400);
            for (int i = 0; i < count; i++) {
                long index = r.nextInt(3001);
                int expected = index > highest
                        ? ReplayWindow.NEW
                        : highest - index >= size
                                ? ReplayWindow.TOO_OLD
                                : seen.contains(index) ? ReplayWindow.REPLAYED : ReplayWindow.NEW;
                assertThat(w.check(index))
                        .as("index %d highest %d", index, highest)
                        .isEqualTo(expected);
                if (expected == ReplayWindow.NEW) {
                    w.commit(index);
                    seen.add(index);
                    highest = Math.max(highest, index);
                }
            }
        });
    }
}
