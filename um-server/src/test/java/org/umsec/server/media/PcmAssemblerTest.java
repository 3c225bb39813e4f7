package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Issue 9 item 6: the PCM assembler fills gaps but never writes more audio than the (virtual) wall clock allows. */
class PcmAssemblerTest {

    private final byte[] buf = new byte[12 + 160];
    private long samples;
    private long nonZero;

    private final PcmAssembler assembler = new PcmAssembler(this::count);

    private void count(short[] s, int off, int len) {
        samples += len;
        for (int i = off; i < off + len; i++) {
            if (s[i] != 0) {
                nonZero++;
            }
        }
    }

    private int packet(int seq, long ts, long arrivalMillis) throws IOException {
        byte[] payload = new byte[160];
        java.util.Arrays.fill(payload, (byte) 0x10); // PCMU, far from silence
        int len = RtpPacket.write(buf, 0, 0, false, seq, ts, 0x1234, payload, 0, 160);
        return assembler.accept(RtpPacket.parse(buf, 0, len).orElseThrow(), buf, arrivalMillis);
    }

    @Test
    void timestampJumpAttackIsBoundedByTheWallClock() throws IOException {
        // the reproduced attack: 12,000 packets in 2.6 s, each timestamp 2 s after the previous packet's end.
        // Filled naively that is 12,000 x 16,160 samples (388 MB of WAV); now at most 2.6 s + 0.5 s of audio.
        long ts = 1000;
        for (int i = 0; i < 12_000; i++) {
            packet(i, ts, i * 2600L / 12_000);
            ts += 160 + PcmAssembler.MAX_GAP_SAMPLES;
        }
        long bound = 2600 * 8 + PcmAssembler.JITTER_ALLOWANCE_SAMPLES;
        assertThat(samples).isEqualTo(assembler.samplesWritten()).isLessThanOrEqualTo(bound);
        assertThat(assembler.samplesDropped()).isGreaterThan(12_000L * 16_000 - bound);
        // real audio is kept before invented silence
        assertThat(nonZero).isGreaterThan(bound - 2 * 160 - 16_000);
    }

    @Test
    void aFloodOfContiguousPacketsGetsOnlyRealTime() throws IOException {
        for (int i = 0; i < 1000; i++) {
            packet(i, 160L * i, 0); // 20 s of audio, all arriving at once
        }
        assertThat(samples).isEqualTo(PcmAssembler.JITTER_ALLOWANCE_SAMPLES);
        assertThat(assembler.samplesDropped()).isEqualTo(1000 * 160 - PcmAssembler.JITTER_ALLOWANCE_SAMPLES);
    }

    @Test
    void aRealTimeStreamWithALostPacketIsRecordedWhole() throws IOException {
        for (int i = 0; i < 500; i++) {
            if (i == 250) {
                continue; // lost: filled with 160 samples of silence
            }
            assertThat(packet(i, 160L * i, 20L * i + (i % 3) * 7)).isEqualTo(i == 251 ? 320 : 160); // some jitter
        }
        assertThat(samples).isEqualTo(500 * 160);
        assertThat(assembler.silenceWritten()).isEqualTo(160);
        assertThat(assembler.samplesDropped()).isZero();
        // a burst after a network hiccup (packets held back 0.4 s, then delivered together) is kept whole
        long t = 20L * 500 + 400;
        for (int i = 500; i < 520; i++) {
            packet(i, 160L * i, t);
        }
        assertThat(samples).isEqualTo(520 * 160);
    }

    @Test
    void gapsLongerThanTwoSecondsAndBackwardJumpsAreNotFilled() throws IOException {
        packet(0, 0, 0);
        packet(1, 160 + PcmAssembler.MAX_GAP_SAMPLES + 1, 10_000);
        packet(2, 50, 10_020); // backwards: a sender restart
        assertThat(samples).isEqualTo(3 * 160);
        assertThat(assembler.silenceWritten()).isZero();
    }
}
