package org.umsec.srtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Round trips, rejections and limits of {@link SrtpSession}, for every suite. */
class SrtpSessionTest {

    private static final int SSRC = 0x11223344;

    private static byte[] protect(SrtpSession tx, byte[] rtp) {
        byte[] buf = Arrays.copyOf(rtp, rtp.length + tx.rtpOverhead());
        int n = tx.protectRtp(buf, 0, rtp.length);
        assertThat(n).as(SrtpStatus.name(n)).isEqualTo(rtp.length + tx.rtpOverhead());
        return buf;
    }

    private static byte[] protectRtcp(SrtpSession tx, byte[] rtcp) {
        byte[] buf = Arrays.copyOf(rtcp, rtcp.length + tx.rtcpOverhead());
        int n = tx.protectRtcp(buf, 0, rtcp.length);
        assertThat(n).as(SrtpStatus.name(n)).isEqualTo(buf.length);
        return buf;
    }

    private static void assertAccepted(SrtpSession rx, byte[] srtp, byte[] rtp) {
        byte[] copy = srtp.clone();
        int n = rx.unprotectRtp(copy, 0, copy.length);
        assertThat(n).as(SrtpStatus.name(n)).isEqualTo(rtp.length);
        assertThat(Arrays.copyOf(copy, n)).isEqualTo(rtp);
    }

    @ParameterizedTest
    @EnumSource(SrtpSuite.class)
    void roundTripsArraysAndBuffers(SrtpSuite suite) {
        Random rnd = new Random(suite.ordinal());
        SrtpPolicy policy = Packets.policy(suite, rnd);
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        for (int i = 0; i < 300; i++) {
            byte[] rtp = Packets.randomRtp(rnd, SSRC, i);
            int mode = i % 3;
            if (mode == 0) {
                byte[] srtp = protect(tx, rtp);
                if (suite.encrypts() && rtp.length > 40) {
                    assertThat(Arrays.copyOf(srtp, rtp.length)).isNotEqualTo(rtp);
                }
                assertAccepted(rx, srtp, rtp);
            } else {
                boolean direct = mode == 2;
                ByteBuffer buf = direct ? ByteBuffer.allocateDirect(2000) : ByteBuffer.allocate(2100);
                if (!direct) {
                    buf.position(50); // non-zero position and a slice with an array offset
                    buf = buf.slice();
                }
                buf.put(rtp).flip();
                int n = tx.protectRtp(buf);
                assertThat(n).isEqualTo(rtp.length + tx.rtpOverhead());
                assertThat(buf.position()).isZero();
                assertThat(buf.limit()).isEqualTo(n);
                int m = rx.unprotectRtp(buf);
                assertThat(m).as(SrtpStatus.name(m)).isEqualTo(rtp.length);
                byte[] out = new byte[m];
                buf.get(out);
                assertThat(out).isEqualTo(rtp);
            }
            byte[] rtcp = Packets.rtcp(rnd, SSRC, rnd.nextInt(100));
            byte[] srtcp = protectRtcp(tx, rtcp);
            int n = rx.unprotectRtcp(srtcp, 0, srtcp.length);
            assertThat(n).as(SrtpStatus.name(n)).isEqualTo(rtcp.length);
            assertThat(Arrays.copyOf(srtcp, n)).isEqualTo(rtcp);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SrtpSuite.class, names = "NULL_NULL", mode = EnumSource.Mode.EXCLUDE)
    void everySingleBitFlipIsRejectedAndTheNextPacketPasses(SrtpSuite suite) {
        Random rnd = new Random(31 + suite.ordinal());
        SrtpPolicy policy = Packets.policy(suite, rnd);
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        byte[] rtp = Packets.rtp(rnd, SSRC, 1000, 2, 1, true, 60);
        byte[] srtp = protect(tx, rtp);
        for (int bit = 0; bit < srtp.length * 8; bit++) {
            byte[] forged = srtp.clone();
            forged[bit >>> 3] ^= (byte) (1 << (bit & 7));
            byte[] before = forged.clone();
            int n = rx.unprotectRtp(forged, 0, forged.length);
            assertThat(n).as("bit %d accepted", bit).isNegative();
            assertThat(forged).as("buffer changed on rejection").isEqualTo(before);
        }
        assertThat(rx.streamCount()).as("forgeries created state").isZero();
        assertAccepted(rx, srtp, rtp);

        byte[] rtcp = Packets.rtcp(rnd, SSRC, 20);
        byte[] srtcp = protectRtcp(tx, rtcp);
        for (int bit = 0; bit < srtcp.length * 8; bit++) {
            byte[] forged = srtcp.clone();
            forged[bit >>> 3] ^= (byte) (1 << (bit & 7));
            assertThat(rx.unprotectRtcp(forged, 0, forged.length))
                    .as("bit %d", bit)
                    .isNegative();
        }
        assertThat(rx.unprotectRtcp(srtcp.clone(), 0, srtcp.length)).isEqualTo(rtcp.length);
    }

    @ParameterizedTest
    @EnumSource(SrtpSuite.class)
    void replaysAndTooOldAreRejected(SrtpSuite suite) {
        Random rnd = new Random(7);
        SrtpPolicy policy = Packets.policy(suite, rnd);
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        List<byte[]> plain = new ArrayList<>();
        List<byte[]> wire = new ArrayList<>();
        for (int seq = 0; seq < 200; seq++) {
            byte[] rtp = Packets.rtp(rnd, SSRC, seq, 0, 0, false, 20);
            plain.add(rtp);
            wire.add(protect(tx, rtp));
        }
        assertAccepted(rx, wire.get(100), plain.get(100));
        byte[] again = wire.get(100).clone();
        assertThat(rx.unprotectRtp(again, 0, again.length)).isEqualTo(SrtpStatus.REPLAYED);
        byte[] old = wire.get(100 - 64).clone();
        assertThat(rx.unprotectRtp(old, 0, old.length)).isEqualTo(SrtpStatus.TOO_OLD);
        assertAccepted(rx, wire.get(100 - 63), plain.get(100 - 63)); // oldest still in the window
        assertAccepted(rx, wire.get(101), plain.get(101));
        assertAccepted(rx, wire.get(199), plain.get(199));
        byte[] late = wire.get(101).clone();
        assertThat(rx.unprotectRtp(late, 0, late.length)).isEqualTo(SrtpStatus.TOO_OLD);

        byte[] rtcp = protectRtcp(tx, Packets.rtcp(rnd, SSRC, 0));
        assertThat(rx.unprotectRtcp(rtcp.clone(), 0, rtcp.length)).isPositive();
        assertThat(rx.unprotectRtcp(rtcp.clone(), 0, rtcp.length)).isEqualTo(SrtpStatus.REPLAYED);
    }

    @Test
    void outboundRefusesToReuseAnIndex() {
        SrtpSession tx = SrtpSession.outbound(Packets.policy(SrtpSuite.AES_CM_128_HMAC_SHA1_80, new Random(1)));
        byte[] rtp = Packets.rtp(new Random(2), SSRC, 5, 0, 0, false, 10);
        protect(tx, rtp);
        byte[] buf = Arrays.copyOf(rtp, 100);
        assertThat(tx.protectRtp(buf, 0, rtp.length)).isEqualTo(SrtpStatus.REPLAYED);
        assertThat(Arrays.copyOf(buf, rtp.length)).isEqualTo(rtp);
    }

    @ParameterizedTest
    @EnumSource(SrtpSuite.class)
    void truncatedPacketsAreRejected(SrtpSuite suite) {
        Random rnd = new Random(3);
        SrtpPolicy policy = Packets.policy(suite, rnd);
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        byte[] rtp = Packets.rtp(rnd, SSRC, 9, 1, 2, true, 30);
        byte[] srtp = protect(tx, rtp);
        for (int len = 0; len < srtp.length; len++) {
            byte[] cut = Arrays.copyOf(srtp, len);
            int n = rx.unprotectRtp(cut, 0, len);
            if (suite.authenticates()) {
                assertThat(n).as("length %d", len).isNegative();
            } else {
                // Without authentication only the header can be checked.
                assertThat(n).as("length %d", len).isLessThan(len < 24 ? 0 : Integer.MAX_VALUE);
            }
        }
        if (suite.authenticates()) {
            assertAccepted(rx, srtp, rtp);
        }
        byte[] rtcpWire = protectRtcp(tx, Packets.rtcp(rnd, SSRC, 4));
        for (int len = 0; len < 8 + tx.rtcpOverhead(); len++) {
            assertThat(rx.unprotectRtcp(Arrays.copyOf(rtcpWire, len), 0, len)).isEqualTo(SrtpStatus.MALFORMED);
        }
    }

    @Test
    void malformedHeadersAreRejected() {
        SrtpPolicy policy = Packets.policy(SrtpSuite.AES_CM_128_HMAC_SHA1_80, new Random(4));
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        byte[] rtp = Packets.rtp(new Random(5), SSRC, 1, 0, 0, false, 20);
        byte[] buf = Arrays.copyOf(rtp, 100);
        buf[0] = 0x40; // version 1
        assertThat(tx.protectRtp(buf, 0, rtp.length)).isEqualTo(SrtpStatus.MALFORMED);
        buf[0] = (byte) 0x8F; // 15 CSRCs do not fit in 32 octets
        assertThat(tx.protectRtp(buf, 0, rtp.length)).isEqualTo(SrtpStatus.MALFORMED);
        buf[0] = (byte) 0x90; // extension whose length runs past the end
        buf[14] = (byte) 0xFF;
        assertThat(tx.protectRtp(buf, 0, rtp.length)).isEqualTo(SrtpStatus.MALFORMED);
        assertThat(rx.unprotectRtp(buf, 0, rtp.length + 10)).isEqualTo(SrtpStatus.MALFORMED);
        assertThat(tx.protectRtp(new byte[11], 0, 11)).isEqualTo(SrtpStatus.MALFORMED);
        assertThatThrownBy(() -> tx.protectRtp(buf, 90, 20)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rx.protectRtp(buf, 0, 20)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tx.unprotectRtp(buf, 0, 20)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(SrtpSuite.class)
    void protectNeedsRoomForTheTag(SrtpSuite suite) {
        SrtpSession tx = SrtpSession.outbound(Packets.policy(suite, new Random(6)));
        byte[] rtp = Packets.rtp(new Random(7), SSRC, 1, 0, 0, false, 20);
        if (tx.rtpOverhead() > 0) {
            byte[] tight = Arrays.copyOf(rtp, rtp.length + tx.rtpOverhead() - 1);
            assertThat(tx.protectRtp(tight, 0, rtp.length)).isEqualTo(SrtpStatus.BUFFER_TOO_SMALL);
            assertThat(Arrays.copyOf(tight, rtp.length)).isEqualTo(rtp);
        }
        byte[] rtcp = Packets.rtcp(new Random(8), SSRC, 0);
        byte[] tight = Arrays.copyOf(rtcp, rtcp.length + tx.rtcpOverhead() - 1);
        assertThat(tx.protectRtcp(tight, 0, rtcp.length)).isEqualTo(SrtpStatus.BUFFER_TOO_SMALL);
        if (tx.rtpOverhead() > 0) {
            ByteBuffer bb = ByteBuffer.allocate(rtp.length + tx.rtpOverhead() - 1);
            bb.put(rtp).flip();
            assertThat(tx.protectRtp(bb)).isEqualTo(SrtpStatus.BUFFER_TOO_SMALL);
            assertThat(bb.limit()).isEqualTo(rtp.length);
        }
    }

    @ParameterizedTest
    @EnumSource(value = SrtpSuite.class, names = "NULL_NULL", mode = EnumSource.Mode.EXCLUDE)
    void wrongKeyIsRejected(SrtpSuite suite) {
        SrtpSession tx = SrtpSession.outbound(Packets.policy(suite, new Random(9)));
        SrtpSession rx = SrtpSession.inbound(Packets.policy(suite, new Random(10)));
        byte[] srtp = protect(tx, Packets.rtp(new Random(11), SSRC, 1, 0, 0, false, 20));
        assertThat(rx.unprotectRtp(srtp, 0, srtp.length)).isEqualTo(SrtpStatus.AUTH_FAILED);
        assertThat(rx.streamCount()).isZero();
        byte[] srtcp = protectRtcp(tx, Packets.rtcp(new Random(12), SSRC, 0));
        assertThat(rx.unprotectRtcp(srtcp, 0, srtcp.length)).isEqualTo(SrtpStatus.AUTH_FAILED);
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_256_GCM", "NULL_HMAC_SHA1_32"})
    void masterKeysAreSelectedByMki(SrtpSuite suite) {
        Random rnd = new Random(13);
        byte[][] keys = new byte[2][suite.masterKeyLength()];
        byte[][] salts = new byte[2][suite.masterSaltLength()];
        for (int i = 0; i < 2; i++) {
            rnd.nextBytes(keys[i]);
            rnd.nextBytes(salts[i]);
        }
        SrtpPolicy both = SrtpPolicy.builder(suite)
                .masterKey(SrtpMasterKey.of(keys[0], salts[0], 1, 4))
                .masterKey(SrtpMasterKey.of(keys[1], salts[1], 2, 4))
                .build();
        SrtpSession tx = SrtpSession.outbound(both);
        SrtpSession rx = SrtpSession.inbound(both);
        byte[] rtp1 = Packets.rtp(rnd, SSRC, 1, 0, 0, false, 33);
        byte[] wire1 = protect(tx, rtp1);
        tx.useMasterKey(1);
        byte[] rtp2 = Packets.rtp(rnd, SSRC, 2, 0, 0, false, 33);
        byte[] wire2 = protect(tx, rtp2);
        assertAccepted(rx, wire2, rtp2);
        assertAccepted(rx, wire1, rtp1);
        assertThat(rx.packetsWithKey(0, false)).isEqualTo(1);
        assertThat(rx.packetsWithKey(1, false)).isEqualTo(1);

        // An unknown MKI is refused before anything else, and the next valid packet passes.
        byte[] rtp3 = Packets.rtp(rnd, SSRC, 3, 0, 0, false, 33);
        byte[] wire3 = protect(tx, rtp3);
        byte[] badMki = wire3.clone();
        int mkiAt = suite.isAead() ? badMki.length - 4 : badMki.length - suite.srtpTagLength() - 4;
        badMki[mkiAt + 3] = 9;
        assertThat(rx.unprotectRtp(badMki, 0, badMki.length)).isEqualTo(SrtpStatus.BAD_MKI);
        // The other key's MKI: the right key id is part of what authenticates.
        badMki[mkiAt + 3] = 1;
        assertThat(rx.unprotectRtp(badMki, 0, badMki.length)).isEqualTo(SrtpStatus.AUTH_FAILED);
        assertAccepted(rx, wire3, rtp3);

        byte[] rtcp = Packets.rtcp(rnd, SSRC, 8);
        byte[] srtcp = protectRtcp(tx, rtcp);
        assertThat(rx.unprotectRtcp(srtcp, 0, srtcp.length)).isEqualTo(rtcp.length);

        // A receiver that only knows the first key.
        SrtpSession rxOld = SrtpSession.inbound(SrtpPolicy.builder(suite)
                .masterKey(SrtpMasterKey.of(keys[0], salts[0], 1, 4))
                .build());
        assertThat(rxOld.unprotectRtp(wire3.clone(), 0, wire3.length)).isEqualTo(SrtpStatus.BAD_MKI);
        assertAccepted(rxOld, wire1, rtp1);
    }

    @Test
    void explicitSsrcsRefuseOthers() {
        Random rnd = new Random(14);
        byte[] key = new byte[16];
        byte[] salt = new byte[14];
        SrtpPolicy open = SrtpPolicy.builder(SrtpSuite.AES_CM_128_HMAC_SHA1_80)
                .masterKey(key, salt)
                .build();
        SrtpPolicy only = SrtpPolicy.builder(SrtpSuite.AES_CM_128_HMAC_SHA1_80)
                .masterKey(key, salt)
                .ssrc(SSRC)
                .build();
        SrtpSession tx = SrtpSession.outbound(open);
        SrtpSession rx = SrtpSession.inbound(only);
        byte[] other = protect(tx, Packets.rtp(rnd, 0x55, 1, 0, 0, false, 10));
        assertThat(rx.unprotectRtp(other, 0, other.length)).isEqualTo(SrtpStatus.UNKNOWN_SSRC);
        byte[] rtp = Packets.rtp(rnd, SSRC, 1, 0, 0, false, 10);
        assertAccepted(rx, protect(tx, rtp), rtp);
        assertThat(SrtpSession.outbound(only).protectRtp(Arrays.copyOf(other, 100), 0, 22))
                .isEqualTo(SrtpStatus.UNKNOWN_SSRC);
    }

    @Test
    void streamLimitBoundsState() {
        Random rnd = new Random(15);
        SrtpPolicy policy = SrtpPolicy.builder(SrtpSuite.AES_CM_128_HMAC_SHA1_80)
                .masterKey(new byte[16], new byte[14])
                .maxStreams(3)
                .build();
        SrtpSession tx = SrtpSession.outbound(SrtpPolicy.builder(SrtpSuite.AES_CM_128_HMAC_SHA1_80)
                .masterKey(new byte[16], new byte[14])
                .build());
        SrtpSession rx = SrtpSession.inbound(policy);
        for (int ssrc = 1; ssrc <= 3; ssrc++) {
            byte[] rtp = Packets.rtp(rnd, ssrc, 1, 0, 0, false, 10);
            assertAccepted(rx, protect(tx, rtp), rtp);
        }
        byte[] fourth = protect(tx, Packets.rtp(rnd, 4, 1, 0, 0, false, 10));
        assertThat(rx.unprotectRtp(fourth, 0, fourth.length)).isEqualTo(SrtpStatus.UNKNOWN_SSRC);
        rx.removeStream(1);
        assertThat(rx.unprotectRtp(fourth, 0, fourth.length)).isEqualTo(32 - 10 - 10 + 10);
    }

    @Test
    void keyLifetimeRaisesSoftThenHardLimit() {
        List<String> events = new ArrayList<>();
        SrtpPolicy policy = SrtpPolicy.builder(SrtpSuite.AES_CM_128_HMAC_SHA1_80)
                .masterKey(new byte[16], new byte[14])
                .keyLifetime(10, 4)
                .keyLimitListener((s, limit, key, packets) ->
                        events.add((s.isOutbound() ? "tx " : "rx ") + limit + "@" + packets))
                .build();
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        Random rnd = new Random(16);
        for (int seq = 0; seq < 10; seq++) {
            byte[] rtp = Packets.rtp(rnd, SSRC, seq, 0, 0, false, 10);
            assertAccepted(rx, protect(tx, rtp), rtp);
        }
        byte[] rtp = Packets.rtp(rnd, SSRC, 10, 0, 0, false, 10);
        byte[] buf = Arrays.copyOf(rtp, 100);
        assertThat(tx.protectRtp(buf, 0, rtp.length)).isEqualTo(SrtpStatus.KEY_EXPIRED);
        assertThat(tx.protectRtp(buf, 0, rtp.length)).isEqualTo(SrtpStatus.KEY_EXPIRED);
        for (int i = 0; i < 4; i++) {
            protectRtcp(tx, Packets.rtcp(rnd, SSRC, 0));
        }
        byte[] rtcp = Packets.rtcp(rnd, SSRC, 0);
        assertThat(tx.protectRtcp(Arrays.copyOf(rtcp, 100), 0, rtcp.length)).isEqualTo(SrtpStatus.KEY_EXPIRED);
        assertThat(events)
                .containsExactly(
                        "tx SRTP_SOFT@5", "rx SRTP_SOFT@5", "tx SRTP_HARD@10", "tx SRTCP_SOFT@2", "tx SRTCP_HARD@4");
    }

    @Test
    void policyChecksArgumentsEarly() {
        SrtpPolicy.Builder b = SrtpPolicy.builder(SrtpSuite.AEAD_AES_128_GCM);
        assertThatThrownBy(() -> b.masterKey(new byte[16], new byte[14])).hasMessageContaining("12-octet master salt");
        assertThatThrownBy(() -> b.masterKey(new byte[32], new byte[12])).hasMessageContaining("16-octet master key");
        assertThatThrownBy(() -> b.keyDerivationRate(1 << 16)).hasMessageContaining("not supported");
        assertThatThrownBy(() -> b.replayWindowSize(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.keyLifetime(1L << 49, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
        b.masterKey(SrtpMasterKey.of(new byte[16], new byte[12], 1, 2));
        assertThatThrownBy(() -> b.masterKey(SrtpMasterKey.of(new byte[16], new byte[12], 1, 2)))
                .hasMessageContaining("same MKI");
        assertThatThrownBy(() -> b.masterKey(SrtpMasterKey.of(new byte[16], new byte[12], 1, 3)))
                .hasMessageContaining("MKI length");
        assertThat(b.replayWindowSize(1024).keyDerivationRate(0).build().replayWindowSize())
                .isEqualTo(1024);
        assertThat(SrtpMasterKey.of(new byte[16], new byte[12]).toString()).doesNotContain("0, 0");
    }

    @Test
    void suitesMapToSdesNames() {
        for (SrtpSuite suite : SrtpSuite.values()) {
            if (suite == SrtpSuite.NULL_NULL) {
                assertThat(SrtpSuite.fromSdesName(suite.sdesName())).isEmpty();
            } else {
                assertThat(SrtpSuite.fromSdesName(suite.sdesName())).contains(suite);
            }
        }
        assertThat(SrtpSuite.fromSdesName("AES_CM_128_HMAC_SHA1_80")).contains(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
        assertThat(SrtpSuite.fromSdesName("AES_256_CM_HMAC_SHA1_32")
                        .orElseThrow()
                        .srtpTagLength())
                .isEqualTo(4);
        assertThat(SrtpSuite.AES_256_CM_HMAC_SHA1_32.srtcpTagLength()).isEqualTo(10);
        assertThat(SrtpSuite.fromSdesName("F8_128_HMAC_SHA1_80")).isEmpty();
        assertThat(SrtpSuite.fromSdesName("aes_cm_128_hmac_sha1_80")).isEmpty();
        assertThat(SrtpSuite.fromSdesName(null)).isEmpty();
        assertThat(SrtpStatus.name(SrtpStatus.AUTH_FAILED)).isEqualTo("AUTH_FAILED");
        assertThat(SrtpStatus.name(12)).isEqualTo("OK");
        assertThat(SrtpStatus.name(-100)).isEqualTo("UNKNOWN");
    }
}
