package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionDescriptionTest {

    /** Found by Jazzer: a peer's session parameters may repeat its key (FEC_KEY does by design): never logged. */
    @Test
    void sessionParametersThatCouldCarryKeysAreHiddenInToString() throws Exception {
        String key = "WVNfX09zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
        CryptoAttribute c = CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:" + key + " KDR=3 UNENCRYPTED_SRTCP"
                + " FEC_KEY=inline:" + key + " X:" + key + " inline:" + key + " WSH=64");
        assertThat(c.toString())
                .doesNotContain(key.substring(0, 8))
                .contains("KDR=3", "UNENCRYPTED_SRTCP", "WSH=64", "FEC_KEY=<hidden>", "<session parameter hidden>");
        CryptoAttribute odd = CryptoAttribute.parse("2 AES_" + key + "_80 inline:" + key);
        assertThat(odd.toString()).doesNotContain(key.substring(0, 8)).contains("<unknown suite>");
    }
    /** RFC 4568 §8.1 style offer (audio over RTP/SAVP with two crypto lines). */
    static final String OFFER = "v=0\r\n"
            + "o=sam 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
            + "s=SIP Call\r\n"
            + "c=IN IP4 168.2.17.12\r\n"
            + "t=2873397496 2873404696\r\n"
            + "m=audio 49170 RTP/SAVP 0\r\n"
            + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP\r\n"
            + "a=crypto:2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
            + "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP\r\n";

    @Test
    void parsesRfc4568OfferAndRoundTrips() throws SdpParseException {
        SessionDescription sd = SessionDescription.parse(OFFER);
        assertThat(sd.origin().username()).isEqualTo("sam");
        assertThat(sd.sessionName()).isEqualTo("SIP Call");
        assertThat(sd.connection()).contains(Connection.ip4("168.2.17.12"));
        MediaDescription audio = sd.audio().orElseThrow();
        assertThat(audio.port()).isEqualTo(49170);
        assertThat(audio.isSecureProfile()).isTrue();
        assertThat(audio.cryptos()).hasSize(2);
        CryptoAttribute c1 = audio.cryptos().get(0);
        assertThat(c1.tag()).isEqualTo(1);
        assertThat(c1.knownSuite()).contains(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80);
        assertThat(c1.keyParams().get(0).keyMaterial()).hasSize(30);
        assertThat(c1.keyParams().get(0).lifetime()).hasValue(1L << 20);
        assertThat(c1.keyParams().get(0).mki()).hasValue(1);
        assertThat(c1.keyParams().get(0).mkiLength()).isEqualTo(4);
        assertThat(c1.unknownSessionParams()).containsExactly("FEC_ORDER=FEC_SRTP");
        CryptoAttribute c2 = audio.cryptos().get(1);
        assertThat(c2.knownSuite()).isEmpty();
        assertThat(c2.keyParams()).hasSize(2);
        assertThat(c2.keyParams().get(1).mki()).hasValue(2);
        assertThat(sd.toSdp()).isEqualTo(OFFER);
        assertThat(SessionDescription.parse(sd.toSdp())).isEqualTo(sd);
        assertThat(sd.toString()).doesNotContain("WVNf");
        assertThat(c1.toString()).doesNotContain("WVNf");
    }

    @Test
    void buildsAudioOfferAndAnswerPicksStrongestCommonSuite() throws SdpParseException {
        SecureRandom rnd = new SecureRandom();
        List<CryptoAttribute> offered = SdesNegotiator.offer(
                List.of(
                        SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80,
                        SdesCryptoSuite.AES_256_CM_HMAC_SHA1_80,
                        SdesCryptoSuite.AEAD_AES_256_GCM),
                rnd);
        MediaDescription.Builder mb = MediaDescription.builder("audio", 40000, "RTP/SAVP")
                .rtpFormat(0, "PCMU/8000")
                .rtpFormat(101, "telephone-event/8000")
                .attribute(new SdpAttribute("fmtp", "101 0-16"))
                .direction(MediaDirection.SENDRECV);
        offered.forEach(mb::crypto);
        SessionDescription offer = SessionDescription.builder()
                .origin(new Origin("-", "1", "1", "IN", "IP4", "192.0.2.10"))
                .connection(Connection.ip4("192.0.2.10"))
                .media(mb.build())
                .build();
        SessionDescription parsed = SessionDescription.parse(offer.toSdp());
        assertThat(parsed).isEqualTo(offer);
        assertThat(parsed.hasSdesKeys()).isTrue();
        MediaDescription a = parsed.audio().orElseThrow();
        assertThat(a.rtpmap(101)).contains("telephone-event/8000");
        assertThat(a.formats()).containsExactly("0", "101");
        assertThat(a.direction()).isEqualTo(MediaDirection.SENDRECV);
        assertThat(a.cryptos()).extracting(CryptoAttribute::tag).containsExactly(1, 2, 3);
        assertThat(a.cryptos().get(2).keyParams().get(0).keyMaterial()).hasSize(44);

        // answerer without GCM: picks AES_256_CM_HMAC_SHA1_80 (tag 2) over AES_CM_128
        SdesNegotiator.Selection sel = SdesNegotiator.answer(
                        a.cryptos(),
                        List.of(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80, SdesCryptoSuite.AES_256_CM_HMAC_SHA1_80),
                        rnd)
                .orElseThrow();
        assertThat(sel.suite()).isEqualTo(SdesCryptoSuite.AES_256_CM_HMAC_SHA1_80);
        assertThat(sel.answer().tag()).isEqualTo(2);
        assertThat(sel.answer().keyParams().get(0).keyMaterial())
                .hasSize(46)
                .isNotEqualTo(sel.offered().keyParams().get(0).keyMaterial());
        assertThat(SdesNegotiator.accepted(a.cryptos(), sel.answer()))
                .contains(a.cryptos().get(1));
        // answerer with everything: GCM-256
        assertThat(SdesNegotiator.answer(a.cryptos(), List.of(SdesCryptoSuite.values()), rnd)
                        .orElseThrow()
                        .suite())
                .isEqualTo(SdesCryptoSuite.AEAD_AES_256_GCM);
        // nothing in common
        assertThat(SdesNegotiator.answer(a.cryptos(), List.of(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_32), rnd))
                .isEmpty();
    }

    @Test
    void answererRefusesUnknownSessionParamsWrongKeyLengthsAndWeakenedMedia() throws SdpParseException {
        SecureRandom rnd = new SecureRandom();
        String k30 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
        List<CryptoAttribute> offered = List.of(
                CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:" + k30 + " FEC_ORDER=FEC_SRTP"),
                CryptoAttribute.parse("2 AES_256_CM_HMAC_SHA1_80 inline:" + k30),
                CryptoAttribute.parse("3 AES_CM_128_HMAC_SHA1_80 inline:" + k30 + " UNENCRYPTED_SRTP"),
                CryptoAttribute.parse("4 AES_CM_128_HMAC_SHA1_32 inline:" + k30 + " KDR=3 UNENCRYPTED_SRTCP -FOO"));
        SdesNegotiator.Selection sel = SdesNegotiator.answer(offered, List.of(SdesCryptoSuite.values()), rnd)
                .orElseThrow();
        assertThat(sel.offered().tag()).isEqualTo(4);
        assertThat(sel.answer().sessionParams()).containsExactly("KDR=3", "UNENCRYPTED_SRTCP", "-FOO");
        assertThat(sel.offered().kdr()).hasValue(3);
        assertThat(sel.offered().unencryptedSrtcp()).isTrue();
        assertThat(offered.get(2).unencryptedSrtp()).isTrue();
        assertThat(offered.get(0).unauthenticatedSrtp()).isFalse();
    }

    @Test
    void cryptoAttributeRoundTripsAndRejectsMalformedInput() throws SdpParseException {
        String v = "7 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=|1048576|255:1 KDR=0 UNAUTHENTICATED_SRTP";
        CryptoAttribute c = CryptoAttribute.parse(v);
        assertThat(c.toSdpValue())
                .isEqualTo(
                        "7 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=|2^20|255:1 KDR=0 UNAUTHENTICATED_SRTP");
        assertThat(CryptoAttribute.parse(c.toSdpValue())).isEqualTo(c);
        for (String bad : new String[] {
            "",
            "1 AES_CM_128_HMAC_SHA1_80",
            "0 S inline:AAAA",
            "x S inline:AAAA",
            "1234567890 S inline:AAAA",
            "1 S inline:***",
            "1 S key:AAAA",
            "1 S inline:AAAA|2^99",
            "1 S inline:AAAA|1:0",
            "1 S inline:AAAA|256:1",
            "1 S inline:AAAA|1:4|2^20",
            "1 S inline:AAAA|0",
            "1 S inline:AAAA|1|2|3"
        }) {
            assertThatThrownBy(() -> CryptoAttribute.parse(bad)).as(bad).isInstanceOf(SdpParseException.class);
        }
        // a malformed KDR is refused when parsed (it used to throw IllegalStateException later, from kdr())
        assertThatThrownBy(() -> CryptoAttribute.parse("1 S inline:AAAA KDR=99"))
                .isInstanceOf(SdpParseException.class)
                .hasMessageContaining("KDR");
    }

    @Test
    void rejectsMalformedDescriptions() {
        String[] bad = {
            "",
            "v=1\r\n",
            "v=0\r\ns=-\r\nt=0 0\r\n",
            "v=0\r\no=a b\r\ns=-\r\nt=0 0\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio x RTP/AVP 0\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nc=IN IP4\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 X\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nbogus\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nt=0 0\r\n",
            "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n" + "x".repeat(70000)
        };
        for (String b : bad) {
            assertThatThrownBy(() -> SessionDescription.parse(b))
                    .as(b.length() > 80 ? "huge" : b)
                    .isInstanceOf(SdpParseException.class);
        }
    }

    @Test
    void acceptsLfOnlyAndKeepsUnmodelledLines() throws SdpParseException {
        String sdp = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\ni=info\nb=AS:64\nt=0 0\na=tool:x\n"
                + "m=audio 4000/2 RTP/AVP 8\nb=TIAS:64000\na=recvonly\n";
        SessionDescription sd = SessionDescription.parse(sdp);
        assertThat(sd.otherLines()).containsExactly("i=info", "b=AS:64");
        MediaDescription m = sd.media().get(0);
        assertThat(m.portCount()).isEqualTo(2);
        assertThat(m.direction()).isEqualTo(MediaDirection.RECVONLY);
        assertThat(m.direction().answerTo()).isEqualTo(MediaDirection.SENDONLY);
        assertThat(m.otherLines()).containsExactly("b=TIAS:64000");
        assertThat(SessionDescription.parse(sd.toSdp())).isEqualTo(sd);
    }

    @Test
    void suiteTableHasR20Lengths() {
        assertThat(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_32.keyMaterialLength()).isEqualTo(30);
        assertThat(SdesCryptoSuite.AES_192_CM_HMAC_SHA1_80.keyMaterialLength()).isEqualTo(38);
        assertThat(SdesCryptoSuite.AES_256_CM_HMAC_SHA1_32.keyMaterialLength()).isEqualTo(46);
        assertThat(SdesCryptoSuite.AEAD_AES_128_GCM.keyMaterialLength()).isEqualTo(28);
        assertThat(SdesCryptoSuite.AEAD_AES_256_GCM.keyMaterialLength()).isEqualTo(44);
        assertThat(SdesCryptoSuite.byName("aes_cm_128_hmac_sha1_80")).isEmpty();
        assertThat(SdesCryptoSuite.byName("AES_CM_128_HMAC_SHA1_80")).contains(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80);
    }
}
