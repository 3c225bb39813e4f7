package org.umsec.srtp;

import java.util.Optional;

/**
 * The SRTP crypto suites umsec implements, named as in SDP security descriptions ({@code a=crypto},
 * RFC 4568 §6.2, RFC 6188 §6, RFC 7714 §14.2).
 *
 * <p>Each suite fixes the master key and salt lengths, the session key lengths derived from them
 * (RFC 3711 §4.3, key derivation rate 0) and the authentication tag lengths. The {@code _32}
 * suites shorten only the SRTP tag; SRTCP keeps the 80-bit tag (RFC 4568 §6.2.2, RFC 6188 §6).
 *
 * <table>
 *   <caption>Suite parameters (octets)</caption>
 *   <tr><th>Suite</th><th>Master key</th><th>Master salt</th><th>SRTP tag</th><th>SRTCP tag</th></tr>
 *   <tr><td>AES_CM_128_HMAC_SHA1_80</td><td>16</td><td>14</td><td>10</td><td>10</td></tr>
 *   <tr><td>AES_CM_128_HMAC_SHA1_32</td><td>16</td><td>14</td><td>4</td><td>10</td></tr>
 *   <tr><td>AES_192_CM_HMAC_SHA1_80</td><td>24</td><td>14</td><td>10</td><td>10</td></tr>
 *   <tr><td>AES_192_CM_HMAC_SHA1_32</td><td>24</td><td>14</td><td>4</td><td>10</td></tr>
 *   <tr><td>AES_256_CM_HMAC_SHA1_80</td><td>32</td><td>14</td><td>10</td><td>10</td></tr>
 *   <tr><td>AES_256_CM_HMAC_SHA1_32</td><td>32</td><td>14</td><td>4</td><td>10</td></tr>
 *   <tr><td>AEAD_AES_128_GCM</td><td>16</td><td>12</td><td>16</td><td>16</td></tr>
 *   <tr><td>AEAD_AES_256_GCM</td><td>32</td><td>12</td><td>16</td><td>16</td></tr>
 *   <tr><td>NULL_HMAC_SHA1_80</td><td>16</td><td>14</td><td>10</td><td>10</td></tr>
 *   <tr><td>NULL_HMAC_SHA1_32</td><td>16</td><td>14</td><td>4</td><td>10</td></tr>
 *   <tr><td>NULL_NULL</td><td>16</td><td>14</td><td>0</td><td>0</td></tr>
 * </table>
 *
 * <p>The NULL suites provide no confidentiality; {@link #NULL_NULL} not even integrity, and is
 * meant for tests only: {@link #fromSdesName(String)} never returns it, so it cannot be negotiated
 * from SDP.
 */
public enum SrtpSuite {
    /** AES-128 counter mode, HMAC-SHA1 with an 80-bit tag (RFC 3711 default, RFC 4568). */
    AES_CM_128_HMAC_SHA1_80("AES_CM_128_HMAC_SHA1_80", Cipher.AES_CM, 16, 14, 10, 10),
    /** AES-128 counter mode, HMAC-SHA1 with a 32-bit SRTP tag (80-bit for SRTCP); RFC 4568. */
    AES_CM_128_HMAC_SHA1_32("AES_CM_128_HMAC_SHA1_32", Cipher.AES_CM, 16, 14, 4, 10),
    /** AES-192 counter mode, HMAC-SHA1 with an 80-bit tag (RFC 6188). */
    AES_192_CM_HMAC_SHA1_80("AES_192_CM_HMAC_SHA1_80", Cipher.AES_CM, 24, 14, 10, 10),
    /** AES-192 counter mode, HMAC-SHA1 with a 32-bit SRTP tag (RFC 6188). */
    AES_192_CM_HMAC_SHA1_32("AES_192_CM_HMAC_SHA1_32", Cipher.AES_CM, 24, 14, 4, 10),
    /** AES-256 counter mode, HMAC-SHA1 with an 80-bit tag (RFC 6188). */
    AES_256_CM_HMAC_SHA1_80("AES_256_CM_HMAC_SHA1_80", Cipher.AES_CM, 32, 14, 10, 10),
    /** AES-256 counter mode, HMAC-SHA1 with a 32-bit SRTP tag (RFC 6188). */
    AES_256_CM_HMAC_SHA1_32("AES_256_CM_HMAC_SHA1_32", Cipher.AES_CM, 32, 14, 4, 10),
    /** AES-128 in Galois/Counter Mode with a 128-bit tag (RFC 7714). */
    AEAD_AES_128_GCM("AEAD_AES_128_GCM", Cipher.AES_GCM, 16, 12, 16, 16),
    /** AES-256 in Galois/Counter Mode with a 128-bit tag (RFC 7714). */
    AEAD_AES_256_GCM("AEAD_AES_256_GCM", Cipher.AES_GCM, 32, 12, 16, 16),
    /** No encryption, HMAC-SHA1 with an 80-bit tag: integrity only. */
    NULL_HMAC_SHA1_80("NULL_HMAC_SHA1_80", Cipher.NULL, 16, 14, 10, 10),
    /** No encryption, HMAC-SHA1 with a 32-bit SRTP tag (80-bit for SRTCP): integrity only. */
    NULL_HMAC_SHA1_32("NULL_HMAC_SHA1_32", Cipher.NULL, 16, 14, 4, 10),
    /** No encryption and no authentication. For tests only; never negotiated from SDP. */
    NULL_NULL("NULL_NULL", Cipher.NULL, 16, 14, 0, 0);

    /** How a suite encrypts. */
    enum Cipher {
        AES_CM,
        AES_GCM,
        NULL
    }

    private final String sdesName;
    private final Cipher cipher;
    private final int masterKeyLength;
    private final int masterSaltLength;
    private final int srtpTagLength;
    private final int srtcpTagLength;

    SrtpSuite(
            String sdesName,
            Cipher cipher,
            int masterKeyLength,
            int masterSaltLength,
            int srtpTagLength,
            int srtcpTagLength) {
        this.sdesName = sdesName;
        this.cipher = cipher;
        this.masterKeyLength = masterKeyLength;
        this.masterSaltLength = masterSaltLength;
        this.srtpTagLength = srtpTagLength;
        this.srtcpTagLength = srtcpTagLength;
    }

    /**
     * Looks a suite up by its SDES name as it appears in an SDP {@code a=crypto} attribute (exact,
     * case-sensitive, as RFC 4568 §9.2 registers them).
     *
     * @param name the crypto-suite token, for example {@code "AES_CM_128_HMAC_SHA1_80"}
     * @return the suite, or empty if umsec does not implement it (or for {@code NULL_NULL}, which is
     *     never negotiable)
     */
    public static Optional<SrtpSuite> fromSdesName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (SrtpSuite suite : values()) {
            if (suite != NULL_NULL && suite.sdesName.equals(name)) {
                return Optional.of(suite);
            }
        }
        return Optional.empty();
    }

    /** The SDES crypto-suite name, for example {@code "AEAD_AES_128_GCM"}. */
    public String sdesName() {
        return sdesName;
    }

    /** Master key length in octets; also the length of the derived session encryption key. */
    public int masterKeyLength() {
        return masterKeyLength;
    }

    /** Master salt length in octets (14, or 12 for the AEAD suites). */
    public int masterSaltLength() {
        return masterSaltLength;
    }

    /** SRTP authentication tag length in octets (0 for {@code NULL_NULL}). */
    public int srtpTagLength() {
        return srtpTagLength;
    }

    /** SRTCP authentication tag length in octets (0 for {@code NULL_NULL}). */
    public int srtcpTagLength() {
        return srtcpTagLength;
    }

    /** Whether the suite encrypts the payload (false for the NULL cipher suites). */
    public boolean encrypts() {
        return cipher != Cipher.NULL;
    }

    /** Whether the suite authenticates packets (false only for {@code NULL_NULL}). */
    public boolean authenticates() {
        return srtpTagLength > 0;
    }

    /** Whether the suite is an AEAD (AES-GCM) suite, RFC 7714. */
    public boolean isAead() {
        return cipher == Cipher.AES_GCM;
    }

    /** Length in octets of the derived session salt (14, or 12 for AEAD). */
    int sessionSaltLength() {
        return masterSaltLength;
    }

    /** Length in octets of the derived session authentication key (20 for HMAC-SHA1, else 0). */
    int sessionAuthKeyLength() {
        return (cipher != Cipher.AES_GCM && srtpTagLength > 0) ? 20 : 0;
    }

    Cipher cipher() {
        return cipher;
    }
}
