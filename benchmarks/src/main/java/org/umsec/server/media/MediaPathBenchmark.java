package org.umsec.server.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * The server's per-packet media path for one received 20 ms G.711 packet, on one thread: what the event loop
 * does after the datagram is read ({@link MediaSession#onRtp}: source check, copy into the loop's scratch,
 * SRTP unprotect in place, RTP header, statistics, hand-off into the call's {@link RecordingQueue}) and what
 * the media worker does with it ({@link MediaSession#workerTick}: drain, G.711 decode, silence/wall-clock
 * budget, the call handler, here one that sums the samples instead of writing a file).
 *
 * <pre>
 * mvn -B -o -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar MediaPathBenchmark -prof gc -f 1 -wi 2 -i 3 -r 2
 * </pre>
 *
 * <ul>
 *   <li>{@code gatewayProtect}: the sender's side only (next header, protect in place, copy into a pooled
 *       direct buffer like the one the kernel fills): subtract it from {@code receiveAndRecord}.
 *   <li>{@code receiveAndRecord}: {@code gatewayProtect}, then the server's receive path and its worker.
 * </ul>
 * The session's clock is stepped by 20 ms per packet, so the wall-clock budget of the recording
 * ({@link PcmAssembler}) lets every packet through, as in a real call. The socket itself (Netty's read and
 * its {@code DatagramPacket}) is not part of it; the send side of the server is {@code SrtpBenchmark}'s
 * protect plus one copy. Expect about 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MediaPathBenchmark {

    @Param({"AES_CM_128_HMAC_SHA1_80", "NONE"})
    public String suite;

    /** A clock the benchmark moves by hand. */
    static final class StepClock extends Clock {
        long millis = 1_000_000;

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private final StepClock clock = new StepClock();
    private MediaPlane plane;
    private MediaSession session;
    private SrtpSession gateway;
    private InetSocketAddress peer;
    private final byte[] packet = new byte[MediaSession.MAX_DATAGRAM];
    private final byte[] payload = new byte[160];
    private ByteBuf wire;
    private int seq;
    private long ts;
    private long samples;

    @Setup
    public void setUp() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        peer = new InetSocketAddress(loopback, 40000);
        plane = MediaPlane.builder().detachedWorkers().build();
        session = plane.open(loopback, 20000, 39999, clock);
        Optional<SrtpPolicy> policy = Optional.empty();
        if (!suite.equals("NONE")) {
            SrtpSuite s = SrtpSuite.valueOf(suite);
            byte[] key = new byte[s.masterKeyLength()];
            byte[] salt = new byte[s.masterSaltLength()];
            for (int i = 0; i < key.length; i++) {
                key[i] = (byte) (i * 7 + 1);
            }
            policy = Optional.of(SrtpPolicy.builder(s).masterKey(key, salt).build());
            gateway = SrtpSession.outbound(policy.get());
        }
        CallInfo info = new CallInfo(
                "bench",
                "sip:gw@example.test",
                "sip:vm@example.test",
                "gw",
                "dp",
                VoipSecurityMode.SECURED,
                new InetSocketAddress(loopback, 5061),
                peer,
                Optional.of(suite),
                0,
                Instant.now());
        CallHandler.Call handler = new CallHandler.Call() {
            @Override
            public void audio(short[] pcm, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    samples += pcm[i];
                }
            }

            @Override
            public void end(CallSummary s) {}
        };
        session.start(
                info,
                handler,
                new InetSocketAddress(loopback, 40001),
                policy,
                policy,
                Duration.ofDays(3650),
                Duration.ofDays(3650),
                Duration.ofDays(1),
                r -> {});
        Thread.sleep(200); // the loop installs the keys and starts reading (nothing arrives on the socket)
        wire = PooledByteBufAllocator.DEFAULT.directBuffer(MediaSession.MAX_DATAGRAM);
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
    }

    @TearDown
    public void tearDown() {
        wire.release();
        session.stop(CallEndReason.CALLER_HUNG_UP, s -> {});
        plane.close();
    }

    private void nextPacket() {
        int len = RtpPacket.write(packet, 0, 0, false, seq, ts, 0x5EC0DE, payload, 0, payload.length);
        seq = (seq + 1) & 0xFFFF;
        ts = (ts + 160) & 0xFFFF_FFFFL;
        if (gateway != null) {
            len = gateway.protectRtp(packet, 0, len);
        }
        wire.clear().writeBytes(packet, 0, len);
    }

    @Benchmark
    public int gatewayProtect() {
        nextPacket();
        return wire.readableBytes();
    }

    @Benchmark
    public long receiveAndRecord() {
        nextPacket();
        clock.millis += 20;
        session.onRtp(wire, peer);
        session.workerTick();
        return samples;
    }
}
