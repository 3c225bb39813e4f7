package org.umsec.certs;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * An immutable snapshot of a certificate store: personal certificates (with keys), trusted roots,
 * intermediate CA certificates and CRLs. {@link CertificateStore#contents()} returns one; tests and
 * benchmarks can build one in memory with {@link #builder()}.
 */
public final class StoreContents {
    private static final StoreContents EMPTY = builder().build();

    private final List<PersonalCertificate> personal;
    private final List<X509Certificate> trustedRoots;
    private final List<X509Certificate> intermediates;
    private final List<X509CRL> crls;

    private StoreContents(Builder b) {
        this.personal = List.copyOf(b.personal);
        this.trustedRoots = List.copyOf(b.trustedRoots);
        this.intermediates = List.copyOf(b.intermediates);
        this.crls = List.copyOf(b.crls);
    }

    /** @return an empty snapshot */
    public static StoreContents empty() {
        return EMPTY;
    }

    /** @return a builder for an in-memory snapshot */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the server's certificates with private keys */
    public List<PersonalCertificate> personal() {
        return personal;
    }

    /** @return trust anchors for peers and for the server's own CA-issued certificates */
    public List<X509Certificate> trustedRoots() {
        return trustedRoots;
    }

    /** @return intermediate CA certificates available for path building */
    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    /** @return certificate revocation lists */
    public List<X509CRL> crls() {
        return crls;
    }

    /** Builder for {@link StoreContents}. Not thread-safe. */
    public static final class Builder {
        private final List<PersonalCertificate> personal = new ArrayList<>();
        private final List<X509Certificate> trustedRoots = new ArrayList<>();
        private final List<X509Certificate> intermediates = new ArrayList<>();
        private final List<X509CRL> crls = new ArrayList<>();

        private Builder() {}

        /**
         * @param c a personal certificate
         * @return this
         */
        public Builder addPersonal(PersonalCertificate c) {
            personal.add(java.util.Objects.requireNonNull(c));
            return this;
        }

        /**
         * @param c a trusted root
         * @return this
         */
        public Builder addTrustedRoot(X509Certificate c) {
            trustedRoots.add(java.util.Objects.requireNonNull(c));
            return this;
        }

        /**
         * @param c an intermediate CA certificate
         * @return this
         */
        public Builder addIntermediate(X509Certificate c) {
            intermediates.add(java.util.Objects.requireNonNull(c));
            return this;
        }

        /**
         * @param crl a CRL
         * @return this
         */
        public Builder addCrl(X509CRL crl) {
            crls.add(java.util.Objects.requireNonNull(crl));
            return this;
        }

        /** @return the snapshot */
        public StoreContents build() {
            return new StoreContents(this);
        }
    }
}
