package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.Severity;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipResponse;

/**
 * Issue 12 items 4 and 8 through a real server: ports named in errors, the media port range and its
 * exhaustion from outside, the default start-up rule of a file, a reload that cannot apply everything.
 */
class ServerOperationsTest {

    @TempDir
    Path dir;

    private final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    private UmsecServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    private ServerConfiguration.Builder plain() {
        return ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("voicemail"))
                .dialPlan("plain", VoipSecurityMode.UNSECURED)
                .associateDialPlan("plain")
                .gateway(IpGateway.builder("pbx")
                        .address("127.0.0.1")
                        .dialPlan("plain")
                        .build());
    }

    private UmsecServer start(ServerConfiguration c) throws IOException {
        server = UmsecServer.builder(c)
                .eventListener(events::add)
                .registerJmx(false)
                .watchStore(false)
                .build();
        server.start();
        return server;
    }

    @Test
    void aPortThatIsTakenIsNamedInTheError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            UmsecServer s = UmsecServer.builder(plain().sipPort(port).build())
                    .registerJmx(false)
                    .build();
            assertThatThrownBy(s::start)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen for SIP over TCP on 127.0.0.1 port " + port);
        }
    }

    @Test
    void callsGetMediaPortsFromTheConfiguredRangeAnd503WhenItIsUsedUp() throws Exception {
        // a range of exactly one RTP/RTCP pair, taken from outside the server by this test
        int low = freeEvenPair();
        start(plain().mediaPortRange(low, low + 1).build());
        try (DatagramSocket rtp = new DatagramSocket(new InetSocketAddress("127.0.0.1", low));
                DatagramSocket rtcp = new DatagramSocket(new InetSocketAddress("127.0.0.1", low + 1));
                TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            assertThat(rtcp.getLocalPort()).isEqualTo(rtp.getLocalPort() + 1); // the whole range is held here
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    "exhausted",
                    "t1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.reasonPhrase()).contains("no media port");
            assertThat(r.header("Retry-After")).contains("5");
        }
        SecurityEvent e = events.stream()
                .filter(x -> x.type() == SecurityEventType.MEDIA_PORTS_EXHAUSTED)
                .findFirst()
                .orElseThrow();
        assertThat(e.id()).isEqualTo(3022);
        assertThat(e.field("portRange")).contains(low + "-" + (low + 1));
        assertThat(server.metrics().getCallsRejected()).containsEntry("no-media-port", 1L);
        // once the pair is free again, a call gets exactly that pair
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "fits",
                    "t2",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(TestGateway.answer(ok).port()).isEqualTo(low);
            assertThat(ok.bodyText()).contains("c=IN IP4 127.0.0.1");
        }
    }

    @Test
    void anSdpConnectionAddressIsAnIpLiteralByCoresRuleNeverAName() throws Exception {
        // a host name would make the signalling thread wait for DNS; "1.2" is a short form the JDK would
        // read as 1.0.0.2: both are refused by the one IP-literal rule (HostNames) before any look-up
        start(plain().build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            for (String c : new String[] {"media.attacker.example", "1.2", "010.0.0.1"}) {
                String sdp = gw.offer("RTP/AVP", null, 0).replace("c=IN IP4 127.0.0.1", "c=IN IP4 " + c);
                SipResponse r = gw.send(gw.request(
                        "INVITE",
                        "c-" + c,
                        "t" + c.length(),
                        "<sip:voicemail@um.example.test>",
                        sdp,
                        "application/sdp"));
                assertThat(r.status()).as(c).isEqualTo(488);
                assertThat(r.header("Warning").orElseThrow()).as(c).contains("not an IP address");
            }
        }
    }

    @Test
    void mediaKeysAreReadFromTheFile() throws Exception {
        Path f = dir.resolve("umsec.yaml");
        Files.writeString(
                f,
                "server:\n  startSecured: 0\n  bind: 127.0.0.1\n"
                        + "media:\n  portRange: 30000-30099\n  address: 127.0.0.1\n  advertisedAddress: 192.0.2.10\n");
        ServerConfiguration c = ServerConfiguration.load(f);
        assertThat(c.mediaPortMin()).isEqualTo(30000);
        assertThat(c.mediaPortMax()).isEqualTo(30099);
        assertThat(c.mediaBindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.mediaAddress()).isEqualTo("192.0.2.10");
        Files.writeString(
                f,
                "server:\n  startSecured: 0\n  bind: 127.0.0.1\n"
                        + "media:\n  portRange: 30001-30000\n  advertisedAddress: media.example.test\n");
        assertThatThrownBy(() -> ServerConfiguration.load(f))
                .hasMessageContaining(f + ":5: media.portRange must be")
                .hasMessageContaining(f + ":6: media.advertisedAddress must be an IP address, was 'media.example.test'"
                        + " (a host name is not accepted here)");
    }

    @Test
    void aFileWithoutStartSecuredAndWithoutDialPlansStartsSecuredLikeTheDefault() throws Exception {
        Path f = dir.resolve("umsec.yaml");
        Files.writeString(
                f,
                "server:\n  fqdn: um.example.test\n  bind: 127.0.0.1\n  sipPort: 0\n  tlsPort: 0\n"
                        + "  store: certs\n  voicemail: voicemail\n  generateSelfSigned: true\n");
        ServerConfiguration c = ServerConfiguration.load(f);
        assertThat(c.startupModes()).containsExactlyInAnyOrder(VoipSecurityMode.SIP_SECURED, VoipSecurityMode.SECURED);
        // decided by the default, and said so at the line of the server section
        assertThat(c.warnings())
                .singleElement()
                .satisfies(w -> assertThat(w.toString())
                        .startsWith(f + ":1: warning: no dial plan is associated and startSecured is not set"));
        Files.writeString(f, Files.readString(f) + "  startSecured: 1\n");
        assertThat(ServerConfiguration.load(f).warnings()).isEmpty();
        start(c);
        assertThat(server.tlsPort()).isPositive();
        assertThat(server.tcpPort()).isEqualTo(-1); // never plain TCP unless asked for
    }

    @Test
    void plainTcpOnEveryAddressIsAWarning() throws Exception {
        ServerConfiguration c = plain().bindAddress("0.0.0.0").build();
        assertThat(c.warnings()).singleElement().satisfies(w -> {
            assertThat(w.severity()).isEqualTo(Severity.WARNING);
            assertThat(w.message()).contains("listens on every address (0.0.0.0)");
        });
        assertThat(plain().build().warnings()).isEmpty();
    }

    @Test
    void aReloadSaysWhatItCouldNotApply() throws Exception {
        ServerConfiguration secured = ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("voicemail"))
                .build();
        start(secured);
        server.reload(secured.toBuilder().store(dir.resolve("other-certs")).build());
        SecurityEvent applied = events.stream()
                .filter(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(applied.severity()).isEqualTo(Severity.WARNING);
        assertThat(applied.message()).contains("except server.store").contains("only after a restart");
        assertThat(applied.field("notApplied")).contains("[server.store]");
        assertThat(server.certificateStore().orElseThrow().directory()).isEqualTo(dir.resolve("certs"));
        // a reload that changes only what applies live says "applied" and nothing else
        server.reload(secured.toBuilder()
                .store(dir.resolve("certs"))
                .mediaPortRange(30000, 30999)
                .build());
        SecurityEvent clean = events.stream()
                .filter(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(clean.message()).isEqualTo("Configuration applied without restart");
        assertThat(clean.field("notApplied")).contains("[]");
    }

    @Test
    void anUnreadableGreetingNamesTheFile() throws Exception {
        Path greeting = dir.resolve("hello.wav");
        UmsecServer s = UmsecServer.builder(plain().greeting(greeting).build())
                .registerJmx(false)
                .build();
        assertThatThrownBy(s::start)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("greeting " + greeting + ": no such file or directory");
    }

    private static int freeEvenPair() throws IOException {
        for (int i = 0; i < 200; i++) {
            int p = 40000 + 2 * new java.util.Random().nextInt(10000);
            try (DatagramSocket a = new DatagramSocket(new InetSocketAddress("127.0.0.1", p));
                    DatagramSocket b = new DatagramSocket(new InetSocketAddress("127.0.0.1", p + 1))) {
                return a.getLocalPort() + b.getLocalPort() - p - 1;
            } catch (IOException busy) {
                // try another pair
            }
        }
        throw new IOException("no free even port pair for the test");
    }
}
