package org.umsec.sip.sdp;

import java.util.Optional;
import org.umsec.srtp.SrtpSuite;

/**
 * The SRTP crypto suites SDES may negotiate (RFC 4568 §6.2, RFC 6188 §6, RFC 7714 §14.2), in order of
 * preference: the strongest first. This enum holds only that order; the suite table itself (SDES name,
 * master key and salt lengths, tag lengths) lives once, in um-srtp's {@link SrtpSuite}, and every length
 * here is read from it. Turn a negotiated line into an SRTP policy with {@link SdesSrtp#policy(CryptoAttribute)}.
 */
public enum SdesCryptoSuite {
    /** AES-256 GCM, 128-bit tag (RFC 7714). */
    AEAD_AES_256_GCM(SrtpSuite.AEAD_AES_256_GCM),
    /** AES-256 counter mode, HMAC-SHA1 80-bit tag (RFC 6188). */
    AES_256_CM_HMAC_SHA1_80(SrtpSuite.AES_256_CM_HMAC_SHA1_80),
    /** AES-256 counter mode, HMAC-SHA1 32-bit tag (RFC 6188). */
    AES_256_CM_HMAC_SHA1_32(SrtpSuite.AES_256_CM_HMAC_SHA1_32),
    /** AES-192 counter mode, HMAC-SHA1 80-bit tag (RFC 6188). */
    AES_192_CM_HMAC_SHA1_80(SrtpSuite.AES_192_CM_HMAC_SHA1_80),
    /** AES-192 counter mode, HMAC-SHA1 32-bit tag (RFC 6188). */
    AES_192_CM_HMAC_SHA1_32(SrtpSuite.AES_192_CM_HMAC_SHA1_32),
    /** AES-128 GCM, 128-bit tag (RFC 7714). */
    AEAD_AES_128_GCM(SrtpSuite.AEAD_AES_128_GCM),
    /** AES-128 counter mode, HMAC-SHA1 80-bit tag (RFC 4568, the mandatory suite of RFC 3711). */
    AES_CM_128_HMAC_SHA1_80(SrtpSuite.AES_CM_128_HMAC_SHA1_80),
    /** AES-128 counter mode, HMAC-SHA1 32-bit tag (RFC 4568). */
    AES_CM_128_HMAC_SHA1_32(SrtpSuite.AES_CM_128_HMAC_SHA1_32);

    private final SrtpSuite srtp;

    SdesCryptoSuite(SrtpSuite srtp) {
        this.srtp = srtp;
    }

    /** The name used in {@code a=crypto}, the same as {@link SrtpSuite#sdesName()}. */
    public String suiteName() {
        return srtp.sdesName();
    }

    /** The um-srtp suite: cipher, key lengths and tag lengths. */
    public SrtpSuite srtpSuite() {
        return srtp;
    }

    /** Master key length in bytes. */
    public int keyLength() {
        return srtp.masterKeyLength();
    }

    /** Master salt length in bytes. */
    public int saltLength() {
        return srtp.masterSaltLength();
    }

    /** SRTP authentication tag length in bytes. */
    public int tagLength() {
        return srtp.srtpTagLength();
    }

    /** Length of the {@code inline:} key material: key followed by salt. */
    public int keyMaterialLength() {
        return keyLength() + saltLength();
    }

    /** The suite with this name (case-sensitive, as RFC 4568 §9.2 registers them). */
    public static Optional<SdesCryptoSuite> byName(String name) {
        for (SdesCryptoSuite s : values()) {
            if (s.suiteName().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The negotiable suite for an um-srtp suite; empty for the NULL suites, which SDES never offers here. */
    public static Optional<SdesCryptoSuite> of(SrtpSuite suite) {
        for (SdesCryptoSuite s : values()) {
            if (s.srtp == suite) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
