package org.umsec.srtp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * The per-call cost of SRTP session set-up: create a session from a ready {@link SrtpPolicy} and
 * transform its first packet, so that key material derived on first use is counted too. The
 * reference server creates four sessions per Secured call (inbound RTP, inbound RTCP, outbound
 * greeting RTP, outbound RTCP reports), so this cost is paid several times per call. Each
 * operation takes the next of {@value #POLICIES} policies with distinct master keys, as calls do,
 * so no cache of the last key can flatter the figures.
 *
 * <pre>
 * mvn -B -o -q package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar SrtpSessionSetupBenchmark -f 1 -wi 3 -i 5 -r 1 -w 1 -prof gc
 * # thread CPU time per operation (see main), for a machine shared with other work:
 * java --add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     org.umsec.srtp.SrtpSessionSetupBenchmark
 * </pre>
 *
 * <ul>
 *   <li>{@code outboundRtp}: {@link SrtpSession#outbound} and protect one RTP packet (160-octet
 *       payload after a 12-octet header).
 *   <li>{@code inboundRtp}: {@link SrtpSession#inbound} and unprotect one such SRTP packet,
 *       protected beforehand by another session.
 *   <li>{@code outboundRtcp}: {@link SrtpSession#outbound} and protect one 52-octet RTCP packet
 *       (a sender report with one report block), as the server's RTCP report session does.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// As in SrtpBenchmark and the server jar: the direct AES-CTR and GHASH paths need java.base opened.
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SrtpSessionSetupBenchmark {

    private static final int SSRC = 0x5EC0DE;
    private static final int PAYLOAD = 160;
    private static final int RTCP = 52;
    private static final int POLICIES = 64;

    @Param({"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"})
    public String suite;

    private SrtpPolicy[] policies;
    private byte[] rtp;
    private byte[][] srtp;
    private int[] srtpLength;
    private int next;
    private byte[] rtcp;
    private byte[] work;

    @Setup(Level.Trial)
    public void setUp() {
        SrtpSuite s = SrtpSuite.valueOf(suite);
        Random rnd = new Random(13);
        policies = new SrtpPolicy[POLICIES];
        for (int i = 0; i < POLICIES; i++) {
            byte[] key = new byte[s.masterKeyLength()];
            byte[] salt = new byte[s.masterSaltLength()];
            rnd.nextBytes(key);
            rnd.nextBytes(salt);
            policies[i] = SrtpPolicy.builder(s).masterKey(key, salt).build();
        }
        rtp = new byte[12 + PAYLOAD];
        rnd.nextBytes(rtp);
        rtp[0] = (byte) 0x80;
        rtp[1] = 0;
        setSsrc(rtp, 8);
        rtcp = new byte[RTCP];
        rnd.nextBytes(rtcp);
        rtcp[0] = (byte) 0x81;
        rtcp[1] = (byte) 200;
        rtcp[2] = 0;
        rtcp[3] = (byte) (RTCP / 4 - 1);
        setSsrc(rtcp, 4);
        work = new byte[rtp.length + 64];
        srtp = new byte[POLICIES][work.length];
        srtpLength = new int[POLICIES];
        for (int i = 0; i < POLICIES; i++) {
            System.arraycopy(rtp, 0, srtp[i], 0, rtp.length);
            srtpLength[i] = SrtpSession.outbound(policies[i]).protectRtp(srtp[i], 0, rtp.length);
        }
        for (int i = 0; i < POLICIES; i++) {
            if (outboundRtp() <= rtp.length || inboundRtp() != rtp.length || outboundRtcp() <= RTCP) {
                throw new IllegalStateException("benchmark set-up does not round-trip for " + suite);
            }
        }
    }

    private static void setSsrc(byte[] b, int at) {
        b[at] = (byte) (SSRC >>> 24);
        b[at + 1] = (byte) (SSRC >>> 16);
        b[at + 2] = (byte) (SSRC >>> 8);
        b[at + 3] = (byte) SSRC;
    }

    private int nextPolicy() {
        int i = next;
        next = (i + 1) & (POLICIES - 1);
        return i;
    }

    @Benchmark
    public int outboundRtp() {
        SrtpSession tx = SrtpSession.outbound(policies[nextPolicy()]);
        System.arraycopy(rtp, 0, work, 0, rtp.length);
        return tx.protectRtp(work, 0, rtp.length);
    }

    @Benchmark
    public int inboundRtp() {
        int i = nextPolicy();
        SrtpSession rx = SrtpSession.inbound(policies[i]);
        System.arraycopy(srtp[i], 0, work, 0, srtpLength[i]);
        return rx.unprotectRtp(work, 0, srtpLength[i]);
    }

    @Benchmark
    public int outboundRtcp() {
        SrtpSession tx = SrtpSession.outbound(policies[nextPolicy()]);
        System.arraycopy(rtcp, 0, work, 0, RTCP);
        return tx.protectRtcp(work, 0, RTCP);
    }

    /**
     * Thread CPU time per operation of each benchmark method and suite: the median of 7 rounds of
     * 20,000 operations after at least 3 s of warm-up of each operation. On a machine shared with other builds the
     * wall-clock figures of JMH swing with the load; the CPU time of the measuring thread does not
     * (JIT and GC threads are left out of it, so it is the cost the caller's thread pays).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        String[] ops = {"outboundRtp", "inboundRtp", "outboundRtcp"};
        int n = 20_000;
        for (String suite : new String[] {"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"}) {
            SrtpSessionSetupBenchmark b = new SrtpSessionSetupBenchmark();
            b.suite = suite;
            b.setUp();
            long sink = 0;
            // Every operation warmed up first, at least 5 rounds and 3 s each: on a loaded machine
            // the JIT's threads get little CPU, and all three share the session's code.
            for (int op = 0; op < ops.length; op++) {
                long warm = System.nanoTime() + 3_000_000_000L;
                for (int w = 0; w < 5 || System.nanoTime() < warm; w++) {
                    sink += b.run(op, n);
                }
            }
            for (int op = 0; op < ops.length; op++) {
                double[] us = new double[7];
                for (int k = 0; k < us.length; k++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    sink += b.run(op, n);
                    us[k] = (mx.getCurrentThreadCpuTime() - t0) / 1000.0 / n;
                }
                Arrays.sort(us);
                System.out.printf(
                        "%-24s %-13s %.3f us/op CPU (median of 7; min %.3f, max %.3f) [%d]%n",
                        suite, ops[op], us[3], us[0], us[6], sink & 1);
            }
        }
    }

    private long run(int op, int n) {
        long sink = 0;
        for (int i = 0; i < n; i++) {
            sink += op == 0 ? outboundRtp() : op == 1 ? inboundRtp() : outboundRtcp();
        }
        return sink;
    }
}
