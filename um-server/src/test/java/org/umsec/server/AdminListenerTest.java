package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.admin.PrometheusText;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipResponse;

/** The HTTP admin listener ({@code server.admin}) of a real server: figures and health. */
class AdminListenerTest {

    @TempDir
    Path dir;

    UmsecServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    ServerConfiguration.Builder plain() {
        return ServerConfiguration.builder()
                .serverName("um-admin")
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .mediaAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("voicemail"))
                .dialPlan("dp-plain", VoipSecurityMode.UNSECURED)
                .associateDialPlan("dp-plain")
                .gateway(IpGateway.builder("pbx")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("dp-plain")
                        .build())
                .admin("127.0.0.1:0");
    }

    /** An HTTP answer: status, headers, body. */
    record Answer(int statusCode, java.util.Map<String, java.util.List<String>> headerMap, String body) {
        Optional<String> header(String name) {
            return headerMap.entrySet().stream()
                    .filter(e -> e.getKey() != null && e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst();
        }
    }

    Answer request(String method, String path, String accept, byte[] body) throws Exception {
        InetSocketAddress a = server.adminAddress().orElseThrow();
        HttpURLConnection c = (HttpURLConnection)
                URI.create("http://127.0.0.1:" + a.getPort() + path).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10_000);
        c.setRequestMethod(method);
        if (accept != null) {
            c.setRequestProperty("Accept", accept);
        }
        if (body != null) {
            c.setDoOutput(true);
            c.getOutputStream().write(body);
        }
        int status = c.getResponseCode();
        java.io.InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        c.disconnect();
        return new Answer(status, c.getHeaderFields(), text);
    }

    Answer get(String path, String accept) throws Exception {
        return request("GET", path, accept, null);
    }

    PrometheusText scrape() throws Exception {
        Answer r = get("/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.header("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
        return PrometheusText.parse(r.body(), false);
    }

    @Test
    void metricsParseAsPrometheusTextAndMoveWhenACallIsMade() throws Exception {
        server = UmsecServer.builder(plain().build()).registerJmx(false).build();
        server.start();
        PrometheusText before = scrape();
        assertThat(before.type("umsec_calls_accepted_total")).isEqualTo("counter");
        assertThat(before.type("umsec_calls_active")).isEqualTo("gauge");
        assertThat(before.value("umsec_calls_accepted_total{mode=\"Unsecured\"}"))
                .isZero();
        assertThat(before.value("umsec_calls_ended_total{reason=\"caller_hung_up\"}"))
                .isZero();
        assertThat(before.value("umsec_sip_options_answered_total")).isZero();

        String callId = "admin-" + TestGateway.hex();
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            assertThat(gw.send(gw.request("OPTIONS", "o-admin", "t0", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(200);
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "t1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            gw.send(gw.request("ACK", callId, "t1", ok.header("To").orElseThrow(), null, null));
            // the call counts as accepted just after its 200 OK leaves (the caller may see the 200 first)
            ServerEndToEndTest.await("call counted", () -> server.metrics().getCallsActive() == 1);
            assertThat(scrape().value("umsec_calls_active")).isEqualTo(1);
            assertThat(gw.send(gw.request("BYE", callId, "t1", ok.header("To").orElseThrow(), null, null))
                            .status())
                    .isEqualTo(200);
        }
        ServerEndToEndTest.await(
                "call ended",
                () -> server.metrics().getCallsActive() == 0
                        && server.metrics().callsEndedByReason().get(CallEndReason.CALLER_HUNG_UP) == 1);
        PrometheusText after = scrape();
        assertThat(after.value("umsec_calls_accepted_total{mode=\"Unsecured\"}"))
                .isEqualTo(1);
        assertThat(after.value("umsec_calls_accepted_total{mode=\"Secured\"}")).isZero();
        assertThat(after.value("umsec_calls_ended_total{reason=\"caller_hung_up\"}"))
                .isEqualTo(1);
        assertThat(after.value("umsec_calls_active")).isZero();
        assertThat(after.value("umsec_sip_options_answered_total")).isEqualTo(1);
        // every event counted in ServerMetrics is exported too
        server.metrics()
                .getEvents()
                .forEach((id, n) -> assertThat(after.value("umsec_security_events_total{id=\"" + id + "\"}"))
                        .isEqualTo(n.doubleValue()));

        // an untrusted peer's call is counted by reason
        server.reload(plain().clearGateways()
                .gateway(IpGateway.builder("far")
                        .address("192.0.2.7")
                        .port(5060)
                        .dialPlan("dp-plain")
                        .build())
                .build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            gw.send(gw.request(
                    "INVITE",
                    "untrusted-" + TestGateway.hex(),
                    "t2",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
        }
        assertThat(scrape().value("umsec_calls_rejected_total{reason=\"untrusted-peer\"}"))
                .isGreaterThanOrEqualTo(1);

        Answer om = get("/metrics", "application/openmetrics-text; version=1.0.0");
        assertThat(om.header("Content-Type").orElseThrow()).startsWith("application/openmetrics-text");
        PrometheusText omText = PrometheusText.parse(om.body(), true);
        assertThat(omText.type("umsec_calls_accepted")).isEqualTo("counter");
        assertThat(omText.value("umsec_calls_accepted_total{mode=\"Unsecured\"}"))
                .isEqualTo(1);
    }

    @Test
    void readyUntilTheCertificateExpiresOnTheServersClock() throws Exception {
        MutableClock clock = MutableClock.at(Instant.parse("2026-06-01T12:00:00Z"));
        TestPki pki = TestPki.create("Admin", clock);
        PersonalCertificate cert = pki.leaf("um.example.test")
                .validUntil(clock.instant().plus(Duration.ofDays(2)))
                .build();
        CertificateStore store =
                CertificateStore.builder(dir.resolve("certs")).clock(clock).open();
        store.addPersonal(cert);
        store.addTrustedRoot(pki.rootCertificate());
        ServerConfiguration c = plain().dialPlan("dp-secure", VoipSecurityMode.SECURED)
                .clearAssociatedDialPlans()
                .associateDialPlan("dp-secure")
                .clearGateways()
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .address("127.0.0.1")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .build();
        server = UmsecServer.builder(c)
                .clock(clock)
                .watchStore(false)
                .registerJmx(false)
                .build();
        server.start();

        assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
        Answer ready = get("/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready\n");
        assertThat(scrape().value("umsec_certificate_expiry_days{thumbprint=\""
                        + cert.info().sha1Thumbprint() + "\"}"))
                .isEqualTo(2.0);

        clock.advance(Duration.ofDays(2).plusHours(6));
        Answer notReady = get("/health/ready", null);
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body())
                .contains("not ready", "certificate " + cert.info().sha1Thumbprint() + " expired at");
        assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
        assertThat(scrape().value("umsec_certificate_expiry_days{thumbprint=\""
                        + cert.info().sha1Thumbprint() + "\"}"))
                .isEqualTo(-0.25);
        assertThat(server.notReadyReasons()).hasSize(1);
    }

    @Test
    void onlyGetAndHeadOnKnownPaths() throws Exception {
        server = UmsecServer.builder(plain().build()).registerJmx(false).build();
        server.start();
        assertThat(get("/nothing", null).statusCode()).isEqualTo(404);
        Answer post = request("POST", "/metrics", null, "x".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.header("Allow")).contains("GET, HEAD");
        // still serving after the refused request
        assertThat(scrape().series()).isNotEmpty();
    }

    @Test
    void stopClosesTheAdminListenerAndReloadMovesIt() throws Exception {
        server = UmsecServer.builder(plain().build()).registerJmx(false).build();
        server.start();
        int first = server.adminAddress().orElseThrow().getPort();
        server.reload(plain().admin(ServerConfiguration.ADMIN_OFF).build());
        assertThat(server.adminAddress()).isEmpty();
        assertThatThrownBy(() -> new java.net.Socket(InetAddress.getLoopbackAddress(), first).close())
                .isInstanceOf(IOException.class);
        server.reload(plain().build());
        assertThat(get("/health/ready", null).statusCode()).isEqualTo(200);
        int second = server.adminAddress().orElseThrow().getPort();
        server.stop(Duration.ZERO);
        assertThatThrownBy(() -> new java.net.Socket(InetAddress.getLoopbackAddress(), second).close())
                .isInstanceOf(IOException.class);
        server = null;
    }

    @Test
    void aTakenAdminPortRefusesStartAndNamesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            server = UmsecServer.builder(
                            plain().admin("127.0.0.1:" + taken.getLocalPort()).build())
                    .registerJmx(false)
                    .build();
            assertThatThrownBy(server::start)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("server.admin")
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
            server = null;
        }
    }

    @Test
    void adminIsOffInAFileUnlessConfiguredAndOnInTheEmbeddedDefault() throws Exception {
        String yaml = "server:\n  name: um1\n  fqdn: um.example.test\n  startSecured: 0\n";
        assertThat(ServerConfiguration.load("a.yaml", new StringReader(yaml), dir)
                        .admin())
                .isEmpty();
        assertThat(ServerConfiguration.load("b.yaml", new StringReader(yaml + "  admin: \"[::1]:9191\"\n"), dir)
                        .admin())
                .contains(new InetSocketAddress(InetAddress.getByName("::1"), 9191));
        assertThat(ServerConfiguration.embeddedDefault().admin())
                .contains(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9090));
        for (String bad : new String[] {"localhost:9090", "127.0.0.1", "127.0.0.1:70000", "::1:9090", "on"}) {
            assertThatThrownBy(() -> ServerConfiguration.load(
                            "c.yaml", new StringReader(yaml + "  admin: \"" + bad + "\"\n"), dir))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("c.yaml:5")
                    .hasMessageContaining("server.admin must be IP:PORT");
        }
    }

    static Clock systemClock() {
        return Clock.systemUTC();
    }
}
