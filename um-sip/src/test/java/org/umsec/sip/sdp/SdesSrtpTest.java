package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpStatus;
import org.umsec.srtp.SrtpSuite;

/**
 * Issue 10 item 6: an {@code a=crypto} line becomes an {@link SrtpPolicy} with one call. Known answers: the
 * reference packets of libsrtp's {@code test/srtp_driver.c} (as recomputed in {@code /work/shared/data/srtp/
 * vectors.json}), reached from the SDP line alone.
 */
class SdesSrtpTest {
    private static final HexFormat HEX = HexFormat.of();
    /** libsrtp srtp_validate: RTP header + 16 octets of 0xab. */
    private static final String PLAIN = "800f1234decafbadcafebabeabababababababababababababababab";

    private static String line(String tagAndSuite, String keyHex, String saltHex, String rest) {
        String b64 = Base64.getEncoder().encodeToString(HEX.parseHex(keyHex + saltHex));
        return tagAndSuite + " inline:" + b64 + rest;
    }

    private static String protect(String cryptoValue) throws Exception {
        SrtpPolicy policy = SdesSrtp.policy(CryptoAttribute.parse(cryptoValue));
        byte[] buf = new byte[128];
        byte[] plain = HEX.parseHex(PLAIN);
        System.arraycopy(plain, 0, buf, 0, plain.length);
        int len = SrtpSession.outbound(policy).protectRtp(buf, 0, plain.length);
        assertThat(len).isPositive();
        return HEX.formatHex(buf, 0, len);
    }

    @Test
    void aesCm128LineProtectsLikeLibsrtp() throws Exception {
        // vectors.json libsrtp-srtp_validate-rtp
        assertThat(protect(line(
                        "1 AES_CM_128_HMAC_SHA1_80",
                        "e1f97a0d3e018be0d64fa32c06de4139",
                        "0ec675ad498afeebb6960b3aabe6",
                        "")))
                .isEqualTo("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb");
    }

    @Test
    void mkiOfTheLineIsCarriedInEveryPacket() throws Exception {
        // vectors.json libsrtp-srtp_validate_mki-rtp: MKI e1f97a0d = 3791223309 in 4 octets; a lifetime is honoured too
        String value = line(
                "1 AES_CM_128_HMAC_SHA1_80",
                "e1f97a0d3e018be0d64fa32c06de4139",
                "0ec675ad498afeebb6960b3aabe6",
                "|2^20|3791223309:4");
        assertThat(protect(value))
                .isEqualTo("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402e1f97a0db78d6acc99ea179b8dbb");
        SrtpPolicy p = SdesSrtp.policy(CryptoAttribute.parse(value));
        assertThat(p.mkiLength()).isEqualTo(4);
        assertThat(p.srtpLifetime()).isEqualTo(1L << 20);
        assertThat(p.srtcpLifetime()).isEqualTo(1L << 20);
    }

    @Test
    void aes256AndGcmLinesProtectLikeLibsrtp() throws Exception {
        // vectors.json libsrtp-srtp_validate_aes_256-rtp and libsrtp-srtp_validate_gcm-rtp
        assertThat(protect(line(
                        "1 AES_256_CM_HMAC_SHA1_80",
                        "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
                        "3b04803de51ee7c96423ab5b78d2",
                        "")))
                .isEqualTo("800f1234decafbadcafebabef1d9de17ff251ff1aa007774b0b4b40da08d9d9a5b3a55d8873b");
        assertThat(protect(
                        line("1 AEAD_AES_128_GCM", "000102030405060708090a0b0c0d0e0f", "a0a1a2a3a4a5a6a7a8a9aaab", "")))
                .isEqualTo("800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392");
    }

    @ParameterizedTest
    @EnumSource(SdesCryptoSuite.class)
    void everySuiteRoundTripsThroughOfferAnswerAndTheBridge(SdesCryptoSuite suite) throws Exception {
        SecureRandom random = new SecureRandom();
        List<CryptoAttribute> offer = SdesNegotiator.offer(List.of(suite), random);
        // the line travels through SDP text, as it would on the wire
        CryptoAttribute offered = CryptoAttribute.parse(offer.get(0).toSdpValue());
        SdesNegotiator.Selection sel = SdesNegotiator.answer(
                        List.of(offered), EnumSet.allOf(SdesCryptoSuite.class), random)
                .orElseThrow();
        assertThat(sel.suite()).isEqualTo(suite);
        assertThat(suite.srtpSuite().sdesName()).isEqualTo(suite.suiteName());
        assertThat(suite.keyMaterialLength())
                .isEqualTo(
                        suite.srtpSuite().masterKeyLength() + suite.srtpSuite().masterSaltLength());
        for (CryptoAttribute direction : List.of(sel.offered(), sel.answer())) {
            SrtpPolicy policy = SdesSrtp.policy(direction);
            assertThat(policy.suite()).isEqualTo(suite.srtpSuite());
            SrtpSession tx = SrtpSession.outbound(policy);
            SrtpSession rx = SrtpSession.inbound(SdesSrtp.policy(CryptoAttribute.parse(direction.toSdpValue())));
            byte[] buf = new byte[256];
            byte[] plain = HEX.parseHex(PLAIN);
            System.arraycopy(plain, 0, buf, 0, plain.length);
            int len = tx.protectRtp(buf, 0, plain.length);
            assertThat(len).isEqualTo(plain.length + suite.tagLength());
            assertThat(HEX.formatHex(buf, 12, 28)).isNotEqualTo(PLAIN.substring(24));
            assertThat(rx.unprotectRtp(buf, 0, len)).isEqualTo(plain.length);
            assertThat(HEX.formatHex(buf, 0, plain.length)).isEqualTo(PLAIN);
        }
        // the other direction's key does not open the packet
        SrtpSession wrong = SrtpSession.inbound(SdesSrtp.policy(sel.answer()));
        byte[] buf = new byte[256];
        byte[] plain = HEX.parseHex(PLAIN);
        System.arraycopy(plain, 0, buf, 0, plain.length);
        int len = SrtpSession.outbound(SdesSrtp.policy(sel.offered())).protectRtp(buf, 0, plain.length);
        assertThat(wrong.unprotectRtp(buf, 0, len)).isEqualTo(SrtpStatus.AUTH_FAILED);
    }

    @Test
    void attributeWritesALineTheBridgeReadsBack() throws Exception {
        byte[] key = new byte[32];
        byte[] salt = new byte[12];
        new SecureRandom().nextBytes(key);
        CryptoAttribute line = SdesSrtp.attribute(3, SrtpSuite.AEAD_AES_256_GCM, SrtpMasterKey.of(key, salt));
        assertThat(line.toSdpValue()).startsWith("3 AEAD_AES_256_GCM inline:");
        assertThat(SdesSrtp.policy(line).masterKeys()).containsExactly(SrtpMasterKey.of(key, salt));
        assertThatThrownBy(
                        () -> SdesSrtp.attribute(1, SrtpSuite.NULL_NULL, SrtpMasterKey.of(new byte[16], new byte[14])))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        SdesSrtp.attribute(1, SrtpSuite.AEAD_AES_128_GCM, SrtpMasterKey.of(new byte[16], new byte[14])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sessionParametersAreHonoured() throws Exception {
        String k = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
        SrtpPolicy p = SdesSrtp.policy(CryptoAttribute.parse(
                "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^60 UNENCRYPTED_SRTCP WSH=100 -VENDOR_HINT"));
        assertThat(p.encryptRtcp()).isFalse();
        assertThat(p.encryptRtp()).isTrue();
        assertThat(p.replayWindowSize()).isEqualTo(128);
        assertThat(p.srtpLifetime()).isEqualTo(SrtpPolicy.MAX_SRTP_LIFETIME); // capped: shorter is always safe
        assertThat(p.srtcpLifetime()).isEqualTo(SrtpPolicy.MAX_SRTCP_LIFETIME);
        assertThat(SdesSrtp.policy(CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " UNENCRYPTED_SRTP"))
                        .encryptRtp())
                .isFalse();
        // two keys with distinct MKIs: both kept, the shortest lifetime wins
        SrtpPolicy two = SdesSrtp.policy(
                CryptoAttribute.parse("1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4;inline:" + k + "|1000|2:4"));
        assertThat(two.masterKeys()).hasSize(2);
        assertThat(two.srtpLifetime()).isEqualTo(1000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '#',
            value = {
                "1 F8_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # UNSUPPORTED_SUITE",
                "1 NULL_NULL inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # UNSUPPORTED_SUITE",
                "1 AES_256_CM_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # KEY_LENGTH",
                "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA # KEY_LENGTH",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz;inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz # MKI",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:4;inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:4 # MKI",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|1:4;inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2:2 # MKI",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz KDR=0 # SESSION_PARAMETER",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz UNAUTHENTICATED_SRTP # SESSION_PARAMETER",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz FEC_ORDER=FEC_SRTP # SESSION_PARAMETER",
                "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz NEW_THING # SESSION_PARAMETER",
            })
    void linesThatCannotBeHonouredAreRefusedWithTheirReason(String value, SdesPolicyException.Reason reason) {
        assertThatThrownBy(() -> SdesSrtp.policy(CryptoAttribute.parse(value.strip())))
                .isInstanceOfSatisfying(SdesPolicyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).doesNotContain("WVNf");
                });
    }
}
