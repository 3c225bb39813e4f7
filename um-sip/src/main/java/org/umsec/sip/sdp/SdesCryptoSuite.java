package org.umsec.sip.sdp;

import java.util.Optional;

/**
 * SRTP crypto suites known to SDES (RFC 4568 §6.2, RFC 6188, RFC 7714) with their master key and salt
 * lengths, in order of preference: the strongest first. The names are the strings that appear in
 * {@code a=crypto}; um-sip does not depend on the SRTP implementation, which maps the same names.
 */
public enum SdesCryptoSuite {
    /** AES-256 GCM, 128-bit tag (RFC 7714). */
    AEAD_AES_256_GCM(32, 12),
    /** AES-256 counter mode, HMAC-SHA1 80-bit tag (RFC 6188). */
    AES_256_CM_HMAC_SHA1_80(32, 14),
    /** AES-256 counter mode, HMAC-SHA1 32-bit tag (RFC 6188). */
    AES_256_CM_HMAC_SHA1_32(32, 14),
    /** AES-192 counter mode, HMAC-SHA1 80-bit tag (RFC 6188). */
    AES_192_CM_HMAC_SHA1_80(24, 14),
    /** AES-192 counter mode, HMAC-SHA1 32-bit tag (RFC 6188). */
    AES_192_CM_HMAC_SHA1_32(24, 14),
    /** AES-128 GCM, 128-bit tag (RFC 7714). */
    AEAD_AES_128_GCM(16, 12),
    /** AES-128 counter mode, HMAC-SHA1 80-bit tag (RFC 4568, the mandatory suite of RFC 3711). */
    AES_CM_128_HMAC_SHA1_80(16, 14),
    /** AES-128 counter mode, HMAC-SHA1 32-bit tag (RFC 4568). */
    AES_CM_128_HMAC_SHA1_32(16, 14);

    private final int keyLength;
    private final int saltLength;

    SdesCryptoSuite(int keyLength, int saltLength) {
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /** The name used in {@code a=crypto}. */
    public String suiteName() {
        return name();
    }

    /** Master key length in bytes. */
    public int keyLength() {
        return keyLength;
    }

    /** Master salt length in bytes. */
    public int saltLength() {
        return saltLength;
    }

    /** Length of the {@code inline:} key material: key followed by salt. */
    public int keyMaterialLength() {
        return keyLength + saltLength;
    }

    /** The suite with this name (case-sensitive, as RFC 4568 §9.2 registers them). */
    public static Optional<SdesCryptoSuite> byName(String name) {
        for (SdesCryptoSuite s : values()) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
