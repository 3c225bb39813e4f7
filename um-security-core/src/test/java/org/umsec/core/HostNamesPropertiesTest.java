package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Property tests for address and name handling: any spelling of an address is the same entry. */
class HostNamesPropertiesTest {

    @Property
    void canonicalIpv6ParsesBackToTheSameAddress(@ForAll @Size(16) List<@IntRange(min = 0, max = 255) Integer> bytes)
            throws Exception {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) (int) bytes.get(i);
        }
        InetAddress a = InetAddress.getByAddress(b);
        String canonical = HostNames.canonical(a);
        assertThat(HostNames.parseIpLiteral(canonical)).contains(HostNames.byAddress(b));
        assertThat(HostNames.parseIpLiteral(a.getHostAddress())).contains(HostNames.byAddress(b));
        assertThat(HostNames.parseIpLiteral("[" + canonical + "]")).contains(HostNames.byAddress(b));
        // RFC 5952: lower case, no "::" for a single zero word, at most one "::".
        assertThat(canonical).isLowerCase().doesNotContain(":::");
        assertThat(canonical.indexOf("::")).isEqualTo(canonical.lastIndexOf("::"));
    }

    @Property
    void zeroRunsCompressTheSameWayAsTheLongestRun(@ForAll @IntRange(min = 0, max = 7) int start,
                                                   @ForAll @IntRange(min = 2, max = 8) int length) {
        int end = Math.min(8, start + length);
        int[] words = new int[8];
        StringBuilder full = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            words[i] = (i >= start && i < end) ? 0 : i + 1;
            full.append(i == 0 ? "" : ":").append(Integer.toHexString(words[i]));
        }
        InetAddress a = HostNames.parseIpLiteral(full.toString()).orElseThrow();
        String c = HostNames.canonical(a);
        if (end - start >= 2) {
            assertThat(c).contains("::");
        }
        assertThat(HostNames.parseIpLiteral(c)).contains(a);
    }

    @Property
    void ipv4DottedQuadsRoundTrip(@ForAll @IntRange(min = 0, max = 255) int a, @ForAll @IntRange(min = 0, max = 255) int b,
                                  @ForAll @IntRange(min = 0, max = 255) int c, @ForAll @IntRange(min = 0, max = 255) int d) {
        String s = a + "." + b + "." + c + "." + d;
        InetAddress parsed = HostNames.parseIpLiteral(s).orElseThrow();
        assertThat(HostNames.canonical(parsed)).isEqualTo(s);
        assertThat(HostNames.parseIpLiteral("::ffff:" + s)).contains(parsed);
        assertThat(HostNames.isValidName(s)).isFalse();
    }

    @Property
    void trustListMatchesAnyCaseAndTrailingDotOfAnEntry(@ForAll("hostNames") String name, @ForAll boolean dot,
                                                       @ForAll long caseSeed) {
        TrustList t = TrustList.of(List.of(name));
        StringBuilder variant = new StringBuilder(name.length() + 1);
        java.util.Random r = new java.util.Random(caseSeed);
        for (char ch : name.toCharArray()) {
            variant.append(r.nextBoolean() ? Character.toUpperCase(ch) : ch);
        }
        if (dot) {
            variant.append('.');
        }
        assertThat(t.matchName(variant.toString())).contains(name);
        assertThat(t.matchCertificate(CertificateIdentity.of(List.of(variant.toString()), List.of(), Optional.empty())))
                .contains(name);
        assertThat(t.isTrustedName("x" + name)).isFalse();
        assertThat(t.isTrustedName("x." + name)).isFalse();
    }

    @Property
    void arbitraryTextNeverThrowsFromMatching(@ForAll @StringLength(max = 80) String junk) {
        TrustList t = TrustList.builder().allowWildcards(true).add("gw1.example.com").add("*.example.org")
                .add("192.0.2.1").build();
        t.matchName(junk);
        t.matchCertificate(CertificateIdentity.of(List.of(junk), List.of(junk), Optional.of(junk)));
        DialingRules.normalise(junk);
        DialingRules.none().check(junk).reason();
    }

    @Property
    void normaliseIsIdempotentAndKeepsDigits(@ForAll("phoneNumbers") String number) {
        String once = DialingRules.normalise(number).orElseThrow();
        assertThat(DialingRules.normalise(once)).contains(once);
        assertThat(once.replace("+", "")).isEqualTo(number.replaceAll("[^0-9]", ""));
    }

    @Provide
    Arbitrary<String> hostNames() {
        Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789")
                .ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> tld = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz").ofMinLength(2).ofMaxLength(6);
        return net.jqwik.api.Combinators.combine(label.list().ofMinSize(1).ofMaxSize(3), tld)
                .as((labels, t) -> String.join(".", labels) + "." + t);
    }

    @Provide
    Arbitrary<String> phoneNumbers() {
        Arbitrary<String> chunk = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(4);
        Arbitrary<String> sep = Arbitraries.of(" ", "-", ".", "", "(", ")");
        return net.jqwik.api.Combinators.combine(Arbitraries.of("", "+"), chunk.list().ofMinSize(1).ofMaxSize(6), sep)
                .as((plus, chunks, s) -> plus + String.join(s, chunks));
    }
}
