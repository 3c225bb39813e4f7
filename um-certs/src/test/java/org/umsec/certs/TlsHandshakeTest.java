package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsec.certs.testing.TestPki;

/** Mutual TLS over loopback sockets with the provider's key manager and the validator's trust manager. */
class TlsHandshakeTest {
    final Clock clock = Clock.systemUTC();
    final TestPki pki = TestPki.create("Tls", clock);

    @TempDir
    Path serverDir;

    private SSLContext context(KeyManager km, TrustManager tm) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {km}, new TrustManager[] {tm}, null);
        return ctx;
    }

    /** Runs one handshake; returns the certificate the client saw, or throws the server-side failure. */
    private X509Certificate handshake(SSLContext server, SSLContext client, String protocol) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket)
                server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ss.setNeedClientAuth(true);
            ss.setEnabledProtocols(new String[] {protocol});
            CompletableFuture<Void> accept = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    int b = in.read();
                    s.getOutputStream().write(b);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            SSLSocket c = (SSLSocket)
                    client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
            try {
                c.setSoTimeout(10_000);
                c.setEnabledProtocols(new String[] {protocol});
                OutputStream out = c.getOutputStream();
                out.write(42);
                out.flush();
                assertThat(c.getInputStream().read()).isEqualTo(42);
                X509Certificate seen = (X509Certificate) c.getSession().getPeerCertificates()[0];
                // close first: a TLS 1.3 server's close() waits for the client's close_notify
                c.close();
                accept.get(10, TimeUnit.SECONDS);
                return seen;
            } catch (IOException e) {
                c.close();
                try {
                    accept.get(10, TimeUnit.SECONDS);
                } catch (ExecutionException serverFailure) {
                    if (serverFailure.getCause().getCause() instanceof SSLException) {
                        throw (SSLException) serverFailure.getCause().getCause();
                    }
                }
                throw e;
            } finally {
                c.close();
            }
        }
    }

    private CertificateProvider serverProvider(PersonalCertificate cert) throws Exception {
        CertificateStore store =
                CertificateStore.builder(serverDir).clock(clock).open();
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        store.addPersonal(cert);
        return CertificateProvider.builder(store)
                .clock(clock)
                .criteria(SelectionCriteria.serverAndClientAuth())
                .build();
    }

    private PeerCertificateValidator validator() {
        return PeerCertificateValidator.builder()
                .contents(pki.trust().build())
                .clock(clock)
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void mutualTlsWithSelectedCertificates(String protocol) throws Exception {
        PersonalCertificate serverCert = pki.leaf("um1.tls.test").build();
        CertificateProvider server = serverProvider(serverCert);
        PersonalCertificate gwCert =
                pki.leaf("gw1.tls.test").keyAlgorithm(KeyAlgorithm.RSA_2048).build();
        // the gateway side: a fixed key manager from a store holding its certificate
        CertificateStore gwStore =
                CertificateStore.builder(serverDir.resolve("gw2")).clock(clock).open();
        gwStore.addTrustedRoot(pki.rootCertificate());
        gwStore.addIntermediate(pki.intermediate().certificate());
        gwStore.addPersonal(gwCert);
        CertificateProvider gw = CertificateProvider.builder(gwStore)
                .clock(clock)
                .criteria(SelectionCriteria.serverAndClientAuth())
                .build();

        X509Certificate seen = handshake(
                context(server.keyManager(), validator().trustManager()),
                context(gw.keyManager(), validator().trustManager()),
                protocol);
        assertThat(seen).isEqualTo(serverCert.certificate());
    }

    @Test
    void rotationTakesEffectOnTheNextHandshake() throws Exception {
        PersonalCertificate first = pki.leaf("um1.tls.test")
                .alias("first")
                .validUntil(clock.instant().plus(Duration.ofDays(10)))
                .build();
        CertificateProvider server = serverProvider(first);
        PersonalCertificate client = pki.leaf("gw.tls.test").build();
        CertificateStore cs =
                CertificateStore.builder(serverDir.resolve("c")).clock(clock).open();
        cs.addTrustedRoot(pki.rootCertificate());
        cs.addIntermediate(pki.intermediate().certificate());
        cs.addPersonal(client);
        CertificateProvider cp = CertificateProvider.builder(cs)
                .clock(clock)
                .criteria(SelectionCriteria.serverAndClientAuth())
                .build();
        SSLContext serverCtx = context(server.keyManager(), validator().trustManager());
        SSLContext clientCtx = context(cp.keyManager(), validator().trustManager());
        assertThat(handshake(serverCtx, clientCtx, "TLSv1.3")).isEqualTo(first.certificate());

        PersonalCertificate second = pki.leaf("um1.tls.test")
                .alias("second")
                .validUntil(clock.instant().plus(Duration.ofDays(100)))
                .build();
        CertificateStore.builder(serverDir).clock(clock).open().addPersonal(second);
        server.refresh();
        // same SSLContext objects: only the key manager's answer changed
        assertThat(handshake(serverCtx, clientCtx, "TLSv1.3")).isEqualTo(second.certificate());
    }

    @Test
    void untrustedClientIsRefusedWithTypedReason() throws Exception {
        CertificateProvider server = serverProvider(pki.leaf("um1.tls.test").build());
        TestPki rogue = TestPki.create("Rogue", clock);
        CertificateStore cs = CertificateStore.builder(serverDir.resolve("rogue"))
                .clock(clock)
                .open();
        cs.addPersonal(rogue.leaf("evil.tls.test").build());
        cs.addTrustedRoot(rogue.rootCertificate());
        CertificateProvider cp = CertificateProvider.builder(cs)
                .clock(clock)
                .criteria(SelectionCriteria.serverAndClientAuth())
                .build();

        assertThatThrownBy(() -> handshake(
                        context(server.keyManager(), validator().trustManager()),
                        context(cp.keyManager(), validator().trustManager()),
                        "TLSv1.3"))
                .isInstanceOf(SSLException.class)
                .satisfies(e -> {
                    Throwable t = e;
                    while (t != null && !(t instanceof CertificateValidationException)) {
                        t = t.getCause();
                    }
                    assertThat(t).as("typed cause in chain").isInstanceOf(CertificateValidationException.class);
                    CertificateValidationException cve = (CertificateValidationException) t;
                    assertThat(cve.failure()).isEqualTo(ValidationFailure.UNKNOWN_CA);
                    assertThat(cve.role()).isEqualTo(PeerRole.CLIENT);
                });
    }
}
