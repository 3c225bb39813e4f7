package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsec.core.HostNames;

/** Certificate names follow the one host-name and IP-literal rule of um-security-core ({@link HostNames}). */
class CertificateSpecHostSyntaxTest {

    @ParameterizedTest
    @ValueSource(strings = {"gw.123", "192.0.2.1", "-gw.example.test", "gw_1.example.test", "a..b", ""})
    void aNameTheConfigurationRefusesIsNotACertificateNameEither(String name) {
        assertThat(HostNames.isHostName(name)).isFalse();
        assertThatThrownBy(() -> CertificateSpec.builder().dnsName(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a DNS host name");
        assertThatThrownBy(() -> CertificateRequest.builder().dnsName(name))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesAndAddressesAreNormalisedLikeTheConfiguration() {
        CertificateSpec s = CertificateSpec.builder()
                .dnsName("UM1.Example.TEST.")
                .dnsName("*.lab.example.test")
                .ipAddress("[2001:DB8::1]")
                .ipAddress("192.0.2.10")
                .build();
        assertThat(s.dnsNames()).containsExactly("um1.example.test", "*.lab.example.test");
        assertThat(s.ipAddresses()).containsExactly("2001:db8::1", "192.0.2.10");
        assertThatThrownBy(() -> CertificateSpec.builder().ipAddress("010.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> CertificateSpec.builder().ipAddress("gw.example.test"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
