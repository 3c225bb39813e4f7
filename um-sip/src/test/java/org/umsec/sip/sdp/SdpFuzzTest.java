package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Fuzz targets for SDP (RFC 8866) and SDES {@code a=crypto} (RFC 4568): typed errors only, stable round trips, and
 * no key material in any {@code toString()} (those end up in logs). Corpus:
 * {@code src/test/resources/org/umsec/sip/sdp/SdpFuzzTestInputs/<method>/}.
 */
class SdpFuzzTest {

    /**
     * {@link SessionDescription#parse(byte[])}: a description or an {@link SdpParseException}; a parsed
     * description written with {@link SessionDescription#toBytes()} parses to an equal one whose bytes are the
     * same; at most {@value SessionDescription#MAX_MEDIA} media; {@code toString()} of the description and of
     * each media section shows no key.
     */
    @FuzzTest(maxDuration = "30s")
    void sessionDescription(byte[] data) {
        if (data == null) {
            return;
        }
        SessionDescription d;
        try {
            d = SessionDescription.parse(data);
        } catch (SdpParseException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(d.media()).hasSizeLessThanOrEqualTo(SessionDescription.MAX_MEDIA);
        byte[] wire = d.toBytes();
        SessionDescription again;
        try {
            again = SessionDescription.parse(wire);
        } catch (SdpParseException e) {
            throw new AssertionError("re-parse of\n" + d.toSdp(), e);
        }
        assertThat(again).isEqualTo(d);
        assertThat(again.hashCode()).isEqualTo(d.hashCode());
        assertThat(again.toSdp()).isEqualTo(d.toSdp());
        List<CryptoAttribute> cryptos = new ArrayList<>();
        for (MediaDescription m : d.media()) {
            cryptos.addAll(m.cryptos());
            m.direction();
            checkNoKeys(m.toString(), m.cryptos(), outsideCrypto(data));
        }
        checkNoKeys(d.toString(), cryptos, outsideCrypto(data));
        for (CryptoAttribute c : cryptos) {
            checkCrypto(c);
        }
    }

    /**
     * {@link CryptoAttribute#parse(String)}: an attribute or an {@link SdpParseException}; the wire value
     * ({@link CryptoAttribute#toSdpValue()}) parses to an equal attribute with the same wire value; the accessors
     * answer; {@code toString()} shows no key.
     */
    @FuzzTest(maxDuration = "30s")
    void cryptoAttribute(byte[] data) {
        if (data == null) {
            return;
        }
        CryptoAttribute c;
        try {
            c = CryptoAttribute.parse(new String(data, StandardCharsets.UTF_8));
        } catch (SdpParseException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        checkCrypto(c);
    }

    private static void checkCrypto(CryptoAttribute c) {
        assertThat(c.tag()).isBetween(1, 999_999_999);
        assertThat(c.keyParams()).isNotEmpty();
        CryptoAttribute again;
        try {
            again = CryptoAttribute.parse(c.toSdpValue());
        } catch (SdpParseException e) {
            throw new AssertionError("re-parse of " + c.toSdpValue(), e);
        }
        assertThat(again).isEqualTo(c);
        assertThat(again.hashCode()).isEqualTo(c.hashCode());
        assertThat(again.toSdpValue()).isEqualTo(c.toSdpValue());
        c.knownSuite();
        c.unknownSessionParams();
        c.unencryptedSrtp();
        c.unencryptedSrtcp();
        c.unauthenticatedSrtp();
        try {
            c.kdr().ifPresent(k -> assertThat(k).isBetween(0, 24));
        } catch (IllegalStateException e) {
            // documented for a malformed KDR parameter; such a line is "unknown" to an answerer
            assertThat(c.unknownSessionParams())
                    .anyMatch(p -> p.toUpperCase(java.util.Locale.ROOT).startsWith("KDR="));
        }
        checkNoKeys(c.toString(), List.of(c), "");
        for (CryptoAttribute.KeyParam k : c.keyParams()) {
            checkNoKeys(k.toString(), List.of(c), "");
        }
    }

    /** No key's base64 (nor the {@code inline:} value) appears in {@code text}. */
    /**
     * The body without its {@code a=crypto} lines: a key the peer also wrote there (an m= line, an i= text) is
     * its own free text, shown as such, not a key leaked by our rendering.
     */
    private static String outsideCrypto(byte[] data) {
        StringBuilder b = new StringBuilder();
        for (String line : new String(data, StandardCharsets.UTF_8).split("\r?\n|\r")) {
            if (!line.startsWith("a=crypto:")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static void checkNoKeys(String text, List<CryptoAttribute> cryptos, String peerText) {
        for (CryptoAttribute c : cryptos) {
            for (CryptoAttribute.KeyParam k : c.keyParams()) {
                byte[] key = k.keyMaterial();
                if (key.length >= 3) { // shorter base64 could appear by chance in any text
                    String b64 = Base64.getEncoder().withoutPadding().encodeToString(key);
                    if (peerText.contains(b64)) {
                        continue;
                    }
                    assertThat(text).as("toString shows a key").doesNotContain(b64);
                }
            }
        }
    }
}
