package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UmConfigurationTest {

    private static final DialPlan SECURED =
            DialPlan.builder("Seattle").mode(VoipSecurityMode.SECURED).build();
    private static final DialPlan SIP_SECURED =
            DialPlan.builder("Paris").mode(VoipSecurityMode.SIP_SECURED).build();
    private static final DialPlan UNSECURED = DialPlan.builder("Lab").build();

    private static UmServer server(String... dialPlans) {
        return UmServer.builder("um1", "UM1.example.com.")
                .dialPlans(List.of(dialPlans))
                .build();
    }

    private static IpGateway.Builder gw(String name) {
        return IpGateway.builder(name);
    }

    private static UmConfiguration valid() {
        return UmConfiguration.builder(server("Seattle", "Lab"))
                .dialPlan(SECURED)
                .dialPlan(UNSECURED)
                .gateway(gw("gw1")
                        .fqdn("gw1.example.com")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("pbx").address("192.0.2.10").dialPlan("Lab").build())
                .build();
    }

    private static List<String> messages(UmConfiguration c) {
        return c.validate().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void newDialPlanIsUnsecuredWithNoDialingRules() {
        DialPlan d = DialPlan.builder("  New  ").build();
        assertThat(d.name()).isEqualTo("New");
        assertThat(d.mode()).isEqualTo(VoipSecurityMode.UNSECURED);
        assertThat(d.dialingRules()).isEqualTo(DialingRules.none());
        assertThat(d.toBuilder().mode(VoipSecurityMode.SECURED).build().mode()).isEqualTo(VoipSecurityMode.SECURED);
        assertThat(d)
                .isEqualTo(DialPlan.builder("New").build())
                .hasSameHashCodeAs(DialPlan.builder("New").build());
    }

    @Test
    void oneDeviceMayServeAnUnsecuredAndASecuredDialPlanOnItsTwoPorts() {
        // The reference server's example: gw1 (FQDN, 5061, Secured) and pbx-lab (same address, 5060, Unsecured).
        UmConfiguration c = UmConfiguration.builder(server("Seattle", "Lab"))
                .dialPlan(SECURED)
                .dialPlan(UNSECURED)
                .gateway(gw("gw1")
                        .fqdn("gw1.example.test")
                        .address("127.0.0.1")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("pbx-lab")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("Lab")
                        .build())
                .build();
        assertThat(messages(c)).isEmpty();
    }

    @Test
    void validConfigurationHasNoProblems() {
        UmConfiguration c = valid();
        assertThat(c.validate()).isEmpty();
        assertThat(c.isValid()).isTrue();
        assertThat(c.requireValid()).isSameAs(c);
        assertThat(c.server().fqdn()).isEqualTo("um1.example.com");
    }

    @Test
    void r4SecuredGatewayWithoutFqdnOrOnWrongPortIsReported() {
        UmConfiguration c = UmConfiguration.builder(server("Seattle", "Paris"))
                .dialPlan(SECURED)
                .dialPlan(SIP_SECURED)
                .gateway(gw("gw1")
                        .address("192.0.2.1")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("gw2").fqdn("gw2.example.com").dialPlan("paris").build())
                .gateway(gw("gw3")
                        .address("2001:db8::3")
                        .port(5062)
                        .dialPlan("Paris")
                        .build())
                .build();
        assertThat(messages(c))
                .containsExactly(
                        "ERROR gateway gw1: IP gateway 'gw1' serves Secured dial plan 'Seattle' but has no FQDN; a gateway serving"
                                + " a SIPSecured or Secured dial plan must be configured with an FQDN and port 5061 (R4)",
                        "ERROR gateway gw2: IP gateway 'gw2' serves SIPSecured dial plan 'Paris' on port 5060; a gateway serving"
                                + " a SIPSecured or Secured dial plan must be configured with an FQDN and port 5061 (R4)",
                        "ERROR gateway gw3: IP gateway 'gw3' serves SIPSecured dial plan 'Paris' but has no FQDN; a gateway serving"
                                + " a SIPSecured or Secured dial plan must be configured with an FQDN and port 5061 (R4)",
                        "ERROR gateway gw3: IP gateway 'gw3' serves SIPSecured dial plan 'Paris' on port 5062; a gateway serving"
                                + " a SIPSecured or Secured dial plan must be configured with an FQDN and port 5061 (R4)");
        assertThat(c.isValid()).isFalse();
    }

    @Test
    void r4SecuredGatewayWithFqdnAndAddressOn5061IsFine() {
        UmConfiguration c = UmConfiguration.builder(server("Seattle"))
                .dialPlan(SECURED)
                .gateway(gw("gw1")
                        .fqdn("gw1.example.com")
                        .address("192.0.2.1")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .build();
        assertThat(c.validate()).isEmpty();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        UmMailboxPolicy policy = UmMailboxPolicy.builder("Staff", "Lab")
                .allowed(AllowedDialingGroups.of(List.of("Local"), List.of("World")))
                .build();
        UmConfiguration c = UmConfiguration.builder(UmServer.builder("um1", "um1.example.com")
                        .dialPlan("Seattle")
                        .dialPlan("SEATTLE")
                        .dialPlan("Nowhere")
                        .startSecured(7)
                        .build())
                .dialPlan(SECURED)
                .dialPlan(DialPlan.builder("seattle").build())
                .dialPlan(UNSECURED)
                .gateway(gw("gw1")
                        .fqdn("gw1.example.com")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("GW1")
                        .fqdn("GW1.example.com.")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("gw2")
                        .address("192.0.2.7")
                        .port(5061)
                        .dialPlan("Lab")
                        .build())
                .gateway(gw("gw3")
                        .address("::ffff:192.0.2.7")
                        .port(5061)
                        .dialPlan("Atlantis")
                        .build())
                .mailboxPolicy(policy)
                .mailboxPolicy(UmMailboxPolicy.builder("Orphan", "Atlantis").build())
                .build();
        assertThat(messages(c))
                .containsExactly(
                        "ERROR dial plan seattle: Dial plan name 'seattle' is used more than once (names are case-insensitive)",
                        "ERROR gateway GW1: IP gateway name 'GW1' is used more than once (names are case-insensitive)",
                        "ERROR gateway GW1: IP gateways 'gw1' and 'GW1' have the same FQDN 'gw1.example.com' and port 5061;"
                                + " each trusted device must be configured once",
                        "WARNING gateway gw2: IP gateway 'gw2' serves Unsecured dial plan 'Lab' on port 5061, the SIP-over-TLS"
                                + " port; Unsecured dial plans use SIP over TCP, normally on port 5060",
                        "ERROR gateway gw2: IP gateway 'gw2' serves dial plan 'Lab', which UM server 'um1' is not associated"
                                + " with; associate the dial plan or remove the gateway",
                        "ERROR gateway gw3: IP gateway 'gw3' serves unknown dial plan 'Atlantis'",
                        "ERROR gateway gw3: IP gateways 'gw2' and 'gw3' have the same IP address '192.0.2.7' and port 5061;"
                                + " each trusted device must be configured once",
                        "WARNING server um1: UM server 'um1' lists dial plan 'SEATTLE' more than once",
                        "ERROR server um1: UM server 'um1' is associated with unknown dial plan 'Nowhere'",
                        "WARNING server um1: UM server 'um1' has StartSecured 7, which is ignored while the server is"
                                + " associated with dial plans; it must be 0 or 1",
                        "ERROR mailbox policy Staff: UM mailbox policy 'Staff' allows in-country group 'Local',"
                                + " which dial plan 'Lab' does not configure",
                        "ERROR mailbox policy Staff: UM mailbox policy 'Staff' allows international group 'World',"
                                + " which dial plan 'Lab' does not configure",
                        "ERROR mailbox policy Orphan: UM mailbox policy 'Orphan' belongs to unknown dial plan 'Atlantis'");

        assertThatThrownBy(c::requireValid)
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith("10 configuration problems:\n  ERROR dial plan seattle: ")
                .satisfies(e -> assertThat(((InvalidConfigurationException) e).problems())
                        .hasSize(10)
                        .allMatch(ConfigProblem::isError));
        // every subject is structured: kind, name, position among its kind, and the setting at fault,
        // so that a loader can point at the line (the second "seattle" is dial plan #1, "GW1" gateway #1)
        assertThat(c.validate())
                .extracting(p -> p.subject().kind() + "/" + p.subject().name() + "/"
                        + p.subject().index() + "/" + p.subject().key().orElse(""))
                .containsExactly(
                        "DIAL_PLAN/seattle/1/name",
                        "GATEWAY/GW1/1/name",
                        "GATEWAY/GW1/1/fqdn",
                        "GATEWAY/gw2/2/port",
                        "GATEWAY/gw2/2/dialPlan",
                        "GATEWAY/gw3/3/dialPlan",
                        "GATEWAY/gw3/3/address",
                        "SERVER/um1/-1/dialPlans",
                        "SERVER/um1/-1/dialPlans",
                        "SERVER/um1/-1/startSecured",
                        "MAILBOX_POLICY/Staff/0/allowed",
                        "MAILBOX_POLICY/Staff/0/allowed",
                        "MAILBOX_POLICY/Orphan/1/dialPlan");
    }

    @Test
    void startSecuredOutOfRangeIsAnErrorWithoutAssociations() {
        UmConfiguration c = UmConfiguration.builder(UmServer.builder("um1", "um1.example.com")
                        .startSecured(2)
                        .build())
                .build();
        assertThat(messages(c))
                .containsExactly("ERROR server um1: UM server 'um1' is associated with no dial plan,"
                        + " so StartSecured decides how it starts, but StartSecured is 2; it must be 0 (start unsecured)"
                        + " or 1 (start secured)");
        assertThatThrownBy(c::requireValid)
                .hasMessage("UM server 'um1' is associated with no dial plan,"
                        + " so StartSecured decides how it starts, but StartSecured is 2; it must be 0 (start unsecured)"
                        + " or 1 (start secured)");
    }

    @Test
    void warningsAloneKeepTheConfigurationValid() {
        UmConfiguration c = UmConfiguration.builder(server("Lab"))
                .dialPlan(UNSECURED)
                .gateway(gw("pbx")
                        .address("192.0.2.10")
                        .port(5061)
                        .dialPlan("Lab")
                        .build())
                .build();
        assertThat(c.validate()).hasSize(1).allMatch(p -> p.severity() == Severity.WARNING);
        assertThat(c.isValid()).isTrue();
        c.requireValid();
    }

    @Test
    void trustListIsMadeFromGatewayFqdnsAndAddresses() throws UnknownHostException {
        UmConfiguration c = UmConfiguration.builder(server("Seattle", "Lab"))
                .dialPlan(SECURED)
                .dialPlan(UNSECURED)
                .gateway(gw("gw1")
                        .fqdn("GW1.example.com")
                        .address("2001:db8:0:0::1")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("pbx").address("192.0.2.10").dialPlan("Lab").build())
                .build();
        Map<String, List<InetAddress>> dns = Map.of("gw1.example.com", List.of(InetAddress.getByName("192.0.2.50")));
        TrustList t = c.trustList(fqdn -> dns.getOrDefault(fqdn, List.of()));
        assertThat(t.entries()).containsExactly("gw1.example.com", "2001:db8::1", "192.0.2.10");
        assertThat(t.isTrustedAddress(InetAddress.getByName("192.0.2.50"))).isTrue();
        assertThat(t.isTrustedAddress(InetAddress.getByName("192.0.2.51"))).isFalse();
        assertThat(c.trustList().entries()).isEqualTo(t.entries());

        Optional<String> entry =
                t.matchCertificate(CertificateIdentity.of(List.of("gw1.EXAMPLE.com"), List.of(), Optional.empty()));
        assertThat(entry).contains("gw1.example.com");
        assertThat(c.gatewayFor(entry.get()).flatMap(c::dialPlanForGateway).map(DialPlan::mode))
                .contains(VoipSecurityMode.SECURED);
        assertThat(c.gatewayFor("192.0.2.10").map(IpGateway::name)).contains("pbx");
        assertThat(c.gatewayFor("[2001:db8::0:1]").map(IpGateway::name)).contains("gw1");
        assertThat(c.gatewayFor("gw9.example.com")).isEmpty();
        assertThat(c.dialPlanForGateway("PBX")).contains(UNSECURED);
        assertThat(c.dialPlanForGateway("nope")).isEmpty();
    }

    /**
     * R26 (issue 9 item 3): each listener trusts its own gateways. A gateway on a Secured plan is
     * not trusted by source address on plain TCP, and an Unsecured PBX is no certificate identity.
     */
    @Test
    void eachListenerTrustsOnlyTheGatewaysOfItsMode() throws UnknownHostException {
        UmConfiguration c = UmConfiguration.builder(server("Seattle", "Lab"))
                .dialPlan(SECURED)
                .dialPlan(UNSECURED)
                .gateway(gw("gw1")
                        .fqdn("GW1.example.com")
                        .address("192.0.2.50")
                        .port(5061)
                        .dialPlan("Seattle")
                        .build())
                .gateway(gw("pbx")
                        .fqdn("pbx.example.com")
                        .address("192.0.2.10")
                        .dialPlan("Lab")
                        .build())
                .build();
        Map<String, List<InetAddress>> dns = Map.of(
                "gw1.example.com",
                List.of(InetAddress.getByName("192.0.2.50")),
                "pbx.example.com",
                List.of(InetAddress.getByName("192.0.2.11")));
        AddressResolver r = fqdn -> dns.getOrDefault(fqdn, List.of());
        TrustList tls = c.trustList(SignallingTransport.TLS, r);
        TrustList tcp = c.trustList(SignallingTransport.TCP, r);
        assertThat(tls.entries()).containsExactly("gw1.example.com");
        assertThat(tcp.entries()).containsExactly("pbx.example.com", "192.0.2.10");
        assertThat(tcp.isTrustedAddress(InetAddress.getByName("192.0.2.50"))).isFalse();
        assertThat(tcp.isTrustedAddress(InetAddress.getByName("192.0.2.11"))).isTrue();
        assertThat(tls.matchCertificate(
                        CertificateIdentity.of(List.of("pbx.example.com"), List.of(), Optional.empty())))
                .isEmpty();
        assertThat(tls.matchCertificate(
                        CertificateIdentity.of(List.of("gw1.example.com"), List.of(), Optional.empty())))
                .contains("gw1.example.com");
    }

    @Test
    void dialingChecksThroughTheConfiguration() {
        DialingRuleGroup local = DialingRuleGroup.builder("Local", DialingScope.IN_COUNTRY)
                .rule("9xxxxxxx", "*")
                .build();
        DialingRuleGroup intl = DialingRuleGroup.builder("World", DialingScope.INTERNATIONAL)
                .rule("9011*", "*")
                .build();
        DialPlan dp = DialPlan.builder("Lab")
                .dialingRules(DialingRules.builder()
                        .group(local)
                        .group(intl)
                        .allowInCountry("Local")
                        .build())
                .build();
        UmConfiguration c = UmConfiguration.builder(server("Lab"))
                .dialPlan(dp)
                .mailboxPolicy(UmMailboxPolicy.builder("Execs", "Lab")
                        .allowed(AllowedDialingGroups.of(List.of("Local"), List.of("World")))
                        .build())
                .build();
        assertThat(c.validate()).isEmpty();
        assertThat(c.checkDialing("lab", "901144123").outcome()).isEqualTo(DialingCheck.Outcome.BLOCKED_BY_RULE);
        assertThat(c.checkDialingForPolicy("Execs", "901144123").allowed()).isTrue();
        assertThatThrownBy(() -> c.checkDialing("Nope", "1")).hasMessage("Unknown dial plan 'Nope'");
        assertThatThrownBy(() -> c.checkDialingForPolicy("Nope", "1")).hasMessage("Unknown UM mailbox policy 'Nope'");
    }

    @Test
    void gatewayBuilderChecksFailEarlyWithClearMessages() {
        assertThatThrownBy(() -> gw("gw1").port(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("IP gateway 'gw1' port 0 is outside 1-65535");
        assertThatThrownBy(() -> gw("gw1").port(65536)).hasMessage("IP gateway 'gw1' port 65536 is outside 1-65535");
        assertThatThrownBy(() -> gw("gw1").fqdn("gw_1.example.com"))
                .hasMessage("IP gateway 'gw1' FQDN 'gw_1.example.com' is not a valid host name");
        assertThatThrownBy(() -> gw("gw1").fqdn("192.0.2.1"))
                .hasMessage("IP gateway 'gw1' FQDN '192.0.2.1' is an IP address; give a host name"
                        + " (an IP address goes in address(...))");
        assertThatThrownBy(() -> gw("gw1").address("gw1.example.com"))
                .hasMessage("IP gateway 'gw1' address 'gw1.example.com' is not an IP address literal"
                        + " (a host name goes in fqdn(...))");
        assertThatThrownBy(() -> gw("gw1").dialPlan("Lab").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("IP gateway 'gw1' needs an FQDN or an IP address");
        assertThatThrownBy(() -> gw("gw1").fqdn("gw1.example.com").build())
                .hasMessage("IP gateway 'gw1' needs a dial plan");
        assertThatThrownBy(() -> gw(" ")).hasMessage("IP gateway name must not be blank");
        assertThatThrownBy(() -> gw(null)).hasMessage("IP gateway name must not be null");
        assertThatThrownBy(() -> gw("x".repeat(65)))
                .hasMessage("IP gateway name '" + "x".repeat(65) + "' is longer than 64 characters");
        assertThatThrownBy(() -> gw("a\u0000b"))
                .hasMessage("IP gateway name 'a?b' must not contain control characters or commas");
    }

    @Test
    void gatewayValuesAreNormalisedAndRoundTrip() throws UnknownHostException {
        IpGateway g = gw("gw1")
                .fqdn("GW1.Example.com.")
                .address("[2001:DB8::1]")
                .port(5061)
                .dialPlan("Seattle")
                .build();
        assertThat(g.fqdn()).contains("gw1.example.com");
        assertThat(g.address()).contains(InetAddress.getByName("2001:db8::1"));
        assertThat(g.host()).isEqualTo("gw1.example.com");
        assertThat(g.toBuilder().build()).isEqualTo(g).hasSameHashCodeAs(g);
        IpGateway a = gw("gw2")
                .address(InetAddress.getByAddress("name.example", new byte[] {(byte) 192, 0, 2, 1}))
                .dialPlan("Lab")
                .build();
        assertThat(a.host()).isEqualTo("192.0.2.1");
        assertThat(a.port()).isEqualTo(5060);
        assertThat(a.toString()).isEqualTo("IpGateway{gw2, 192.0.2.1:5060, dialPlan=Lab}");
    }

    @Test
    void serverBuilderChecks() {
        assertThatThrownBy(() -> UmServer.builder("um1", "um1_example"))
                .hasMessage("UM server 'um1' FQDN 'um1_example' is not a valid host name");
        assertThatThrownBy(() -> UmServer.builder("um1", null)).hasMessage("UM server 'um1' FQDN must not be null");
        UmServer.Builder b = UmServer.builder("um1", "um1.example.com").dialPlan("A");
        assertThatThrownBy(() -> b.dialPlans(List.of("B", " "))).hasMessage("Dial plan name must not be blank");
        assertThat(b.build().dialPlans()).containsExactly("A");
        UmServer s = b.startSecured(1).build();
        assertThat(s.toBuilder().build()).isEqualTo(s);
        assertThat(s.startSecured()).isEqualTo(1);
    }

    @Test
    void configurationBuilderRejectsNulls() {
        assertThatThrownBy(() -> UmConfiguration.builder(null)).hasMessage("server must not be null");
        UmConfiguration.Builder b = UmConfiguration.builder(server());
        assertThatThrownBy(() -> b.dialPlan(null)).hasMessage("dial plan must not be null");
        assertThatThrownBy(() -> b.gateway(null)).hasMessage("gateway must not be null");
        assertThatThrownBy(() -> b.mailboxPolicy(null)).hasMessage("mailbox policy must not be null");
        assertThatThrownBy(() -> ConfigProblem.of(Severity.INFO, "x", "y"))
                .hasMessage("a configuration problem is an ERROR or a WARNING, not INFO");
        assertThat(ConfigProblem.of(Severity.WARNING, "loader", "line 3: unknown key")
                        .toString())
                .isEqualTo("WARNING loader: line 3: unknown key");
    }
}
