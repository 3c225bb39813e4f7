package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The SDP parser cuts lines and a=crypto fields by hand, not with a regular expression per offer: the cuts
 * must be exactly those of the regular expressions they replace, on every mix of the separators.
 */
class SdpSplittingTest {

    private static final char[] ALPHABET = {'a', 'b', ' ', '\t', '\r', '\n', '=', '\u000b'};

    @Test
    void linesAreCutAsTheRegularExpressionCutThem() {
        Random r = new Random(13);
        for (int i = 0; i < 20_000; i++) {
            String s = random(r, r.nextInt(24));
            assertThat(SessionDescription.lines(s))
                    .as("%s", s.replace("\r", "\\r").replace("\n", "\\n"))
                    .containsExactly(s.split("\r?\n", -1));
        }
        assertThat(SessionDescription.lines("v=0\r\ns=-\r\n")).containsExactly("v=0", "s=-", "");
        assertThat(SessionDescription.lines("\r\r\n")).containsExactly("\r", "");
        assertThat(SessionDescription.lines("")).containsExactly("");
    }

    @Test
    void cryptoFieldsAreCutAsTheRegularExpressionCutThem() {
        Random r = new Random(17);
        for (int i = 0; i < 20_000; i++) {
            String s = random(r, r.nextInt(24)).trim();
            assertThat(CryptoAttribute.fields(s)).as("[%s]", s).containsExactly(s.split("[ \t]+"));
        }
        assertThat(CryptoAttribute.fields("1 AES_CM_128_HMAC_SHA1_80\t \tinline:x"))
                .containsExactly("1", "AES_CM_128_HMAC_SHA1_80", "inline:x");
        assertThat(CryptoAttribute.fields("")).containsExactly("");
    }

    private static String random(Random r, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET[r.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }
}
