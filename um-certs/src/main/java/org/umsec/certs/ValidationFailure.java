package org.umsec.certs;

/**
 * Why a certificate (the server's own candidate or a peer's chain) is not acceptable. Expected
 * outcomes, reported as values in {@link ValidationResult}, never thrown on their own.
 */
public enum ValidationFailure {
    /** No certificate was presented. */
    EMPTY_CHAIN,
    /** A certificate in the path is past its notAfter at the validation time. */
    EXPIRED,
    /** A certificate in the path is before its notBefore at the validation time. */
    NOT_YET_VALID,
    /** No path to a trusted root: issuer unknown, or the chain ends at an untrusted root. */
    UNKNOWN_CA,
    /** A signature in the path does not verify. */
    BAD_SIGNATURE,
    /** A certificate in the path is listed on a CRL of its issuer. */
    REVOKED,
    /**
     * Revocation status cannot be established under {@link RevocationPolicy#REQUIRE}: the store holds
     * no CRL of the issuer that verifies with the issuer's key, or the only one is past its nextUpdate.
     */
    REVOCATION_UNKNOWN,
    /**
     * A certificate that signed another in the path may not issue (R25): it is not a CA
     * (basicConstraints missing or CA:FALSE), its key usage lacks keyCertSign, or its path length
     * constraint is exceeded. A trusted end-entity certificate (a gateway's self-signed one) is an
     * exact-match pin and never an issuer: a leaf signed with its key ends here.
     */
    ISSUER_NOT_CA,
    /** The path breaks a PKIX rule other than those above (issuer not a CA, path too long, ...). */
    INVALID_PATH,
    /** An algorithm in the path is disabled by the JDK's security policy. */
    WEAK_ALGORITHM,
    /**
     * A certificate in the path (the trust anchor excepted) is signed with MD2, MD4, MD5 or SHA-1
     * (including RSASSA-PSS over SHA-1): collisions make such signatures forgeable (R25).
     */
    WEAK_SIGNATURE,
    /**
     * A key in the path (the trust anchor excepted) is weak: RSA under the configured minimum
     * (default 2048 bits), or EC on a curve other than P-256, P-384 and P-521 (including explicit
     * curve parameters, the CVE-2020-0601 trick).
     */
    WEAK_KEY,
    /** The key type cannot authenticate TLS 1.2/1.3 (DSA, unknown curve, ...). */
    UNSUPPORTED_KEY,
    /** The key usage extension does not allow digital signatures. */
    KEY_USAGE,
    /** The extended key usage lacks a purpose the role requires (server or client authentication). */
    MISSING_EKU
}
