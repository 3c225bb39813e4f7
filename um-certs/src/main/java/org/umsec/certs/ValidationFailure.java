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
    /** The path breaks a PKIX rule other than those above (issuer not a CA, path too long, ...). */
    INVALID_PATH,
    /** An algorithm in the path is disabled by the JDK's security policy. */
    WEAK_ALGORITHM,
    /** The key is too small (RSA under the configured minimum, default 2048 bits). */
    WEAK_KEY,
    /** The key type cannot authenticate TLS 1.2/1.3 (DSA, unknown curve, ...). */
    UNSUPPORTED_KEY,
    /** The key usage extension does not allow digital signatures. */
    KEY_USAGE,
    /** The extended key usage lacks a purpose the role requires (server or client authentication). */
    MISSING_EKU
}
