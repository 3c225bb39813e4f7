package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;

/**
 * The media plane with real sockets, on epoll and on NIO: calls share a fixed number of threads, the call
 * handler runs on a media worker (never an I/O thread), stopping frees the ports, only the caller's address
 * reaches the recording, and a worker that falls behind loses packets visibly (counted), never silently.
 */
class MediaPlaneTest {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    final AtomicLong received = new AtomicLong();
    final AtomicLong notRecorded = new AtomicLong();
    final MetricsSink sink = new MetricsSink() {
        @Override
        public void rtpReceived(long n) {
            received.addAndGet(n);
        }

        @Override
        public void srtpFailed(String status) {}

        @Override
        public void recordingDropped(long n) {
            notRecorded.addAndGet(n);
        }
    };
    MediaPlane plane;

    @AfterEach
    void close() {
        if (plane != null) {
            plane.close();
        }
    }

    MediaPlane plane(boolean epoll) {
        if (epoll) {
            if (System.getenv("UMSEC_REQUIRE_TOOLS") != null) {
                // CI (Linux x86_64) must exercise the epoll path, not skip it
                assertThat(Epoll.isAvailable())
                        .as("native epoll loads here (UMSEC_REQUIRE_TOOLS is set)")
                        .isTrue();
            }
            assumeThat(Epoll.isAvailable()).as("native epoll loads here").isTrue();
        }
        plane = MediaPlane.builder()
                .epoll(epoll)
                .ioThreads(2)
                .workerThreads(2)
                .metrics(sink)
                .build();
        assertThat(plane.transport()).isEqualTo(epoll ? "epoll" : "nio");
        return plane;
    }

    /** A handler that counts samples, notes its threads and can be held in its first audio call. */
    static class Recording implements CallHandler.Call {
        final AtomicLong samples = new AtomicLong();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CountDownLatch hold;
        final CountDownLatch entered = new CountDownLatch(1);
        final List<CallSummary> ended = new CopyOnWriteArrayList<>();
        volatile boolean audioAfterEnd;

        Recording(CountDownLatch hold) {
            this.hold = hold;
        }

        @Override
        public void audio(short[] pcm, int off, int len) {
            threads.add(Thread.currentThread().getName());
            if (!ended.isEmpty()) {
                audioAfterEnd = true;
            }
            entered.countDown();
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            samples.addAndGet(len);
        }

        @Override
        public void end(CallSummary s) {
            ended.add(s);
        }
    }

    static CallInfo info(String id, InetSocketAddress mediaPeer) {
        return new CallInfo(
                id,
                "sip:caller@gw.example.test",
                "sip:vm@um.example.test",
                "gw",
                "dp",
                VoipSecurityMode.UNSECURED,
                new InetSocketAddress(LOOPBACK, 5060),
                mediaPeer,
                Optional.empty(),
                0,
                Instant.now());
    }

    static void start(MediaSession s, CallInfo info, CallHandler.Call handler, List<CallEndReason> selfEnded) {
        s.start(
                info,
                handler,
                new InetSocketAddress(
                        info.mediaPeer().getAddress(), info.mediaPeer().getPort() + 1),
                Optional.empty(),
                Optional.empty(),
                Duration.ofMinutes(5),
                Duration.ofMinutes(5),
                Duration.ofSeconds(5),
                selfEnded::add);
    }

    static void sendPcmu(DatagramSocket from, int port, int first, int count) throws IOException {
        byte[] payload = new byte[160];
        byte[] b = new byte[12 + 160];
        for (int i = first; i < first + count; i++) {
            java.util.Arrays.fill(payload, (byte) (0x10 + i));
            int len = RtpPacket.write(b, 0, 0, false, i, 160L * i, 0x1234, payload, 0, 160);
            from.send(new DatagramPacket(b, len, new InetSocketAddress(LOOPBACK, port)));
        }
    }

    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    static boolean bindable(int port) {
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(LOOPBACK, port));
                DatagramSocket b = new DatagramSocket(new InetSocketAddress(LOOPBACK, port + 1))) {
            return a.getLocalPort() == port && b.getLocalPort() == port + 1;
        } catch (IOException e) {
            return false;
        }
    }

    static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix))
                .count();
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void manyCallsShareAFewThreadsAndHandlersRunOnWorkers(boolean epoll) throws Exception {
        long ioBefore = threadsNamed("umsec-media-io");
        long workersBefore = threadsNamed("umsec-media-worker");
        MediaPlane p = plane(epoll);
        int calls = 40;
        CountDownLatch go = new CountDownLatch(0);
        List<MediaSession> sessions = new ArrayList<>();
        List<Recording> handlers = new ArrayList<>();
        List<DatagramSocket> peers = new ArrayList<>();
        List<CallEndReason> selfEnded = new CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
                peers.add(peer);
                MediaSession s = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
                Recording r = new Recording(go);
                start(s, info("call-" + i, (InetSocketAddress) peer.getLocalSocketAddress()), r, selfEnded);
                sessions.add(s);
                handlers.add(r);
            }
            for (int i = 0; i < calls; i++) {
                sendPcmu(peers.get(i), sessions.get(i).port(), 0, 10);
            }
            await("every call's audio", () -> handlers.stream().allMatch(h -> h.samples.get() >= 10 * 160));
            // two I/O threads and two workers for 40 calls (the old design: 80 threads)
            // (counted as a difference: a closed plane of an earlier test may still be ending its threads)
            assertThat(threadsNamed("umsec-media-io") - ioBefore).isLessThanOrEqualTo(2);
            assertThat(threadsNamed("umsec-media-worker") - workersBefore).isLessThanOrEqualTo(2);
            for (Recording h : handlers) {
                assertThat(h.threads).allSatisfy(t -> assertThat(t).startsWith("umsec-media-worker"));
            }
            for (int i = 0; i < calls; i++) {
                MediaSession s = sessions.get(i);
                int port = s.port();
                List<CallSummary> summaries = new ArrayList<>();
                s.stop(CallEndReason.CALLER_HUNG_UP, summaries::add);
                assertThat(summaries).singleElement().satisfies(x -> {
                    assertThat(x.packetsReceived()).isEqualTo(10);
                    assertThat(x.reason()).isEqualTo(CallEndReason.CALLER_HUNG_UP);
                });
                assertThat(handlers.get(i).ended).hasSize(1);
                // stop() closes both sockets: the pair can be bound again (epoll: at once; NIO: once the
                // JDK's selector has run, or another process may have taken a port of the shared range meanwhile)
                if (epoll) {
                    assertThat(bindable(port)).isTrue();
                } else {
                    await("port " + port + " released", () -> bindable(port));
                }
            }
            assertThat(selfEnded).isEmpty();
            assertThat(received.get()).isEqualTo(calls * 10L);
            assertThat(notRecorded.get()).isZero();
        } finally {
            peers.forEach(DatagramSocket::close);
        }
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void packetsFromAnotherAddressNeverReachTheRecording(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll);
        InetAddress other = InetAddress.getByName("127.0.0.2");
        try (DatagramSocket caller = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
                DatagramSocket attacker = new DatagramSocket(new InetSocketAddress(other, 0))) {
            MediaSession s = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
            Recording r = new Recording(new CountDownLatch(0));
            start(s, info("spoofed", (InetSocketAddress) caller.getLocalSocketAddress()), r, new ArrayList<>());
            sendPcmu(attacker, s.port(), 0, 20); // plain RTP from an address the SDP did not name
            sendPcmu(caller, s.port(), 100, 5);
            await("the caller's audio", () -> r.samples.get() >= 5 * 160);
            List<CallSummary> summaries = new ArrayList<>();
            s.stop(CallEndReason.CALLER_HUNG_UP, summaries::add);
            assertThat(summaries.get(0).packetsReceived()).isEqualTo(5);
            assertThat(r.samples.get()).isEqualTo(5 * 160);
        }
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void aWorkerThatFallsBehindLosesPacketsVisiblyAndStopWaitsForIt(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll);
        CountDownLatch hold = new CountDownLatch(1);
        try (DatagramSocket caller = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            MediaSession s = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
            Recording r = new Recording(hold);
            start(s, info("slow-disk", (InetSocketAddress) caller.getLocalSocketAddress()), r, new ArrayList<>());
            sendPcmu(caller, s.port(), 0, 1);
            assertThat(r.entered.await(30, TimeUnit.SECONDS)).isTrue(); // the handler is stuck in its first write
            int burst = 300; // more than the hand-off ring holds
            for (int i = 1; i <= burst; i += 20) {
                sendPcmu(caller, s.port(), i, 20);
                long sent = i + 20;
                await("packets read", () -> received.get() == sent); // never beyond the socket's buffer
            }
            assertThat(notRecorded.get()).as("counted, not silently lost").isPositive();
            hold.countDown();
            List<CallSummary> summaries = new ArrayList<>();
            s.stop(CallEndReason.CALLER_HUNG_UP, summaries::add);
            assertThat(summaries.get(0).packetsReceived()).isEqualTo(burst + 1);
            // end() came after the last audio the worker handed over
            assertThat(r.ended).hasSize(1);
            assertThat(r.audioAfterEnd).isFalse();
            assertThat(r.samples.get()).isPositive();
        }
    }

    /** The system clock plus an offset the test moves forward: drives the time limits without sleeping. */
    static final class MovableClock extends Clock {
        volatile long offsetMillis;

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return Instant.now().plusMillis(offsetMillis);
        }
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void stopAsyncReturnsAtOnceAndTheEndsRunOnAFewThreads(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll);
        int calls = 60;
        CountDownLatch slowDisk = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger endThreadsMade = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService ender = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "test-call-end-" + endThreadsMade.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<MediaSession> sessions = new ArrayList<>();
        List<Recording> handlers = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<CallSummary>> ends = new ArrayList<>();
        Set<String> endThreads = ConcurrentHashMap.newKeySet();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            for (int i = 0; i < calls; i++) {
                MediaSession s = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
                Recording r = new Recording(new CountDownLatch(0)) {
                    @Override
                    public void end(CallSummary summary) {
                        endThreads.add(Thread.currentThread().getName());
                        try {
                            slowDisk.await(30, TimeUnit.SECONDS); // a flush and fsync that take their time
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        super.end(summary);
                    }
                };
                start(s, info("async-" + i, (InetSocketAddress) peer.getLocalSocketAddress()), r, new ArrayList<>());
                sessions.add(s);
                handlers.add(r);
                sendPcmu(peer, s.port(), 0, 3);
            }
            await("every call's audio", () -> handlers.stream().allMatch(h -> h.samples.get() == 3 * 160));
            for (MediaSession s : sessions) {
                // returns without waiting for the loop, the worker or the handler
                ends.add(s.stopAsync(CallEndReason.CALLER_HUNG_UP, ender).toCompletableFuture());
            }
            // every end is blocked in the handler or queued behind it: none complete, two threads hold them
            await("both end threads busy", () -> endThreads.size() == 2);
            assertThat(ends).noneMatch(java.util.concurrent.CompletableFuture::isDone);
            assertThat(sessions.get(0).stopAsync(CallEndReason.MEDIA_TIMEOUT, ender))
                    .as("idempotent")
                    .isSameAs(ends.get(0));
            slowDisk.countDown();
            for (int i = 0; i < calls; i++) {
                CallSummary summary = ends.get(i).get(30, TimeUnit.SECONDS);
                assertThat(summary.reason()).isEqualTo(CallEndReason.CALLER_HUNG_UP);
                assertThat(summary.packetsReceived()).isEqualTo(3);
                assertThat(handlers.get(i).ended).containsExactly(summary);
                assertThat(handlers.get(i).audioAfterEnd).isFalse();
                int port = sessions.get(i).port();
                if (epoll) {
                    assertThat(bindable(port))
                            .as("ports free when the end completes")
                            .isTrue();
                } else {
                    await("port " + port + " released", () -> bindable(port));
                }
            }
            assertThat(endThreadsMade.get()).isEqualTo(2);
            assertThat(endThreads).allSatisfy(t -> assertThat(t).startsWith("test-call-end-"));
        } finally {
            ender.shutdownNow();
        }
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void idleCallsStillReachTheirMediaTimeoutAndMaximumLength(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll);
        MovableClock clock = new MovableClock();
        java.util.concurrent.ExecutorService ender = java.util.concurrent.Executors.newSingleThreadExecutor();
        List<MediaSession> sessions = new ArrayList<>();
        Map<Integer, CallEndReason> selfEnded = new ConcurrentHashMap<>();
        Map<Integer, CallSummary> summaries = new ConcurrentHashMap<>();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            int calls = 20;
            for (int i = 0; i < calls; i++) {
                int n = i;
                MediaSession s = p.open(LOOPBACK, 20000, 39999, clock);
                sessions.add(s);
                Recording r = new Recording(new CountDownLatch(0));
                // odd calls have a long media timeout and reach their maximum length instead
                s.start(
                        info("idle-" + i, (InetSocketAddress) peer.getLocalSocketAddress()),
                        r,
                        new InetSocketAddress(LOOPBACK, peer.getLocalPort() + 1),
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ofSeconds(n % 2 == 0 ? 600 : 30),
                        Duration.ofSeconds(n % 2 == 0 ? 5 : 600),
                        Duration.ofSeconds(5),
                        reason -> {
                            // as the call controller does: ended from the worker, without waiting there
                            selfEnded.put(n, reason);
                            s.stopAsync(reason, ender).thenAccept(x -> summaries.put(n, x));
                        });
            }
            sendPcmu(peer, sessions.get(1).port(), 0, 1); // one packet: served once, then idle too
            await("the packet", () -> received.get() == 1);
            clock.offsetMillis = 5_000; // the media timeout of the even calls
            await("media timeouts", () -> selfEnded.size() == calls / 2);
            assertThat(selfEnded).allSatisfy((n, reason) -> {
                assertThat(n % 2).isZero();
                assertThat(reason).isEqualTo(CallEndReason.MEDIA_TIMEOUT);
            });
            clock.offsetMillis = 30_000; // the maximum length of the odd ones
            await("maximum lengths", () -> summaries.size() == calls);
            for (int i = 1; i < calls; i += 2) {
                assertThat(selfEnded.get(i)).isEqualTo(CallEndReason.MAX_LENGTH);
                assertThat(summaries.get(i).reason()).isEqualTo(CallEndReason.MAX_LENGTH);
            }
            assertThat(summaries.get(1).packetsReceived()).isOne();
        } finally {
            ender.shutdownNow();
        }
    }
}
