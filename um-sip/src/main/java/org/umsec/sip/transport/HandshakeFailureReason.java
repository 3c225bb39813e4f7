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
    /** The peer's chain does not lead to a trusted root (or a signature or path rule in it is broken). */
    UNKNOWN_CA,
    /** A certificate in the peer's chain is past its notAfter. */
    EXPIRED,
    /** A certificate in the peer's chain is before its notBefore. */
    NOT_YET_VALID,
    /** A certificate in the peer's chain is listed on its issuer's CRL. */
    REVOKED,
    /** The peer's certificate lacks the extended (or basic) key usage its role requires. */
    BAD_EKU,
    /**
     * The certificate is valid but names nobody we trust: as a server, none of its identities is on
     * the trust list (R17); as a client, it does not name the FQDN dialled.
     */
    IDENTITY_NOT_TRUSTED,
    /** No common protocol version or cipher suite, or the peer did not speak TLS at all. */
    PROTOCOL_OR_CIPHER_MISMATCH,
    /** Anything else: timeout, connection reset, weak key, internal error. */
    OTHER
}
