package org.umsec.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSuite;

class SdpTest {

    static final String KEY = Base64.getEncoder().encodeToString(new byte[30]);

    @Test
    void parsesAnOfferWithMediaLevelAddressRtcpAndCrypto() {
        String offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                + "m=video 5000 RTP/AVP 96\r\n"
                + "m=audio 49170 RTP/SAVP 18 8 0\r\nc=IN IP4 192.0.2.9\r\na=rtcp:49200\r\n"
                + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY + "|2^20|1:4\r\n"
                + "a=crypto:2 F8_128_HMAC_SHA1_80 inline:" + KEY + "\r\n"
                + "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" + KEY + " UNENCRYPTED_SRTP\r\n";
        Sdp.Offer o = Sdp.parse(offer).offer().orElseThrow();
        assertThat(o.address()).isEqualTo("192.0.2.9");
        assertThat(o.port()).isEqualTo(49170);
        assertThat(o.rtcpPort()).isEqualTo(49200);
        assertThat(o.payloadTypes()).containsExactly(18, 8, 0);
        assertThat(o.cryptos()).hasSize(3);
        Sdp.Crypto c = o.cryptos().get(0);
        assertThat(c.suite()).contains(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
        assertThat(c.key().orElseThrow().mkiLength()).isEqualTo(4);
        assertThat(o.cryptos().get(1).problem().orElseThrow()).contains("unsupported suite");
        assertThat(o.cryptos().get(2).problem().orElseThrow()).contains("UNENCRYPTED_SRTP");
    }

    @Test
    void badOffersGiveReasonsNotExceptions() {
        assertThat(Sdp.parse("v=0\r\nc=IN IP4 1.2.3.4\r\n").error()).contains("the offer has no audio stream");
        assertThat(Sdp.parse("v=0\r\nm=audio 1 RTP/AVP 0\r\n").error()).contains("the offer has no connection address");
        assertThat(Sdp.parse("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n").error())
                .contains("malformed m=audio line");
        assertThat(Sdp.parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA").problem().orElseThrow()).contains("needs 30");
        assertThat(Sdp.parseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:***").problem().orElseThrow()).contains("base64");
        assertThat(Sdp.parseCrypto("x").problem()).isPresent();
        assertThat(Sdp.parseCrypto("1 AES_CM_128_HMAC_SHA1_80 uri:x").problem().orElseThrow()).contains("inline");
    }

    @Test
    void answerCarriesOurKeyAndRoundTrips() {
        SrtpMasterKey k = SrtpMasterKey.of(new byte[16], new byte[14]);
        String a = Sdp.answer(42, "10.1.1.1", 30000, "RTP/SAVP", 8, Sdp.cryptoAttribute(3, SrtpSuite.AES_CM_128_HMAC_SHA1_80, k));
        Sdp.Offer back = Sdp.parse(a).offer().orElseThrow();
        assertThat(back.port()).isEqualTo(30000);
        assertThat(back.rtcpPort()).isEqualTo(30001);
        assertThat(back.cryptos().get(0).tag()).isEqualTo(3);
        assertThat(back.cryptos().get(0).key().orElseThrow()).isEqualTo(k);
        assertThat(a).contains("a=rtpmap:8 PCMA/8000");
    }
}
