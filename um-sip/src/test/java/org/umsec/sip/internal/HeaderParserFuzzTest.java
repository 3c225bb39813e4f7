package org.umsec.sip.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.umsec.sip.CSeq;
import org.umsec.sip.NameAddress;
import org.umsec.sip.Via;

/**
 * Fuzz target for {@link HeaderParser}, one header grammar at a time. The first input byte picks the grammar
 * ({@link #KINDS}), the rest is the header value. Corpus:
 * {@code src/test/resources/org/umsec/sip/internal/HeaderParserFuzzTestInputs/eachHeader/}.
 */
class HeaderParserFuzzTest {

    /** The grammars, in the order the first input byte selects them (modulo their number). */
    static final List<String> KINDS = List.of(
            "Via",
            "From",
            "Contact",
            "Route",
            "Request-URI",
            "CSeq",
            "Max-Forwards",
            "Call-ID",
            "Content-Type",
            "Date");

    /** Bytes around the value that would change the outcome if a parser read past its range. */
    private static final byte[] BEFORE = "<\"\\;,: ".getBytes(StandardCharsets.ISO_8859_1);

    private static final byte[] AFTER = "\\\">;,:@ x".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * Invariants for every grammar: no exception; validating ({@code out == null}) and parsing give the same
     * verdict; the verdict does not depend on the bytes around the range; typed results are in range; a
     * parsed Via or address list written back with {@code toString()} parses to equal values.
     */
    @FuzzTest(maxDuration = "30s")
    void eachHeader(byte[] data) {
        if (data == null || data.length == 0) {
            return;
        }
        int kind = (data[0] & 0xFF) % KINDS.size();
        byte[] exact = Arrays.copyOfRange(data, 1, data.length);
        byte[] padded = new byte[BEFORE.length + exact.length + AFTER.length];
        System.arraycopy(BEFORE, 0, padded, 0, BEFORE.length);
        System.arraycopy(exact, 0, padded, BEFORE.length, exact.length);
        System.arraycopy(AFTER, 0, padded, BEFORE.length + exact.length, AFTER.length);
        String text = new String(exact, StandardCharsets.ISO_8859_1);

        Object inPlace = parse(kind, exact, 0, exact.length, true);
        Object validated = parse(kind, exact, 0, exact.length, false);
        Object embedded = parse(kind, padded, BEFORE.length, BEFORE.length + exact.length, true);
        assertThat(verdict(validated))
                .as("%s: validate vs parse of [%s]", KINDS.get(kind), text)
                .isEqualTo(verdict(inPlace));
        assertThat(embedded)
                .as("%s: embedded vs exact [%s]", KINDS.get(kind), text)
                .isEqualTo(inPlace);

        if (kind == 0 && inPlace instanceof List) {
            @SuppressWarnings("unchecked")
            List<Via> vias = (List<Via>) inPlace;
            assertThat(vias).isNotEmpty();
            String again = vias.stream().map(Via::toString).collect(Collectors.joining(", "));
            assertThat(parse(0, bytes(again), 0, bytes(again).length, true))
                    .as("re-parse of [%s] from [%s]", again, text)
                    .isEqualTo(vias);
        } else if (kind >= 1 && kind <= 3 && inPlace instanceof List) {
            @SuppressWarnings("unchecked")
            List<NameAddress> addresses = (List<NameAddress>) inPlace;
            assertThat(addresses).isNotEmpty();
            String again = addresses.stream().map(NameAddress::toString).collect(Collectors.joining(", "));
            assertThat(parse(kind, bytes(again), 0, bytes(again).length, true))
                    .as("re-parse of [%s] from [%s]", again, text)
                    .isEqualTo(addresses);
        } else if (kind == 5 && inPlace instanceof List) {
            @SuppressWarnings("unchecked")
            List<Long> r = (List<Long>) inPlace;
            assertThat(r.get(0)).isBetween(0L, CSeq.MAX_SEQUENCE);
            assertThat(r.get(1)).isGreaterThanOrEqualTo(0L).isLessThan(r.get(2));
            assertThat(r.get(2)).isLessThanOrEqualTo(exact.length);
            for (long i = r.get(1); i < r.get(2); i++) {
                assertThat(HeaderParser.isToken(exact[(int) i]))
                        .as("CSeq method byte")
                        .isTrue();
            }
        } else if (kind == 6) {
            assertThat((Long) inPlace).isBetween(-1L, 255L);
        }
    }

    /** Parses with grammar {@code kind}; returns the reason (String), the values (List), or the number. */
    private static Object parse(int kind, byte[] b, int s, int e, boolean collect) {
        HeaderParser p = new HeaderParser();
        switch (kind) {
            case 0: {
                List<Via> out = collect ? new ArrayList<>() : null;
                String err = p.via(b, s, e, out);
                return err != null ? err : out == null ? "ok" : out;
            }
            case 1:
            case 2:
            case 3: {
                List<NameAddress> out = collect ? new ArrayList<>() : null;
                String err = p.addresses(b, s, e, kind != 1, kind == 2, out);
                return err != null ? err : out == null ? "ok" : out;
            }
            case 4: {
                String err = p.requestUri(b, s, e);
                return err != null ? err : "ok";
            }
            case 5: {
                long[] r = new long[3];
                String err = p.cseq(b, s, e, r);
                if (err != null) {
                    return err;
                }
                // Method bounds relative to the range, so that embedded and exact results compare.
                r[1] -= s;
                r[2] -= s;
                return collect ? List.of(r[0], r[1], r[2]) : "ok";
            }
            case 6:
                return p.number(b, s, e, 255);
            case 7: {
                String err = p.callId(b, s, e);
                return err != null ? err : "ok";
            }
            case 8: {
                String err = p.contentType(b, s, e);
                return err != null ? err : "ok";
            }
            default: {
                String err = p.date(b, s, e);
                return err != null ? err : "ok";
            }
        }
    }

    /** "ok" or the reason. */
    private static Object verdict(Object result) {
        return result instanceof String ? result : result instanceof Long ? result : "ok";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
