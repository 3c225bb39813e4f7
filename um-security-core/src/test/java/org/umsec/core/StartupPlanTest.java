package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StartupPlanTest {
    private static final DialPlan SECURED =
            DialPlan.builder("Seattle").mode(VoipSecurityMode.SECURED).build();
    private static final DialPlan SIP_SECURED =
            DialPlan.builder("Paris").mode(VoipSecurityMode.SIP_SECURED).build();
    private static final DialPlan UNSECURED = DialPlan.builder("Lab").build();

    private static UmConfiguration config(int startSecured, String... associated) {
        return UmConfiguration.builder(UmServer.builder("um1", "um1.example.com")
                        .dialPlans(List.of(associated))
                        .startSecured(startSecured)
                        .build())
                .dialPlan(SECURED)
                .dialPlan(SIP_SECURED)
                .dialPlan(UNSECURED)
                .build();
    }

    @Test
    void onlyUnsecuredDialPlansNeedTcpOnly() {
        StartupPlan p = StartupPlan.resolve(config(1, "Lab"));
        assertThat(p.basis()).isEqualTo(StartupPlan.Basis.DIAL_PLANS);
        assertThat(p.tcpListener()).isTrue();
        assertThat(p.tlsListener()).isFalse();
        assertThat(p.certificateRequired()).isFalse();
        assertThat(p.srtpRequired()).isFalse();
        assertThat(p.modes()).containsExactly(VoipSecurityMode.UNSECURED);
        assertThat(p.describe()).isEqualTo("Listen on TCP 5060; from associated dial plans [Lab]");
    }

    @Test
    void securedDialPlansNeedTlsAndACertificate() {
        StartupPlan p = StartupPlan.resolve(config(0, "Seattle", "Paris"));
        assertThat(p.tcpListener()).isFalse();
        assertThat(p.tlsListener()).isTrue();
        assertThat(p.certificateRequired()).isTrue();
        assertThat(p.srtpRequired()).isTrue();
        assertThat(p.modes()).containsExactly(VoipSecurityMode.SIP_SECURED, VoipSecurityMode.SECURED);
        assertThat(p.dialPlans()).containsExactly("Seattle", "Paris");
        assertThat(p.tlsPort()).isEqualTo(5061);
    }

    @Test
    void sipSecuredAloneNeedsNoSrtp() {
        StartupPlan p = StartupPlan.resolve(config(0, "Paris"));
        assertThat(p.tlsListener()).isTrue();
        assertThat(p.srtpRequired()).isFalse();
    }

    @Test
    void mixedDialPlansNeedBothListeners() {
        StartupPlan p = StartupPlan.resolve(config(0, "Lab", "seattle", "LAB"));
        assertThat(p.tcpListener()).isTrue();
        assertThat(p.tlsListener()).isTrue();
        assertThat(p.tcpPort()).isEqualTo(5060);
        assertThat(p.tlsPort()).isEqualTo(5061);
        assertThat(p.dialPlans()).containsExactly("Lab", "Seattle");
        assertThat(p.describe())
                .isEqualTo(
                        "Listen on TCP 5060 and TLS 5061, certificate required; from associated dial plans [Lab, Seattle]");
    }

    @Test
    void theDescriptionNamesThePortsActuallyUsed() {
        StartupPlan p = StartupPlan.resolve(config(0, "Lab", "seattle"));
        assertThat(p.describe(5070, 5071))
                .isEqualTo(
                        "Listen on TCP 5070 and TLS 5071, certificate required; from associated dial plans [Lab, Seattle]");
        assertThat(StartupPlan.resolve(config(1)).describe(15060, 15061)).startsWith("Listen on TLS 15061,");
    }

    @Test
    void startSecuredOneStartsSecuredWithoutAssociation() {
        StartupPlan p = StartupPlan.resolve(config(1));
        assertThat(p.basis()).isEqualTo(StartupPlan.Basis.START_SECURED);
        assertThat(p.tlsListener()).isTrue();
        assertThat(p.tcpListener()).isFalse();
        assertThat(p.certificateRequired()).isTrue();
        assertThat(p.dialPlans()).isEmpty();
        assertThat(p.describe())
                .isEqualTo("Listen on TLS 5061, certificate required; from StartSecured 1 (no associated dial plan)");
    }

    @Test
    void startSecuredZeroStartsUnsecuredWithoutAssociation() {
        StartupPlan p = StartupPlan.resolve(config(0));
        assertThat(p.tcpListener()).isTrue();
        assertThat(p.tlsListener()).isFalse();
        assertThat(p.certificateRequired()).isFalse();
        assertThat(p.modes()).containsExactly(VoipSecurityMode.UNSECURED);
        assertThat(p.describe()).isEqualTo("Listen on TCP 5060; from StartSecured 0 (no associated dial plan)");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 2, 10, Integer.MAX_VALUE})
    void anyOtherStartSecuredIsAClearError(int value) {
        assertThatThrownBy(() -> StartupPlan.resolve(config(value)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("UM server 'um1' is associated with no dial plan, so StartSecured decides how it starts,"
                        + " but StartSecured is " + value + "; it must be 0 (start unsecured) or 1 (start secured)");
    }

    @Test
    void startSecuredIsIgnoredWhenAssociated() {
        assertThat(StartupPlan.resolve(config(5, "Lab")).tcpListener()).isTrue();
    }

    @Test
    void unknownAssociatedDialPlansAreAllReported() {
        assertThatThrownBy(() -> StartupPlan.resolve(config(0, "Lab", "Atlantis", "Mu")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("2 configuration problems:\n"
                        + "  ERROR server um1: UM server 'um1' is associated with unknown dial plan 'Atlantis'\n"
                        + "  ERROR server um1: UM server 'um1' is associated with unknown dial plan 'Mu'");
    }

    @Test
    void resolveFromServerAndDialPlans() {
        UmServer s = UmServer.builder("um1", "um1.example.com").build();
        assertThat(StartupPlan.resolve(s, List.of(UNSECURED, SECURED)).modes())
                .containsExactly(VoipSecurityMode.UNSECURED, VoipSecurityMode.SECURED);
        assertThat(StartupPlan.resolve(s, List.of())).isEqualTo(StartupPlan.resolve(config(0)));
        assertThatThrownBy(() -> StartupPlan.resolve(null)).hasMessage("configuration must not be null");
    }
}
