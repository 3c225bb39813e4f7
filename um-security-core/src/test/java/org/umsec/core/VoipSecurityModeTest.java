package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class VoipSecurityModeTest {

    /** A configuration with one associated dial plan of {@code mode} and one gateway on {@code port}. */
    private static UmConfiguration config(VoipSecurityMode mode, int port, boolean fqdn) {
        IpGateway.Builder g = IpGateway.builder("gw1").port(port).dialPlan("dp");
        if (fqdn) {
            g.fqdn("gw1.example.com");
        } else {
            g.address("192.0.2.10");
        }
        return UmConfiguration.builder(UmServer.builder("um1", "um1.example.com")
                        .dialPlan("dp")
                        .build())
                .dialPlan(DialPlan.builder("dp").mode(mode).build())
                .gateway(g.build())
                .build();
    }

    /** R2/R3: the mode of the associated dial plan decides the listener, the certificate and SRTP. */
    @ParameterizedTest
    @EnumSource(VoipSecurityMode.class)
    void theModeDecidesListenerCertificateAndSrtpAtStartUp(VoipSecurityMode mode) {
        StartupPlan plan = StartupPlan.resolve(config(mode, mode.defaultPort(), true));
        assertThat(plan.modes()).containsExactly(mode);
        assertThat(plan.tlsListener()).isEqualTo(mode != VoipSecurityMode.UNSECURED);
        assertThat(plan.tcpListener()).isEqualTo(mode == VoipSecurityMode.UNSECURED);
        assertThat(plan.certificateRequired()).isEqualTo(mode != VoipSecurityMode.UNSECURED);
        assertThat(plan.srtpRequired()).isEqualTo(mode == VoipSecurityMode.SECURED);
    }

    /** R4: a gateway on a TLS mode's dial plan needs an FQDN and port 5061; an Unsecured one on 5061 is warned. */
    @ParameterizedTest
    @EnumSource(VoipSecurityMode.class)
    void gatewaysMustMatchTheirDialPlansMode(VoipSecurityMode mode) {
        assertThat(config(mode, mode.defaultPort(), true).validate()).isEmpty();
        int otherPort = mode.defaultPort() == 5060 ? 5061 : 5060;
        List<ConfigProblem> wrongPort = config(mode, otherPort, true).validate();
        assertThat(wrongPort).hasSize(1);
        assertThat(wrongPort.get(0).isError()).isEqualTo(mode != VoipSecurityMode.UNSECURED);
        assertThat(wrongPort.get(0).message()).contains(mode.displayName()).contains(String.valueOf(otherPort));
        List<ConfigProblem> byAddress = config(mode, mode.defaultPort(), false).validate();
        if (mode == VoipSecurityMode.UNSECURED) {
            assertThat(byAddress).isEmpty();
        } else {
            assertThat(byAddress).singleElement().satisfies(p -> {
                assertThat(p.isError()).isTrue();
                assertThat(p.message()).contains("no FQDN").contains("R4");
            });
        }
    }

    /** R1, R19: media keys travel only inside TLS signalling, and a new dial plan is Unsecured. */
    @Test
    void encryptedMediaOnlyOverMutualTlsAndNewDialPlansAreUnsecured() {
        for (VoipSecurityMode m : VoipSecurityMode.values()) {
            assertThat(!m.mediaEncrypted() || m.mutualTls()).as("%s", m).isTrue();
            assertThat(m.mutualTls()).as("%s", m).isEqualTo(m.signallingTransport() == SignallingTransport.TLS);
        }
        assertThat(DialPlan.builder("new").build().mode()).isEqualTo(VoipSecurityMode.UNSECURED);
    }

    @ParameterizedTest
    @EnumSource(VoipSecurityMode.class)
    void everyModeParsesBackFromItsDisplayNameAndEnumName(VoipSecurityMode mode) {
        assertThat(VoipSecurityMode.parse(mode.displayName())).isEqualTo(mode);
        assertThat(VoipSecurityMode.parse(mode.name())).isEqualTo(mode);
        assertThat(VoipSecurityMode.parse(mode.displayName().toUpperCase(java.util.Locale.ROOT)))
                .isEqualTo(mode);
    }

    @ParameterizedTest
    @CsvSource({
        "Unsecured, UNSECURED",
        "unsecured, UNSECURED",
        "UNSECURED, UNSECURED",
        "SIPSecured, SIP_SECURED",
        "sipsecured, SIP_SECURED",
        "SIP_SECURED, SIP_SECURED",
        "sip_secured, SIP_SECURED",
        "Secured, SECURED",
        "SECURED, SECURED",
        "'  secured ', SECURED"
    })
    void parseAcceptsDisplayAndEnumNamesIgnoringCase(String text, VoipSecurityMode expected) {
        assertThat(VoipSecurityMode.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"SIP-Secured", "Secure", "''", "TLS", "2"})
    void parseRejectsUnknownNamesListingAllowedValues(String text) {
        assertThatThrownBy(() -> VoipSecurityMode.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Unknown VoIP security mode '" + text + "'; expected one of Unsecured, SIPSecured, Secured");
    }

    @Test
    void parseRejectsNull() {
        assertThatThrownBy(() -> VoipSecurityMode.parse(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("VoIP security mode must not be null");
    }
}
