package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of address and name handling: any spelling of an address is the same entry. Each property runs as a
 * seeded random loop; a failure names the seed, and {@code -Dumsec.seed=<seed>} replays exactly that case.
 */
class HostNamesPropertiesTest {

    private static final String LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

    @Test
    void canonicalIpv6ParsesBackToTheSameAddress() {
        Seeded.run(500, r -> {
            byte[] b = new byte[16];
            r.nextBytes(b);
            // Zero runs are where compression rules bite: clear some words.
            for (int i = 0; i < 8; i++) {
                if (r.nextInt(3) == 0) {
                    b[2 * i] = 0;
                    b[2 * i + 1] = 0;
                }
            }
            InetAddress a = InetAddress.getByAddress(b);
            String canonical = HostNames.canonical(a);
            assertThat(HostNames.parseIpLiteral(canonical)).contains(HostNames.byAddress(b));
            assertThat(HostNames.parseIpLiteral(a.getHostAddress())).contains(HostNames.byAddress(b));
            assertThat(HostNames.parseIpLiteral("[" + canonical + "]")).contains(HostNames.byAddress(b));
            // RFC 5952: lower case, no "::" for a single zero word, at most one "::".
            assertThat(canonical).isLowerCase().doesNotContain(":::");
            assertThat(canonical.indexOf("::")).isEqualTo(canonical.lastIndexOf("::"));
        });
    }

    @Test
    void zeroRunsCompressTheSameWayAsTheLongestRun() {
        for (int start = 0; start <= 7; start++) {
            for (int length = 2; length <= 8; length++) {
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
                    assertThat(c).as("%s", full).contains("::");
                }
                assertThat(HostNames.parseIpLiteral(c)).as("%s", full).contains(a);
            }
        }
    }

    @Test
    void ipv4DottedQuadsRoundTrip() {
        Seeded.run(500, r -> {
            String s = r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            InetAddress parsed = HostNames.parseIpLiteral(s).orElseThrow();
            assertThat(HostNames.canonical(parsed)).isEqualTo(s);
            assertThat(HostNames.parseIpLiteral("::ffff:" + s)).contains(parsed);
            assertThat(HostNames.isValidName(s)).isFalse();
        });
    }

    @Test
    void trustListMatchesAnyCaseAndTrailingDotOfAnEntry() {
        Seeded.run(300, r -> {
            String name = hostName(r);
            TrustList t = TrustList.of(List.of(name));
            StringBuilder variant = new StringBuilder(name.length() + 1);
            for (char ch : name.toCharArray()) {
                variant.append(r.nextBoolean() ? Character.toUpperCase(ch) : ch);
            }
            if (r.nextBoolean()) {
                variant.append('.');
            }
            assertThat(t.matchName(variant.toString())).contains(name);
            assertThat(t.matchCertificate(
                            CertificateIdentity.of(List.of(variant.toString()), List.of(), Optional.empty())))
                    .contains(name);
            assertThat(t.isTrustedName("x" + name)).isFalse();
            assertThat(t.isTrustedName("x." + name)).isFalse();
        });
    }

    /**
     * Fuzzing finding: names were lower-cased with {@code String.toLowerCase}, so "sbc.\u212Avm.example.net" (a
     * Kelvin sign, not a K) matched the trusted "sbc.kvm.example.net". Host names compare in ASCII only.
     */
    @Test
    void unicodeLookAlikesDoNotMatchAsciiEntries() {
        TrustList t = TrustList.of(List.of("sbc.kvm.example.net", "gw1.example.com"));
        assertThat(t.matchName("SBC.KVM.example.net.")).contains("sbc.kvm.example.net");
        assertThat(t.matchName("sbc.\u212Avm.example.net")).isEmpty();
        assertThat(t.matchName("gw1.example.\u0130t")).isEmpty();
        assertThat(t.matchCertificate(CertificateIdentity.of(
                        List.of("sbc.\u212Avm.example.net"), List.of(), Optional.of("sbc.\u212Avm.example.net"))))
                .isEmpty();
    }

    @Test
    void normaliseIsIdempotentAndKeepsDigits() {
        String[] separators = {" ", "-", ".", "", "(", ")"};
        Seeded.run(500, r -> {
            StringBuilder number = new StringBuilder(r.nextBoolean() ? "+" : "");
            String sep = separators[r.nextInt(separators.length)];
            int chunks = 1 + r.nextInt(6);
            for (int c = 0; c < chunks; c++) {
                number.append(c == 0 ? "" : sep);
                for (int d = 1 + r.nextInt(4); d > 0; d--) {
                    number.append((char) ('0' + r.nextInt(10)));
                }
            }
            String once = DialingRules.normalise(number.toString()).orElseThrow();
            assertThat(DialingRules.normalise(once)).contains(once);
            assertThat(once.replace("+", "")).isEqualTo(number.toString().replaceAll("[^0-9]", ""));
        });
    }

    /**
     * Arbitrary text (UTF-8) against the trust list, certificate identities and dialing rules: an answer, never an
     * exception. A name entry matches only its own spelling in ASCII letters of any case, with or without one
     * trailing dot (host names are ASCII, RFC 1123; a Unicode look-alike such as the Kelvin sign is not a "k"), or a
     * one-label left-most extension for the wildcard entry. Corpus:
     * {@code src/test/resources/org/umsec/core/HostNamesPropertiesTestInputs/arbitraryTextNeverThrowsFromMatching/}.
     */
    @FuzzTest(maxDuration = "30s")
    void arbitraryTextNeverThrowsFromMatching(byte[] data) {
        if (data == null) {
            return;
        }
        String junk = new String(data, StandardCharsets.UTF_8);
        TrustList t = TrustList.builder()
                .allowWildcards(true)
                .add("gw1.example.com")
                .add("*.example.org")
                .add("192.0.2.1")
                .add("sbc.kvm.example.net")
                .build();
        Optional<String> byName = t.matchName(junk);
        if (byName.isPresent() && !byName.get().equals("192.0.2.1")) {
            String spelled = asciiLower(junk.endsWith(".") ? junk.substring(0, junk.length() - 1) : junk);
            if (byName.get().startsWith("*.")) {
                assertThat(spelled)
                        .as("%s matched %s", junk, byName.get())
                        .endsWith(byName.get().substring(1));
                assertThat(spelled.substring(0, spelled.length() - byName.get().length() + 1))
                        .doesNotContain(".");
            } else {
                assertThat(spelled).as("%s matched %s", junk, byName.get()).isEqualTo(byName.get());
            }
        }
        t.matchCertificate(CertificateIdentity.of(List.of(junk), List.of(junk), Optional.of(junk)));
        Optional<String> normalised = DialingRules.normalise(junk);
        normalised.ifPresent(n -> assertThat(DialingRules.normalise(n)).contains(n));
        assertThat(DialingRules.none().check(junk).reason()).isNotNull();
        HostNames.parseIpLiteral(junk)
                .ifPresent(a -> assertThat(HostNames.parseIpLiteral(HostNames.canonical(a)))
                        .contains(a));
    }

    /** Lower-cases A-Z only; every other character stays as it is. */
    private static String asciiLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return b.toString();
    }

    private static String hostName(Random r) {
        StringBuilder s = new StringBuilder();
        int labels = 1 + r.nextInt(3);
        for (int l = 0; l < labels; l++) {
            for (int i = 1 + r.nextInt(12); i > 0; i--) {
                s.append(LABEL_CHARS.charAt(r.nextInt(LABEL_CHARS.length())));
            }
            s.append('.');
        }
        for (int i = 2 + r.nextInt(5); i > 0; i--) {
            s.append((char) ('a' + r.nextInt(26)));
        }
        return s.toString();
    }
}
