package org.umsec.server.media;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSuite;

/**
 * The CPU that the media plane's event loop spends per greeting packet it sends, with many calls up: the
 * timers, SRTP protect, the copy and the socket write, measured as the CPU time of the {@code umsec-media-io}
 * thread (one loop) over a window divided by the packets sent in it, plus the bytes that thread allocated per
 * packet. Not a JMH benchmark: the figure is CPU per packet on a paced loop (every call sends every 20 ms),
 * not throughput. It uses only the public API, so the same class measures an older build of the media plane
 * when that build's classes come first on the class path:
 *
 * <pre>
 * mvn -B -o -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar org.umsec.server.media.MediaSendLoad 800 10 srtp epoll 37100 38999
 * java -cp OLD/benchmarks.jar:benchmarks/target/classes org.umsec.server.media.MediaSendLoad 800 10 srtp epoll 37100 38999
 * </pre>
 *
 * <p>Arguments: calls, seconds per window (3 windows after a 5 s warm-up), {@code srtp} or {@code plain},
 * {@code epoll} or {@code nio}, the media port range, and optionally {@code read}. Every call sends to one
 * sink socket, by default unread with a 1 KiB receive buffer like {@code umsec load --media=false}'s (the
 * kernel drops what does not fit); with {@code read} a thread of its own reads every packet (its CPU is not
 * counted, but the kernel's wake-up of that thread is part of each send).
 */
public final class MediaSendLoad {

    private MediaSendLoad() {}

    /**
     * @param args calls, seconds, srtp|plain, epoll|nio, low port, high port[, read]
     * @throws Exception when the sockets cannot be opened
     */
    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 800;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        boolean srtp = args.length <= 2 || args[2].equals("srtp");
        boolean epoll = args.length <= 3 || args[3].equals("epoll");
        int low = args.length > 4 ? Integer.parseInt(args[4]) : 37100;
        int high = args.length > 5 ? Integer.parseInt(args[5]) : 38999;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        boolean read = args.length > 6 && args[6].equals("read");
        DatagramChannel sink = DatagramChannel.open();
        // like `umsec load --media=false`: an unread socket whose tiny buffer drops what overflows, so no
        // receiver is woken per packet; "read": a thread reads every packet (the kernel wakes it each time)
        sink.setOption(StandardSocketOptions.SO_RCVBUF, read ? 8 << 20 : 1024);
        sink.bind(new InetSocketAddress(loopback, 0));
        InetSocketAddress to = (InetSocketAddress) sink.getLocalAddress();
        Thread drain = new Thread(
                () -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(2048);
                    try {
                        while (true) {
                            b.clear();
                            sink.receive(b);
                        }
                    } catch (Exception closed) {
                        // done
                    }
                },
                "sink");
        drain.setDaemon(true);
        if (read) {
            drain.start();
        }
        Optional<SrtpPolicy> policy = Optional.empty();
        if (srtp) {
            SrtpSuite s = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
            byte[] key = new byte[s.masterKeyLength()];
            byte[] salt = new byte[s.masterSaltLength()];
            for (int i = 0; i < key.length; i++) {
                key[i] = (byte) (i * 7 + 1);
            }
            policy = Optional.of(SrtpPolicy.builder(s).masterKey(key, salt).build());
        }
        short[] prompt = new short[8000 * (5 + 3 * seconds + 10)];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (short) (i * 131);
        }
        CallHandler.Call handler = new CallHandler.Call() {
            @Override
            public short[] prompt() {
                return prompt;
            }

            @Override
            public void audio(short[] pcm, int off, int len) {}

            @Override
            public void end(CallSummary s) {}
        };
        List<MediaSession> sessions = new ArrayList<>();
        try (MediaPlane plane =
                MediaPlane.builder().epoll(epoll).ioThreads(1).workerThreads(1).build()) {
            for (int i = 0; i < calls; i++) {
                MediaSession m = plane.open(loopback, low, high, Clock.systemUTC());
                CallInfo info = new CallInfo(
                        "send-" + i,
                        "sip:gw@example.test",
                        "sip:vm@example.test",
                        "gw",
                        "dp",
                        VoipSecurityMode.SECURED,
                        new InetSocketAddress(loopback, 5061),
                        to,
                        Optional.of("AES_CM_128_HMAC_SHA1_80"),
                        0,
                        Instant.now());
                m.start(
                        info,
                        handler,
                        to,
                        Optional.empty(),
                        policy,
                        Duration.ofHours(1),
                        Duration.ofHours(1),
                        Duration.ofSeconds(5),
                        r -> {});
                sessions.add(m);
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long loop = -1;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("umsec-media-io")) {
                    loop = t.getId();
                }
            }
            Thread.sleep(5000); // warm-up: the JIT compiles the send path
            System.out.printf("%d calls, %s, %s, %s%n", calls, srtp ? "SRTP" : "plain RTP", plane.transport(), load());
            for (int w = 0; w < 3; w++) {
                long cpu0 = mx.getThreadCpuTime(loop);
                long alloc0 = mx.getThreadAllocatedBytes(loop);
                long sent0 = sent(sessions);
                Thread.sleep(seconds * 1000L);
                long cpu1 = mx.getThreadCpuTime(loop);
                long alloc1 = mx.getThreadAllocatedBytes(loop);
                long sent1 = sent(sessions);
                long packets = sent1 - sent0;
                System.out.printf(
                        "window %d: %d packets (%.0f/s), loop CPU %.3f s = %.2f us/packet, %.1f B/packet allocated, %s%n",
                        w + 1,
                        packets,
                        packets / (double) seconds,
                        (cpu1 - cpu0) / 1e9,
                        (cpu1 - cpu0) / 1e3 / packets,
                        (alloc1 - alloc0) / (double) packets,
                        load());
            }
            for (MediaSession m : sessions) {
                m.stop(CallEndReason.CALLER_HUNG_UP, s -> {});
            }
        } finally {
            sink.close();
        }
    }

    private static long sent(List<MediaSession> sessions) {
        long n = 0;
        for (MediaSession m : sessions) {
            n += m.sentPackets();
        }
        return n;
    }

    private static String load() {
        return "load average "
                + String.format(
                        "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
