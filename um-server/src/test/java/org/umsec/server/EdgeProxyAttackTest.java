package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.srtp.SrtpSuite;

/**
 * Trusted edge proxies ({@code server.edgeProxies}, issue 14 item 2), attacked first: the gateway
 * assertion {@code X-Umsec-Gateway} from a gateway that is not a proxy, over plain TCP, from the proxy but
 * naming an unknown gateway or a gateway of an Unsecured dial plan, repeated or not a host name; and the
 * dialog hijacks behind one proxy (a second gateway on the proxy's connection ending or re-keying the
 * first one's call). Then what must work: the proxy's OPTIONS probes, a Secured call of an asserted
 * gateway with its dial plan's mode, Record-Route copied into the 200.
 */
class EdgeProxyAttackTest {

    static final String HEADER = "X-Umsec-Gateway";

    @TempDir
    Path dir;

    static final TestPki PKI = TestPki.create("Edge", Clock.systemUTC());
    static final PersonalCertificate SERVER_CERT = PKI.leaf("um.example.test").build();
    static final PersonalCertificate EDGE_CERT = PKI.leaf("edge.example.test").build();
    static final PersonalCertificate GW1_CERT = PKI.leaf("gw1.example.test").build();
    static final PersonalCertificate GW2_CERT = PKI.leaf("gw2.example.test").build();
    static final SrtpSuite SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    final ManualTimers timers = new ManualTimers();
    UmsecServer server;
    Path voicemail;

    @BeforeEach
    void store() throws IOException {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(SERVER_CERT);
        store.addTrustedRoot(PKI.rootCertificate());
        voicemail = dir.resolve("voicemail");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    ServerConfiguration.Builder config() {
        return ServerConfiguration.builder()
                .serverName("um-edge")
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .mediaAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(voicemail)
                .dialPlan("dp-secure", VoipSecurityMode.SECURED)
                .dialPlan("dp-sipsec", VoipSecurityMode.SIP_SECURED)
                .dialPlan("dp-plain", VoipSecurityMode.UNSECURED)
                .associateDialPlan("dp-secure")
                .associateDialPlan("dp-sipsec")
                .associateDialPlan("dp-plain")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .gateway(IpGateway.builder("gw2")
                        .fqdn("gw2.example.test")
                        .port(5061)
                        .dialPlan("dp-sipsec")
                        .build())
                .gateway(IpGateway.builder("pbx")
                        .fqdn("localhost")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("dp-plain")
                        .build())
                .edgeProxy("edge.example.test")
                .mediaTimeout(Duration.ofSeconds(60))
                .ackTimeout(Duration.ofSeconds(32))
                .maxRecording(Duration.ofSeconds(60));
    }

    void start() throws Exception {
        server = UmsecServer.builder(config().build())
                .eventListener(events::add)
                .registerJmx(false)
                .timers(timers)
                .build();
        server.start();
    }

    TestGateway edge() throws IOException {
        return TestGateway.tls(server.tlsPort(), EDGE_CERT, PKI.rootCertificate());
    }

    static SipRequest asserting(SipRequest r, String... gateways) {
        SipRequest.Builder b = r.toBuilder();
        for (String g : gateways) {
            b.header(HEADER, g);
        }
        return b.build();
    }

    static SipRequest invite(TestGateway gw, String callId, boolean srtp) {
        String offer = srtp
                ? gw.offer("RTP/SAVP", TestGateway.crypto(1, SUITE, TestGateway.randomKey(SUITE)), 0)
                : gw.offer("RTP/AVP", null, 0);
        return gw.request("INVITE", callId, "caller", "<sip:voicemail@um.example.test>", offer, "application/sdp");
    }

    List<SecurityEvent> events(SecurityEventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }

    Optional<SecurityEvent> refused(String reason) {
        return events(SecurityEventType.EDGE_ASSERTION_REFUSED).stream()
                .filter(e -> e.field("reason").orElse("").equals(reason))
                .findFirst();
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    String metadata(String callId) throws Exception {
        await("metadata of " + callId, () -> {
            try (Stream<Path> files = Files.list(voicemail)) {
                return files.anyMatch(p -> p.getFileName().toString().contains(callId)
                        && p.getFileName().toString().endsWith(".json"));
            } catch (IOException e) {
                return false;
            }
        });
        try (Stream<Path> files = Files.list(voicemail)) {
            return Files.readString(files.filter(p -> p.getFileName().toString().contains(callId)
                            && p.getFileName().toString().endsWith(".json"))
                    .findFirst()
                    .orElseThrow());
        }
    }

    void hangUp(TestGateway gw, String callId, SipResponse ok, String... assertion) throws IOException {
        String to = ok.header("To").orElseThrow();
        assertThat(gw.send(asserting(gw.request("BYE", callId, "caller", to, null, null), assertion))
                        .status())
                .isEqualTo(200);
    }

    // ---- attackers first -------------------------------------------------------------------------

    @Test
    void aGatewayThatIsNotAProxyCannotPassForAnotherGateway() throws Exception {
        start();
        String callId = "spoof-" + TestGateway.hex();
        try (TestGateway gw2 = TestGateway.tls(server.tlsPort(), GW2_CERT, PKI.rootCertificate())) {
            // gw2 (SIPSecured, RTP) claims to be gw1 (Secured): were it believed, a plain RTP offer would be
            // answered as gw1's call on dp-secure
            SipResponse r = gw2.send(asserting(invite(gw2, callId, false), "gw1.example.test"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(events(SecurityEventType.EDGE_ASSERTION_IGNORED)).hasSize(1);
            SecurityEvent e = events(SecurityEventType.EDGE_ASSERTION_IGNORED).get(0);
            assertThat(e.field("peerIdentity")).contains("tls:gw2.example.test");
            assertThat(e.message()).contains("not a configured edge proxy");
            gw2.send(gw2.request("ACK", callId, "caller", r.header("To").orElseThrow(), null, null));
            hangUp(gw2, callId, r);
        }
        String json = metadata(callId);
        assertThat(json).contains("\"gateway\": \"gw2\"").contains("dp-sipsec");
    }

    @Test
    void anAssertionOverPlainTcpIsIgnored() throws Exception {
        start();
        String callId = "tcp-" + TestGateway.hex();
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = pbx.send(asserting(invite(pbx, callId, false), "gw1.example.test"));
            assertThat(r.status()).isEqualTo(200); // the PBX's own Unsecured call, nothing more
            assertThat(events(SecurityEventType.EDGE_ASSERTION_IGNORED)).hasSize(1);
            assertThat(events(SecurityEventType.EDGE_ASSERTION_IGNORED).get(0).message())
                    .contains("plain TCP");
            pbx.send(pbx.request("ACK", callId, "caller", r.header("To").orElseThrow(), null, null));
            hangUp(pbx, callId, r);
        }
        assertThat(metadata(callId)).contains("\"gateway\": \"pbx\"");
    }

    @Test
    void theProxyNamingAnUnknownGatewayGets403AndKeepsItsConnection() throws Exception {
        start();
        try (TestGateway edge = edge()) {
            SipResponse r =
                    edge.send(asserting(invite(edge, "unknown-" + TestGateway.hex(), true), "gw9.example.test"));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.reasonPhrase()).contains("no gateway has the FQDN gw9.example.test");
            assertThat(refused("unknown-gateway")).isPresent();
            assertThat(refused("unknown-gateway").get().field("edgeProxy")).contains("edge.example.test");
            // the proxy carries other gateways' calls: its connection is not closed
            assertThat(edge.send(edge.request("OPTIONS", "probe-" + TestGateway.hex(), "p", "<sip:um>", null, null))
                            .status())
                    .isEqualTo(200);
        }
        assertThat(server.activeCalls()).isZero();
    }

    @Test
    void theProxyNamingAGatewayOfAnUnsecuredDialPlanGets403() throws Exception {
        start();
        try (TestGateway edge = edge()) {
            // "localhost" is the PBX of dp-plain: trusted on the TCP listener only, never through the proxy
            SipResponse r = edge.send(asserting(invite(edge, "mode-" + TestGateway.hex(), false), "localhost"));
            assertThat(r.status()).isEqualTo(403);
            assertThat(refused("wrong-mode")).isPresent();
            assertThat(refused("wrong-mode").get().field("assertedGateway")).contains("localhost");
        }
        assertThat(server.activeCalls()).isZero();
    }

    @Test
    void theProxyWithoutAnAssertionOrWithABadOneCannotCall() throws Exception {
        start();
        try (TestGateway edge = edge()) {
            assertThat(edge.send(invite(edge, "none-" + TestGateway.hex(), true))
                            .status())
                    .isEqualTo(403);
            assertThat(refused("no-assertion")).isPresent();
            assertThat(edge.send(asserting(
                                    invite(edge, "two-" + TestGateway.hex(), true),
                                    "gw1.example.test",
                                    "gw2.example.test"))
                            .status())
                    .isEqualTo(403);
            assertThat(edge.send(asserting(invite(edge, "list-" + TestGateway.hex(), true), "gw1.example.test, gw2"))
                            .status())
                    .isEqualTo(403);
            assertThat(edge.send(asserting(invite(edge, "ip-" + TestGateway.hex(), true), "127.0.0.1"))
                            .status())
                    .isEqualTo(403);
            assertThat(events(SecurityEventType.EDGE_ASSERTION_REFUSED)).hasSize(4);
            assertThat(refused("malformed")).isPresent();
        }
        assertThat(server.activeCalls()).isZero();
    }

    @Test
    void aSecondGatewayBehindTheSameProxyCannotEndOrReKeyTheFirstOnesCall() throws Exception {
        start();
        String callId = "hijack-" + TestGateway.hex();
        try (TestGateway edge = edge();
                TestGateway gw1Direct = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            SipResponse ok = edge.send(asserting(invite(edge, callId, true), "gw1.example.test"));
            assertThat(ok.status()).isEqualTo(200);
            String to = ok.header("To").orElseThrow();
            edge.send(asserting(edge.request("ACK", callId, "caller", to, null, null), "gw1.example.test"));

            // gw2 behind the same proxy, on the same connection, knows Call-ID and both tags
            SipResponse bye =
                    edge.send(asserting(edge.request("BYE", callId, "caller", to, null, null), "gw2.example.test"));
            assertThat(bye.status()).isEqualTo(403);
            SipResponse reInvite = edge.send(asserting(
                    edge.request(
                            "INVITE",
                            callId,
                            "caller",
                            to,
                            edge.offer("RTP/SAVP", TestGateway.crypto(1, SUITE, TestGateway.randomKey(SUITE)), 0),
                            "application/sdp"),
                    "gw2.example.test"));
            assertThat(reInvite.status()).isEqualTo(403);
            assertThat(reInvite.body()).isEmpty();
            // the proxy itself (no assertion) and gw1 connecting directly are other peers too
            assertThat(edge.send(edge.request("BYE", callId, "caller", to, null, null))
                            .status())
                    .isEqualTo(403);
            assertThat(gw1Direct
                            .send(gw1Direct.request("BYE", callId, "caller", to, null, null))
                            .status())
                    .isEqualTo(403);
            assertThat(events.stream()
                            .filter(e -> e.type() == SecurityEventType.DIALOG_REQUEST_REFUSED
                                    && e.field("reason").orElse("").equals("other-peer"))
                            .count())
                    .isEqualTo(4);
            assertThat(server.activeCalls()).isOne();

            hangUp(edge, callId, ok, "gw1.example.test");
        }
        assertThat(metadata(callId)).contains("\"gateway\": \"gw1\"").contains("\"endReason\": \"CALLER_HUNG_UP\"");
    }

    // ---- what works ------------------------------------------------------------------------------

    @Test
    void anAssertedGatewayCallsInItsDialPlansModeAndTheProxyStaysOnTheRoute() throws Exception {
        start();
        String callId = "proxied-" + TestGateway.hex();
        try (TestGateway edge = edge()) {
            // the proxy's own probe (Kamailio dispatcher OPTIONS): no assertion, answered
            assertThat(edge.send(edge.request("OPTIONS", "probe-" + TestGateway.hex(), "p", "<sip:um>", null, null))
                            .status())
                    .isEqualTo(200);
            // gw1 is Secured: a plain RTP offer through the proxy is refused as it would be directly
            assertThat(edge.send(asserting(invite(edge, "rtp-" + TestGateway.hex(), false), "GW1.Example.Test."))
                            .status())
                    .isEqualTo(488);
            SipRequest inv = asserting(invite(edge, callId, true), "GW1.Example.Test.").toBuilder()
                    .header("Record-Route", "<sip:127.0.0.1:5061;transport=tls;r2=on;lr>")
                    .header("Record-Route", "<sip:192.0.2.1:5061;transport=tls;r2=on;lr>")
                    .build();
            SipResponse ok = edge.send(inv);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.headers().getAll("Record-Route"))
                    .containsExactly(
                            "<sip:127.0.0.1:5061;transport=tls;r2=on;lr>",
                            "<sip:192.0.2.1:5061;transport=tls;r2=on;lr>");
            assertThat(TestGateway.answer(ok).key()).isPresent(); // Secured: the server's own SDES key
            edge.send(asserting(
                    edge.request("ACK", callId, "caller", ok.header("To").orElseThrow(), null, null),
                    "gw1.example.test"));
            hangUp(edge, callId, ok, "gw1.example.test");
        }
        assertThat(events(SecurityEventType.EDGE_ASSERTION_IGNORED)).isEmpty();
        assertThat(metadata(callId)).contains("\"gateway\": \"gw1\"").contains("dp-secure");
    }

    // ---- configuration ---------------------------------------------------------------------------

    @Test
    void anEdgeProxyMustBeAHostNameNotAGatewayAndNeedsTheTlsListener() {
        assertThatThrownBy(() -> config().edgeProxy("gw1.example.test").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("is also a gateway's FQDN");
        assertThatThrownBy(() -> config().edgeProxy("10.0.0.1").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("is not a host name");
        assertThatThrownBy(() -> ServerConfiguration.builder()
                        .store(dir.resolve("certs"))
                        .startSecured(0)
                        .edgeProxy("edge.example.test")
                        .build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("needs the mutual-TLS listener");
    }

    @Test
    void theYamlKeyIsAListOfNamesAndTheProxyIsOnTheTlsTrustListOnly() throws Exception {
        Path file = dir.resolve("umsec.yaml");
        Files.writeString(file, """
                server:
                  name: um1
                  fqdn: um.example.test
                  store: ./certs
                  dialPlans: [dp]
                  edgeProxies: [Edge.Example.Test, edge2.example.test]
                dialPlans:
                  - name: dp
                    voipSecurity: Secured
                gateways:
                  - name: gw1
                    fqdn: gw1.example.test
                    port: 5061
                    dialPlan: dp
                """);
        ServerConfiguration c = ServerConfiguration.load(file);
        assertThat(c.edgeProxies()).containsExactly("edge.example.test", "edge2.example.test");
        assertThat(c.tlsTrustList().entries())
                .containsExactlyInAnyOrder("gw1.example.test", "edge.example.test", "edge2.example.test");
        assertThat(c.toBuilder().build().edgeProxies()).isEqualTo(c.edgeProxies());
    }
}
