package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrustListTest {

    private static InetAddress ip(String literal) {
        return HostNames.parseIpLiteral(literal).orElseThrow();
    }

    private static CertificateIdentity dns(String... names) {
        return CertificateIdentity.of(List.of(names), List.of(), Optional.empty());
    }

    /** A resolver backed by a map; records every lookup; never touches DNS. */
    static final class FakeResolver implements AddressResolver {
        final Map<String, List<InetAddress>> table;
        final List<String> asked = new ArrayList<>();

        FakeResolver(Map<String, List<InetAddress>> table) {
            this.table = table;
        }

        @Override
        public List<InetAddress> resolve(String fqdn) throws UnknownHostException {
            asked.add(fqdn);
            List<InetAddress> r = table.get(fqdn);
            if (r == null) {
                throw new UnknownHostException(fqdn);
            }
            return r;
        }
    }

    private static final AddressResolver NO_DNS = fqdn -> {
        throw new UnknownHostException("no DNS in tests: " + fqdn);
    };

    @Test
    void entriesAreNormalised() {
        TrustList t = TrustList.builder()
                .resolver(NO_DNS)
                .add("GW1.Example.COM.")
                .add(" gw1.example.com ")
                .add("0:0:0:0:0:0:0:1")
                .add("[::1]")
                .add("2001:0DB8:0000:0000:0000:0000:0000:0010")
                .add("::ffff:192.0.2.1")
                .add("192.0.2.1")
                .build();
        assertThat(t.entries()).containsExactly("gw1.example.com", "::1", "2001:db8::10", "192.0.2.1");
        assertThat(t.isEmpty()).isFalse();
        assertThat(TrustList.of(List.of()).isEmpty()).isTrue();
    }

    @Test
    void fqdnMatchIsExactIgnoringCaseAndTrailingDot() {
        TrustList t = TrustList.of(List.of("gw1.example.com"));
        assertThat(t.isTrustedName("gw1.example.com")).isTrue();
        assertThat(t.isTrustedName("GW1.EXAMPLE.COM")).isTrue();
        assertThat(t.isTrustedName("gw1.example.com.")).isTrue();
        assertThat(t.matchName("Gw1.Example.Com.")).contains("gw1.example.com");
        assertThat(t.isTrustedName("evil-gw1.example.com")).isFalse();
        assertThat(t.isTrustedName("gw1.example.com.evil.net")).isFalse();
        assertThat(t.isTrustedName("x.gw1.example.com")).isFalse();
        assertThat(t.isTrustedName("example.com")).isFalse();
        assertThat(t.isTrustedName("gw1.example.com..")).isFalse();
        assertThat(t.isTrustedName("")).isFalse();
    }

    @Test
    void ipLiteralsMatchAsAddresses() {
        TrustList t = TrustList.of(List.of("::1", "192.0.2.10", "2001:db8::10"));
        assertThat(t.isTrustedName("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(t.isTrustedName("[0::1]")).isTrue();
        assertThat(t.isTrustedName("2001:DB8:0:0::10")).isTrue();
        assertThat(t.isTrustedName("::ffff:192.0.2.10")).isTrue();
        assertThat(t.isTrustedName("192.0.2.11")).isFalse();
        assertThat(t.isTrustedName("192.0.2.010")).isFalse();
        assertThat(t.isTrustedAddress(ip("0:0:0:0:0:0:0:1"))).isTrue();
        assertThat(t.matchAddress(ip("192.0.2.10"))).contains("192.0.2.10");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "gw_1.example.com",
                "-gw.example.com",
                "gw-.example.com",
                "gw..example.com",
                "1.2.3",
                "192.0.2.256",
                "010.0.0.1",
                "*",
                "*.com",
                "gw*.example.com",
                "a.*.example.com",
                "fe80::1%eth0",
                "http://gw1.example.com",
                "gw1.example.com:5061",
                "gw1 .example.com"
            })
    void invalidEntriesAreRejectedWithTheEntryInTheMessage(String entry) {
        assertThatThrownBy(() -> TrustList.builder().add(entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }

    @Test
    void invalidEntryMessagesAreExact() {
        assertThatThrownBy(() -> TrustList.builder().add("gw_1.example.com"))
                .hasMessage("Trust list entry 'gw_1.example.com' is neither a valid FQDN nor an IP address literal");
        assertThatThrownBy(() -> TrustList.builder().add("*.com"))
                .hasMessage(
                        "Trust list entry '*.com' is not a valid wildcard: only '*.' followed by a domain of at least two labels is allowed");
        assertThatThrownBy(() -> TrustList.builder().add("  ")).hasMessage("trust list entry must not be blank");
        assertThatThrownBy(() -> TrustList.builder().add(null)).hasMessage("trust list entry must not be null");
        assertThatThrownBy(() -> TrustList.builder().resolver(null)).hasMessage("resolver must not be null");
    }

    @Test
    void addAllIsAtomic() {
        TrustList.Builder b = TrustList.builder();
        assertThatThrownBy(() -> b.addAll(List.of("gw1.example.com", "bad_name")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(b.build().entries()).isEmpty();
    }

    @Test
    void wildcardEntryNeedsOptIn() {
        assertThatThrownBy(() -> TrustList.builder().add("*.example.com").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Trust list entry '*.example.com' is a wildcard, but wildcards are off (RFC 5922 §7.2); "
                        + "call allowWildcards(true) to accept it");
    }

    @Test
    void wildcardEntryMatchesExactlyOneLeftMostLabel() {
        TrustList t =
                TrustList.builder().allowWildcards(true).add("*.example.com").build();
        assertThat(t.wildcardsAllowed()).isTrue();
        assertThat(t.matchName("gw1.example.com")).contains("*.example.com");
        assertThat(t.isTrustedName("GW2.EXAMPLE.COM.")).isTrue();
        assertThat(t.isTrustedName("example.com")).isFalse();
        assertThat(t.isTrustedName("a.gw1.example.com")).isFalse();
        assertThat(t.isTrustedName("gw1.example.org")).isFalse();
        assertThat(t.matchCertificate(dns("gw3.example.com"))).contains("*.example.com");
        assertThat(t.matchCertificate(dns("a.b.example.com"))).isEmpty();
    }

    @Test
    void wildcardCertificateNamesAreRefusedUnlessAllowed() {
        TrustList strict = TrustList.of(List.of("gw1.example.com"));
        assertThat(strict.matchCertificate(dns("*.example.com"))).isEmpty();
        TrustList lax = TrustList.builder()
                .allowWildcards(true)
                .add("gw1.example.com")
                .add("192.0.2.1")
                .build();
        assertThat(lax.matchCertificate(dns("*.example.com"))).contains("gw1.example.com");
        assertThat(lax.matchCertificate(dns("*.gw1.example.com"))).isEmpty();
        assertThat(lax.matchCertificate(dns("*.com"))).isEmpty();
        assertThat(lax.matchCertificate(dns("gw*.example.com"))).isEmpty();
        assertThat(lax.matchCertificate(dns("*.0.2.1"))).isEmpty();
        assertThat(lax.matchCertificate(dns("*"))).isEmpty();
    }

    @Test
    void certificateSanDnsIsCheckedAndCnIgnoredWhenSanDnsPresent() {
        TrustList t = TrustList.of(List.of("gw1.example.com", "192.0.2.7"));
        assertThat(t.matchCertificate(dns("other.example.com", "GW1.example.com.")))
                .contains("gw1.example.com");
        CertificateIdentity cnOnlyMatches =
                CertificateIdentity.of(List.of("other.example.com"), List.of(), Optional.of("gw1.example.com"));
        assertThat(cnOnlyMatches.presentedIdentities()).containsExactly("other.example.com");
        assertThat(t.matchCertificate(cnOnlyMatches)).isEmpty();
    }

    @Test
    void commonNameIsUsedWhenThereIsNoSanDns() {
        TrustList t = TrustList.of(List.of("gw1.example.com"));
        CertificateIdentity cn =
                CertificateIdentity.of(List.of(), List.of("198.51.100.1"), Optional.of("GW1.example.com"));
        assertThat(cn.presentedIdentities()).containsExactly("GW1.example.com");
        assertThat(t.matchCertificate(cn)).contains("gw1.example.com");
        assertThat(t.matchCertificate(CertificateIdentity.of(List.of(), List.of(), Optional.of("Gateway One"))))
                .isEmpty();
        assertThat(t.matchCertificate(CertificateIdentity.of(List.of(), List.of(), Optional.empty())))
                .isEmpty();
    }

    /**
     * Attack (issue 9 item 3): a certificate with only {@code IP:192.0.2.7}, from any CA the server
     * trusts, used to be accepted as the gateway configured at 192.0.2.7. An address is not an
     * identity (R26): IP entries never match a certificate, SAN IPs are not presented identities.
     */
    @Test
    void sanIpAddressesAreNotGatewayIdentities() {
        TrustList t = TrustList.of(List.of("2001:db8::7", "192.0.2.7", "gw1.example.com"));
        CertificateIdentity ipOnly = CertificateIdentity.of(List.of(), List.of("192.0.2.7"), Optional.empty());
        assertThat(ipOnly.presentedIdentities()).isEmpty();
        assertThat(t.matchCertificate(ipOnly)).isEmpty();
        assertThat(t.matchCertificate(
                        CertificateIdentity.of(List.of(), List.of("2001:db8:0:0:0:0:0:7"), Optional.empty())))
                .isEmpty();
        assertThat(t.matchCertificate(
                        CertificateIdentity.of(List.of("gw.example.com"), List.of("192.0.2.7"), Optional.empty())))
                .isEmpty();
        // nor does a CN or a DNS name that spells the address
        assertThat(t.matchCertificate(
                        CertificateIdentity.of(List.of(), List.of("192.0.2.7"), Optional.of("192.0.2.7"))))
                .isEmpty();
        assertThat(t.matchCertificate(dns("192.0.2.7"))).isEmpty();
        // the legitimate gateway: its name, with an IP SAN beside it, still matches
        assertThat(t.matchCertificate(
                        CertificateIdentity.of(List.of("gw1.example.com"), List.of("192.0.2.7"), Optional.empty())))
                .contains("gw1.example.com");
        assertThat(t.nameEntries()).containsExactly("gw1.example.com");
        assertThat(t.addressEntries()).hasSize(2);
    }

    @Test
    void sourceAddressUsesIpEntriesThenResolvedNames() {
        FakeResolver r = new FakeResolver(Map.of(
                "gw1.example.com", List.of(ip("192.0.2.21"), ip("2001:db8::21")),
                "gw2.example.com", List.of(ip("192.0.2.22"))));
        TrustList t = TrustList.builder()
                .resolver(r)
                .add("192.0.2.10")
                .add("gw1.example.com")
                .add("gw2.example.com")
                .add("gone.example.com")
                .build();
        assertThat(t.matchAddress(ip("192.0.2.10"))).contains("192.0.2.10");
        assertThat(r.asked).isEmpty();
        assertThat(t.matchAddress(ip("2001:db8:0::21"))).contains("gw1.example.com");
        assertThat(t.matchAddress(ip("192.0.2.22"))).contains("gw2.example.com");
        r.asked.clear();
        assertThat(t.isTrustedAddress(ip("192.0.2.99"))).isFalse();
        assertThat(r.asked).containsExactly("gw1.example.com", "gw2.example.com", "gone.example.com");
    }

    @Test
    void brokenResolverMeansNoMatchNotAnException() {
        TrustList t = TrustList.builder()
                .resolver(fqdn -> {
                    throw new IllegalStateException("resolver bug");
                })
                .add("gw1.example.com")
                .build();
        assertThat(t.isTrustedAddress(ip("192.0.2.1"))).isFalse();
        TrustList nulls = TrustList.builder()
                .resolver(fqdn -> null)
                .add("gw1.example.com")
                .build();
        assertThat(nulls.isTrustedAddress(ip("192.0.2.1"))).isFalse();
    }

    @Test
    void wildcardEntriesAreNeverResolved() {
        FakeResolver r = new FakeResolver(Map.of());
        TrustList t = TrustList.builder()
                .allowWildcards(true)
                .resolver(r)
                .add("*.example.com")
                .build();
        assertThat(t.isTrustedAddress(ip("192.0.2.1"))).isFalse();
        assertThat(r.asked).isEmpty();
    }

    @Test
    void nullArgumentsAreRejected() {
        TrustList t = TrustList.of(List.of("gw1.example.com"));
        assertThatThrownBy(() -> t.matchCertificate(null)).hasMessage("certificate identity must not be null");
        assertThatThrownBy(() -> t.isTrustedName(null)).hasMessage("name must not be null");
        assertThatThrownBy(() -> t.isTrustedAddress(null)).hasMessage("source address must not be null");
        assertThatThrownBy(() -> CertificateIdentity.of(null, List.of(), Optional.empty()))
                .hasMessage("dnsNames must not be null");
    }
}
