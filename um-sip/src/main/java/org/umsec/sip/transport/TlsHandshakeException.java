package org.umsec.sip.transport;

import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * A {@link SipClient} could not complete the TLS handshake, or the server's certificate was refused.
 * Carries the typed reason, and a summary of the peer's certificate when there was one.
 */
public final class TlsHandshakeException extends SSLException {
    private static final long serialVersionUID = 1L;

    private final HandshakeFailureReason reason;
    private final String peerCertificate;

    /**
     * @param reason why
     * @param message detail
     * @param peerCertificate summary of the peer's certificate, or null
     * @param cause what the engine reported
     */
    public TlsHandshakeException(
            HandshakeFailureReason reason, String message, String peerCertificate, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.peerCertificate = peerCertificate;
    }

    /** @return why the handshake failed */
    public HandshakeFailureReason reason() {
        return reason;
    }

    /** @return subject, issuer, serial, thumbprint and identities of the peer's certificate, if seen */
    public Optional<String> peerCertificate() {
        return Optional.ofNullable(peerCertificate);
    }
}
