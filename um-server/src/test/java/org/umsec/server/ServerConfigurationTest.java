package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.VoipSecurityMode;

class ServerConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void theIssueExampleLoadsAsWritten() throws Exception {
        Path f = dir.resolve("umsec.yaml");
        Files.copy(ServerConfigurationTest.class.getResourceAsStream("/issue-example.yaml"), f);
        ServerConfiguration c = ServerConfiguration.load(f);
        assertThat(c.serverName()).isEqualTo("um1");
        assertThat(c.fqdn()).isEqualTo("um.example.test");
        assertThat(c.sipPort()).isEqualTo(5060);
        assertThat(c.tlsPort()).isEqualTo(5061);
        assertThat(c.store()).isEqualTo(dir.resolve("var/certs"));
        assertThat(c.voicemail()).isEqualTo(dir.resolve("var/voicemail"));
        assertThat(c.associatedDialPlans()).containsExactly("dp-secure", "dp-plain");
        assertThat(c.dialPlans().get("dp-secure").mode()).isEqualTo(VoipSecurityMode.SECURED);
        assertThat(c.dialPlans().get("dp-plain").mode()).isEqualTo(VoipSecurityMode.UNSECURED);
        assertThat(c.gateways()).containsExactly(
                new ServerConfiguration.Gateway("gw1", Optional.of("gw1.example.test"), Optional.of("127.0.0.1"), 5061,
                        "dp-secure"),
                new ServerConfiguration.Gateway("pbx-lab", Optional.empty(), Optional.of("127.0.0.1"), 5060, "dp-plain"));
        assertThat(c.startupModes()).containsExactlyInAnyOrder(VoipSecurityMode.SECURED, VoipSecurityMode.UNSECURED);
        assertThat(c.tcpListener()).isTrue();
        assertThat(c.tlsListener()).isTrue();
        assertThat(c.trustList().isTrustedName("gw1.example.test")).isTrue();
        assertThat(c.trustList().isTrustedAddress(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(c.trustList().isTrustedName("evil.example.test")).isFalse();
    }

    @Test
    void twoGatewaysOnTheSameHostAndPortAreRefusedWithTheLineOfTheSecond() {
        String yaml = String.join("\n",
                "server:",                           // 1
                "  name: um1",                        // 2
                "  fqdn: um.example.test",            // 3
                "  dialPlans: [dp-s]",                // 4
                "dialPlans:",                         // 5
                "  - name: dp-s",                     // 6
                "    voipSecurity: Secured",          // 7
                "gateways:",                          // 8
                "  - name: gw1",                      // 9
                "    fqdn: gw.example.test",          // 10
                "    port: 5061",                     // 11
                "    dialPlan: dp-s",                 // 12
                "  - name: gw2",                      // 13
                "    fqdn: GW.example.test.",         // 14
                "    port: 5061",                     // 15
                "    dialPlan: dp-s",                 // 16
                "");
        assertThatThrownBy(() -> ServerConfiguration.load("dup.yaml", new StringReader(yaml), dir))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems())
                        .map(ConfigurationProblem::toString)
                        .containsExactly("dup.yaml:13: IP gateways 'gw1' and 'gw2' have the same FQDN"
                                + " 'gw.example.test' and port 5061; each trusted device must be configured once"));
    }

    /**
     * Fuzzing finding: a path with a NUL (a valid YAML string) escaped as {@code InvalidPathException} instead of
     * a problem with its line.
     */
    @Test
    void aPathThatIsNoPathIsAProblemWithItsLine() {
        String yaml = "server:\n  fqdn: um.example.test\n  store: \"var\\0certs\"\n";
        assertThatThrownBy(() -> ServerConfiguration.load("nul.yaml", new StringReader(yaml), dir))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems())
                        .map(ConfigurationProblem::toString)
                        .anySatisfy(p -> assertThat(p).startsWith("nul.yaml:3: server.store: 'var?certs' is not a"
                                + " valid path")));
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileAndLine() {
        String yaml = String.join("\n",
                "server:",                           // 1
                "  name: um1",                        // 2
                "  sipPort: seventy",                 // 3
                "  tlsPort: 70000",                   // 4
                "  startSecured: 2",                  // 5
                "  dialPlans: [dp-a, dp-missing]",    // 6
                "  colour: blue",                     // 7
                "dialPlans:",                         // 8
                "  - name: dp-a",                     // 9
                "    voipSecurity: VerySecure",       // 10
                "  - name: dp-b",                     // 11
                "    voipSecurity: Secured",          // 12
                "gateways:",                          // 13
                "  - name: gw1",                      // 14
                "    address: 10.0.0.1",              // 15
                "    dialPlan: dp-b",                 // 16
                "  - name: gw2",                      // 17
                "    address: not-an-ip",             // 18
                "    dialPlan: dp-nowhere",           // 19
                "");
        assertThatThrownBy(() -> ServerConfiguration.load("bad.yaml", new StringReader(yaml), dir))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    List<String> p = e.problems().stream().map(ConfigurationProblem::toString).toList();
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:3:").contains("sipPort")
                            .contains("seventy"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:4:").contains("70000"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:5:").contains("startSecured"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:6:").contains("dp-missing"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:7:").contains("unknown key 'colour'"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:10:").contains("VerySecure"));
                    // gw1: on a Secured plan without FQDN or port 5061 (R4), and dp-b is not associated
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:14:").contains("needs an fqdn (R4)"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:14:").contains("port 5061"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:14:").contains("not associated"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:17:").contains("not-an-ip"));
                    assertThat(p).anySatisfy(s -> assertThat(s).startsWith("bad.yaml:17:").contains("dp-nowhere"));
                    assertThat(e.getMessage()).contains("configuration problems:");
                });
    }

    @Test
    void syntaxErrorsAndWrongShapesAreProblemsNotCrashes() {
        assertProblem("server:\n  name: [unclosed\n", "not valid YAML");
        assertProblem("", "empty");
        assertProblem("- just\n- a list\n", "must be a mapping");
        assertProblem("server:\n  name: a\n  name: b\n", "given twice");
        assertProblem("server:\n  dialPlans: dp-a\n", "must be a list");
        assertProblem("server: {}\ngateways:\n  - name: g\n", "needs a dialPlan");
        assertProblem("server:\n  sipPort: 5060\n  tlsPort: 5060\n", "separate ports");
        // a billion-laughs style alias bomb stops at the alias limit
        StringBuilder bomb = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (int i = 0; i < 30; i++) {
            bomb.append("b").append(i).append(": &b").append(i).append(" [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n");
        }
        assertProblem(bomb.toString(), "");
    }

    @Test
    void embeddedDefaultIsOneSecuredDialPlanWithALocalTrustedGateway() {
        ServerConfiguration c = ServerConfiguration.embeddedDefault();
        assertThat(c.dialPlans().values()).extracting(ServerConfiguration.DialPlan::mode)
                .containsExactly(VoipSecurityMode.SECURED);
        assertThat(c.tlsListener()).isTrue();
        assertThat(c.tcpListener()).isFalse();
        assertThat(c.trustList().isTrustedName("localhost")).isTrue();
        assertThat(c.store()).isEqualTo(Path.of("").toAbsolutePath().resolve("var/certs"));
    }

    @Test
    void startSecuredDecidesWhenNoDialPlanIsAssociated() throws Exception {
        ServerConfiguration one = ServerConfiguration.builder().startSecured(1).build();
        ServerConfiguration zero = ServerConfiguration.builder().startSecured(0).build();
        assertThat(one.startupModes()).containsExactlyInAnyOrder(VoipSecurityMode.SIP_SECURED, VoipSecurityMode.SECURED);
        assertThat(one.tlsListener()).isTrue();
        assertThat(one.startupPlan().basis()).isEqualTo(org.umsec.core.StartupPlan.Basis.START_SECURED);
        assertThat(zero.startupModes()).containsExactly(VoipSecurityMode.UNSECURED);
        assertThat(zero.tlsListener()).isFalse();
    }

    @Test
    void builtInCodeProblemsNameTheCodeSource() {
        assertThatThrownBy(() -> ServerConfiguration.builder().dialPlan("a", VoipSecurityMode.SECURED)
                .dialPlan("a", VoipSecurityMode.UNSECURED).fqdn("bad host!").build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems())
                        .extracting(ConfigurationProblem::toString)
                        .anySatisfy(s -> assertThat(s).startsWith("<configuration>: ").contains("defined twice"))
                        .anySatisfy(s -> assertThat(s).contains("bad host!")));
    }

    @Test
    void addressesMustBeIpLiteralsAndAreNeverLookedUp() {
        assertThat(ServerConfiguration.isIpLiteral("192.0.2.1")).isTrue();
        assertThat(ServerConfiguration.isIpLiteral("2001:db8::1")).isTrue();
        assertThat(ServerConfiguration.isIpLiteral("999.1.1.1")).isFalse();
        assertThat(ServerConfiguration.isIpLiteral("1.2.3")).isFalse();
        assertThat(ServerConfiguration.isIpLiteral("gw.example.test")).isFalse();
        assertThat(ServerConfiguration.isIpLiteral("2001:db8::zz")).isFalse();
    }

    @Test
    void umSecurityCoreErrorsRefuseAndItsWarningsAreKept() throws Exception {
        // Dial plan names are case-insensitive (as in Exchange): "DP" and "dp" are one name used twice.
        assertThatThrownBy(() -> ServerConfiguration.builder().dialPlan("DP", VoipSecurityMode.UNSECURED)
                .dialPlan("dp", VoipSecurityMode.UNSECURED).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("Dial plan name 'dp' is used more than once (names are case-insensitive)");
        // An Unsecured gateway on the TLS port is legal but suspicious: a warning, not a refusal.
        ServerConfiguration c = ServerConfiguration.builder().dialPlan("dp", VoipSecurityMode.UNSECURED)
                .gateway(new ServerConfiguration.Gateway("pbx", Optional.empty(), Optional.of("192.0.2.1"), 5061, "dp"))
                .build();
        assertThat(c.warnings()).anySatisfy(w -> assertThat(w).contains("on port 5061, the SIP-over-TLS port"));
        assertThat(c.umConfiguration().dialPlans()).hasSize(1);
    }

    private void assertProblem(String yaml, String text) {
        assertThatThrownBy(() -> ServerConfiguration.load("x.yaml", new StringReader(yaml), dir))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(text);
    }
}
