package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VoipSecurityModeTest {

    @Test
    void unsecuredIsTcpOnPort5060WithClearMedia() {
        VoipSecurityMode m = VoipSecurityMode.UNSECURED;
        assertThat(m.signallingTransport()).isEqualTo(SignallingTransport.TCP);
        assertThat(m.mutualTls()).isFalse();
        assertThat(m.mediaEncrypted()).isFalse();
        assertThat(m.defaultPort()).isEqualTo(5060);
        assertThat(m.displayName()).isEqualTo("Unsecured");
    }

    @Test
    void sipSecuredIsMutualTlsOnPort5061WithClearMedia() {
        VoipSecurityMode m = VoipSecurityMode.SIP_SECURED;
        assertThat(m.signallingTransport()).isEqualTo(SignallingTransport.TLS);
        assertThat(m.mutualTls()).isTrue();
        assertThat(m.mediaEncrypted()).isFalse();
        assertThat(m.defaultPort()).isEqualTo(5061);
        assertThat(m.displayName()).isEqualTo("SIPSecured");
    }

    @Test
    void securedIsMutualTlsOnPort5061WithSrtp() {
        VoipSecurityMode m = VoipSecurityMode.SECURED;
        assertThat(m.signallingTransport()).isEqualTo(SignallingTransport.TLS);
        assertThat(m.mutualTls()).isTrue();
        assertThat(m.mediaEncrypted()).isTrue();
        assertThat(m.defaultPort()).isEqualTo(5061);
        assertThat(m.displayName()).isEqualTo("Secured");
    }

    @ParameterizedTest
    @CsvSource({
        "Unsecured, UNSECURED", "unsecured, UNSECURED", "UNSECURED, UNSECURED",
        "SIPSecured, SIP_SECURED", "sipsecured, SIP_SECURED", "SIP_SECURED, SIP_SECURED", "sip_secured, SIP_SECURED",
        "Secured, SECURED", "SECURED, SECURED", "'  secured ', SECURED"})
    void parseAcceptsDisplayAndEnumNamesIgnoringCase(String text, VoipSecurityMode expected) {
        assertThat(VoipSecurityMode.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"SIP-Secured", "Secure", "''", "TLS", "2"})
    void parseRejectsUnknownNamesListingAllowedValues(String text) {
        assertThatThrownBy(() -> VoipSecurityMode.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown VoIP security mode '" + text + "'; expected one of Unsecured, SIPSecured, Secured");
    }

    @Test
    void parseRejectsNull() {
        assertThatThrownBy(() -> VoipSecurityMode.parse(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("VoIP security mode must not be null");
    }
}
