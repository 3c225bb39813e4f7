package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ring of free port pairs: every pair once, then least recently released first. */
class PortPairsTest {

    @Test
    void handsOutEveryPairOnceThenReportsNone() {
        PortPairs r = new PortPairs(20000, 50, 1);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int p = r.take();
            assertThat(p).isBetween(20000, 20098).isEven();
            ports.add(p);
        }
        assertThat(ports).hasSize(50);
        assertThat(r.take()).isEqualTo(-1);
        assertThat(r.free()).isZero();
    }

    @Test
    void releasedPairsComeBackInTheOrderTheyWereReleasedAfterTheFreeOnes() {
        long seed = new Random().nextLong();
        PortPairs r = new PortPairs(10000, 8, seed);
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(r.take());
        }
        r.release(held.get(3));
        r.release(held.get(0));
        List<Integer> next = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            next.add(r.take());
        }
        assertThat(next.subList(0, 3))
                .as("seed %d: the never used pairs first", seed)
                .doesNotContainAnyElementsOf(held);
        assertThat(next.subList(3, 5)).as("seed %d", seed).containsExactly(held.get(3), held.get(0));
        assertThat(r.take()).isEqualTo(-1);
    }

    @Test
    void aPairReleasedTwiceIsAnError() {
        PortPairs r = new PortPairs(10000, 2, 5);
        int p = r.take();
        r.release(p);
        r.release(r.take());
        assertThatThrownBy(() -> r.release(p)).isInstanceOf(IllegalStateException.class);
    }
}
