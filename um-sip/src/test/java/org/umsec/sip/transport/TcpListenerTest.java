package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.SignallingTransport;
import org.umsec.core.TrustList;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.transport.internal.SipChannel;

/** The plain TCP listener: trusted sources (R5), SDES refusal (R19), caps, idle timeout, back-pressure. */
class TcpListenerTest {
    @TempDir
    static Path dir;

    private static Lab lab;
    private final Lab.Responder responder = new Lab.Responder();
    private final Lab.Responses responses = new Lab.Responses();
    private final LinkedBlockingQueue<SecurityEvent> clientEvents = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        lab = new Lab(dir);
    }

    @BeforeEach
    void clearEvents() {
        lab.events.clear();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A trust list naming the gateway, whose FQDN resolves to {@code address}. */
    private static TrustList trusting(String address) {
        return TrustList.builder()
                .add(GATEWAY_FQDN)
                .resolver(n -> List.of(InetAddress.getByName(address)))
                .build();
    }

    private SipServer server(TrustList trust, SipServer.Builder b) throws IOException {
        SipServer s = b.tlsListener(false)
                .tcpPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trust)
                .handler(b == null ? responder : responder)
                .events(lab.events::add)
                .ioThreads(2)
                .start();
        open.add(s);
        return s;
    }

    private TransportConnection connect(SipServer s) throws Exception {
        SipClient c =
                SipClient.builder().handler(responses).events(clientEvents::add).build();
        open.add(c);
        return c.connect(SipPeer.tcp("127.0.0.1", s.tcpPort().getAsInt())).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void trustedSourceIsAnswered() throws Exception {
        TransportConnection c = connect(server(trusting("127.0.0.1"), SipServer.builder()));
        assertThat(c.transport()).isEqualTo(SignallingTransport.TCP);
        assertThat(c.tls()).isEmpty();
        c.send(Lab.options("TCP"));
        assertThat(responses.next()).isEqualTo(200);
        assertThat(responder.received.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(SipRequest.OPTIONS);
    }

    /** Issue 9 item 4: an untrusted source is answered 403 and the connection is closed at once. */
    @Test
    void untrustedSourceGets403ThenTheConnectionIsClosed() throws Exception {
        SipServer s = server(trusting("192.0.2.10"), SipServer.builder());
        try (Socket a = raw(s)) {
            a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 403 ").contains("not trusted");
            assertThat(a.getInputStream().read()).isEqualTo(-1);
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(e.field("transport")).contains("TCP");
        assertThat(e.field("identities").orElseThrow()).contains("127.0.0.1");
        assertThat(responder.received).isEmpty();
    }

    /**
     * Issue 9 item 4: an untrusted peer that sends nothing, or only CRLF keep-alives, is closed at
     * the pre-authentication deadline and gets no pong; before, it held its slot until the idle
     * timeout (5 minutes) with every ping answered.
     */
    @Test
    void silentOrPingingUntrustedPeersAreClosedAtThePreAuthDeadlineWithoutPong() throws Exception {
        SipServer s = server(trusting("192.0.2.10"), SipServer.builder().preAuthTimeout(Duration.ofMillis(300)));
        try (Socket a = raw(s);
                Socket b = raw(s)) {
            b.getOutputStream().write("\r\n\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(a.getInputStream().read()).isEqualTo(-1);
            assertThat(b.getInputStream().read()).as("no pong, then closed").isEqualTo(-1);
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(e.field("reason")).contains("pre-authentication deadline");
    }

    @Test
    void trustedPeersGetPongsAndAreNotHurriedByThePreAuthDeadline() throws Exception {
        SipServer s = server(trusting("127.0.0.1"), SipServer.builder().preAuthTimeout(Duration.ofMillis(100)));
        try (Socket a = raw(s)) {
            a.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(a.getInputStream().read()).isEqualTo('\r');
            assertThat(a.getInputStream().read()).isEqualTo('\n');
            // well past the deadline (the pong above came after it was cancelled), still served
            a.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(a.getInputStream().read()).isEqualTo('\r');
            a.getInputStream().read();
            a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 200 ");
        }
    }

    /**
     * Issue 9 item 3 (R26): a gateway on a Secured plan is trusted by certificate on the TLS
     * listener, never by its address on plain TCP. Before, one list served both listeners, so its
     * address (here 127.0.0.1) got plain-TCP calls in.
     */
    @Test
    void aSecuredGatewaysAddressIsNotTrustedOnPlainTcp() throws Exception {
        TrustList secured = trusting("127.0.0.1"); // gw1's FQDN resolves to the attacker's source address
        SipServer s = SipServer.builder()
                .tcpPort(0)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(TlsEngine.JDK))
                .tlsTrustList(secured)
                .tcpTrustList(TrustList.of(List.of("192.0.2.10")))
                .handler(responder)
                .events(lab.events::add)
                .ioThreads(2)
                .start();
        open.add(s);
        try (Socket a = raw(s)) {
            a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 403 ");
        }
        assertThat(s.tlsTrustList().entries()).containsExactly(GATEWAY_FQDN);
        assertThat(s.tcpTrustList().entries()).containsExactly("192.0.2.10");
        assertThat(responder.received).isEmpty();
        assertThatThrownBy(() -> s.updateTrustList(secured)).isInstanceOf(IllegalStateException.class);
    }

    /**
     * Issue 9 item 4: idle sockets from untrusted hosts used to fill the connection table and push
     * a trusted PBX out. Slots are kept for known gateway addresses.
     */
    @Test
    void idleUntrustedSocketsCannotPushOutATrustedGateway() throws Exception {
        SipServer s = server(
                TrustList.of(List.of("127.0.0.1")),
                SipServer.builder().maxConnections(12).reservedConnections(2).maxConnectionsPerAddress(64));
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket f = new Socket();
                f.bind(new java.net.InetSocketAddress(attacker, 0));
                f.connect(new java.net.InetSocketAddress(
                        InetAddress.getLoopbackAddress(), s.tcpPort().getAsInt()));
                flood.add(f);
            }
            awaitTrue(() -> s.openConnections() == 10 && s.refusedConnections() == 10);
            try (Socket gw = raw(s)) {
                gw.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
                assertThat(readHead(gw.getInputStream())).startsWith("SIP/2.0 200 ");
            }
        } finally {
            for (Socket f : flood) {
                f.close();
            }
        }
    }

    /**
     * Issue 9 item 9: one trusted name whose lookup hangs must not hold up a peer another entry
     * names (before, names were resolved one after the other for every connection, on one thread).
     * Answers are cached for the TTL (on the injected clock).
     */
    @Test
    void aHangingLookupDoesNotHoldUpOtherPeersAndAnswersAreCached() throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        open.add(hang::countDown);
        java.util.concurrent.atomic.AtomicInteger fastLookups = new java.util.concurrent.atomic.AtomicInteger();
        org.umsec.certs.testing.MutableClock clock =
                org.umsec.certs.testing.MutableClock.at(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        TrustList list = TrustList.builder()
                .add("slow.lab.test")
                .add(GATEWAY_FQDN)
                .resolver(name -> {
                    if (name.equals("slow.lab.test")) {
                        try {
                            hang.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return List.of();
                    }
                    fastLookups.incrementAndGet();
                    return List.of(InetAddress.getByName("127.0.0.1"));
                })
                .build();
        SipServer s = server(
                list, SipServer.builder().clock(clock).resolveCache(Duration.ofSeconds(60), Duration.ofSeconds(30)));
        for (int i = 0; i < 3; i++) {
            try (Socket a = raw(s)) {
                a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
                assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 200 ");
            }
        }
        assertThat(fastLookups.get()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(61));
        try (Socket a = raw(s)) {
            a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 200 ");
        }
        awaitTrue(() -> fastLookups.get() == 2);
    }

    /** Issue 9 item 7: a TCP peer whose address leaves the trust list is closed with an event. */
    @Test
    void establishedTcpPeerIsClosedWhenItsAddressLeavesTheTrustList() throws Exception {
        SipServer s = server(TrustList.of(List.of("127.0.0.1")), SipServer.builder());
        try (Socket a = raw(s)) {
            a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 200 ");
            s.updateTrustList(TrustList.of(List.of("192.0.2.10")));
            assertThat(a.getInputStream().read()).isEqualTo(-1);
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(e.field("phase")).contains("established");
        assertThat(e.field("reason")).contains("SOURCE_NOT_TRUSTED");
    }

    private static Socket raw(SipServer s) throws IOException {
        Socket a = new Socket(InetAddress.getLoopbackAddress(), s.tcpPort().getAsInt());
        a.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return a;
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in " + WAIT_SECONDS + " s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void sdesKeysOverTcpAreRefusedWith488() throws Exception {
        TransportConnection c = connect(server(trusting("127.0.0.1"), SipServer.builder()));
        // written raw, since our own connection refuses to send keys over TCP
        SipRequest invite = Lab.request(SipRequest.INVITE, "TCP")
                .body("application/sdp", Lab.sdp(true))
                .build();
        try (Socket s =
                new Socket(InetAddress.getLoopbackAddress(), c.remoteAddress().getPort())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            s.getOutputStream().write(invite.toWireString().getBytes(StandardCharsets.UTF_8));
            String answer = readHead(s.getInputStream());
            assertThat(answer).startsWith("SIP/2.0 488 ").contains("SDES").contains(invite.callId());
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT);
        assertThat(e.field("direction")).contains("inbound");
        assertThat(responder.received).isEmpty();

        // the same offer without keys is fine; the answer over TCP carries none either
        c.send(Lab.request(SipRequest.INVITE, "TCP")
                .body("application/sdp", Lab.sdp(false))
                .build());
        assertThat(responses.next()).isEqualTo(200);
        invite.release();
    }

    @Test
    void sendingSdesKeysOverTcpIsRefused() throws Exception {
        TransportConnection c = connect(server(trusting("127.0.0.1"), SipServer.builder()));
        SipMessage invite = Lab.request(SipRequest.INVITE, "TCP")
                .body("application/sdp", Lab.sdp(true))
                .build();
        assertThatThrownBy(() -> c.sendAsync(invite).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        SecurityEvent e = clientEvents.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(e.type()).isEqualTo(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT);
        assertThat(e.field("direction")).contains("outbound");
        assertThat(invite.refCnt()).isZero();
    }

    @Test
    void connectionsOverThePerAddressCapAreClosed() throws Exception {
        SipServer s = server(trusting("127.0.0.1"), SipServer.builder().maxConnectionsPerAddress(2));
        int port = s.tcpPort().getAsInt();
        try (Socket a = new Socket(InetAddress.getLoopbackAddress(), port);
                Socket b = new Socket(InetAddress.getLoopbackAddress(), port);
                Socket third = new Socket(InetAddress.getLoopbackAddress(), port)) {
            third.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertThat(third.getInputStream().read()).isEqualTo(-1);
            assertThat(s.refusedConnections()).isEqualTo(1);
            assertThat(s.openConnections()).isEqualTo(2);
            assertThat(b.isConnected()).isTrue();
            a.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            a.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(a.getInputStream())).startsWith("SIP/2.0 200 ");
        }
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        SipServer s = server(trusting("127.0.0.1"), SipServer.builder().idleTimeout(Duration.ofMillis(200)));
        try (Socket a = new Socket(InetAddress.getLoopbackAddress(), s.tcpPort().getAsInt())) {
            a.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertThat(a.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void slowApplicationPausesReadingAndKeepsOrder() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkedBlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        ExecutorService app = Executors.newSingleThreadExecutor();
        open.add(app::shutdownNow);
        SipServer s = SipServer.builder()
                .tlsListener(false)
                .tcpPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trusting("127.0.0.1"))
                .events(lab.events::add)
                .handlerExecutor(app)
                .maxPendingMessages(4)
                .handler((conn, m) -> {
                    try {
                        release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    SipRequest r = (SipRequest) m;
                    seen.add(r.cseq().sequence());
                    conn.send(r.createResponse(200).build());
                    r.release();
                })
                .start();
        open.add(s);
        TransportConnection c = connect(s);
        int n = 40;
        for (int i = 1; i <= n; i++) {
            c.send(Lab.request(SipRequest.OPTIONS, "TCP").cseq(i).build());
        }
        release.countDown();
        for (int i = 0; i < n; i++) {
            assertThat(responses.next()).isEqualTo(200);
        }
        List<Long> order = new ArrayList<>(seen);
        assertThat(order).hasSize(n).isSorted();
    }

    @Test
    void handlerLanesRunOtherCallsWhileOneCallWaitsAndKeepEachCallInOrder() throws Exception {
        int lanes = 4;
        // Call-IDs: one whose handling blocks, and others in the other lanes (one connection, a trunk)
        String blocked = "blocked@" + Lab.GATEWAY_FQDN;
        int blockedLane = SipChannel.laneOf(
                Lab.request(SipRequest.OPTIONS, "TCP").callId(blocked).build(), lanes);
        List<String> others = new ArrayList<>();
        List<String> sameLane = new ArrayList<>();
        for (int i = 0; others.size() < 6 || sameLane.isEmpty(); i++) {
            String id = "call-" + i + "@" + Lab.GATEWAY_FQDN;
            int lane = SipChannel.laneOf(
                    Lab.request(SipRequest.OPTIONS, "TCP").callId(id).build(), lanes);
            if (lane != blockedLane && others.size() < 6) {
                others.add(id);
            } else if (lane == blockedLane && sameLane.isEmpty()) {
                sameLane.add(id);
            }
        }
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.ConcurrentHashMap<String, List<Long>> seen =
                new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService app = Executors.newCachedThreadPool();
        open.add(app::shutdownNow);
        SipServer s = SipServer.builder()
                .tlsListener(false)
                .tcpPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trusting("127.0.0.1"))
                .events(lab.events::add)
                .handlerExecutor(app)
                .handlerLanes(lanes)
                .handler((conn, m) -> {
                    SipRequest r = (SipRequest) m;
                    if (r.callId().equals(blocked)) {
                        try {
                            release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    seen.computeIfAbsent(r.callId(), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                            .add(r.cseq().sequence());
                    conn.send(r.createResponse(200).build());
                    r.release();
                })
                .start();
        open.add(s);
        TransportConnection c = connect(s);
        int perCall = 5;
        for (int cseq = 1; cseq <= perCall; cseq++) {
            c.send(Lab.request(SipRequest.OPTIONS, "TCP")
                    .callId(blocked)
                    .cseq(cseq)
                    .build());
            c.send(Lab.request(SipRequest.OPTIONS, "TCP")
                    .callId(sameLane.get(0))
                    .cseq(cseq)
                    .build());
            for (String id : others) {
                c.send(Lab.request(SipRequest.OPTIONS, "TCP")
                        .callId(id)
                        .cseq(cseq)
                        .build());
            }
        }
        // while the blocked call waits, every call in another lane is answered in full
        for (int i = 0; i < others.size() * perCall; i++) {
            assertThat(responses.next()).isEqualTo(200);
        }
        for (String id : others) {
            assertThat(seen.get(id)).containsExactly(1L, 2L, 3L, 4L, 5L);
        }
        // the blocked call's lane waits: nothing of it, nor of the other call sharing its lane, was handled
        assertThat(seen.get(blocked)).isNull();
        assertThat(seen.get(sameLane.get(0))).isNull();
        release.countDown();
        for (int i = 0; i < 2 * perCall; i++) {
            assertThat(responses.next()).isEqualTo(200);
        }
        assertThat(seen.get(blocked)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(seen.get(sameLane.get(0))).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aFloodOfCallsOnOneConnectionPausesReadingAcrossLanesAndResumesEveryTime() throws Exception {
        // 4 lanes, reading paused at 4 waiting messages (all lanes together): 300 requests of 100 calls on one
        // connection make reading pause and resume many times while the lanes drain in parallel; a lost
        // resume would leave the rest unread and the test waiting
        LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
        ExecutorService app = Executors.newCachedThreadPool();
        open.add(app::shutdownNow);
        SipServer s = SipServer.builder()
                .tlsListener(false)
                .tcpPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trusting("127.0.0.1"))
                .events(lab.events::add)
                .handlerExecutor(app)
                .handlerLanes(4)
                .maxPendingMessages(4)
                .handler((conn, m) -> {
                    SipRequest r = (SipRequest) m;
                    seen.add(r.callId() + " " + r.cseq().sequence());
                    conn.send(r.createResponse(200).build());
                    r.release();
                })
                .start();
        open.add(s);
        TransportConnection c = connect(s);
        int calls = 100;
        int perCall = 3;
        for (int cseq = 1; cseq <= perCall; cseq++) {
            for (int i = 0; i < calls; i++) {
                c.send(Lab.request(SipRequest.OPTIONS, "TCP")
                        .callId("flood-" + i + "@" + GATEWAY_FQDN)
                        .cseq(cseq)
                        .build());
            }
        }
        for (int i = 0; i < calls * perCall; i++) {
            assertThat(responses.next()).isEqualTo(200);
        }
        java.util.Map<String, List<Long>> byCall = new java.util.HashMap<>();
        for (String e : seen) {
            String[] f = e.split(" ");
            byCall.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Long.parseLong(f[1]));
        }
        assertThat(byCall).hasSize(calls);
        byCall.values().forEach(l -> assertThat(l).containsExactly(1L, 2L, 3L));
    }

    @Test
    void handlerLanesAreBounded() {
        assertThatThrownBy(() -> SipServer.builder().handlerLanes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SipServer.builder().handlerLanes(TransportOptions.MAX_HANDLER_LANES + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TransportOptions.builder().handlerLanes(8).build().handlerLanes())
                .isEqualTo(8);
        assertThat(TransportOptions.defaults().handlerLanes()).isEqualTo(1);
    }

    @Test
    void aClientGoesOnReadingResponsesWhileItsOwnRequestsCannotBeSent() throws Exception {
        // a peer that never reads what the client sends, but answers: the client's requests pile up (the
        // channel turns unwritable) and it must still read every response, or two such ends wait forever
        try (java.net.ServerSocket peer = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SipClient client = SipClient.builder()
                    .options(TransportOptions.builder()
                            .writeWaterMarks(1024, 2048)
                            .build())
                    .handler(responses)
                    .events(clientEvents::add)
                    .build();
            open.add(client);
            TransportConnection c = client.connect(SipPeer.tcp("127.0.0.1", peer.getLocalPort()))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (Socket s = peer.accept()) {
                String pad = "x".repeat(3000);
                for (int i = 0; i < 4000; i++) { // ~13 MB: far more than both socket buffers hold
                    c.send(Lab.request(SipRequest.OPTIONS, "TCP")
                            .header("Subject", pad)
                            .cseq(i + 1)
                            .build());
                }
                int n = 500;
                StringBuilder flood = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    flood.append("SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP ")
                            .append(GATEWAY_FQDN)
                            .append(";branch=z9hG4bK-r")
                            .append(i)
                            .append("\r\nFrom: <sip:gw@")
                            .append(GATEWAY_FQDN)
                            .append(">;tag=a\r\nTo: <sip:um@um.test>;tag=b\r\nCall-ID: r")
                            .append(i)
                            .append("\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
                }
                s.getOutputStream().write(flood.toString().getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                for (int i = 0; i < n; i++) {
                    assertThat(responses.next()).isEqualTo(200);
                }
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            sb.append((char) b);
            if (sb.length() >= 4 && sb.lastIndexOf("\r\n\r\n") == sb.length() - 4) {
                break;
            }
        }
        return sb.toString();
    }
}
