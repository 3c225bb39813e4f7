package org.umsec.certs;

import java.security.cert.CertificateException;
import java.util.Objects;

/**
 * Thrown by the trust manager of {@link PeerCertificateValidator} when a peer's chain is refused;
 * carries the typed {@link ValidationResult}. JSSE wraps it in the {@code SSLHandshakeException}'s
 * cause chain, where the SIP layer can find it (or call {@link PeerCertificateValidator#validate}
 * directly).
 */
public final class CertificateValidationException extends CertificateException {
    private static final long serialVersionUID = 1L;

    private final transient ValidationResult result;
    /** The role the peer was validated for. */
    private final PeerRole role;

    /**
     * @param role the role the peer was validated for
     * @param result the failed result
     */
    public CertificateValidationException(PeerRole role, ValidationResult result) {
        super("peer " + role.name().toLowerCase(java.util.Locale.ROOT) + " certificate refused: " + result);
        this.result = Objects.requireNonNull(result);
        this.role = role;
    }

    /** @return the validation outcome (never valid) */
    public ValidationResult result() {
        return result;
    }

    /** @return the failure */
    public ValidationFailure failure() {
        return result.failure().orElseThrow();
    }

    /** @return the role the peer was validated for */
    public PeerRole role() {
        return role;
    }
}
