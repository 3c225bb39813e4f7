package org.umsec.certs;

import java.time.Instant;
import java.util.Objects;

/**
 * The certificate a {@link CertificateProvider} currently uses, with the selection that chose it.
 * Immutable.
 */
public final class SelectedCertificate {
    private final PersonalCertificate certificate;
    private final SelectionResult selection;
    private final boolean generated;
    private final Instant since;

    SelectedCertificate(PersonalCertificate certificate, SelectionResult selection, boolean generated, Instant since) {
        this.certificate = Objects.requireNonNull(certificate);
        this.selection = Objects.requireNonNull(selection);
        this.generated = generated;
        this.since = Objects.requireNonNull(since);
    }

    /** @return the certificate with key and chain */
    public PersonalCertificate certificate() {
        return certificate;
    }

    /** @return its description (issuer, serial, thumbprints, identity) */
    public CertificateInfo info() {
        return certificate.info();
    }

    /** @return the selection that chose it, with every candidate explained */
    public SelectionResult selection() {
        return selection;
    }

    /** @return whether the provider generated it because nothing in the store was valid (R9) */
    public boolean generated() {
        return generated;
    }

    /** @return when the provider started using it */
    public Instant since() {
        return since;
    }

    @Override
    public String toString() {
        return "SelectedCertificate[" + certificate + (generated ? ", generated" : "") + ", since " + since + "]";
    }
}
