package org.umsec.srtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.utils.ByteArrayBuffer;
import org.jitsi.utils.logging2.LoggerImpl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interoperability with a peer that is not ours: jitsi-srtp protects and umsec unprotects, and the
 * reverse, for every suite both implement, over thousands of
 * random packets whose sequence numbers start just below a wrap and whose ROC starts near 2^16,
 * so the rollover counter advances during the run; SRTCP too. Both sides must also produce the
 * very same protected octets.
 *
 * <p>Not cross-checked: AES-192 (jitsi-srtp has no such suite), MKI (jitsi-srtp does not
 * support it), NULL_HMAC_SHA1_* (jitsi-srtp 1.1-23 throws a NullPointerException deriving keys
 * for its NULL cipher: {@code SrtpKdf.deriveSessionKey} needs the AES-CM cipher it does not
 * create), and NULL_NULL. Those are covered by the libsrtp known answers in
 * {@link SrtpKnownAnswerTest} and the round trips in {@link SrtpSessionTest}.
 */
class JitsiCrossCheckTest {

    private static final int PACKETS = 2500;

    /** jitsi's in-place buffer interface over a growable array. */
    static final class Buffer implements ByteArrayBuffer {
        byte[] buf;
        int off;
        int len;

        Buffer(byte[] data, int headroom) {
            buf = Arrays.copyOf(data, data.length + headroom);
            len = data.length;
        }

        @Override
        public byte[] getBuffer() {
            return buf;
        }

        @Override
        public int getOffset() {
            return off;
        }

        @Override
        public int getLength() {
            return len;
        }

        @Override
        public void setLength(int l) {
            len = l;
        }

        @Override
        public void setOffset(int o) {
            off = o;
        }

        @Override
        public boolean isInvalid() {
            return false;
        }

        @Override
        public void readRegionToBuff(int o, int l, byte[] out) {
            System.arraycopy(buf, off + o, out, 0, l);
        }

        @Override
        public void grow(int n) {
            if (buf.length < off + len + n) {
                buf = Arrays.copyOf(buf, off + len + n);
            }
        }

        @Override
        public void append(byte[] data, int l) {
            grow(l);
            System.arraycopy(data, 0, buf, off + len, l);
            len += l;
        }

        @Override
        public void shrink(int n) {
            len = Math.max(0, len - n);
        }

        byte[] bytes() {
            return Arrays.copyOfRange(buf, off, off + len);
        }
    }

    static org.jitsi.srtp.SrtpPolicy jitsiPolicy(SrtpSuite suite, boolean rtcp) {
        int tag = rtcp ? suite.srtcpTagLength() : suite.srtpTagLength();
        switch (suite.cipher()) {
            case AES_GCM:
                return new org.jitsi.srtp.SrtpPolicy(
                        org.jitsi.srtp.SrtpPolicy.AESGCM_ENCRYPTION,
                        suite.masterKeyLength(),
                        org.jitsi.srtp.SrtpPolicy.NULL_AUTHENTICATION,
                        0,
                        tag,
                        suite.masterSaltLength());
            case AES_CM:
                return new org.jitsi.srtp.SrtpPolicy(
                        org.jitsi.srtp.SrtpPolicy.AESCM_ENCRYPTION,
                        suite.masterKeyLength(),
                        org.jitsi.srtp.SrtpPolicy.HMACSHA1_AUTHENTICATION,
                        20,
                        tag,
                        suite.masterSaltLength());
            default:
                return new org.jitsi.srtp.SrtpPolicy(
                        org.jitsi.srtp.SrtpPolicy.NULL_ENCRYPTION,
                        suite.masterKeyLength(),
                        org.jitsi.srtp.SrtpPolicy.HMACSHA1_AUTHENTICATION,
                        20,
                        tag,
                        suite.masterSaltLength());
        }
    }

    static SrtpContextFactory jitsiFactory(SrtpSuite suite, boolean sender, byte[] key, byte[] salt) {
        return new SrtpContextFactory(
                sender,
                key,
                salt,
                jitsiPolicy(suite, false),
                jitsiPolicy(suite, true),
                new LoggerImpl("jitsi-crosscheck"));
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {
                "AES_CM_128_HMAC_SHA1_80",
                "AES_CM_128_HMAC_SHA1_32",
                "AES_256_CM_HMAC_SHA1_80",
                "AES_256_CM_HMAC_SHA1_32",
                "AEAD_AES_128_GCM",
                "AEAD_AES_256_GCM"
            })
    void srtpBothWays(SrtpSuite suite) throws Exception {
        Random rnd = new Random(suite.ordinal() * 7919L);
        byte[] key = new byte[suite.masterKeyLength()];
        byte[] salt = new byte[suite.masterSaltLength()];
        rnd.nextBytes(key);
        rnd.nextBytes(salt);
        SrtpPolicy policy = SrtpPolicy.builder(suite).masterKey(key, salt).build();
        int ssrc = rnd.nextInt();
        int roc = 0xFFFE + rnd.nextInt(2); // ROC crosses 2^16 (index crosses 2^32) during the run
        int seq = 65536 - 1000;

        SrtpSession umsecTx = SrtpSession.outbound(policy);
        SrtpSession umsecRx = SrtpSession.inbound(policy);
        umsecTx.setRolloverCounter(ssrc, roc);
        umsecRx.setRolloverCounter(ssrc, roc);
        SrtpCryptoContext jitsiTx = jitsiFactory(suite, true, key, salt).deriveContext(ssrc, roc);
        SrtpCryptoContext jitsiRx = jitsiFactory(suite, false, key, salt).deriveContext(ssrc, roc);

        for (int i = 0; i < PACKETS; i++) {
            int s = (seq + i) & 0xFFFF;
            byte[] rtp = Packets.randomRtp(rnd, ssrc, s);

            // umsec -> jitsi
            byte[] buf = Arrays.copyOf(rtp, rtp.length + 64);
            int n = umsecTx.protectRtp(buf, 0, rtp.length);
            assertThat(n).as("umsec protect %s", SrtpStatus.name(n)).isPositive();
            byte[] umsecWire = Arrays.copyOf(buf, n);
            Buffer jb = new Buffer(umsecWire, 0);
            assertThat(jitsiRx.reverseTransformPacket(jb, false)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(jb.bytes()).isEqualTo(rtp);

            // jitsi -> umsec; same keys and index, so the same octets
            Buffer jt = new Buffer(rtp, 64);
            assertThat(jitsiTx.transformPacket(jt)).isEqualTo(SrtpErrorStatus.OK);
            byte[] jitsiWire = jt.bytes();
            assertThat(jitsiWire).isEqualTo(umsecWire);
            buf = Arrays.copyOf(jitsiWire, jitsiWire.length);
            n = umsecRx.unprotectRtp(buf, 0, buf.length);
            assertThat(n).as("umsec unprotect %s", SrtpStatus.name(n)).isEqualTo(rtp.length);
            assertThat(Arrays.copyOf(buf, n)).isEqualTo(rtp);
        }
        assertThat(umsecRx.rolloverCounter(ssrc)).isEqualTo(roc + 1L);
    }

    @ParameterizedTest
    @EnumSource(
            value = SrtpSuite.class,
            names = {
                "AES_CM_128_HMAC_SHA1_80",
                "AES_CM_128_HMAC_SHA1_32",
                "AES_256_CM_HMAC_SHA1_80",
                "AES_256_CM_HMAC_SHA1_32",
                "AEAD_AES_128_GCM",
                "AEAD_AES_256_GCM"
            })
    void srtcpBothWays(SrtpSuite suite) throws Exception {
        Random rnd = new Random(suite.ordinal() * 104729L);
        byte[] key = new byte[suite.masterKeyLength()];
        byte[] salt = new byte[suite.masterSaltLength()];
        rnd.nextBytes(key);
        rnd.nextBytes(salt);
        SrtpPolicy policy = SrtpPolicy.builder(suite).masterKey(key, salt).build();
        int ssrc = rnd.nextInt();
        SrtpSession umsecTx = SrtpSession.outbound(policy);
        SrtpSession umsecRx = SrtpSession.inbound(policy);
        SrtcpCryptoContext jitsiTx = jitsiFactory(suite, true, key, salt).deriveControlContext(ssrc);
        SrtcpCryptoContext jitsiRx = jitsiFactory(suite, false, key, salt).deriveControlContext(ssrc);

        for (int i = 0; i < PACKETS / 5; i++) {
            byte[] rtcp = Packets.rtcp(rnd, ssrc, rnd.nextInt(200));
            byte[] buf = Arrays.copyOf(rtcp, rtcp.length + 64);
            int n = umsecTx.protectRtcp(buf, 0, rtcp.length);
            assertThat(n).as(SrtpStatus.name(n)).isPositive();
            byte[] umsecWire = Arrays.copyOf(buf, n);
            Buffer jb = new Buffer(umsecWire, 0);
            assertThat(jitsiRx.reverseTransformPacket(jb)).isEqualTo(SrtpErrorStatus.OK);
            assertThat(jb.bytes()).isEqualTo(rtcp);

            Buffer jt = new Buffer(rtcp, 64);
            assertThat(jitsiTx.transformPacket(jt)).isEqualTo(SrtpErrorStatus.OK);
            byte[] jitsiWire = jt.bytes();
            assertThat(jitsiWire).isEqualTo(umsecWire);
            n = umsecRx.unprotectRtcp(jitsiWire, 0, jitsiWire.length);
            assertThat(n).as(SrtpStatus.name(n)).isEqualTo(rtcp.length);
            assertThat(Arrays.copyOf(jitsiWire, n)).isEqualTo(rtcp);
        }
    }
}
