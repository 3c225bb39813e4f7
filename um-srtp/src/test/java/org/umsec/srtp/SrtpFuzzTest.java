package org.umsec.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * Fuzz target for SRTP and SRTCP {@code unprotect} against a live session (RFC 3711 §3.3, §3.4): the attacker
 * sends arbitrary bytes, or a valid packet with some octets changed, to an inbound session that has already
 * accepted traffic. Invariants:
 *
 * <ul>
 *   <li>unprotect returns a length or an {@link SrtpStatus}, never throws;
 *   <li>a refused packet changes nothing: the buffer (and a {@link ByteBuffer}'s position and limit), the
 *       number of SSRC states, the rollover counter, the per-key packet counts, the replay window (a held-back
 *       valid packet is still accepted, a delivered one is still a replay);
 *   <li>protect then unprotect is the identity, before and after the attack.
 * </ul>
 *
 * <p>Corpus: {@code src/test/resources/org/umsec/srtp/SrtpFuzzTestInputs/unprotectArbitraryBytes/}; the input is
 * read through a {@link FuzzedDataProvider} (suite, MKI, start sequence number, then the attack).
 */
class SrtpFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void unprotectArbitraryBytes(FuzzedDataProvider data) {
        SrtpSuite suite = data.pickValue(SrtpSuite.values());
        boolean rtcp = data.consumeBoolean();
        int mkiLength = data.consumeBoolean() ? data.consumeInt(1, 4) : 0;
        Random rnd = new Random(data.consumeLong());
        SrtpPolicy.Builder pb = SrtpPolicy.builder(suite);
        for (int k = 0; k < (mkiLength > 0 ? 2 : 1); k++) {
            byte[] key = new byte[suite.masterKeyLength()];
            byte[] salt = new byte[suite.masterSaltLength()];
            rnd.nextBytes(key);
            rnd.nextBytes(salt);
            pb.masterKey(mkiLength > 0 ? SrtpMasterKey.of(key, salt, k + 1, mkiLength) : SrtpMasterKey.of(key, salt));
        }
        SrtpPolicy policy = pb.build();
        SrtpSession tx = SrtpSession.outbound(policy);
        SrtpSession rx = SrtpSession.inbound(policy);
        if (mkiLength > 0 && data.consumeBoolean()) {
            tx.useMasterKey(1);
        }
        int ssrc = rnd.nextInt();
        int seq = data.consumeInt(0, 0xFFFF); // near 0xFFFF exercises the rollover

        Packet delivered = null;
        for (int n = data.consumeInt(1, 3); n > 0; n--) {
            delivered = Packet.protect(tx, rtcp, rnd, ssrc, seq++);
            delivered.assertAccepted(rx);
        }
        Packet held = Packet.protect(tx, rtcp, rnd, ssrc, seq++);
        Packet next = Packet.protect(tx, rtcp, rnd, ssrc, seq++);

        // The attack: a mutated valid packet, or raw bytes.
        byte[] junk;
        int kind = data.consumeInt(0, 3);
        if (kind < 3) {
            byte[] base = (kind == 0 ? held : kind == 1 ? next : delivered).srtp;
            junk = base.clone();
            for (int m = data.consumeInt(0, 4); m > 0; m--) {
                junk[data.consumeInt(0, junk.length - 1)] = data.consumeByte();
            }
            if (data.consumeBoolean()) {
                junk = Arrays.copyOf(junk, data.consumeInt(0, junk.length + 8));
            }
        } else {
            junk = data.consumeRemainingAsBytes();
        }
        boolean viaBuffer = (junk.length & 1) == 0;

        State before = State.of(rx, ssrc, policy);
        byte[] copy = junk.clone();
        int r;
        if (viaBuffer) {
            ByteBuffer buf = ByteBuffer.allocate(copy.length + 7);
            buf.position(3).limit(3 + copy.length);
            buf.put(copy).position(3);
            r = rtcp ? rx.unprotectRtcp(buf) : rx.unprotectRtp(buf);
            if (r < 0) {
                assertThat(buf.position()).isEqualTo(3);
                assertThat(buf.limit()).isEqualTo(3 + copy.length);
            }
            buf.limit(3 + copy.length).position(3);
            buf.get(copy);
        } else {
            r = rtcp ? rx.unprotectRtcp(copy, 0, copy.length) : rx.unprotectRtp(copy, 0, copy.length);
        }
        if (r >= 0) {
            // Accepted: only an unchanged valid packet, or anything under NULL_NULL (no authentication).
            assertThat(r).isLessThanOrEqualTo(junk.length);
            return;
        }
        assertThat(r).as("a status").isBetween(SrtpStatus.INDEX_EXHAUSTED, SrtpStatus.AUTH_FAILED);
        assertThat(copy).as("a refused packet's buffer is untouched").isEqualTo(junk);
        assertThat(State.of(rx, ssrc, policy))
                .as("state after refusing %s", SrtpStatus.name(r))
                .isEqualTo(before);
        if (!Arrays.equals(junk, held.srtp)) {
            held.assertAccepted(rx);
        }
        if (!Arrays.equals(junk, next.srtp)) {
            next.assertAccepted(rx);
        }
        int replay = delivered.unprotect(rx);
        assertThat(replay).as(SrtpStatus.name(replay)).isEqualTo(SrtpStatus.REPLAYED);
        Packet.protect(tx, rtcp, rnd, ssrc, seq).assertAccepted(rx);
    }

    /** What a refused packet must not change. */
    private record State(
            int streams, long roc, long rtpPackets0, long rtcpPackets0, long rtpPackets1, long rtcpPackets1) {
        static State of(SrtpSession s, int ssrc, SrtpPolicy policy) {
            boolean two = policy.masterKeys().size() > 1;
            return new State(
                    s.streamCount(),
                    s.rolloverCounter(ssrc),
                    s.packetsWithKey(0, false),
                    s.packetsWithKey(0, true),
                    two ? s.packetsWithKey(1, false) : 0,
                    two ? s.packetsWithKey(1, true) : 0);
        }
    }

    /** A plain packet and its protected form. */
    private record Packet(boolean rtcp, byte[] plain, byte[] srtp) {
        static Packet protect(SrtpSession tx, boolean rtcp, Random rnd, int ssrc, int seq) {
            byte[] plain = rtcp
                    ? Packets.rtcp(rnd, ssrc, rnd.nextInt(64))
                    : Packets.rtp(rnd, ssrc, seq & 0xFFFF, rnd.nextInt(3), 1, rnd.nextInt(4) == 0, rnd.nextInt(200));
            byte[] buf = Arrays.copyOf(plain, plain.length + (rtcp ? tx.rtcpOverhead() : tx.rtpOverhead()));
            int n = rtcp ? tx.protectRtcp(buf, 0, plain.length) : tx.protectRtp(buf, 0, plain.length);
            assertThat(n).as(SrtpStatus.name(n)).isEqualTo(buf.length);
            return new Packet(rtcp, plain, buf);
        }

        int unprotect(SrtpSession rx) {
            byte[] copy = srtp.clone();
            return rtcp ? rx.unprotectRtcp(copy, 0, copy.length) : rx.unprotectRtp(copy, 0, copy.length);
        }

        void assertAccepted(SrtpSession rx) {
            byte[] copy = srtp.clone();
            int n = rtcp ? rx.unprotectRtcp(copy, 0, copy.length) : rx.unprotectRtp(copy, 0, copy.length);
            assertThat(n).as(SrtpStatus.name(n)).isEqualTo(plain.length);
            assertThat(Arrays.copyOf(copy, n)).isEqualTo(plain);
        }
    }
}
