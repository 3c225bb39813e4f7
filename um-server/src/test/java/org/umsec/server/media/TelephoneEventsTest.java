package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 4733 telephone-event decoding: one digit per key press, repeated end packets dropped. */
class TelephoneEventsTest {

    private final TelephoneEvents decoder = new TelephoneEvents();
    private final byte[] buf = new byte[64];
    private int seq;

    private List<TelephoneEvents.Digit> packet(long ts, int event, boolean end, int duration) {
        byte[] payload = new byte[4];
        TelephoneEvents.write(payload, 0, event, end, 10, duration);
        int len = RtpPacket.write(buf, 0, 101, false, seq++, ts, 0x42, payload, 0, 4);
        return decoder.accept(RtpPacket.parse(buf, 0, len).orElseThrow(), buf);
    }

    /** RFC 4733 §2.5.1: updates every 50 ms (400 units), then the final packet three times. */
    private List<TelephoneEvents.Digit> press(long ts, int event, int updates) {
        List<TelephoneEvents.Digit> out = new ArrayList<>();
        for (int i = 1; i <= updates; i++) {
            out.addAll(packet(ts, event, false, 400 * i));
        }
        for (int i = 0; i < 3; i++) {
            out.addAll(packet(ts, event, true, 400 * updates + 400));
        }
        return out;
    }

    @Test
    void eachKeyPressIsOneDigitWithItsDuration() {
        assertThat(press(1000, 1, 3)).containsExactly(new TelephoneEvents.Digit('1', Duration.ofMillis(200)));
        assertThat(press(9000, 11, 1)).containsExactly(new TelephoneEvents.Digit('#', Duration.ofMillis(100)));
        assertThat(press(20000, 10, 0)).containsExactly(new TelephoneEvents.Digit('*', Duration.ofMillis(50)));
        assertThat(press(30000, 15, 2)).extracting(TelephoneEvents.Digit::digit).containsExactly('D');
    }

    @Test
    void repeatedEndPacketsAndLateUpdatesOfAnEndedEventAreDropped() {
        assertThat(press(1000, 5, 2)).hasSize(1);
        assertThat(packet(1000, 5, true, 1200)).isEmpty(); // a fourth repeat
        assertThat(packet(1000, 5, false, 400)).isEmpty(); // a late, reordered update
        // the same digit pressed again is a new event (new timestamp)
        assertThat(press(5000, 5, 2)).extracting(TelephoneEvents.Digit::digit).containsExactly('5');
    }

    @Test
    void anEventWhoseEndWasLostIsReportedWhenTheNextStarts() {
        assertThat(packet(1000, 7, false, 400)).isEmpty();
        assertThat(packet(1000, 7, false, 800)).isEmpty();
        // the end packets of '7' are lost; '8' starts, and is a single-packet event
        assertThat(packet(3000, 8, true, 320))
                .containsExactly(
                        new TelephoneEvents.Digit('7', Duration.ofMillis(100)),
                        new TelephoneEvents.Digit('8', Duration.ofMillis(40)));
        assertThat(packet(1000, 7, true, 1200)).isEmpty(); // its end, arriving very late, is not a second '7'
    }

    @Test
    void nonDtmfEventsAndShortPayloadsAreIgnored() {
        assertThat(press(1000, 16, 2)).isEmpty(); // flash
        assertThat(press(2000, 255, 2)).isEmpty();
        int len = RtpPacket.write(buf, 0, 101, false, seq++, 4000, 0x42, new byte[3], 0, 3);
        assertThat(decoder.accept(RtpPacket.parse(buf, 0, len).orElseThrow(), buf))
                .isEmpty();
        assertThat(TelephoneEvents.event('#')).isEqualTo(11);
        assertThat(TelephoneEvents.event('a')).isEqualTo(12);
        assertThatThrownBy(() -> TelephoneEvents.event('x')).isInstanceOf(IllegalArgumentException.class);
    }
}
