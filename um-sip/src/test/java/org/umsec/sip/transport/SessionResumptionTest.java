package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.SERVER_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;

/**
 * Issue 13 item 5: a gateway that reconnects resumes its TLS session (TLS 1.3 ticket, TLS 1.2
 * session id) on both engines, which the server's key manager sees as no full handshake, and the
 * peer is checked again on resumption: a certificate revoked or an identity dropped from the trust
 * list in between is refused although the session resumes.
 */
class SessionResumptionTest {
    @TempDir
    Path dir;

    private Lab lab;
    private final Lab.Responder responder = new Lab.Responder();
    private final Lab.Responses responses = new Lab.Responses();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final AtomicInteger fullHandshakes = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        lab = new Lab(dir);
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

    private SipServer server(TlsEngine engine) throws IOException {
        TlsSettings tls = TlsSettings.builder()
                .keyManager(new CountingKeyManager(lab.provider.keyManager(), fullHandshakes))
                .peers(lab.validator)
                .engine(engine)
                .build();
        SipServer s = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(tls)
                .trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(responder)
                .events(lab.events::add)
                .ioThreads(1)
                .start();
        open.add(s);
        return s;
    }

    private SipClient client(PersonalCertificate cert, TlsEngine engine) throws IOException {
        SipClient c = SipClient.builder()
                .tls(lab.clientTls(cert, engine))
                .handler(responses)
                .build();
        open.add(c);
        return c;
    }

    private static SipPeer dial(SipServer server) {
        return SipPeer.tls(SERVER_FQDN, server.tlsPort().getAsInt()).connectingTo(InetAddress.getLoopbackAddress());
    }

    /** Connects, exchanges OPTIONS (by then a TLS 1.3 ticket has arrived) and closes. */
    private TlsSessionInfo[] roundTrip(SipClient client, SipServer server) throws Exception {
        TransportConnection c = client.connect(dial(server)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        c.send(Lab.options("TLS"));
        assertThat(responses.next()).isEqualTo(200);
        TransportConnection atServer = responder.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        TlsSessionInfo[] both = {c.tls().orElseThrow(), atServer.tls().orElseThrow()};
        c.close().get(WAIT_SECONDS, TimeUnit.SECONDS);
        return both;
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aReconnectingGatewayResumesItsTls13Session(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        SipClient client = client(lab.gateway, engine);

        TlsSessionInfo[] first = roundTrip(client, server);
        TlsSessionInfo[] second = roundTrip(client, server);

        assertThat(first[0].resumed()).isFalse();
        assertThat(first[1].resumed()).isFalse();
        assertThat(second[0].protocol()).isEqualTo("TLSv1.3");
        assertThat(second[0].resumed()).isTrue();
        assertThat(second[1].resumed()).isTrue();
        assertFullHandshakes(engine, 1);
        // the identities were checked again and are those of the session
        assertThat(second[1].trustedAs()).isEqualTo(GATEWAY_FQDN);
        assertThat(second[1].peerCertificates().get(0)).isEqualTo(lab.gateway.certificate());
        assertThat(second[0].trustedAs()).isEqualTo(SERVER_FQDN);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aGatewayRevokedInBetweenIsRefusedOnResumption(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        PersonalCertificate gw = lab.pki.leaf(GATEWAY_FQDN).build();
        SipClient client = client(gw, engine);
        roundTrip(client, server);
        int full = fullHandshakes.get();

        lab.store.addCrl(lab.pki.revoke(gw.certificate()));
        lab.events.clear();
        client.connect(dial(server));

        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.REVOKED.name());
        assertThat(e.field("resumed")).contains("true");
        assertFullHandshakes(engine, full);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aGatewayDroppedFromTheTrustListIsRefusedOnResumption(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        SipClient client = client(lab.gateway, engine);
        roundTrip(client, server);
        int full = fullHandshakes.get();

        server.updateTrustList(TrustList.of(List.of("someone-else.lab.test")));
        lab.events.clear();
        client.connect(dial(server));

        SecurityEvent failed = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(failed.field("reason")).contains(HandshakeFailureReason.IDENTITY_NOT_TRUSTED.name());
        assertThat(failed.field("resumed")).contains("true");
        SecurityEvent e = lab.awaitEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED);
        assertThat(e.field("identities").orElseThrow()).contains(GATEWAY_FQDN);
        assertFullHandshakes(engine, full);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aTls12GatewayResumesItsSession(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        SSLContext ctx = tls12Client(lab.gateway);

        TlsSessionInfo first = tls12RoundTrip(ctx, server);
        TlsSessionInfo second = tls12RoundTrip(ctx, server);

        assertThat(first.protocol()).isEqualTo("TLSv1.2");
        assertThat(first.resumed()).isFalse();
        assertThat(second.protocol()).isEqualTo("TLSv1.2");
        assertThat(second.resumed()).isTrue();
        assertThat(second.trustedAs()).isEqualTo(GATEWAY_FQDN);
        assertFullHandshakes(engine, 1);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aTls12GatewayRevokedInBetweenIsRefusedOnResumption(TlsEngine engine) throws Exception {
        SipServer server = server(engine);
        PersonalCertificate gw = lab.pki.leaf(GATEWAY_FQDN).build();
        SSLContext ctx = tls12Client(gw);
        tls12RoundTrip(ctx, server);

        lab.store.addCrl(lab.pki.revoke(gw.certificate()));
        lab.events.clear();
        try (SSLSocket s = tls12Socket(ctx, server)) {
            s.startHandshake();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        } catch (IOException expected) {
            // the server closed the resumed session
        }

        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.REVOKED.name());
        assertThat(e.field("resumed")).contains("true");
        assertFullHandshakes(engine, 1);
    }

    /**
     * The JDK asks the key manager for the private key in full handshakes only; Netty's OpenSSL
     * engine asks in its certificate callback, before BoringSSL decides to resume, so there the
     * resumed flags of both ends (each from its own trust manager not running) are the evidence.
     */
    private void assertFullHandshakes(TlsEngine engine, int expected) {
        if (engine == TlsEngine.JDK) {
            assertThat(fullHandshakes.get()).as("full handshakes on the server").isEqualTo(expected);
        }
    }

    private SSLContext tls12Client(PersonalCertificate cert) throws Exception {
        char[] pw = "lab".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, pw);
        ks.setKeyEntry("gw", cert.privateKey(), pw, cert.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLSv1.2");
        PeerCertificateValidator serverCheck = PeerCertificateValidator.builder()
                .contents(lab.pki.trust().build())
                .build();
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {serverCheck.trustManager()}, null);
        return ctx;
    }

    private static SSLSocket tls12Socket(SSLContext ctx, SipServer server) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), server.tlsPort().getAsInt());
        s.setEnabledProtocols(new String[] {"TLSv1.2"});
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return s;
    }

    private TlsSessionInfo tls12RoundTrip(SSLContext ctx, SipServer server) throws Exception {
        try (Socket s = tls12Socket(ctx, server)) {
            OutputStream out = s.getOutputStream();
            out.write(Lab.options("TLS").toWireString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("SIP/2.0 200");
            TransportConnection atServer = responder.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            return atServer.tls().orElseThrow();
        }
    }

    /** Counts the server's private-key look-ups: one per full handshake, none for a resumed one. */
    private static final class CountingKeyManager extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager d;
        private final AtomicInteger count;

        CountingKeyManager(X509ExtendedKeyManager d, AtomicInteger count) {
            this.d = d;
            this.count = count;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return d.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return d.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return d.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            count.incrementAndGet();
            return d.getPrivateKey(alias);
        }
    }
}
