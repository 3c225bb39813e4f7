package org.umsec.certs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.umsec.certs.internal.ChainValidator;

/**
 * Chooses the server's certificate from a store snapshot, exactly in the document's order (R9):
 * <ol>
 * <li>PKI or commercial (CA-issued) certificate with the longest time left,</li>
 * <li>CA-issued certificates with less time left,</li>
 * <li>self-signed certificate with the longest time left,</li>
 * <li>self-signed certificates with less time left.</li>
 * </ol>
 * Only valid candidates take part: inside their validity period, a complete path to a trusted root
 * through the store's intermediates (CA-issued ones), nothing in the path expired or revoked by a
 * store CRL, a TLS-capable key, key usage allowing signatures, and the extended key usages of the
 * {@link SelectionCriteria}. Self-signed certificates need not be trusted roots: the peers must
 * import them (R15).
 *
 * <p>Ties (equal notAfter within a kind) are broken deterministically: the later notBefore (the
 * newer certificate) wins, then the smaller SHA-256 thumbprint, then the smaller alias.
 *
 * <p>Private keys are not examined here (selection is about certificates); {@link CertificateProvider}
 * proves that the chosen candidate's key matches before using it and passes over one that does not.
 *
 * <p>Stateless and thread-safe. Cost: one path validation per CA-issued candidate; the JDK caches a
 * verified signature on the certificate object, so re-selecting the same snapshot costs about
 * 15–25 µs of CPU per certificate and only new certificates pay for signature verification (see
 * {@code benchmarks/RESULTS.md}).
 */
public final class CertificateSelector {
    private static final Comparator<SelectionCandidate> ORDER = Comparator.comparing(
                    (SelectionCandidate c) -> c.kind() == CertificateKind.CA_ISSUED ? 0 : 1)
            .thenComparing((SelectionCandidate c) -> c.info().notAfter(), Comparator.reverseOrder())
            .thenComparing((SelectionCandidate c) -> c.info().notBefore(), Comparator.reverseOrder())
            .thenComparing((SelectionCandidate c) -> c.info().sha256Thumbprint())
            .thenComparing((SelectionCandidate c) -> c.certificate().alias());

    private CertificateSelector() {}

    /**
     * Selects at the clock's current time.
     *
     * @param contents the store snapshot
     * @param criteria what the certificate must offer
     * @param clock the clock
     * @return the explained result
     */
    public static SelectionResult select(StoreContents contents, SelectionCriteria criteria, Clock clock) {
        return select(contents, criteria, clock.instant());
    }

    /**
     * Selects at a given instant.
     *
     * @param contents the store snapshot
     * @param criteria what the certificate must offer
     * @param time the instant
     * @return the explained result
     */
    public static SelectionResult select(StoreContents contents, SelectionCriteria criteria, Instant time) {
        ChainValidator validator = new ChainValidator(contents);
        List<SelectionCandidate> valid = new ArrayList<>();
        List<SelectionCandidate> rejected = new ArrayList<>();
        for (PersonalCertificate pc : contents.personal()) {
            ValidationResult r = validator.validate(
                    pc.chain(), pc.info(), time, criteria.requiredPurposes(), criteria.minRsaBits(), true);
            Duration remaining = pc.info().remaining(time);
            SelectionCandidate c = new SelectionCandidate(pc, remaining, r, Optional.empty(), 0);
            (r.isValid() ? valid : rejected).add(c);
        }
        valid.sort(ORDER);
        List<SelectionCandidate> out = new ArrayList<>(valid.size() + rejected.size());
        boolean firstCa = true;
        boolean firstSelf = true;
        for (int i = 0; i < valid.size(); i++) {
            SelectionCandidate c = valid.get(i);
            SelectionTier tier;
            if (c.kind() == CertificateKind.CA_ISSUED) {
                tier = firstCa ? SelectionTier.PKI_LONGEST : SelectionTier.PKI_SHORTER;
                firstCa = false;
            } else {
                tier = firstSelf ? SelectionTier.SELF_SIGNED_LONGEST : SelectionTier.SELF_SIGNED_SHORTER;
                firstSelf = false;
            }
            out.add(new SelectionCandidate(c.certificate(), c.remaining(), c.validation(), Optional.of(tier), i + 1));
        }
        rejected.sort(
                Comparator.comparing((SelectionCandidate c) -> c.certificate().alias()));
        out.addAll(rejected);
        return new SelectionResult(time, criteria, out);
    }
}
