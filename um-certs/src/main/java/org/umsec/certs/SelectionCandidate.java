package org.umsec.certs;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One personal certificate as selection saw it: its kind, the time it had left, its validation
 * outcome, and — when valid — its tier and position in the order. Immutable.
 *
 * @param certificate the candidate
 * @param remaining time left before expiry at selection time (negative once expired)
 * @param validation the validation outcome (the rejection reason when invalid)
 * @param tier the R9 tier, empty when rejected
 * @param position 1-based rank among valid candidates (1 = selected), 0 when rejected
 */
public record SelectionCandidate(
        PersonalCertificate certificate,
        Duration remaining,
        ValidationResult validation,
        Optional<SelectionTier> tier,
        int position) {

    /**
     * Checks arguments.
     *
     * @param certificate the candidate
     * @param remaining time left
     * @param validation validation outcome
     * @param tier tier
     * @param position rank
     */
    public SelectionCandidate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(remaining, "remaining");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(tier, "tier");
    }

    /** @return the certificate's description */
    public CertificateInfo info() {
        return certificate.info();
    }

    /** @return self-signed or CA-issued */
    public CertificateKind kind() {
        return certificate.info().kind();
    }

    /** @return whether the candidate passed validation */
    public boolean isValid() {
        return validation.isValid();
    }

    /** @return the rejection reason, empty when valid */
    public Optional<ValidationFailure> rejection() {
        return validation.failure();
    }

    /** @return one line: alias, kind, remaining days, then tier or rejection */
    public String explain() {
        String head = certificate.alias() + " [" + kind() + ", sha1 " + info().sha1Thumbprint() + ", "
                + remaining.toDays() + " days left]";
        return isValid()
                ? "#" + position + " " + head + " tier "
                        + tier.map(t -> t.rank() + " " + t).orElse("?")
                : "rejected " + head + " " + validation;
    }
}
