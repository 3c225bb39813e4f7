package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.SERVER_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.KeyPurpose;
import org.umsec.certs.PersonalCertificate;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;
import org.umsec.sip.SipResponse;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;

/** Mutual TLS on real loopback sockets with certificates made in the test, on both engines. */
class MutualTlsTest {
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

    static Stream<TlsEngine> engines() {
        return TlsEngine.openSslAvailable() ? Stream.of(TlsEngine.JDK, TlsEngine.OPENSSL) : Stream.of(TlsEngine.JDK);
    }

    private SipServer server(TlsEngine engine, SipServer.Builder extra) throws IOException {
        SipServer s = extra.tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(engine))
                .trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(responder)
                .events(lab.events::add)
                .ioThreads(2)
                .start();
        open.add(s);
        return s;
    }

    private SipServer server(TlsEngine engine) throws IOException {
        return server(engine, SipServer.builder());
    }

    private SipClient client(PersonalCertificate cert, TlsEngine engine) throws IOException {
        SipClient c = SipClient.builder()
                .tls(lab.clientTls(cert, engine))
                .handler(responses)
                .events(clientEvents::add)
                .build();
        open.add(c);
        return c;
    }

    private static SipPeer dial(SipServer server) {
        return SipPeer.tls(SERVER_FQDN, server.tlsPort().getAsInt()).connectingTo(InetAddress.getLoopbackAddress());
    }

    private static TransportConnection await(CompletableFuture<TransportConnection> f) throws Exception {
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void trustedGatewayCompletesMutualTlsAndExchangesOptions(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        SipClient client = client(lab.gateway, engine);

        TransportConnection c = await(client.connect(dial(server)));
        c.send(Lab.options("TLS"));

        assertThat(responses.next()).isEqualTo(200);
        TlsSessionInfo mine = c.tls().orElseThrow();
        assertThat(mine.protocol()).isEqualTo("TLSv1.3");
        assertThat(mine.engine()).isEqualTo(engine);
        assertThat(mine.trustedAs()).isEqualTo(SERVER_FQDN);
        assertThat(mine.peerIdentity().dnsNames()).containsExactly(SERVER_FQDN);

        TransportConnection atServer = responder.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        TlsSessionInfo theirs = atServer.tls().orElseThrow();
        assertThat(theirs.trustedAs()).isEqualTo(GATEWAY_FQDN);
        assertThat(theirs.serverName()).contains(SERVER_FQDN);
        assertThat(theirs.peerCertificates().get(0)).isEqualTo(lab.gateway.certificate());
        assertThat(atServer.isInbound()).isTrue();
        assertThat(server.tlsEngine()).contains(engine);

        // one connection per peer: the open one is reused
        assertThat(await(client.connect(dial(server)))).isSameAs(c);
        c.close().get(WAIT_SECONDS, TimeUnit.SECONDS);
        TransportConnection again = await(client.connect(dial(server)));
        assertThat(again).isNotSameAs(c);
        assertThat(again.isOpen()).isTrue();
    }

    @Test
    void transactionLayersOnBothEndsTalkOverMutualTls() throws Exception {
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        open.add(timers::shutdownNow);
        TransactionLayer serverLayer = TransactionLayer.builder()
                .scheduler(TimerScheduler.of(timers))
                .handler(tx -> tx.respond(tx.createResponse(200)
                        .header("Allow", "INVITE, ACK, BYE, OPTIONS")
                        .build()))
                .build();
        SipServer s = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(TlsEngine.AUTO))
                .trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(SipMessageHandler.of(serverLayer))
                .events(lab.events::add)
                .start();
        open.add(s);
        TransactionLayer clientLayer = TransactionLayer.builder()
                .scheduler(TimerScheduler.of(timers))
                .handler(tx -> tx.respond(tx.createResponse(501).build()))
                .build();
        SipClient client = SipClient.builder()
                .tls(lab.clientTls(lab.gateway, TlsEngine.AUTO))
                .handler(SipMessageHandler.of(clientLayer))
                .build();
        open.add(client);

        TransportConnection c = await(client.connect(dial(s)));
        SipResponse ok = clientLayer
                .sendRequest(c, Lab.options("TLS"), r -> {})
                .finalResponse()
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("Allow")).contains("INVITE, ACK, BYE, OPTIONS");
        assertThat(c.isSecure()).isTrue();
    }

    enum Refusal {
        NO_CERTIFICATE(HandshakeFailureReason.NO_CLIENT_CERTIFICATE),
        UNKNOWN_CA(HandshakeFailureReason.UNKNOWN_CA),
        EXPIRED(HandshakeFailureReason.EXPIRED),
        NOT_YET_VALID(HandshakeFailureReason.NOT_YET_VALID),
        REVOKED(HandshakeFailureReason.REVOKED),
        WRONG_EKU(HandshakeFailureReason.BAD_EKU),
        NAME_NOT_ON_TRUST_LIST(HandshakeFailureReason.IDENTITY_NOT_TRUSTED);

        final HandshakeFailureReason reason;

        Refusal(HandshakeFailureReason reason) {
            this.reason = reason;
        }

        PersonalCertificate certificate(Lab lab) throws IOException {
            Instant now = lab.clock.instant();
            switch (this) {
                case NO_CERTIFICATE:
                    return null;
                case UNKNOWN_CA:
                    return lab.other.leaf(GATEWAY_FQDN).build();
                case EXPIRED:
                    return lab.pki
                            .leaf(GATEWAY_FQDN)
                            .validFrom(now.minus(Duration.ofDays(30)))
                            .validUntil(now.minus(Duration.ofDays(1)))
                            .build();
                case NOT_YET_VALID:
                    return lab.pki
                            .leaf(GATEWAY_FQDN)
                            .validFrom(now.plus(Duration.ofDays(1)))
                            .validUntil(now.plus(Duration.ofDays(30)))
                            .build();
                case REVOKED: {
                    PersonalCertificate c = lab.pki.leaf(GATEWAY_FQDN).build();
                    lab.store.addCrl(lab.pki.revoke(c.certificate()));
                    return c;
                }
                case WRONG_EKU:
                    return lab.pki
                            .leaf(GATEWAY_FQDN)
                            .purposes(KeyPurpose.SERVER_AUTH)
                            .build();
                default:
                    return lab.pki.leaf("rogue.lab.test").build();
            }
        }
    }

    static Stream<Arguments> refusals() {
        List<Arguments> all = new ArrayList<>();
        engines().forEach(e -> {
            for (Refusal r : Refusal.values()) {
                all.add(Arguments.of(e, r));
            }
        });
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refusals")
    void refusedPeersAreClosedWithATypedEvent(TlsEngine engine, Refusal refusal) throws Exception {
        SipServer server = server(engine);
        PersonalCertificate cert = refusal.certificate(lab);
        SipClient client = client(cert, engine);

        CompletableFuture<TransportConnection> f = client.connect(dial(server));

        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(refusal.reason.name());
        assertThat(e.field("role")).contains("server");
        if (cert == null) {
            assertThat(e.field("peerCertificate")).isEmpty();
        } else {
            assertThat(e.field("peerCertificate").orElseThrow())
                    .contains(CertificateInfo.of(cert.certificate()).sha1Thumbprint());
        }
        if (refusal == Refusal.NAME_NOT_ON_TRUST_LIST) {
            SecurityEvent u = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
            assertThat(u.field("identities").orElseThrow()).contains("rogue.lab.test");
        }
        // TLS 1.3: the client may finish its side before the server refuses; either way it ends closed
        try {
            TransportConnection c = f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            c.closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(c.isOpen()).isFalse();
        } catch (ExecutionException expected) {
            assertThat(expected.getCause()).isInstanceOfAny(TlsHandshakeException.class, IOException.class);
        }
        assertThat(responder.received).isEmpty();
        assertThat(server.openConnections()).isLessThanOrEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void clientChecksTheServerAgainstTheFqdnDialledNotTheAddressConnectedTo(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        SipClient client = client(lab.gateway, engine);
        int port = server.tlsPort().getAsInt();

        for (SipPeer wrong : List.of(
                SipPeer.tls("127.0.0.1", port),
                SipPeer.tls("other.lab.test", port).connectingTo(InetAddress.getLoopbackAddress()))) {
            CompletableFuture<TransportConnection> f = client.connect(wrong);
            assertThatThrownBy(() -> f.get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TlsHandshakeException.class)
                    .satisfies(t -> assertThat(((TlsHandshakeException) t.getCause()).reason())
                            .isEqualTo(HandshakeFailureReason.IDENTITY_NOT_TRUSTED));
            SecurityEvent e = clientEvents.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(e.type()).isEqualTo(SecurityEventType.TLS_HANDSHAKE_FAILED);
            assertThat(e.field("dialled")).contains(wrong.host());
            assertThat(e.field("peerCertificate").orElseThrow()).contains(SERVER_FQDN);
        }
        assertThat(await(client.connect(dial(server))).isOpen()).isTrue();
    }

    @Test
    void plainTextOnTheTlsPortIsAProtocolMismatch() throws Exception {
        SipServer server = server(TlsEngine.JDK);
        try (Socket s =
                new Socket(InetAddress.getLoopbackAddress(), server.tlsPort().getAsInt())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            s.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(drain(s.getInputStream())).isEqualTo(-1);
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH.name());
    }

    @Test
    void handshakeTimeoutClosesPeersThatStall() throws Exception {
        SipServer server = server(TlsEngine.JDK, SipServer.builder().handshakeTimeout(Duration.ofMillis(200)));
        try (Socket s =
                new Socket(InetAddress.getLoopbackAddress(), server.tlsPort().getAsInt())) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            OutputStream out = s.getOutputStream();
            out.flush();
            assertThat(drain(s.getInputStream())).isEqualTo(-1);
        }
        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.OTHER.name());
        assertThat(e.field("detail").orElseThrow()).containsIgnoringCase("timed out");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void rotatedCertificateIsUsedByTheNextHandshakeWhileOpenConnectionsCarryOn(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        TransportConnection before = await(client(lab.gateway, engine).connect(dial(server)));
        X509Certificate first = before.tls().orElseThrow().peerCertificates().get(0);

        // outlives the certificate in use, so R9 selection prefers it
        Instant longer = lab.provider.current().orElseThrow().info().notAfter().plus(Duration.ofDays(1));
        PersonalCertificate next = lab.pki.leaf(SERVER_FQDN).validUntil(longer).build();
        lab.store.addPersonal(next);
        lab.provider.refresh();
        assertThat(lab.provider.current().orElseThrow().certificate().certificate())
                .isEqualTo(next.certificate());

        TransportConnection after = await(client(lab.gateway, engine).connect(dial(server)));
        assertThat(after.tls().orElseThrow().peerCertificates().get(0)).isEqualTo(next.certificate());
        assertThat(first).isNotEqualTo(next.certificate());

        // the connection opened before the rotation keeps working on its session
        before.send(Lab.options("TLS"));
        assertThat(responses.next()).isEqualTo(200);
        assertThat(before.tls().orElseThrow().peerCertificates().get(0)).isEqualTo(first);
        after.send(Lab.options("TLS"));
        assertThat(responses.next()).isEqualTo(200);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void certificateRevokedAfterAConnectionIsRefusedOnReconnectEvenIfTheSessionResumes(TlsEngine engine)
            throws Exception {
        SipServer server = server(engine);
        PersonalCertificate gw = lab.pki.leaf(GATEWAY_FQDN).build();
        SipClient client = client(gw, engine);
        TransportConnection first = await(client.connect(dial(server)));
        first.send(Lab.options("TLS"));
        assertThat(responses.next()).isEqualTo(200);
        first.close().get(WAIT_SECONDS, TimeUnit.SECONDS);

        lab.store.addCrl(lab.pki.revoke(gw.certificate()));
        lab.events.clear();
        // same client, same peer: the client offers to resume its session; the server must still refuse
        client.connect(dial(server));
        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.REVOKED.name());
    }

    @Test
    void trustListUpdatesApplyToTheNextHandshake() throws Exception {
        SipServer server = server(TlsEngine.JDK);
        server.updateTrustList(TrustList.of(List.of("someone-else.lab.test")));
        client(lab.gateway, TlsEngine.JDK).connect(dial(server));
        SecurityEvent e = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(e.field("identities").orElseThrow()).contains(GATEWAY_FQDN);
    }

    private static int drain(InputStream in) throws IOException {
        int b;
        do {
            b = in.read();
        } while (b >= 0);
        return b;
    }
}
