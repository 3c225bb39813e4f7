package org.umsec.sip.transport;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.SERVER_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.RevocationPolicy;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;

/**
 * Issue 9 items 1, 2 and 7 through the real TLS listener: the server trusts a gateway's self-signed
 * certificate (gwx, CA:FALSE, imported as the R12 workflow does) and gw1's CA. Whoever holds gwx's key
 * signs a leaf named gw1 and dials in: before R25 the listener accepted it as gw1.
 */
class TrustAnchorAttackTest {
    static final String GWX_FQDN = "gwx.lab.test";

    @TempDir
    Path dir;

    private Lab lab;
    private PersonalCertificate gwx;
    private final Lab.Responder responder = new Lab.Responder();
    private final Lab.Responses responses = new Lab.Responses();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        lab = new Lab(dir);
        gwx = lab.pki.leaf(GWX_FQDN).selfSigned().build();
        lab.store.importTrusted(CertificateFiles.toDer(gwx.certificate()));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private SipServer server() throws IOException {
        return server(lab.serverTls(TlsEngine.JDK));
    }

    private SipServer server(TlsSettings tls) throws IOException {
        SipServer s = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(tls)
                .trustList(TrustList.of(List.of(GATEWAY_FQDN, GWX_FQDN)))
                .handler(responder)
                .events(lab.events::add)
                .ioThreads(1)
                .start();
        open.add(s);
        return s;
    }

    private CompletableFuture<TransportConnection> dial(SipServer server, PersonalCertificate cert) throws IOException {
        SipClient c = SipClient.builder()
                .tls(lab.clientTls(cert, TlsEngine.JDK))
                .handler(responses)
                .build();
        open.add(c);
        return c.connect(
                SipPeer.tls(SERVER_FQDN, server.tlsPort().getAsInt()).connectingTo(InetAddress.getLoopbackAddress()));
    }

    private static void assertClosed(CompletableFuture<TransportConnection> f) throws Exception {
        // TLS 1.3: the client may finish its side before the server refuses; either way it ends closed
        try {
            TransportConnection c = f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            c.closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(c.isOpen()).isFalse();
        } catch (ExecutionException expected) {
            assertThat(f).isCompletedExceptionally();
        }
    }

    @Test
    void leafForgedWithATrustedGatewaysKeyIsRefusedAtTheListener() throws Exception {
        SipServer server = server();
        PersonalCertificate forged =
                lab.pki.leaf(GATEWAY_FQDN).signedWithKeyOf(gwx).build();
        assertThat(forged.certificate().getIssuerX500Principal())
                .isEqualTo(gwx.certificate().getSubjectX500Principal());

        CompletableFuture<TransportConnection> f = dial(server, forged);

        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.UNKNOWN_CA.name());
        assertThat(e.field("detail").orElseThrow()).contains("ISSUER_NOT_CA", GWX_FQDN, "exact-match pin");
        assertThat(e.field("peerCertificate").orElseThrow())
                .contains(CertificateInfo.of(forged.certificate()).sha1Thumbprint());
        assertClosed(f);
        assertThat(responder.received).isEmpty();
    }

    @Test
    void theSelfSignedGatewayItselfAndACaIssuedGatewayAreStillAccepted() throws Exception {
        SipServer server = server();
        for (PersonalCertificate cert : List.of(gwx, lab.gateway)) {
            TransportConnection c = dial(server, cert).get(WAIT_SECONDS, TimeUnit.SECONDS);
            c.send(Lab.options("TLS"));
            assertThat(responses.next()).isEqualTo(200);
            TransportConnection atServer = responder.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(atServer.tls().orElseThrow().peerCertificates().get(0)).isEqualTo(cert.certificate());
        }
    }

    @Test
    void revocationRequiredRefusesPeersWithoutACurrentCrl() throws Exception {
        PeerCertificateValidator require = PeerCertificateValidator.builder()
                .store(lab.store)
                .clock(lab.clock)
                .revocation(RevocationPolicy.REQUIRE)
                .events(lab.events::add)
                .build();
        SipServer server = server(TlsSettings.builder()
                .certificates(lab.provider)
                .peers(require)
                .engine(TlsEngine.JDK)
                .build());

        CompletableFuture<TransportConnection> f = dial(server, lab.gateway);
        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.REVOCATION_UNKNOWN.name());
        assertThat(e.field("detail").orElseThrow()).contains("no CRL of");
        assertClosed(f);

        // CRLs of the intermediate and the root, current: the gateway gets in
        lab.store.importCrl(CertificateFiles.toPem(lab.pki.intermediate().crl(Duration.ofDays(7)))
                .getBytes(US_ASCII));
        lab.store.importCrl(
                CertificateFiles.toPem(lab.pki.root().crl(Duration.ofDays(7))).getBytes(US_ASCII));
        TransportConnection c = dial(server, lab.gateway).get(WAIT_SECONDS, TimeUnit.SECONDS);
        c.send(Lab.options("TLS"));
        assertThat(responses.next()).isEqualTo(200);
        c.close().get(WAIT_SECONDS, TimeUnit.SECONDS);

        // the intermediate's next CRL is overdue (nextUpdate already passed): refused, and reported
        lab.events.clear();
        lab.store.importCrl(CertificateFiles.toPem(lab.pki.intermediate().crl(Duration.ofSeconds(-1)))
                .getBytes(US_ASCII));
        CompletableFuture<TransportConnection> stale = dial(server, lab.gateway);
        assertThat(lab.awaitEvent(SecurityEventType.CRL_STALE).field("issuer").orElseThrow())
                .contains("Lab Test Intermediate");
        SecurityEvent refused = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(refused.field("reason")).contains(HandshakeFailureReason.REVOCATION_UNKNOWN.name());
        assertThat(refused.field("detail").orElseThrow()).contains("past its nextUpdate");
        assertClosed(stale);
    }

    @Test
    void weakKeyIsATypedRefusal() throws Exception {
        SipServer server = server();
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        PersonalCertificate weak =
                lab.pki.leaf(GATEWAY_FQDN).keyPair(g.generateKeyPair()).build();

        CompletableFuture<TransportConnection> f = dial(server, weak);

        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.WEAK_KEY.name());
        assertClosed(f);
    }
}
