package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostNamesTest {

    @ParameterizedTest
    @CsvSource({
        "::1, ::1",
        "0:0:0:0:0:0:0:1, ::1",
        "[::1], ::1",
        "::, ::",
        "2001:DB8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0db8:0000:0000:0000:ff00:0042:8329, 2001:db8::ff00:42:8329",
        "::ffff:192.0.2.1, 192.0.2.1",
        "::192.0.2.1, ::c000:201",
        "192.0.2.1, 192.0.2.1",
        "0.0.0.0, 0.0.0.0"
    })
    void literalsParseToCanonicalForm(String in, String canonical) {
        assertThat(HostNames.canonical(HostNames.parseIpLiteral(in).orElseThrow()))
                .isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "1.2.3",
                "1.2.3.4.5",
                "01.2.3.4",
                "1.2.3.256",
                "1..3.4",
                "1.2.3.4 ",
                "::1::",
                "fe80::1%1",
                "[::1",
                "2001:db8::g",
                "1:2:3:4:5:6:7:8:9",
                "::1.2.3",
                "1.2.3.4::",
                "localhost",
                "gw1.example.com",
                "",
                "[]",
                "0x7f.0.0.1",
                "2130706433"
            })
    void nonLiteralsAreNotParsed(String in) {
        assertThat(HostNames.parseIpLiteral(in)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost",
                "gw1.example.com",
                "a",
                "xn--bcher-kva.example",
                "1gw.example.com",
                "gw.example.com1"
            })
    void validNames(String n) {
        assertThat(HostNames.isValidName(n)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ".",
                "gw..example.com",
                ".example.com",
                "gw_1.example.com",
                "-gw.example.com",
                "gw-.example.com",
                "gw.example.123",
                "bücher.example",
                "GW.example.com",
                "gw example.com"
            })
    void invalidNames(String n) {
        assertThat(HostNames.isValidName(n)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {63, 64})
    void labelLengthLimit(int len) {
        assertThat(HostNames.isValidName("a".repeat(len) + ".example.com")).isEqualTo(len <= 63);
    }

    @ParameterizedTest
    @ValueSource(ints = {253, 254})
    void nameLengthLimit(int len) {
        // Three 63-character labels and their dots take 192 characters; the last label fills the rest.
        String name = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(len - 192);
        assertThat(name).hasSize(len);
        assertThat(HostNames.isValidName(name)).isEqualTo(len <= 253);
    }

    @ParameterizedTest
    @CsvSource({
        "gw1.example.com, true",
        "GW1.Example.COM., true",
        "localhost, true",
        "a-b.c, true",
        "gw.123, false",
        "192.0.2.1, false",
        "::1, false",
        "-gw.example.com, false",
        "gw_1.example.com, false",
        "'', false",
        "'gw1 .example.com', false",
        "' gw1.example.com', false",
        "a..b, false"
    })
    void thePublicHostNameRuleIsTheOneTheModelUses(String value, boolean hostName) {
        assertThat(HostNames.isHostName(value)).isEqualTo(hostName);
        // the model's own FQDN check agrees with the public rule on every value
        boolean modelAccepts;
        try {
            IpGateway.builder("g").fqdn(value);
            modelAccepts = true;
        } catch (IllegalArgumentException e) {
            modelAccepts = false;
        }
        assertThat(modelAccepts)
                .isEqualTo(hostName || (!value.equals(value.strip()) && HostNames.isHostName(value.strip())));
    }

    @ParameterizedTest
    @CsvSource({
        "192.0.2.1, true",
        "[2001:db8::1], true",
        "2001:db8::1, true",
        "010.0.0.1, false",
        "1.2.3, false",
        "999.1.1.1, false",
        "gw.example.com, false",
        "2001:db8::zz, false",
        "'', false"
    })
    void thePublicIpLiteralRuleNeverResolves(String value, boolean literal) {
        assertThat(HostNames.isIpLiteral(value)).isEqualTo(literal);
        assertThat(HostNames.canonicalIp(value).isPresent()).isEqualTo(literal);
    }
}
