package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RtpReceiveStatisticsTest {

    @Test
    void countsLossAcrossSequenceWrap() {
        RtpReceiveStatistics s = new RtpReceiveStatistics();
        int seq = 65530;
        for (int i = 0; i < 20; i++) {
            if (i == 3 || i == 10) {
                continue; // two lost, one on each side of the wrap
            }
            assertThat(s.update((seq + i) & 0xFFFF, 160L * i, 160L * i)).isTrue();
        }
        assertThat(s.received()).isEqualTo(18);
        assertThat(s.expected()).isEqualTo(20);
        assertThat(s.lost()).isEqualTo(2);
        assertThat(s.extendedHighestSequence()).isEqualTo(65536 + 13);
        assertThat(s.fractionLostAndReset()).isEqualTo(2 * 256 / 20);
        assertThat(s.fractionLostAndReset()).isZero();
    }

    @Test
    void duplicatesAndLatePacketsDoNotMoveTheHighestSequence() {
        RtpReceiveStatistics s = new RtpReceiveStatistics();
        s.update(100, 0, 0);
        s.update(102, 320, 320);
        assertThat(s.update(101, 160, 400)).isFalse();
        assertThat(s.update(102, 320, 400)).isFalse();
        assertThat(s.extendedHighestSequence()).isEqualTo(102);
        assertThat(s.lost()).isZero();
    }

    @Test
    void jitterIsZeroForPerfectPacingAndGrowsWithVariation() {
        RtpReceiveStatistics steady = new RtpReceiveStatistics();
        RtpReceiveStatistics bumpy = new RtpReceiveStatistics();
        for (int i = 0; i < 100; i++) {
            steady.update(i, 160L * i, 1000 + 160L * i);
            bumpy.update(i, 160L * i, 1000 + 160L * i + (i % 2 == 0 ? 0 : 80));
        }
        assertThat(steady.jitter()).isZero();
        assertThat(bumpy.jitter()).isBetween(70L, 80L); // converges to the 80-unit alternation
    }

    @Test
    void aSenderRestartIsAcceptedAfterTwoConsecutivePackets() {
        RtpReceiveStatistics s = new RtpReceiveStatistics();
        for (int i = 0; i < 10; i++) {
            s.update(i, 160L * i, 160L * i);
        }
        assertThat(s.update(40000, 0, 0)).isFalse();
        assertThat(s.update(40001, 160, 160)).isTrue();
        assertThat(s.extendedHighestSequence()).isEqualTo(40001);
    }
}
