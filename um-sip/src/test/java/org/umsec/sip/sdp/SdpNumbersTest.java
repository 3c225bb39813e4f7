package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 9 item 5: every number of an SDP offer is checked by the parser. Each case is a hostile offer that
 * used to parse (and then threw an unchecked exception in call setup, after the call was registered) or that
 * threw an unchecked exception from the parser itself; now each is a typed {@link SdpParseException} that
 * names the field.
 */
class SdpNumbersTest {

    private static String offer(String mediaLine, String... attributes) {
        StringBuilder sb = new StringBuilder(
                        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n")
                .append(mediaLine)
                .append("\r\n");
        for (String a : attributes) {
            sb.append(a).append("\r\n");
        }
        return sb.toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '#',
            value = {
                // the reproduced attack: an out-of-range RTCP port
                "m=audio 49170 RTP/AVP 0# a=rtcp:70000                         # a=rtcp port",
                "m=audio 49170 RTP/AVP 0# a=rtcp:65536 IN IP4 192.0.2.1        # a=rtcp port",
                "m=audio 49170 RTP/AVP 0# a=rtcp:-1                            # a=rtcp port",
                "m=audio 49170 RTP/AVP 0# a=rtcp:+5                            # a=rtcp port",
                "m=audio 49170 RTP/AVP 0# a=rtcp:99999999999999999999999999    # a=rtcp port",
                "m=audio 49170 RTP/AVP 0# a=rtcp:0                             # a=rtcp port 0",
                "m=audio 49170 RTP/AVP 0# a=rtcp:                              # a=rtcp port",
                "m=audio 49170 RTP/AVP 0# a=rtcp:5000 IN IP4                   # a=rtcp needs",
                "m=audio 99999 RTP/AVP 0# a=sendrecv                           # m= port",
                "m=audio -1 RTP/AVP 0   # a=sendrecv                           # m= port",
                "m=audio 4294967297 RTP/AVP 0# a=sendrecv                      # m= port",
                "m=audio 49170/0 RTP/AVP 0# a=sendrecv                         # m= port count",
                "m=audio 49170/-3 RTP/AVP 0# a=sendrecv                        # m= port count",
                "m=audio 65000/1000 RTP/AVP 0# a=sendrecv                      # runs past",
                "m=audio 65535 RTP/AVP 0# a=sendrecv                           # no port for RTCP",
                "m=audio 49170 RTP/AVP 300# a=sendrecv                         # m= RTP payload type",
                "m=audio 49170 RTP/AVP 128# a=sendrecv                         # m= RTP payload type",
                "m=audio 49170 RTP/AVP PCMU# a=sendrecv                        # m= RTP payload type",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:300 PCMU/8000               # a=rtpmap payload type",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:-1 PCMU/8000                # a=rtpmap payload type",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0 PCMU/0                    # a=rtpmap clock rate",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0 PCMU/-8000                # a=rtpmap clock rate",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0 PCMU/99999999999999999999 # a=rtpmap clock rate",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0 PCMU/8000000              # a=rtpmap clock rate",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0 PCMU/8000/1/2              # a=rtpmap encoding",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0 PCMU/8000/0               # a=rtpmap channels",
                "m=audio 49170 RTP/AVP 0# a=rtpmap:0                           # a=rtpmap needs",
                "m=audio 49170 RTP/AVP 0# a=fmtp:1000 0-15                     # a=fmtp payload type",
                "m=audio 49170 RTP/AVP 0# a=ptime:0                            # a=ptime",
                "m=audio 49170 RTP/AVP 0# a=ptime:-20                          # a=ptime",
                "m=audio 49170 RTP/AVP 0# a=maxptime:1e9                       # a=maxptime",
                "m=audio 49170 RTP/AVP 0# a=ssrc:4294967296 cname:x            # a=ssrc",
                "m=audio 49170 RTP/AVP 0# a=extmap:0 urn:x                     # a=extmap id",
                "m=audio 49170 RTP/SAVP 0# a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # a=crypto tag",
                "m=audio 49170 RTP/SAVP 0# a=crypto:+1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # a=crypto tag",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1000000000 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # a=crypto tag",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^99 # lifetime exponent",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|-5 # key lifetime",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:999 # MKI length",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|+1:4 # MKI value",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|256:1 # does not fit",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz KDR=99 # KDR",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz KDR=x # KDR",
                "m=audio 49170 RTP/SAVP 0# a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz WSH=1 # WSH",
            })
    void refusesOutOfRangeNumbers(String mediaLine, String attribute, String field) {
        assertThatThrownBy(() -> SessionDescription.parse(offer(mediaLine.strip(), attribute.strip())))
                .isInstanceOf(SdpParseException.class)
                .hasMessageContaining(field.strip());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "o=- 12x 1 IN IP4 192.0.2.1                 | o= session id",
                "o=- 1 999999999999999999999 IN IP4 192.0.2.1 | o= session version",
                "o=- 1 -1 IN IP4 192.0.2.1                  | o= session version",
            })
    void refusesBadOrigin(String origin, String field) {
        String sdp = "v=0\r\n" + origin.strip() + "\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        assertThatThrownBy(() -> SessionDescription.parse(sdp))
                .isInstanceOf(SdpParseException.class)
                .hasMessageContaining(field.strip());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "t=0                  | t= needs",
                "t=0 -1               | t= stop time",
                "b=AS:99999999999     | b= bandwidth",
                "b=AS                 | b= needs",
                "c=IN IP4 224.2.1.1/300 | c= TTL",
                "c=IN IP4 224.2.1.1/127/0 | c= number of addresses",
                "a=rtcp:70000         | a=rtcp port",
            })
    void refusesBadSessionLines(String line, String field) {
        String sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n" + line.strip() + "\r\nt=0 0\r\n"
                + "m=audio 4000 RTP/AVP 0\r\n";
        assertThatThrownBy(() -> SessionDescription.parse(sdp))
                .isInstanceOf(SdpParseException.class)
                .hasMessageContaining(field.strip());
    }

    @Test
    void acceptsEveryNumberAtItsLimits() throws SdpParseException {
        // a session id using all 64 bits unsigned is carried as written
        assertThat(SessionDescription.parse("v=0\r\no=- 18446744073709551615 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n")
                        .origin()
                        .sessionId())
                .isEqualTo("18446744073709551615");
        SessionDescription sd = SessionDescription.parse(offer(
                "m=audio 65534 RTP/AVP 0 127 96",
                "a=rtcp:65535 IN IP4 192.0.2.1",
                "a=rtpmap:127 telephone-event/8000",
                "a=fmtp:127 0-15",
                "a=rtpmap:96 opus/48000/2",
                "a=ptime:20",
                "a=maxptime:0.125",
                "a=ssrc:4294967295 cname:x",
                "a=crypto:999999999 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^48|255:1"
                        + " KDR=24 WSH=64"));
        MediaDescription audio = sd.audio().orElseThrow();
        assertThat(audio.rtcpPort()).isEqualTo(65535);
        assertThat(audio.payloadType("TELEPHONE-EVENT", 8000)).hasValue(127);
        assertThat(audio.payloadType("telephone-event", 16000)).isEmpty();
        assertThat(audio.cryptos().get(0).kdr()).hasValue(24);
        assertThat(SessionDescription.parse(offer("m=audio 65535 RTP/AVP 0", "a=rtcp-mux"))
                        .audio()
                        .orElseThrow()
                        .rtcpPort())
                .isEqualTo(65535);
        assertThat(SessionDescription.parse(offer("m=audio 0 RTP/AVP 0"))
                        .audio()
                        .orElseThrow()
                        .rtcpPort())
                .isZero();
        assertThat(SessionDescription.parse(offer("m=audio 4000 RTP/AVP 0"))
                        .audio()
                        .orElseThrow()
                        .rtcpPort())
                .isEqualTo(4001);
        // a non-RTP section keeps its formats as tokens
        assertThat(SessionDescription.parse(offer("m=application 9 TCP/BFCP *"))
                        .media()
                        .get(0)
                        .formats())
                .containsExactly("*");
    }

    @Test
    void builderRefusesWhatTheParserRefuses() {
        assertThatThrownBy(() -> MediaDescription.builder("audio", 4000, "RTP/AVP")
                        .format("300")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload type");
        assertThatThrownBy(() -> MediaDescription.builder("audio", 4000, "RTP/AVP")
                        .rtpFormat(0, "PCMU/0")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clock rate");
        assertThatThrownBy(() -> MediaDescription.builder("audio", 4000, "RTP/AVP")
                        .format("0")
                        .attribute(new SdpAttribute("rtcp", "70000"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a=rtcp port");
    }

    @Test
    void messagesDoNotCarryControlCharactersOrHugeValues() {
        String huge = "9".repeat(5000);
        assertThatThrownBy(() -> SessionDescription.parse(offer("m=audio 4000 RTP/AVP 0", "a=rtcp:" + huge)))
                .isInstanceOf(SdpParseException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120));
        assertThatThrownBy(() -> SessionDescription.parse(offer("m=audio 4000 RTP/AVP 0", "a=rtcp:1\u001b[2J")))
                .isInstanceOf(SdpParseException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
    }

    @Test
    void mutatedOffersFailOnlyWithSdpParseException() {
        // seeded random mutations of a full offer: digits replaced by huge, negative or non-numeric values;
        // parsing either succeeds (and every accessor works) or throws SdpParseException, never anything else
        String base = offer(
                        "m=audio 49170/2 RTP/SAVP 0 8 101",
                        "a=rtcp:49171 IN IP4 192.0.2.1",
                        "a=rtpmap:101 telephone-event/8000",
                        "a=fmtp:101 0-15",
                        "a=ptime:20",
                        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=0")
                + "b=AS:64\r\n";
        String[] replacements = {
            "",
            "-1",
            "+1",
            "99999999999999999999999",
            "2147483648",
            "65536",
            "0",
            "x",
            " ",
            "1.5",
            "-",
            "/",
            ":",
            "\u0661",
            "007"
        };
        long seed = System.nanoTime();
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder(base);
            for (int k = 0; k < 1 + r.nextInt(3); k++) {
                int at = r.nextInt(sb.length());
                while (at < sb.length() && !Character.isDigit(sb.charAt(at))) {
                    at++;
                }
                if (at >= sb.length()) {
                    continue;
                }
                int end = at;
                while (end < sb.length() && Character.isDigit(sb.charAt(end))) {
                    end++;
                }
                sb.replace(at, end, replacements[r.nextInt(replacements.length)]);
            }
            String text = sb.toString();
            try {
                SessionDescription sd = SessionDescription.parse(text);
                for (MediaDescription m : sd.media()) {
                    assertThat(m.port()).isBetween(0, 65535);
                    assertThat(m.rtcpPort()).isBetween(0, 65535);
                    m.payloadType("telephone-event", 8000);
                    for (CryptoAttribute c : m.cryptos()) {
                        c.kdr();
                        c.unknownSessionParams();
                    }
                }
                assertThat(SessionDescription.parse(sd.toSdp())).isEqualTo(sd);
            } catch (SdpParseException expected) {
                // the typed refusal
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ": unchecked " + e + " for\n" + text, e);
            }
        }
    }
}
