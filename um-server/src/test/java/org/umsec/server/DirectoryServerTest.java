package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.directory.testing.TestDirectory;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipResponse;

/**
 * The server configured from an LDAP directory (issue 14): a YAML file whose {@code directory:}
 * points at UnboundID's in-memory directory over LDAPS (a certificate made here, trusted through
 * {@code tls.ca}, the bind password from {@code file:}). Server {@code um1} serves dial plan
 * {@code dp-plain} and starts with no gateway: a call from 127.0.0.1 is refused; the PBX added in the
 * directory can call within the poll interval; a broken entry is refused with event 6103 and the
 * running configuration stays; an outage keeps it too (6101), and the recovery is reported (6102).
 */
class DirectoryServerTest {

    static final TestPki PKI = TestPki.create("Directory", Clock.systemUTC());
    static final PersonalCertificate LDAP_CERT = PKI.leaf("localhost").build();
    static final String PBX_DN = "cn=pbx-lab,ou=gateways," + TestDirectory.UMSEC_BASE;

    @TempDir
    Path tmp;

    TestDirectory dir;
    UmsecServer server;
    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDirectory.builder()
                .tls(LDAP_CERT.privateKey(), LDAP_CERT.chain())
                .start();
        // um1 serves the Unsecured plan only (plain TCP, no certificate needed) and has no gateway yet
        dir.replace("cn=um1,ou=servers," + TestDirectory.UMSEC_BASE, "umsecDialPlanName", "dp-plain");
        dir.delete(PBX_DN);
        Path ca = tmp.resolve("ldap-ca.pem");
        Files.writeString(ca, pem(PKI.rootCertificate()));
        Path secret = tmp.resolve("ldap.secret");
        Files.writeString(secret, TestDirectory.BIND_PASSWORD + "\n");
        Path file = tmp.resolve("umsec.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "server:",
                        "  name: um1",
                        "  bind: 127.0.0.1",
                        "  sipPort: 0",
                        "  tlsPort: 0",
                        "  store: certs",
                        "  voicemail: voicemail",
                        "media:",
                        "  address: 127.0.0.1",
                        "directory:",
                        "  url: " + dir.ldapsUrl(),
                        "  bindDn: " + TestDirectory.BIND_DN,
                        "  password: file:ldap.secret", // relative to the file, like every path in it
                        "  baseDn: " + TestDirectory.UMSEC_BASE,
                        "  tls: {mode: ldaps, ca: ldap-ca.pem}",
                        "  pollSeconds: 1",
                        ""));
        ServerConfiguration config = ServerConfiguration.load(file);
        assertThat(config.directory()).isPresent();
        assertThat(config.modelSource()).startsWith("ldaps://localhost:");
        assertThat(config.fqdn()).isEqualTo("um.example.test"); // from the umsecServer entry
        assertThat(config.gateways()).isEmpty();
        server = UmsecServer.builder(config)
                .configFile(file)
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        if (dir != null) {
            dir.close();
        }
    }

    @Test
    void aGatewayAddedInTheDirectoryCanCallAndABrokenChangeOrAnOutageKeepTheRunningConfiguration() throws Exception {
        assertThat(inviteFrom127().status()).isEqualTo(403);

        events.clear();
        addPbx("pbx-lab", "127.0.0.1");
        SecurityEvent applied = awaitEvent(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED);
        assertThat(applied.field("model").orElseThrow()).startsWith("ldaps://localhost:");
        assertThat(server.configuration().gateways())
                .extracting(IpGateway::name)
                .containsExactly("pbx-lab");
        SipResponse ok = inviteFrom127();
        assertThat(ok.status()).isEqualTo(200);

        // a second PBX on the same address and port: the trusted device would be ambiguous
        events.clear();
        addPbx("pbx-twin", "127.0.0.1");
        SecurityEvent refused = awaitEvent(e -> e.type() == SecurityEventType.DIRECTORY_CHANGE_REFUSED);
        assertThat(refused.id()).isEqualTo(6103);
        assertThat(refused.field("errors").orElseThrow())
                .contains("cn=pbx-twin,ou=gateways," + TestDirectory.UMSEC_BASE);
        assertThat(server.configuration().gateways())
                .extracting(IpGateway::name)
                .containsExactly("pbx-lab");
        assertThat(events).noneMatch(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED);
        assertThat(inviteFrom127().status()).isEqualTo(200);

        events.clear();
        dir.stop();
        SecurityEvent down = awaitEvent(e -> e.type() == SecurityEventType.DIRECTORY_UNAVAILABLE);
        assertThat(down.id()).isEqualTo(6101);
        assertThat(down.field("reason")).isPresent();
        assertThat(server.configuration().gateways())
                .extracting(IpGateway::name)
                .containsExactly("pbx-lab");
        assertThat(inviteFrom127().status()).isEqualTo(200);

        dir.delete("cn=pbx-twin,ou=gateways," + TestDirectory.UMSEC_BASE); // fixed while unreachable
        dir.restart();
        assertThat(awaitEvent(e -> e.type() == SecurityEventType.DIRECTORY_RECOVERED)
                        .id())
                .isEqualTo(6102);
        assertThat(events.stream().filter(e -> e.type() == SecurityEventType.DIRECTORY_UNAVAILABLE))
                .hasSize(1); // once per outage
        // the PBX removed from the directory is refused from then on
        events.clear();
        dir.delete(PBX_DN);
        awaitEvent(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED);
        assertThat(server.configuration().gateways()).isEmpty();
        assertThat(inviteFrom127().status()).isEqualTo(403);
    }

    void addPbx(String name, String address) throws Exception {
        dir.add(
                "dn: cn=" + name + ",ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: " + name,
                "umsecAddress: " + address,
                "umsecPort: 5060",
                "umsecDialPlanName: dp-plain");
    }

    /** A call over TCP from 127.0.0.1; a 200 is acknowledged and ended at once. */
    SipResponse inviteFrom127() throws Exception {
        String callId = "dir-" + TestGateway.hex();
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "t1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            if (r.status() == 200) {
                String to = r.header("To").orElseThrow();
                gw.send(gw.request("ACK", callId, "t1", to, null, null));
                assertThat(gw.send(gw.request("BYE", callId, "t1", to, null, null))
                                .status())
                        .isEqualTo(200);
            }
            return r;
        }
    }

    SecurityEvent awaitEvent(Predicate<SecurityEvent> p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<SecurityEvent> e = events.stream().filter(p).findFirst();
            if (e.isPresent()) {
                return e.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such event within 20 s; events: " + events);
    }

    static String pem(X509Certificate c) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }
}
