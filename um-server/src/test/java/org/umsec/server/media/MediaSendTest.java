package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.umsec.server.media.MediaPlaneTest.LOOPBACK;
import static org.umsec.server.media.MediaPlaneTest.await;
import static org.umsec.server.media.MediaPlaneTest.info;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * The send side of the media plane with real sockets, on epoll and on NIO: many calls on one event loop each
 * get their whole greeting, in order, under their own keys; a socket whose send buffer is full loses packets
 * visibly (counted) without holding up the other calls; nothing is sent after stop; and the port pairs of a
 * range are handed out least recently used first, skipping pairs another socket holds.
 */
class MediaSendTest {

    final AtomicLong notSent = new AtomicLong();
    final MetricsSink sink = new MetricsSink() {
        @Override
        public void rtpReceived(long n) {}

        @Override
        public void srtpFailed(String status) {}

        @Override
        public void packetsNotSent(long n) {
            notSent.addAndGet(n);
        }
    };
    MediaPlane plane;
    final List<DatagramSocket> sockets = new ArrayList<>();

    @AfterEach
    void close() {
        sockets.forEach(DatagramSocket::close);
        if (plane != null) {
            plane.close();
        }
    }

    MediaPlane plane(boolean epoll, int ioThreads) {
        if (epoll) {
            if (System.getenv("UMSEC_REQUIRE_TOOLS") != null) {
                assertThat(Epoll.isAvailable()).as("native epoll loads here").isTrue();
            }
            assumeThat(Epoll.isAvailable()).as("native epoll loads here").isTrue();
        }
        plane = MediaPlane.builder()
                .epoll(epoll)
                .ioThreads(ioThreads)
                .workerThreads(1)
                .metrics(sink)
                .build();
        return plane;
    }

    DatagramSocket peer() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        s.setReceiveBufferSize(1 << 20);
        s.setSoTimeout(30_000);
        sockets.add(s);
        return s;
    }

    /** A call handler that plays a prompt and ignores what it receives. */
    record Greeter(short[] prompt) implements CallHandler.Call {
        @Override
        public void audio(short[] samples, int off, int len) {}

        @Override
        public void end(CallSummary s) {}
    }

    static short[] prompt(int packets, int seed) {
        short[] p = new short[packets * 160];
        for (int i = 0; i < p.length; i++) {
            p[i] = (short) ((i * 37 + seed * 1013) * 29);
        }
        return p;
    }

    static Optional<SrtpPolicy> policy(int seed) {
        SrtpSuite s = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        byte[] key = new byte[s.masterKeyLength()];
        byte[] salt = new byte[s.masterSaltLength()];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 7 + seed);
        }
        for (int i = 0; i < salt.length; i++) {
            salt[i] = (byte) (i * 3 + seed);
        }
        return Optional.of(SrtpPolicy.builder(s).masterKey(key, salt).build());
    }

    static void start(MediaSession s, CallInfo info, CallHandler.Call handler, Optional<SrtpPolicy> outbound) {
        s.start(
                info,
                handler,
                new InetSocketAddress(
                        info.mediaPeer().getAddress(), info.mediaPeer().getPort() + 1),
                Optional.empty(),
                outbound,
                Duration.ofMinutes(5),
                Duration.ofMinutes(5),
                Duration.ofMinutes(5), // no RTCP report during the test
                r -> {});
    }

    /** Receives a greeting and checks it packet by packet against the prompt. */
    static void expectGreeting(DatagramSocket from, short[] prompt, Optional<SrtpPolicy> key) throws IOException {
        SrtpSession rx = key.map(SrtpSession::inbound).orElse(null);
        byte[] expected = new byte[160];
        byte[] b = new byte[2048];
        int packets = prompt.length / 160;
        int firstSeq = -1;
        long firstTs = -1;
        long ssrc = -1;
        for (int i = 0; i < packets; i++) {
            DatagramPacket d = new DatagramPacket(b, b.length);
            from.receive(d);
            int len = d.getLength();
            if (rx != null) {
                len = rx.unprotectRtp(b, 0, len);
                assertThat(len).as("packet %d authenticates", i).isPositive();
            }
            RtpPacket p = RtpPacket.parse(b, 0, len).orElseThrow();
            if (i == 0) {
                firstSeq = p.sequenceNumber();
                firstTs = p.timestamp();
                ssrc = p.ssrc();
            }
            assertThat(p.marker()).as("marker of packet %d", i).isEqualTo(i == 0);
            assertThat(p.sequenceNumber()).as("sequence of packet %d", i).isEqualTo((firstSeq + i) & 0xFFFF);
            assertThat(p.timestamp()).as("timestamp of packet %d", i).isEqualTo((firstTs + 160L * i) & 0xFFFF_FFFFL);
            assertThat(p.ssrc()).isEqualTo(ssrc);
            assertThat(p.payloadType()).isEqualTo(G711.PAYLOAD_TYPE_PCMU);
            G711.encode(G711.PAYLOAD_TYPE_PCMU, prompt, 160 * i, 160, expected, 0);
            assertThat(Arrays.copyOfRange(b, p.payloadOffset(), p.payloadOffset() + p.payloadLength()))
                    .as("payload of packet %d", i)
                    .isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void manyCallsOnOneLoopEachGetTheirWholeGreetingInOrder(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll, 1);
        int calls = 3 * SendWheel.SLOT_SHARE - 10; // more than one slot of the send timer takes
        int packets = 25;
        List<MediaSession> sessions = new ArrayList<>();
        List<DatagramSocket> peers = new ArrayList<>();
        List<short[]> prompts = new ArrayList<>();
        List<Optional<SrtpPolicy>> keys = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            DatagramSocket peer = peer();
            MediaSession s = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
            short[] prompt = prompt(packets, i);
            Optional<SrtpPolicy> key = i % 2 == 0 ? policy(i) : Optional.empty(); // plain and SRTP side by side
            start(s, info("greeting-" + i, (InetSocketAddress) peer.getLocalSocketAddress()), new Greeter(prompt), key);
            sessions.add(s);
            peers.add(peer);
            prompts.add(prompt);
            keys.add(key);
        }
        for (int i = 0; i < calls; i++) {
            expectGreeting(peers.get(i), prompts.get(i), keys.get(i));
        }
        for (MediaSession s : sessions) {
            s.promptFinished().get(30, TimeUnit.SECONDS);
            assertThat(s.sentPackets()).isEqualTo(packets);
            assertThat(s.notSent()).isZero();
        }
        for (int i = 0; i < calls; i++) {
            int j = i;
            peers.get(j).setSoTimeout(1);
            assertThatThrownBy(() -> peers.get(j).receive(new DatagramPacket(new byte[2048], 2048)))
                    .as("nothing after the greeting")
                    .isInstanceOf(SocketTimeoutException.class);
        }
        for (MediaSession s : sessions) {
            s.stop(CallEndReason.CALLER_HUNG_UP, x -> {});
        }
        assertThat(notSent.get()).isZero();
    }

    /** A socket whose send buffer is always full. */
    static final class FullSocket extends DatagramOut {
        final AtomicLong tries = new AtomicLong();

        @Override
        boolean isOpen() {
            return true;
        }

        @Override
        boolean send(ByteBuffer direct, int len, InetSocketAddress to) {
            tries.incrementAndGet();
            return false;
        }
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void aFullSendBufferDropsAndCountsAndTheOtherCallsOnTheLoopGoOn(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll, 1);
        int packets = 20;
        DatagramSocket stuckPeer = peer();
        DatagramSocket peer = peer();
        MediaSession stuck = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
        FullSocket full = new FullSocket();
        stuck.sendThrough(full, full);
        MediaSession fine = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
        short[] prompt = prompt(packets, 7);
        start(
                stuck,
                info("stuck", (InetSocketAddress) stuckPeer.getLocalSocketAddress()),
                new Greeter(prompt),
                policy(3));
        start(fine, info("fine", (InetSocketAddress) peer.getLocalSocketAddress()), new Greeter(prompt), policy(4));
        expectGreeting(peer, prompt, policy(4));
        stuck.promptFinished().get(30, TimeUnit.SECONDS);
        fine.promptFinished().get(30, TimeUnit.SECONDS);
        assertThat(full.tries.get()).isEqualTo(packets);
        assertThat(stuck.sentPackets()).as("dropped, not sent").isZero();
        assertThat(stuck.notSent()).as("counted").isEqualTo(packets);
        assertThat(notSent.get()).isEqualTo(packets);
        assertThat(fine.sentPackets()).isEqualTo(packets);
        assertThat(fine.notSent()).isZero();
        stuck.stop(CallEndReason.CALLER_HUNG_UP, x -> {});
        fine.stop(CallEndReason.CALLER_HUNG_UP, x -> {});
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void nothingIsSentAfterStop(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll, 1);
        DatagramSocket stoppedPeer = peer();
        DatagramSocket otherPeer = peer();
        MediaSession stopped = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
        MediaSession other = p.open(LOOPBACK, 20000, 39999, Clock.systemUTC());
        short[] longPrompt = prompt(3000, 1); // a minute
        start(
                stopped,
                info("stopped", (InetSocketAddress) stoppedPeer.getLocalSocketAddress()),
                new Greeter(longPrompt),
                Optional.empty());
        start(
                other,
                info("other", (InetSocketAddress) otherPeer.getLocalSocketAddress()),
                new Greeter(longPrompt),
                Optional.empty());
        await("a few packets", () -> stopped.sentPackets() >= 3);
        CompletableFuture<Void> finished = stopped.promptFinished();
        stopped.stop(CallEndReason.CALLER_HUNG_UP, x -> {});
        assertThat(finished).isDone();
        long sent = stopped.sentPackets();
        long otherAtStop = other.sentPackets();
        // the loop's timer has visited every slot a few times since
        await("the other call's packets", () -> other.sentPackets() >= otherAtStop + 3 * 2);
        assertThat(stopped.sentPackets()).isEqualTo(sent);
        stoppedPeer.setSoTimeout(1000);
        long received = 0;
        try {
            byte[] b = new byte[2048];
            while (true) {
                stoppedPeer.receive(new DatagramPacket(b, b.length));
                received++;
            }
        } catch (SocketTimeoutException drained) {
            // every packet sent has arrived
        }
        assertThat(received).isEqualTo(sent);
        other.stop(CallEndReason.CALLER_HUNG_UP, x -> {});
    }

    /** The first port of {@code pairs} even/odd pairs on the loopback that nothing holds right now. */
    static int freeRange(int pairs) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int low = 2 * ThreadLocalRandom.current().nextInt(5000, 9800); // 10000-19600: below the ephemeral ports
            boolean free = true;
            for (int i = 0; i < pairs && free; i++) {
                free = MediaPlaneTest.bindable(low + 2 * i);
            }
            if (free) {
                return low;
            }
        }
        throw new IOException("no free port range for the test");
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void aFreedPairIsUsedAgainOnlyAfterTheOtherFreePairs(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll, 2);
        int pairs = 16;
        int low = freeRange(pairs);
        Set<Integer> seen = new HashSet<>();
        MediaSession held = p.open(LOOPBACK, low, low + 2 * pairs - 1, Clock.systemUTC());
        for (int i = 0; i < pairs - 4; i++) {
            MediaSession s = p.open(LOOPBACK, low, low + 2 * pairs - 1, Clock.systemUTC());
            assertThat(s.port()).isBetween(low, low + 2 * pairs - 2).isEven().isNotEqualTo(held.port());
            assertThat(seen.add(s.port()))
                    .as("pair %d handed out again while %d other pairs were free", s.port(), pairs - 2 - i)
                    .isTrue();
            s.abandon(); // closes both sockets: the pair goes to the back of the ring
        }
        held.abandon();
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void aPairThatAnotherSocketHoldsIsSkippedAndAFullRangeIsReported(boolean epoll) throws Exception {
        MediaPlane p = plane(epoll, 2);
        int low = freeRange(4);
        int high = low + 7;
        // another process holds the RTP port of the first pair and the RTCP port of the second
        try (DatagramSocket a = new DatagramSocket(new InetSocketAddress(LOOPBACK, low));
                DatagramSocket b = new DatagramSocket(new InetSocketAddress(LOOPBACK, low + 3))) {
            MediaSession s1 = p.open(LOOPBACK, low, high, Clock.systemUTC());
            MediaSession s2 = p.open(LOOPBACK, low, high, Clock.systemUTC());
            assertThat(Set.of(s1.port(), s2.port())).containsExactlyInAnyOrder(low + 4, low + 6);
            assertThatThrownBy(() -> p.open(LOOPBACK, low, high, Clock.systemUTC()))
                    .isInstanceOf(IOException.class)
                    .hasMessage("no free RTP/RTCP port pair in " + low + "-" + high);
            // the RTP socket bound before the RTCP port failed was closed again
            try (DatagramSocket c = new DatagramSocket(new InetSocketAddress(LOOPBACK, low + 2))) {
                assertThat(c.getLocalPort()).isEqualTo(low + 2);
            }
            int freed = s1.port();
            s1.abandon();
            if (!epoll) {
                // NIO: the JDK closes the socket when the loop's selector next selects (MediaSession.stop)
                await("port " + freed + " released", () -> MediaPlaneTest.bindable(freed));
            }
            MediaSession s3 = p.open(LOOPBACK, low, high, Clock.systemUTC());
            assertThat(s3.port()).as("the only pair free").isEqualTo(freed);
            s2.abandon();
            s3.abandon();
        }
    }
}
