package org.umsec.sip;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.umsec.sip.internal.HeaderParser;

/**
 * Fuzz targets for the SIP value types: {@link SipUri}, {@link NameAddress}, {@link Via}. Inputs are the value's
 * text (UTF-8). Corpus: {@code src/test/resources/org/umsec/sip/SipValuesFuzzTestInputs/<method>/}.
 */
class SipValuesFuzzTest {

    /**
     * {@link SipUri#parse}: empty or a URI, never an exception; a parsed URI has a lower-case host, a port in
     * range, is equal to itself parsed again from its text (same hash), and to the same text with the scheme and
     * host in upper case (RFC 3261 §19.1.4).
     */
    @FuzzTest(maxDuration = "30s")
    void sipUri(byte[] data) {
        if (data == null) {
            return;
        }
        String text = new String(data, StandardCharsets.UTF_8);
        Optional<SipUri> parsed = SipUri.parse(text);
        if (parsed.isEmpty()) {
            return;
        }
        SipUri u = parsed.get();
        assertThat(u.scheme()).isIn("sip", "sips");
        assertThat(u.host()).isNotEmpty().isEqualTo(u.host().toLowerCase(Locale.ROOT));
        assertThat(u.port()).isBetween(-1, 65535);
        assertThat(u.params().keySet()).allMatch(k -> k.equals(k.toLowerCase(Locale.ROOT)));
        SipUri again = SipUri.parse(u.toString()).orElseThrow(() -> new AssertionError("re-parse of " + text));
        assertThat(again).isEqualTo(u);
        assertThat(again.hashCode()).isEqualTo(u.hashCode());
        assertThat(u.transport()).isEqualTo(u.param("transport"));
    }

    /**
     * Name-addresses (From/To/Contact/Route values) through the wire parser: a parsed address written back with
     * {@link NameAddress#toString()} parses to an equal address; {@link NameAddress#sipUri()} never throws and
     * keeps the URI text; the tag accessor agrees with the parameter map.
     */
    @FuzzTest(maxDuration = "30s")
    void nameAddress(byte[] data) {
        if (data == null) {
            return;
        }
        List<NameAddress> out = new ArrayList<>();
        if (HeaderParser.local().addresses(data, 0, data.length, true, true, out) != null) {
            return;
        }
        for (NameAddress a : out) {
            List<NameAddress> again = new ArrayList<>();
            byte[] wire = a.toString().getBytes(StandardCharsets.UTF_8);
            assertThat(new HeaderParser().addresses(wire, 0, wire.length, false, true, again))
                    .as("re-parse of %s", a)
                    .isNull();
            assertThat(again).containsExactly(a);
            a.sipUri().ifPresent(u -> assertThat(u.toString()).isEqualTo(a.uri()));
            assertThat(a.tag()).isEqualTo(Optional.ofNullable(a.params().get("tag")));
            assertThat(a.withTag("t1").tag()).contains("t1");
        }
    }

    /**
     * Via values through the wire parser: every Via written back with {@link Via#toString()} parses to an equal
     * Via, the branch accessors agree with the parameters, and a copy with an added parameter keeps the rest.
     */
    @FuzzTest(maxDuration = "30s")
    void via(byte[] data) {
        if (data == null) {
            return;
        }
        List<Via> out = new ArrayList<>();
        if (HeaderParser.local().via(data, 0, data.length, out) != null) {
            return;
        }
        for (Via v : out) {
            List<Via> again = new ArrayList<>();
            byte[] wire = v.toString().getBytes(StandardCharsets.UTF_8);
            assertThat(new HeaderParser().via(wire, 0, wire.length, again))
                    .as("re-parse of %s", v)
                    .isNull();
            assertThat(again).containsExactly(v);
            assertThat(again.get(0).hashCode()).isEqualTo(v.hashCode());
            assertThat(v.port()).isBetween(-1, 65535);
            assertThat(v.hasRfc3261Branch())
                    .isEqualTo(
                            v.branch().map(b -> b.startsWith(Via.MAGIC_COOKIE)).orElse(false));
            Via received = v.withParam("received", "192.0.2.1");
            assertThat(received.host()).isEqualTo(v.host());
            assertThat(received.branch()).isEqualTo(v.branch());
        }
    }
}
