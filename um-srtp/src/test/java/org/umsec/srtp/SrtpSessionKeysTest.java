package org.umsec.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.umsec.srtp.internal.Kdf;
import org.umsec.srtp.internal.KeyDerivation;

/**
 * Session keys derived on first use (RFC 3711 §4.3): the SRTP keys with the first SRTP packet, the
 * SRTCP keys with the first SRTCP packet, each once, equal to the known answers, and packets the
 * same whatever the order of first use.
 */
class SrtpSessionKeysTest {

    private static final int SSRC = 0x5EC0DE;
    /** The names of labels 0x00..0x05 in the vectors' {@code computed_session_keys}. */
    private static final String[] LABELS = {"rtp_enc", "rtp_auth", "rtp_salt", "rtcp_enc", "rtcp_auth", "rtcp_salt"};

    /** A KDF that records every derivation: label to the keys derived for it, in order. */
    private static final class Recording implements KeyDerivation {
        final Kdf kdf;
        final Map<Integer, List<String>> derived = new TreeMap<>();

        Recording(byte[] masterKey, byte[] masterSalt) {
            kdf = new Kdf(masterKey, masterSalt);
        }

        @Override
        public byte[] derive(int label, int length) {
            byte[] key = kdf.derive(label, length);
            derived.computeIfAbsent(label, l -> new ArrayList<>()).add(Hex.encode(key));
            return key;
        }

        Set<Integer> labels() {
            return derived.keySet();
        }
    }

    private static Set<Integer> set(int... labels) {
        Set<Integer> s = new HashSet<>();
        for (int l : labels) {
            s.add(l);
        }
        return s;
    }

    /** Each derived label once, with the vector's value. */
    private static void assertKnownAnswers(Recording keys, Map<String, Object> expected) {
        for (Map.Entry<Integer, List<String>> e : keys.derived.entrySet()) {
            assertThat(e.getValue()).as(LABELS[e.getKey()]).containsExactly((String) expected.get(LABELS[e.getKey()]));
        }
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> eachHalfIsDerivedOnFirstUseOnceWithTheKnownAnswers() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> v : SrtpKnownAnswerTest.vectors()) {
            Map<String, Object> out = (Map<String, Object>) v.get("expected");
            Map<String, Object> keys = out == null ? null : (Map<String, Object>) out.get("computed_session_keys");
            String id = (String) v.get("id");
            if (keys != null && "srtp_protect".equals(v.get("kind")) && !id.contains("mki")) {
                tests.add(DynamicTest.dynamicTest(id, () -> derivesLazily(v, keys)));
            }
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(5); // AES-128, NULL cipher, GCM, AES-192, AES-256
        return tests;
    }

    private static void derivesLazily(Map<String, Object> v, Map<String, Object> expected) {
        String suiteName = (String) v.get("suite");
        SrtpSuite suite = Arrays.stream(SrtpSuite.values())
                .filter(s -> suiteName.startsWith(s.name())
                        || suiteName.startsWith(s.name().replace("AES_192_CM", "AES_CM_192"))
                        || suiteName.startsWith(s.name().replace("AES_256_CM", "AES_CM_256")))
                .findFirst()
                .orElseThrow();
        byte[] masterKey = Hex.decode((String) v.get("master_key"));
        byte[] masterSalt = Hex.decode((String) v.get("master_salt"));
        SrtpPolicy policy =
                SrtpPolicy.builder(suite).masterKey(masterKey, masterSalt).build();
        // Only the keys the suite uses: no authentication key for AEAD, no cipher key and salt for NULL.
        Set<Integer> rtp = new HashSet<>();
        Set<Integer> rtcp = new HashSet<>();
        if (suite.encrypts()) {
            rtp.addAll(set(Kdf.SRTP_ENCRYPTION, Kdf.SRTP_SALT));
            rtcp.addAll(set(Kdf.SRTCP_ENCRYPTION, Kdf.SRTCP_SALT));
        }
        if (suite.authenticates() && !suite.isAead()) {
            rtp.add(Kdf.SRTP_AUTHENTICATION);
            rtcp.add(Kdf.SRTCP_AUTHENTICATION);
        }
        Set<Integer> all = new HashSet<>(rtp);
        all.addAll(rtcp);
        Random rnd = new Random(7);

        // Outbound: RTCP first, then RTP, then both again.
        Recording txKeys = new Recording(masterKey, masterSalt);
        SrtpSession tx = SrtpSession.withSessionKeys(policy, true, txKeys);
        assertThat(txKeys.labels()).isEmpty();
        byte[] rtcp1 = Packets.rtcp(rnd, SSRC, 24);
        byte[] srtcp1 = protectRtcp(tx, rtcp1);
        assertThat(txKeys.labels()).as("after the first SRTCP packet").isEqualTo(rtcp);
        byte[] rtp1 = Packets.rtp(rnd, SSRC, 1, 0, 0, false, 160);
        byte[] srtp1 = protectRtp(tx, rtp1);
        assertThat(txKeys.labels()).as("after the first SRTP packet").isEqualTo(all);
        protectRtp(tx, Packets.rtp(rnd, SSRC, 2, 0, 0, false, 160));
        protectRtcp(tx, Packets.rtcp(rnd, SSRC, 0));
        assertKnownAnswers(txKeys, expected);

        // Inbound: RTP first, then RTCP.
        Recording rxKeys = new Recording(masterKey, masterSalt);
        SrtpSession rx = SrtpSession.withSessionKeys(policy, false, rxKeys);
        assertThat(rxKeys.labels()).isEmpty();
        byte[] buf = srtp1.clone();
        assertThat(rx.unprotectRtp(buf, 0, buf.length)).isEqualTo(rtp1.length);
        assertThat(Arrays.copyOf(buf, rtp1.length)).isEqualTo(rtp1);
        assertThat(rxKeys.labels()).as("after the first SRTP packet").isEqualTo(rtp);
        buf = srtcp1.clone();
        assertThat(rx.unprotectRtcp(buf, 0, buf.length)).isEqualTo(rtcp1.length);
        assertThat(Arrays.copyOf(buf, rtcp1.length)).isEqualTo(rtcp1);
        assertThat(rxKeys.labels()).as("after the first SRTCP packet").isEqualTo(all);
        assertKnownAnswers(rxKeys, expected);
    }

    private static byte[] protectRtp(SrtpSession tx, byte[] rtp) {
        byte[] buf = Arrays.copyOf(rtp, rtp.length + tx.rtpOverhead());
        int n = tx.protectRtp(buf, 0, rtp.length);
        assertThat(n).as(SrtpStatus.name(n)).isEqualTo(buf.length);
        return buf;
    }

    private static byte[] protectRtcp(SrtpSession tx, byte[] rtcp) {
        byte[] buf = Arrays.copyOf(rtcp, rtcp.length + tx.rtcpOverhead());
        int n = tx.protectRtcp(buf, 0, rtcp.length);
        assertThat(n).as(SrtpStatus.name(n)).isEqualTo(buf.length);
        return buf;
    }

    @ParameterizedTest
    @EnumSource(SrtpSuite.class)
    void packetsAreTheSameWhateverTheOrderOfFirstUse(SrtpSuite suite) {
        Random rnd = new Random(13 + suite.ordinal());
        SrtpPolicy policy = Packets.policy(suite, rnd);
        int n = 20;
        byte[][] rtp = new byte[n][];
        byte[][] rtcp = new byte[n][];
        for (int i = 0; i < n; i++) {
            rtp[i] = Packets.randomRtp(rnd, SSRC, i);
            rtcp[i] = Packets.rtcp(rnd, SSRC, rnd.nextInt(60));
        }
        // Interleaved, RTCP first; RTP only; RTCP only.
        SrtpSession both = SrtpSession.outbound(policy);
        SrtpSession rtpOnly = SrtpSession.outbound(policy);
        SrtpSession rtcpOnly = SrtpSession.outbound(policy);
        byte[][] srtp = new byte[n][];
        byte[][] srtcp = new byte[n][];
        for (int i = 0; i < n; i++) {
            srtcp[i] = protectRtcp(both, rtcp[i]);
            srtp[i] = protectRtp(both, rtp[i]);
        }
        for (int i = 0; i < n; i++) {
            assertThat(protectRtp(rtpOnly, rtp[i])).as("SRTP %d", i).isEqualTo(srtp[i]);
        }
        for (int i = 0; i < n; i++) {
            assertThat(protectRtcp(rtcpOnly, rtcp[i])).as("SRTCP %d", i).isEqualTo(srtcp[i]);
        }
        // Inbound: interleaved RTP first, RTP only, RTCP only.
        SrtpSession rxBoth = SrtpSession.inbound(policy);
        SrtpSession rxRtp = SrtpSession.inbound(policy);
        SrtpSession rxRtcp = SrtpSession.inbound(policy);
        for (int i = 0; i < n; i++) {
            assertUnprotects(rxBoth, false, srtp[i], rtp[i]);
            assertUnprotects(rxBoth, true, srtcp[i], rtcp[i]);
            assertUnprotects(rxRtp, false, srtp[i], rtp[i]);
            assertUnprotects(rxRtcp, true, srtcp[i], rtcp[i]);
        }
    }

    private static void assertUnprotects(SrtpSession rx, boolean rtcp, byte[] protectedPacket, byte[] plain) {
        byte[] buf = protectedPacket.clone();
        int n = rtcp ? rx.unprotectRtcp(buf, 0, buf.length) : rx.unprotectRtp(buf, 0, buf.length);
        assertThat(n).as(SrtpStatus.name(n)).isEqualTo(plain.length);
        assertThat(Arrays.copyOf(buf, n)).isEqualTo(plain);
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    void aForgedFirstPacketDerivesTheKeysButChangesNothing(SrtpSuite suite) {
        Random rnd = new Random(99);
        SrtpPolicy policy = SrtpPolicy.builder(suite)
                .masterKey(Packets.policy(suite, rnd).masterKeys().get(0))
                .build();
        SrtpSession tx = SrtpSession.outbound(policy);
        byte[] rtp = Packets.rtp(rnd, SSRC, 1, 0, 0, false, 160);
        byte[] rtcp = Packets.rtcp(rnd, SSRC, 8);
        byte[] srtp = protectRtp(tx, rtp);
        byte[] srtcp = protectRtcp(tx, rtcp);
        SrtpSession rx = SrtpSession.inbound(policy);
        byte[] forged = srtp.clone();
        forged[forged.length - 1] ^= 1;
        assertThat(rx.unprotectRtp(forged, 0, forged.length)).isEqualTo(SrtpStatus.AUTH_FAILED);
        forged = srtcp.clone();
        forged[forged.length - 1] ^= 1;
        assertThat(rx.unprotectRtcp(forged, 0, forged.length)).isEqualTo(SrtpStatus.AUTH_FAILED);
        assertThat(rx.streamCount()).isZero();
        assertUnprotects(rx, false, srtp, rtp);
        assertUnprotects(rx, true, srtcp, rtcp);
    }

    @Test
    void unusedMasterKeysDeriveNothing() {
        Random rnd = new Random(8);
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        byte[] key = new byte[16];
        byte[] salt = new byte[14];
        rnd.nextBytes(key);
        rnd.nextBytes(salt);
        SrtpPolicy policy = SrtpPolicy.builder(suite)
                .masterKey(SrtpMasterKey.of(key, salt, new byte[] {1}))
                .masterKey(SrtpMasterKey.of(key, salt, new byte[] {2}))
                .build();
        // One recording source for both master keys: a count of 2 per label means both derived.
        Recording keys = new Recording(key, salt);
        SrtpSession tx = SrtpSession.withSessionKeys(policy, true, keys);
        protectRtp(tx, Packets.rtp(rnd, SSRC, 1, 0, 0, false, 160));
        protectRtp(tx, Packets.rtp(rnd, SSRC, 2, 0, 0, false, 160));
        assertThat(keys.labels()).isEqualTo(set(0, 1, 2));
        keys.derived.values().forEach(l -> assertThat(l).hasSize(1));
        tx.useMasterKey(1);
        protectRtp(tx, Packets.rtp(rnd, SSRC, 3, 0, 0, false, 160));
        assertThat(keys.labels()).isEqualTo(set(0, 1, 2));
        keys.derived.values().forEach(l -> assertThat(l).hasSize(2));
    }

    @Test
    void kdfsOfDifferentMasterKeysInterleaveOnOneThreadAndAcrossThreads() throws Exception {
        // RFC 3711 §B.3, between derivations for another master key on the same thread's PRF.
        Kdf rfc = new Kdf(Hex.decode("e1f97a0d3e018be0d64fa32c06de4139"), Hex.decode("0ec675ad498afeebb6960b3aabe6"));
        byte[] otherKey = new byte[32];
        new Random(5).nextBytes(otherKey);
        Kdf other = new Kdf(otherKey, new byte[12]);
        byte[] otherFirst = other.derive(Kdf.SRTP_ENCRYPTION, 32);
        for (int round = 0; round < 3; round++) {
            assertThat(Hex.encode(rfc.derive(Kdf.SRTP_ENCRYPTION, 16))).isEqualTo("c61e7a93744f39ee10734afe3ff7a087");
            assertThat(other.derive(Kdf.SRTP_ENCRYPTION, 32)).isEqualTo(otherFirst);
            assertThat(Hex.encode(rfc.derive(Kdf.SRTP_SALT, 14))).isEqualTo("30cbbc08863d8c85d49db34a9ae1");
            assertThat(Hex.encode(rfc.derive(Kdf.SRTP_AUTHENTICATION, 20)))
                    .isEqualTo("cebe321f6ff7716b6fd4ab49af256a156d38baa4");
        }
        AtomicReference<String> elsewhere = new AtomicReference<>();
        Thread t = new Thread(() -> elsewhere.set(Hex.encode(rfc.derive(Kdf.SRTCP_ENCRYPTION, 16))));
        t.start();
        t.join();
        assertThat(elsewhere.get()).isEqualTo("4c1aa45a81f73d61c800bbb00fbb1eaa");
        assertThat(Hex.encode(rfc.derive(Kdf.SRTCP_ENCRYPTION, 16))).isEqualTo("4c1aa45a81f73d61c800bbb00fbb1eaa");
    }
}
