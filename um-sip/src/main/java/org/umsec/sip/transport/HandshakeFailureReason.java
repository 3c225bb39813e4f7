package org.umsec.sip.transport;

/**
 * Why a TLS handshake with a peer failed, as carried in the {@code reason} field of
 * {@link org.umsec.core.SecurityEventType#TLS_HANDSHAKE_FAILED} events (R7, R16) and by
 * {@link TlsHandshakeException}.
 *
 * <p>The reason is taken from the typed outcome of the certificate check when there was one
 * ({@link org.umsec.certs.ValidationFailure}), otherwise from what the TLS engine reported.
 */
public enum HandshakeFailureReason {
    /** The peer sent no certificate although mutual TLS requires one. */
    NO_CLIENT_CERTIFICATE,
    /**
     * The peer's chain does not lead to a trusted root (or a signature or path rule in it is broken,
     * or it was issued by a trusted certificate that may not issue: a pinned end entity, R25).
     */
    UNKNOWN_CA,
    /** A certificate in the peer's chain is past its notAfter. */
    EXPIRED,
    /** A certificate in the peer's chain is before its notBefore. */
    NOT_YET_VALID,
    /** A certificate in the peer's chain is listed on its issuer's CRL. */
    REVOKED,
    /**
     * The revocation policy is {@code require} and no current CRL of an issuer in the peer's chain is
     * in the store (none, or past its nextUpdate).
     */
    REVOCATION_UNKNOWN,
    /** A certificate in the peer's chain (the trust anchor excepted) is signed with MD5 or SHA-1. */
    WEAK_SIGNATURE,
    /**
     * A key in the peer's chain (the trust anchor excepted) is weak: RSA under 2048 bits, or EC on a
     * curve other than P-256, P-384 and P-521.
     */
    WEAK_KEY,
    /** The peer's certificate lacks the extended (or basic) key usage its role requires. */
    BAD_EKU,
    /**
     * The certificate is valid but names nobody we trust: as a server, none of its identities is on
     * the trust list (R17); as a client, it does not name the FQDN dialled.
     */
    IDENTITY_NOT_TRUSTED,
    /** No common protocol version or cipher suite, or the peer did not speak TLS at all. */
    PROTOCOL_OR_CIPHER_MISMATCH,
    /** Anything else: timeout, connection reset, unsupported key type, internal error. */
    OTHER
}
