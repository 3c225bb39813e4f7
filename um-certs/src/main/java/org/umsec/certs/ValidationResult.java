package org.umsec.certs;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Outcome of validating a certificate or chain: valid with the path that was built, or the first
 * failure with the element that caused it. Immutable.
 */
public final class ValidationResult {
    private final ValidationFailure failure;
    private final String detail;
    private final int failingIndex;
    private final CertificateInfo failingCertificate;
    private final List<X509Certificate> path;

    private ValidationResult(
            ValidationFailure failure,
            String detail,
            int failingIndex,
            CertificateInfo failingCertificate,
            List<X509Certificate> path) {
        this.failure = failure;
        this.detail = detail;
        this.failingIndex = failingIndex;
        this.failingCertificate = failingCertificate;
        this.path = List.copyOf(path);
    }

    /**
     * A successful validation.
     *
     * @param path the validated path, end entity first, ending with the trust anchor (a self-signed
     *     certificate's path is the certificate alone)
     * @return the result
     */
    public static ValidationResult valid(List<X509Certificate> path) {
        return new ValidationResult(null, "valid", -1, null, path);
    }

    /**
     * A failed validation.
     *
     * @param failure what failed
     * @param detail human-readable explanation naming the failing element
     * @param failingIndex index of the failing certificate in the path (0 = end entity), -1 if none
     * @param failingCertificate the failing certificate, or null
     * @return the result
     */
    public static ValidationResult invalid(
            ValidationFailure failure, String detail, int failingIndex, X509Certificate failingCertificate) {
        Objects.requireNonNull(failure, "failure");
        return new ValidationResult(
                failure,
                Objects.requireNonNull(detail, "detail"),
                failingIndex,
                failingCertificate == null ? null : CertificateInfo.of(failingCertificate),
                List.of());
    }

    /** @return whether the certificate is acceptable */
    public boolean isValid() {
        return failure == null;
    }

    /** @return the failure, empty when valid */
    public Optional<ValidationFailure> failure() {
        return Optional.ofNullable(failure);
    }

    /** @return explanation of the outcome ({@code "valid"} when valid) */
    public String detail() {
        return detail;
    }

    /** @return index of the failing element in the path (0 = end entity), -1 when valid or not tied to one */
    public int failingIndex() {
        return failingIndex;
    }

    /** @return the failing certificate's description, when the failure is tied to one */
    public Optional<CertificateInfo> failingCertificate() {
        return Optional.ofNullable(failingCertificate);
    }

    /** @return the validated path, end entity first; empty when invalid */
    public List<X509Certificate> path() {
        return path;
    }

    /** @return {@code valid} or {@code FAILURE: detail} */
    @Override
    public String toString() {
        return failure == null ? "valid" : failure + ": " + detail;
    }
}
