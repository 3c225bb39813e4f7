package org.umsec.srtp;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.utils.logging2.LoggerImpl;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SRTP protect, unprotect and forged-packet rejection: umsec against jitsi-srtp (its fastest
 * provider here, which it picks itself: OpenSSL through JNI when its native library loads, as it
 * does on linux-x86_64), per suite and payload size (after a 12-octet RTP header).
 *
 * <pre>
 * mvn -B -o -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar SrtpBenchmark -prof gc
 * java -jar benchmarks/target/benchmarks.jar SrtpBenchmark -prof gc -f 1 -wi 3 -w 1 -i 5 -r 1 \
 *     -p suite=AES_CM_128_HMAC_SHA1_80 -p payload=160
 * </pre>
 *
 * <ul>
 *   <li>{@code protect}: copy a template RTP packet into the work buffer, give it the next sequence
 *       number, protect it in place (both implementations do the same copy).
 *   <li>{@code unprotect}: copy the next of 1,024 pre-protected packets into the work buffer and
 *       unprotect it. When the ring wraps, umsec's replay window is reset by
 *       {@link SrtpSession#setRolloverCounter} (once per 1,024 packets, allocation-free); jitsi's
 *       receiver runs with replay checking disabled, which only flatters jitsi.
 *   <li>{@code rejectForged}: unprotect a packet whose last tag octet is flipped; measures the cost
 *       of refusing forgeries (libsrtp {@code srtp_driver -r}).
 * </ul>
 *
 * <p>The NULL suites are left out of the default parameters because jitsi-srtp cannot derive keys
 * for its NULL cipher; run them for umsec alone with {@code -p impl=umsec -p suite=NULL_HMAC_SHA1_80}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The JDK's carry-less-multiply GHASH is reachable only where java.base opens its package (as the
// server jar's Add-Opens manifest entry does); without it umsec falls back to table GHASH.
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SrtpBenchmark {

    private static final int RING = 1024;
    private static final int SSRC = 0x5EC0DE;

    @Param({"umsec", "jitsi"})
    public String impl;

    @Param({
        "AES_CM_128_HMAC_SHA1_80",
        "AES_CM_128_HMAC_SHA1_32",
        "AES_256_CM_HMAC_SHA1_80",
        "AEAD_AES_128_GCM",
        "AEAD_AES_256_GCM"
    })
    public String suite;

    @Param({"160", "1200"})
    public int payload;

    private byte[] template;
    private byte[] work;
    private byte[][] ring;
    private int[] ringLength;
    private byte[] forged;
    private int next;
    private int seq;

    private SrtpSession umsecTx;
    private SrtpSession umsecRx;
    private SrtpCryptoContext jitsiTx;
    private SrtpCryptoContext jitsiRx;
    private JitsiBuffer jitsiBuffer;
    private boolean umsec;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SrtpSuite s = SrtpSuite.valueOf(suite);
        umsec = "umsec".equals(impl);
        Random rnd = new Random(42);
        byte[] key = new byte[s.masterKeyLength()];
        byte[] salt = new byte[s.masterSaltLength()];
        rnd.nextBytes(key);
        rnd.nextBytes(salt);
        template = new byte[12 + payload];
        rnd.nextBytes(template);
        template[0] = (byte) 0x80;
        template[1] = 0;
        template[8] = (byte) (SSRC >>> 24);
        template[9] = (byte) (SSRC >>> 16);
        template[10] = (byte) (SSRC >>> 8);
        template[11] = (byte) SSRC;
        work = new byte[template.length + 64];
        jitsiBuffer = new JitsiBuffer(template.length + 64);

        SrtpPolicy policy = SrtpPolicy.builder(s).masterKey(key, salt).build();
        umsecTx = SrtpSession.outbound(policy);
        umsecRx = SrtpSession.inbound(policy);
        LoggerImpl log = new LoggerImpl("bench");
        org.jitsi.srtp.SrtpPolicy rtpPolicy = jitsiPolicy(s, false);
        rtpPolicy.setReceiveReplayEnabled(false);
        jitsiTx = new SrtpContextFactory(true, key, salt, jitsiPolicy(s, false), jitsiPolicy(s, true), log)
                .deriveContext(SSRC, 0);
        jitsiRx = new SrtpContextFactory(false, key, salt, rtpPolicy, jitsiPolicy(s, true), log).deriveContext(SSRC, 0);

        // Pre-protected packets with sequence numbers 0..RING-1, from a separate sender.
        SrtpSession sender = SrtpSession.outbound(policy);
        ring = new byte[RING][];
        ringLength = new int[RING];
        for (int i = 0; i < RING; i++) {
            byte[] p = new byte[work.length];
            System.arraycopy(template, 0, p, 0, template.length);
            p[2] = (byte) (i >>> 8);
            p[3] = (byte) i;
            ringLength[i] = sender.protectRtp(p, 0, template.length);
            ring[i] = p;
        }
        forged = ring[RING - 1].clone();
        forged[ringLength[RING - 1] - 1] ^= 1;
        seq = 0;
        next = 0;
        // Measure the right thing: valid packets must pass and the forged one must fail.
        if (protect() <= template.length
                || unprotect() != template.length
                || rejectForged() >= 0 && umsec
                || !umsec && rejectForged() == SrtpErrorStatus.OK.ordinal()) {
            throw new IllegalStateException("benchmark set-up does not round-trip for " + impl);
        }
    }

    static org.jitsi.srtp.SrtpPolicy jitsiPolicy(SrtpSuite suite, boolean rtcp) {
        int tag = rtcp ? suite.srtcpTagLength() : suite.srtpTagLength();
        if (suite.isAead()) {
            return new org.jitsi.srtp.SrtpPolicy(
                    org.jitsi.srtp.SrtpPolicy.AESGCM_ENCRYPTION,
                    suite.masterKeyLength(),
                    org.jitsi.srtp.SrtpPolicy.NULL_AUTHENTICATION,
                    0,
                    tag,
                    suite.masterSaltLength());
        }
        return new org.jitsi.srtp.SrtpPolicy(
                org.jitsi.srtp.SrtpPolicy.AESCM_ENCRYPTION,
                suite.masterKeyLength(),
                org.jitsi.srtp.SrtpPolicy.HMACSHA1_AUTHENTICATION,
                20,
                tag,
                suite.masterSaltLength());
    }

    @Benchmark
    public int protect() throws Exception {
        final byte[] w = work;
        System.arraycopy(template, 0, w, 0, template.length);
        int s = seq = (seq + 1) & 0xFFFF;
        w[2] = (byte) (s >>> 8);
        w[3] = (byte) s;
        if (umsec) {
            return umsecTx.protectRtp(w, 0, template.length);
        }
        JitsiBuffer b = jitsiBuffer;
        b.load(w, template.length);
        SrtpErrorStatus status = jitsiTx.transformPacket(b);
        return status == SrtpErrorStatus.OK ? b.getLength() : -1;
    }

    @Benchmark
    public int unprotect() throws Exception {
        int i = next;
        next = (i + 1) & (RING - 1);
        if (umsec) {
            if (i == 0) {
                umsecRx.setRolloverCounter(SSRC, 0); // replay window reset for the next ring pass
            }
            System.arraycopy(ring[i], 0, work, 0, ringLength[i]);
            return umsecRx.unprotectRtp(work, 0, ringLength[i]);
        }
        JitsiBuffer b = jitsiBuffer;
        b.load(ring[i], ringLength[i]);
        SrtpErrorStatus status = jitsiRx.reverseTransformPacket(b, false);
        return status == SrtpErrorStatus.OK ? b.getLength() : -1;
    }

    @Benchmark
    public int rejectForged() throws Exception {
        int len = ringLength[RING - 1];
        if (umsec) {
            System.arraycopy(forged, 0, work, 0, len);
            return umsecRx.unprotectRtp(work, 0, len);
        }
        JitsiBuffer b = jitsiBuffer;
        b.load(forged, len);
        return jitsiRx.reverseTransformPacket(b, false).ordinal();
    }
}
