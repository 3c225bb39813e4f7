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
        return TrustList.builder().add(GATEWAY_FQDN).resolver(n -> List.of(InetAddress.getByName(address))).build();
    }

    private SipServer server(TrustList trust, SipServer.Builder b) throws IOException {
        SipServer s = b.tlsListener(false).tcpPort(0).bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trust).handler(b == null ? responder : responder).events(lab.events::add).ioThreads(2).start();
        open.add(s);
        return s;
    }

    private TransportConnection connect(SipServer s) throws Exception {
        SipClient c = SipClient.builder().handler(responses).events(clientEvents::add).build();
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

    @Test
    void untrustedSourceGets403AndOneEventPerConnection() throws Exception {
        TransportConnection c = connect(server(trusting("192.0.2.10"), SipServer.builder()));
        c.send(Lab.options("TCP"));
        assertThat(responses.next()).isEqualTo(403);
        assertThat(responses.reasons.poll()).contains("not trusted");
        SecurityEvent e = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(e.field("transport")).contains("TCP");
        assertThat(e.field("identities").orElseThrow()).contains("127.0.0.1");

        c.send(Lab.request(SipRequest.INVITE, "TCP").body("application/sdp", Lab.sdp(false)).build());
        assertThat(responses.next()).isEqualTo(403);
        assertThat(lab.events).noneMatch(ev -> ev.type() == SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(responder.received).isEmpty();
    }

    @Test
    void sdesKeysOverTcpAreRefusedWith488() throws Exception {
        TransportConnection c = connect(server(trusting("127.0.0.1"), SipServer.builder()));
        // written raw, since our own connection refuses to send keys over TCP
        SipRequest invite = Lab.request(SipRequest.INVITE, "TCP").body("application/sdp", Lab.sdp(true)).build();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), c.remoteAddress().getPort())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            s.getOutputStream().write(invite.toWireString().getBytes(StandardCharsets.UTF_8));
            String answer = readHead(s.getInputStream());
            assertThat(answer).startsWith("SIP/2.0 488 ").contains("SDES").contains(invite.callId());
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT);
        assertThat(e.field("direction")).contains("inbound");
        assertThat(responder.received).isEmpty();

        // the same offer without keys is fine; the answer over TCP carries none either
        c.send(Lab.request(SipRequest.INVITE, "TCP").body("application/sdp", Lab.sdp(false)).build());
        assertThat(responses.next()).isEqualTo(200);
        invite.release();
    }

    @Test
    void sendingSdesKeysOverTcpIsRefused() throws Exception {
        TransportConnection c = connect(server(trusting("127.0.0.1"), SipServer.builder()));
        SipMessage invite = Lab.request(SipRequest.INVITE, "TCP").body("application/sdp", Lab.sdp(true)).build();
        assertThatThrownBy(() -> c.sendAsync(invite).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
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
        SipServer s = SipServer.builder().tlsListener(false).tcpPort(0).bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trusting("127.0.0.1")).events(lab.events::add).handlerExecutor(app).maxPendingMessages(4)
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
                }).start();
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
