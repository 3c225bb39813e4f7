package org.umsec.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.SdesCryptoSuite;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSuite;

/** The glue between um-sip's SDES lines and um-srtp's keys and suites. */
class SdesTest {

    static final byte[] KEY_SALT = new byte[30];

    static {
        for (int i = 0; i < KEY_SALT.length; i++) {
            KEY_SALT[i] = (byte) (i + 1);
        }
    }

    static final String KEY = Base64.getEncoder().encodeToString(KEY_SALT);

    @Test
    void aParsedLineBecomesTheMasterKeyWithItsMki() throws Exception {
        CryptoAttribute c = CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY + "|2^20|7:4");
        SrtpSuite suite = Sdes.suite(c).orElseThrow();
        assertThat(suite).isEqualTo(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
        SrtpMasterKey k = Sdes.masterKey(c, suite);
        assertThat(k.key()).containsExactly(java.util.Arrays.copyOf(KEY_SALT, 16));
        assertThat(k.salt()).containsExactly(java.util.Arrays.copyOfRange(KEY_SALT, 16, 30));
        assertThat(k.mkiLength()).isEqualTo(4);
        assertThat(k.mkiBytes().orElseThrow()).containsExactly(0, 0, 0, 7);
    }

    @Test
    void aLineWeWriteIsReadBackByUmSipWithTheSameKey() throws Exception {
        SrtpMasterKey k = SrtpMasterKey.of(java.util.Arrays.copyOf(KEY_SALT, 16), java.util.Arrays.copyOfRange(KEY_SALT, 16, 30));
        CryptoAttribute line = Sdes.line(3, SrtpSuite.AES_CM_128_HMAC_SHA1_32, k);
        String sdp = "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n"
                + "m=audio 30000 RTP/SAVP 8\r\na=crypto:" + line.toSdpValue() + "\r\n";
        CryptoAttribute back = SessionDescription.parse(sdp).audio().orElseThrow().cryptos().get(0);
        assertThat(back.tag()).isEqualTo(3);
        assertThat(back.suite()).isEqualTo("AES_CM_128_HMAC_SHA1_32");
        assertThat(Sdes.masterKey(back, SrtpSuite.AES_CM_128_HMAC_SHA1_32)).isEqualTo(k);
    }

    @Test
    void unusableLinesAreExplained() throws Exception {
        assertThat(Sdes.problem(CryptoAttribute.parse("1 F8_128_HMAC_SHA1_80 inline:" + KEY)))
                .contains("unsupported suite F8_128_HMAC_SHA1_80");
        assertThat(Sdes.problem(CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY + " UNENCRYPTED_SRTP")))
                .contains("UNENCRYPTED_SRTP");
        CryptoAttribute shortKey = CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA");
        assertThat(Sdes.problem(shortKey)).contains("needs 30");
        assertThatThrownBy(() -> Sdes.masterKey(shortKey, SrtpSuite.AES_CM_128_HMAC_SHA1_80))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 30");
    }

    @Test
    void supportedSuitesAreThoseUmSrtpImplements() {
        assertThat(Sdes.SUPPORTED).contains(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80, SdesCryptoSuite.AES_CM_128_HMAC_SHA1_32);
        for (SdesCryptoSuite s : Sdes.SUPPORTED) {
            SrtpSuite srtp = SrtpSuite.fromSdesName(s.suiteName()).orElseThrow();
            assertThat(srtp.masterKeyLength()).isEqualTo(s.keyLength());
            assertThat(srtp.masterSaltLength()).isEqualTo(s.saltLength());
        }
    }
}
