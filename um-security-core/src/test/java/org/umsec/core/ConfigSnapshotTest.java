package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A source's snapshot: origins per object for problems, content equality for "did anything change". */
class ConfigSnapshotTest {

    static ConfigSnapshot snapshot(String origin) {
        return ConfigSnapshot.builder("ldap://dir/ou=umsec")
                .server(
                        UmServer.builder("um1", "um1.example.test")
                                .dialPlan("dp")
                                .build(),
                        origin + "/cn=um1")
                .dialPlan(DialPlan.builder("dp").mode(VoipSecurityMode.SECURED).build(), origin + "/cn=dp")
                .gateway(
                        IpGateway.builder("gw1")
                                .fqdn("gw1.example.test")
                                .port(5060)
                                .dialPlan("dp")
                                .build(),
                        origin + "/cn=gw1")
                .build();
    }

    @Test
    void problemsOfValidationMapToTheOriginOfTheirObject() {
        ConfigSnapshot s = snapshot("ldap://dir");
        ConfigProblem r4 = s.configuration().orElseThrow().validate().stream()
                .filter(ConfigProblem::isError)
                .findFirst()
                .orElseThrow();

        assertThat(r4.subject().kind()).isEqualTo(ConfigProblem.Kind.GATEWAY);
        assertThat(s.origin(r4.subject())).contains("ldap://dir/cn=gw1");
        assertThat(s.origin(ConfigProblem.Subject.of(ConfigProblem.Kind.SERVER, "um1", -1, null)))
                .contains("ldap://dir/cn=um1");
        assertThat(s.origin(ConfigProblem.Subject.of(ConfigProblem.Kind.GATEWAY, "x", 5, null)))
                .isEmpty();
    }

    @Test
    void equalityIsAboutContentNotOrigins() {
        assertThat(snapshot("ldap://a")).isEqualTo(snapshot("ldap://b")).hasSameHashCodeAs(snapshot("ldap://b"));
        ConfigSnapshot withFinding = ConfigSnapshot.builder("ldap://dir/ou=umsec")
                .finding("ldap://dir/cn=x", Severity.ERROR, "broken")
                .build();
        assertThat(withFinding.hasErrors()).isTrue();
        assertThat(withFinding.server()).isEmpty();
        assertThat(withFinding.configuration()).isEmpty();
        assertThat(withFinding).isNotEqualTo(snapshot("ldap://dir"));
    }
}
