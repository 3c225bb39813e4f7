package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.SERVER_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;

/**
 * Interop with the {@code openssl s_client} command line client against our TLS listener: with the
 * gateway's certificate it completes mutual TLS (TLS 1.3 and 1.2), checks our certificate against
 * the FQDN and gets a SIP answer; without a certificate, with TLS 1.1 or with a CBC suite it is
 * refused with a typed event. Skipped when openssl is not on the PATH ({@code .ci/run} installs it).
 */
class OpenSslClientInteropTest {
    @TempDir
    static Path dir;

    private static Lab lab;
    private static Path cert;
    private static Path key;
    private static Path root;
    private static final List<SipServer> SERVERS = new ArrayList<>();
    private final Lab.Responder responder = new Lab.Responder();

    @BeforeAll
    static void setUp() throws Exception {
        boolean openssl = opensslAvailable();
        if (System.getenv("UMSEC_REQUIRE_TOOLS") != null && !openssl) {
            throw new AssertionError("openssl is required (UMSEC_REQUIRE_TOOLS is set) but not on PATH");
        }
        Assumptions.assumeTrue(openssl, "openssl not on PATH");
        lab = new Lab(dir);
        cert = Lab.writePem(dir.resolve("gw.pem"), "CERTIFICATE", Lab.ders(lab.gateway.chain()));
        key = Lab.writePem(
                dir.resolve("gw.key"), "PRIVATE KEY", lab.gateway.privateKey().getEncoded());
        root = Lab.writePem(
                dir.resolve("root.pem"),
                "CERTIFICATE",
                lab.pki.rootCertificate().getEncoded());
    }

    @AfterAll
    static void tearDown() {
        SERVERS.forEach(SipServer::close);
    }

    @BeforeEach
    void clearEvents() {
        lab.events.clear();
    }

    static Stream<TlsEngine> engines() {
        return MutualTlsTest.engines();
    }

    private static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version")
                    .redirectErrorStream(true)
                    .start();
            return p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private int port(TlsEngine engine) throws IOException {
        SipServer s = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(engine))
                .trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(responder)
                .events(lab.events::add)
                .ioThreads(1)
                .start();
        SERVERS.add(s);
        return s.tlsPort().getAsInt();
    }

    /** Runs s_client, sends an OPTIONS, returns everything it printed until it printed {@code until} or ended. */
    private static String sClient(int port, String until, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + port,
                "-servername",
                SERVER_FQDN,
                "-verify_hostname",
                SERVER_FQDN,
                "-CAfile",
                root.toString(),
                "-verify_return_error",
                "-quiet"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readUntil(p.getInputStream(), until));
            OutputStream in = p.getOutputStream();
            in.write(Lab.options("TLS").toWireString().getBytes(StandardCharsets.UTF_8));
            in.flush();
            return out.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } finally {
            p.destroyForcibly().waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static String readUntil(InputStream in, String until) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0) {
                buf.write(b);
                if (until != null && buf.toString(StandardCharsets.UTF_8).contains(until)) {
                    break;
                }
            }
        } catch (IOException e) {
            buf.writeBytes(("\n[read failed: " + e + "]").getBytes(StandardCharsets.UTF_8));
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void withClientCertificateOptionsIsAnswered(TlsEngine engine) throws Exception {
        String out = sClient(port(engine), "SIP/2.0 200", "-cert", cert.toString(), "-key", key.toString());
        assertThat(out).contains("SIP/2.0 200");
        TransportConnection c = responder.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(c.tls().orElseThrow().trustedAs()).isEqualTo(GATEWAY_FQDN);
        assertThat(c.tls().orElseThrow().protocol()).isEqualTo("TLSv1.3");
        assertThat(c.tls().orElseThrow().serverName()).contains(SERVER_FQDN);
    }

    @Test
    void tls12WithAnAeadSuiteIsAccepted() throws Exception {
        String out = sClient(
                port(TlsEngine.JDK), "SIP/2.0 200", "-tls1_2", "-cert", cert.toString(), "-key", key.toString());
        assertThat(out).contains("SIP/2.0 200");
        TlsSessionInfo tls =
                responder.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS).tls().orElseThrow();
        assertThat(tls.protocol()).isEqualTo("TLSv1.2");
        assertThat(tls.cipherSuite()).startsWith("TLS_ECDHE_ECDSA_WITH_").contains("GCM");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void withoutClientCertificateItIsRefused(TlsEngine engine) throws Exception {
        String out = sClient(port(engine), null);
        assertThat(out).doesNotContain("SIP/2.0");
        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.NO_CLIENT_CERTIFICATE.name());
        assertThat(responder.received).isEmpty();
    }

    @Test
    void tls11AndCbcSuitesAreRefused() throws Exception {
        int port = port(TlsEngine.JDK);
        String old = sClient(
                port,
                null,
                "-tls1_1",
                "-cipher",
                "DEFAULT@SECLEVEL=0",
                "-cert",
                cert.toString(),
                "-key",
                key.toString());
        assertThat(old).doesNotContain("SIP/2.0");
        SecurityEvent e = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e.field("reason")).contains(HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH.name());

        String cbc = sClient(
                port,
                null,
                "-tls1_2",
                "-cipher",
                "ECDHE-ECDSA-AES128-SHA256:AES128-SHA",
                "-cert",
                cert.toString(),
                "-key",
                key.toString());
        assertThat(cbc).doesNotContain("SIP/2.0");
        SecurityEvent e2 = lab.awaitEvent(SecurityEventType.TLS_HANDSHAKE_FAILED);
        assertThat(e2.field("reason")).contains(HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH.name());
        assertThat(responder.received).isEmpty();
    }
}
