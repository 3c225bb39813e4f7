package org.umsec.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.IpGateway;
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
        assertThat(c.dialPlan("dp-secure").orElseThrow().mode()).isEqualTo(VoipSecurityMode.SECURED);
        assertThat(c.dialPlan("DP-PLAIN").orElseThrow().mode()).isEqualTo(VoipSecurityMode.UNSECURED);
        // no bind address: plain TCP on every address is reported (the one warning of the example)
        assertThat(c.warnings())
                .singleElement()
                .satisfies(w -> assertThat(w.toString())
                        .startsWith(f + ":1: warning: plain SIP over TCP")
                        .contains("set server.bind"));
        assertThat(c.gateways())
                .containsExactly(
                        IpGateway.builder("gw1")
                                .fqdn("gw1.example.test")
                                .address("127.0.0.1")
                                .port(5061)
                                .dialPlan("dp-secure")
                                .build(),
                        IpGateway.builder("pbx-lab")
                                .address("127.0.0.1")
                                .port(5060)
                                .dialPlan("dp-plain")
                                .build());
        assertThat(c.startupModes()).containsExactlyInAnyOrder(VoipSecurityMode.SECURED, VoipSecurityMode.UNSECURED);
        assertThat(c.tcpListener()).isTrue();
        assertThat(c.tlsListener()).isTrue();
        assertThat(c.trustList().isTrustedName("gw1.example.test")).isTrue();
        assertThat(c.trustList().isTrustedAddress(InetAddress.getByName("127.0.0.1")))
                .isTrue();
        assertThat(c.trustList().isTrustedName("evil.example.test")).isFalse();
    }

    @Test
    void twoGatewaysOnTheSameHostAndPortAreRefusedWithTheLineOfTheSecondsFqdn() {
        String yaml = String.join(
                "\n",
                "server:", // 1
                "  name: um1", // 2
                "  fqdn: um.example.test", // 3
                "  dialPlans: [dp-s]", // 4
                "dialPlans:", // 5
                "  - name: dp-s", // 6
                "    voipSecurity: Secured", // 7
                "gateways:", // 8
                "  - name: gw1", // 9
                "    fqdn: gw.example.test", // 10
                "    port: 5061", // 11
                "    dialPlan: dp-s", // 12
                "  - name: gw2", // 13
                "    fqdn: GW.example.test.", // 14
                "    port: 5061", // 15
                "    dialPlan: dp-s", // 16
                "");
        assertThatThrownBy(() -> ServerConfiguration.load("dup.yaml", new StringReader(yaml), dir))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .map(ConfigurationProblem::toString)
                                .containsExactly(
                                        "dup.yaml:14: IP gateways 'gw1' and 'gw2' have the same FQDN"
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
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .map(ConfigurationProblem::toString)
                                .anySatisfy(p -> assertThat(p)
                                        .startsWith("nul.yaml:3: server.store: 'var?certs' is not a" + " valid path")));
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileAndLine() {
        String yaml = String.join(
                "\n",
                "server:", // 1
                "  name: um1", // 2
                "  sipPort: seventy", // 3
                "  tlsPort: 70000", // 4
                "  startSecured: 2", // 5
                "  dialPlans: [dp-a, dp-missing]", // 6
                "  colour: blue", // 7
                "dialPlans:", // 8
                "  - name: dp-a", // 9
                "    voipSecurity: VerySecure", // 10
                "  - name: dp-b", // 11
                "    voipSecurity: Secured", // 12
                "gateways:", // 13
                "  - name: gw1", // 14
                "    address: 10.0.0.1", // 15
                "    dialPlan: dp-b", // 16
                "  - name: gw2", // 17
                "    address: not-an-ip", // 18
                "    dialPlan: dp-nowhere", // 19
                "");
        assertThatThrownBy(() -> ServerConfiguration.load("bad.yaml", new StringReader(yaml), dir))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    List<String> p = e.problems().stream()
                            .map(ConfigurationProblem::toString)
                            .toList();
                    assertThat(p)
                            .anySatisfy(s -> assertThat(s)
                                    .startsWith("bad.yaml:3:")
                                    .contains("sipPort")
                                    .contains("seventy"));
                    assertThat(p)
                            .anySatisfy(
                                    s -> assertThat(s).startsWith("bad.yaml:4:").contains("70000"));
                    assertThat(p)
                            .anySatisfy(s -> assertThat(s)
                                    .startsWith("bad.yaml:5: warning:")
                                    .contains("StartSecured 2"));
                    assertThat(p)
                            .anySatisfy(
                                    s -> assertThat(s).startsWith("bad.yaml:6:").contains("dp-missing"));
                    assertThat(p)
                            .anySatisfy(
                                    s -> assertThat(s).startsWith("bad.yaml:7:").contains("unknown key 'colour'"));
                    assertThat(p)
                            .anySatisfy(s ->
                                    assertThat(s).startsWith("bad.yaml:10:").contains("VerySecure"));
                    // gw1: on a Secured plan without FQDN or port 5061 (R4), and dp-b is not associated
                    assertThat(p)
                            .anySatisfy(s -> assertThat(s)
                                    .startsWith("bad.yaml:14:")
                                    .contains("has no FQDN")
                                    .contains("(R4)"));
                    assertThat(p)
                            .anySatisfy(s ->
                                    assertThat(s).startsWith("bad.yaml:14:").contains("needs 'port: 5061'"));
                    assertThat(p)
                            .anySatisfy(s ->
                                    assertThat(s).startsWith("bad.yaml:16:").contains("not associated"));
                    // gw2: core's address rule, at the line of the key
                    assertThat(p)
                            .anySatisfy(s ->
                                    assertThat(s).startsWith("bad.yaml:18:").contains("not-an-ip"));
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
        assertProblem("server: {}\ngateways:\n  - name: g\n", "needs an FQDN or an IP address");
        assertProblem("server: {}\ngateways:\n  - name: g\n    address: 192.0.2.1\n", "needs a dial plan");
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
        assertThat(c.dialPlans()).extracting(org.umsec.core.DialPlan::mode).containsExactly(VoipSecurityMode.SECURED);
        assertThat(c.tlsListener()).isTrue();
        assertThat(c.tcpListener()).isFalse();
        assertThat(c.trustList().isTrustedName("localhost")).isTrue();
        assertThat(c.store()).isEqualTo(Path.of("").toAbsolutePath().resolve("var/certs"));
    }

    @Test
    void startSecuredDecidesWhenNoDialPlanIsAssociated() throws Exception {
        ServerConfiguration one = ServerConfiguration.builder().startSecured(1).build();
        ServerConfiguration zero = ServerConfiguration.builder().startSecured(0).build();
        assertThat(one.startupModes())
                .containsExactlyInAnyOrder(VoipSecurityMode.SIP_SECURED, VoipSecurityMode.SECURED);
        assertThat(one.tlsListener()).isTrue();
        assertThat(one.startupPlan().basis()).isEqualTo(org.umsec.core.StartupPlan.Basis.START_SECURED);
        assertThat(zero.startupModes()).containsExactly(VoipSecurityMode.UNSECURED);
        assertThat(zero.tlsListener()).isFalse();
    }

    @Test
    void builtInCodeProblemsNameTheCodeSource() {
        assertThatThrownBy(() -> ServerConfiguration.builder()
                        .dialPlan("a", VoipSecurityMode.SECURED)
                        .dialPlan("a", VoipSecurityMode.UNSECURED)
                        .fqdn("bad host!")
                        .build())
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .extracting(ConfigurationProblem::toString)
                                .anySatisfy(s -> assertThat(s)
                                        .startsWith("<configuration>: ")
                                        .contains("bad host!")));
        assertThatThrownBy(() -> ServerConfiguration.builder()
                        .dialPlan("a", VoipSecurityMode.SECURED)
                        .dialPlan("a", VoipSecurityMode.UNSECURED)
                        .build())
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .extracting(ConfigurationProblem::toString)
                                .anySatisfy(s -> assertThat(s)
                                        .startsWith("<configuration>: ")
                                        .contains("used more than once")));
    }

    @Test
    void serverAddressesFollowCoresIpLiteralRule() throws Exception {
        for (String bad : List.of("999.1.1.1", "1.2.3", "gw.example.test", "2001:db8::zz", "010.0.0.1")) {
            assertThatThrownBy(
                            () -> ServerConfiguration.builder().bindAddress(bad).build())
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("server.bind must be an IP address");
        }
        assertThat(ServerConfiguration.builder()
                        .bindAddress("::1")
                        .mediaAddress("[2001:db8::1]")
                        .startSecured(0)
                        .build()
                        .bindAddress())
                .isEqualTo("::1");
    }

    @Test
    void umSecurityCoreErrorsRefuseAndItsWarningsAreKept() throws Exception {
        // Dial plan names are case-insensitive (as in Exchange): "DP" and "dp" are one name used twice.
        assertThatThrownBy(() -> ServerConfiguration.builder()
                        .dialPlan("DP", VoipSecurityMode.UNSECURED)
                        .dialPlan("dp", VoipSecurityMode.UNSECURED)
                        .build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("Dial plan name 'dp' is used more than once (names are case-insensitive)");
        // An Unsecured gateway on the TLS port is legal but suspicious: a warning, not a refusal.
        ServerConfiguration c = ServerConfiguration.builder()
                .dialPlan("dp", VoipSecurityMode.UNSECURED)
                .gateway(IpGateway.builder("pbx")
                        .address("192.0.2.1")
                        .port(5061)
                        .dialPlan("dp")
                        .build())
                .build();
        assertThat(c.warnings())
                .anySatisfy(w -> assertThat(w.toString()).contains("on port 5061, the SIP-over-TLS port"));
        assertThat(c.umConfiguration().dialPlans()).hasSize(1);
    }

    private void assertProblem(String yaml, String text) {
        assertThatThrownBy(() -> ServerConfiguration.load("x.yaml", new StringReader(yaml), dir))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(text);
    }

    static final String RULES_HEAD = """
            server:
              name: um1
              dialPlans: [dp]
            dialPlans:
              - name: dp
                voipSecurity: Unsecured
                internationalAccessCode: "00"
                inCountryGroups:
                  - {name: Local, numberMask: "9xxxxxxx", dialedNumber: "xxxxxxx"}
                  - {name: local, numberMask: "8xxxxxxx"}
                  - {name: Mobile, numberMask: "07xxxxxxxx"}
                internationalGroups:
                  - {name: Europe, numberMask: "0044*", comment: UK}
                allowedInCountryGroups: [Local]
            """;

    @Test
    void dialingRulesAndMailboxPoliciesBindOntoCoresModel() throws Exception {
        String yaml = RULES_HEAD + """
                mailboxPolicies:
                  - name: Staff
                    dialPlan: dp
                    allowedInCountryGroups: [Local, Mobile]
                    allowedInternationalGroups: [Europe]
                """;
        ServerConfiguration c = ServerConfiguration.load("rules.yaml", new StringReader(yaml), dir);
        org.umsec.core.DialingRules rules = c.dialPlan("dp").orElseThrow().dialingRules();
        // entries with the same name (case-insensitive) form one group, in the order written
        assertThat(rules.groups())
                .extracting(g -> g.name() + "=" + g.rules())
                .containsExactly(
                        "Local=[9xxxxxxx -> xxxxxxx, 8xxxxxxx -> *]",
                        "Mobile=[07xxxxxxxx -> *]",
                        "Europe=[0044* -> *]");
        assertThat(rules.check("9555 1234").dialedNumber()).contains("5551234");
        assertThat(rules.check("+44 20 7946 0000").reason()) // + becomes 00; Europe is not allowed here
                .contains("international group 'Europe' rule 0044*, which is not an allowed group");
        org.umsec.core.DialingCheck staff = c.umConfiguration().checkDialingForPolicy("Staff", "+44 20 7946 0000");
        assertThat(staff.dialedNumber()).contains("00442079460000");
        assertThat(c.umConfiguration()
                        .checkDialingForPolicy("Staff", "0712 345678")
                        .allowed())
                .isTrue();
    }

    @Test
    void dialingRuleProblemsAreReportedAtTheirLines() {
        String badMask = RULES_HEAD.replace("\"8xxxxxxx\"", "\"8xxq\"");
        assertThatThrownBy(() -> ServerConfiguration.load("bad-rules.yaml", new StringReader(badMask), dir))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .extracting(Object::toString)
                                .anySatisfy(p -> assertThat(p)
                                        .startsWith("bad-rules.yaml:10: ")
                                        .contains("Number mask '8xxq' is not valid")));
        String unknownAllowed = RULES_HEAD.replace("[Local]", "[Local, Nowhere]");
        assertThatThrownBy(() -> ServerConfiguration.load("allowed.yaml", new StringReader(unknownAllowed), dir))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .extracting(Object::toString)
                                .anySatisfy(p -> assertThat(p)
                                        .startsWith("allowed.yaml:14: ")
                                        .contains("in-country group 'Nowhere'")));
        String policies = RULES_HEAD + """
                mailboxPolicies:
                  - name: Staff
                    dialPlan: dp
                    allowedInternationalGroups: [Asia]
                  - {name: Orphan, dialPlan: nope}
                """;
        assertThatThrownBy(() -> ServerConfiguration.load("policies.yaml", new StringReader(policies), dir))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .extracting(Object::toString)
                                .anySatisfy(
                                        p -> assertThat(p)
                                                .startsWith("policies.yaml:18: ")
                                                .contains(
                                                        "allows international group 'Asia', which dial plan 'dp' does not configure"))
                                .anySatisfy(p -> assertThat(p)
                                        .startsWith("policies.yaml:19: ")
                                        .contains("belongs to unknown dial plan 'nope'")));
    }

    @Test
    void recordingsAreForcedToTheDiskUnlessTheFileSaysOtherwise() throws Exception {
        String head = String.join("\n", "server:", "  name: um1", "  sipPort: 0", "  tlsPort: 0", "");
        assertThat(ServerConfiguration.load("a.yaml", new StringReader(head), dir)
                        .voicemailSyncOnClose())
                .isTrue();
        assertThat(ServerConfiguration.embeddedDefault().voicemailSyncOnClose()).isTrue();
        ServerConfiguration off =
                ServerConfiguration.load("b.yaml", new StringReader(head + "voicemail:\n  syncOnClose: false\n"), dir);
        assertThat(off.voicemailSyncOnClose()).isFalse();
        assertThat(off.toBuilder().build().voicemailSyncOnClose()).isFalse();
        assertThatThrownBy(() -> ServerConfiguration.load(
                        "c.yaml", new StringReader(head + "voicemail:\n  syncOnClose: sometimes\n"), dir))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p.toString())
                                        .startsWith("c.yaml:6:")
                                        .contains("syncOnClose")));
    }
}
