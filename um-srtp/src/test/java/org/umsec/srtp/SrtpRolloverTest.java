package org.umsec.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rollover from seeded start states (libsrtp ROC_TEST): sequence numbers wrapping at 2^16,
 * the packet index crossing 2^32 (ROC 0xFFFF to 0x10000) and reaching the end of the 48-bit index
 * space, with reordering across each boundary; SRTCP index exhaustion at 2^31.
 */
class SrtpRolloverTest {

    private static final int SSRC = 0xCAFEBABE;

    private static int protect(SrtpSession tx, byte[] buf, byte[] rtp) {
        System.arraycopy(rtp, 0, buf, 0, rtp.length);
        return tx.protectRtp(buf, 0, rtp.length);
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    void wrapsAcrossSeededBoundariesWithReordering(SrtpSuite suite) {
        for (long roc : new long[] {0, 0xFFFF, 0xFFFFFFFEL}) {
            Random rnd = new Random(roc);
            SrtpPolicy policy = Packets.policy(suite, rnd);
            SrtpSession tx = SrtpSession.outbound(policy);
            SrtpSession rx = SrtpSession.inbound(policy);
            tx.setRolloverCounter(SSRC, roc);
            rx.setRolloverCounter(SSRC, roc);
            int start = 65536 - 40;
            byte[][] plain = new byte[80][];
            byte[][] wire = new byte[80][];
            for (int i = 0; i < 80; i++) {
                plain[i] = Packets.rtp(rnd, SSRC, (start + i) & 0xFFFF, 0, 0, false, 24);
                byte[] buf = new byte[100];
                int n = protect(tx, buf, plain[i]);
                assertThat(n).as(SrtpStatus.name(n)).isPositive();
                wire[i] = Arrays.copyOf(buf, n);
            }
            assertThat(tx.rolloverCounter(SSRC)).isEqualTo(roc + 1);
            // Deliver in a shuffled order within a distance of 16 packets around the wrap.
            int[] order = new int[80];
            for (int i = 0; i < 80; i++) {
                order[i] = i;
            }
            for (int i = 0; i < 80; i += 16) {
                for (int j = i + 15; j > i; j--) {
                    int k = i + rnd.nextInt(j - i + 1);
                    int t = order[j];
                    order[j] = order[k];
                    order[k] = t;
                }
            }
            for (int i : order) {
                byte[] copy = wire[i].clone();
                int n = rx.unprotectRtp(copy, 0, copy.length);
                assertThat(n)
                        .as("roc %d packet %d: %s", roc, i, SrtpStatus.name(n))
                        .isEqualTo(plain[i].length);
                assertThat(Arrays.copyOf(copy, n)).isEqualTo(plain[i]);
            }
            assertThat(rx.rolloverCounter(SSRC)).isEqualTo(roc + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {"AES_CM_128_HMAC_SHA1_32", "AEAD_AES_256_GCM"})
    void indexSpaceEndsAt2To48(SrtpSuite suite) {
        Random rnd = new Random(1);
        SrtpPolicy policy = Packets.policy(suite, rnd);
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        tx.setRolloverCounter(SSRC, 0xFFFFFFFFL);
        rx.setRolloverCounter(SSRC, 0xFFFFFFFFL);
        byte[] buf = new byte[100];
        for (int seq = 65530; seq < 65536; seq++) {
            byte[] rtp = Packets.rtp(rnd, SSRC, seq, 0, 0, false, 8);
            int n = protect(tx, buf, rtp);
            assertThat(n).isPositive();
            assertThat(rx.unprotectRtp(Arrays.copyOf(buf, n), 0, n)).isEqualTo(rtp.length);
        }
        byte[] wrapped = Packets.rtp(rnd, SSRC, 0, 0, 0, false, 8);
        assertThat(protect(tx, buf, wrapped)).isEqualTo(SrtpStatus.INDEX_EXHAUSTED);
        assertThat(Arrays.copyOf(buf, wrapped.length)).isEqualTo(wrapped);
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    void srtcpIndexEndsAt2To31(SrtpSuite suite) {
        Random rnd = new Random(2);
        SrtpPolicy policy = Packets.policy(suite, rnd);
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        tx.setNextRtcpIndex(SSRC, 0x7FFFFFFEL);
        byte[] buf = new byte[200];
        for (int i = 0; i < 2; i++) {
            byte[] rtcp = Packets.rtcp(rnd, SSRC, 4);
            System.arraycopy(rtcp, 0, buf, 0, rtcp.length);
            int n = tx.protectRtcp(buf, 0, rtcp.length);
            assertThat(n).isPositive();
            assertThat(rx.unprotectRtcp(Arrays.copyOf(buf, n), 0, n)).isEqualTo(rtcp.length);
        }
        byte[] rtcp = Packets.rtcp(rnd, SSRC, 4);
        System.arraycopy(rtcp, 0, buf, 0, rtcp.length);
        assertThat(tx.protectRtcp(buf, 0, rtcp.length)).isEqualTo(SrtpStatus.INDEX_EXHAUSTED);
    }
}
