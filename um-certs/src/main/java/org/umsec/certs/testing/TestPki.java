package org.umsec.certs.testing;

import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.umsec.certs.CertificateAuthority;
import org.umsec.certs.CertificateSpec;
import org.umsec.certs.KeyAlgorithm;
import org.umsec.certs.KeyPurpose;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.StoreContents;
import org.umsec.certs.internal.X509Builder;

/**
 * A throw-away PKI for tests and labs: a root CA, an intermediate under it, and a builder for leaf
 * certificates good or deliberately broken (expired, not yet valid, wrong EKU, no digital signature
 * key usage, weak key, self-signed, issued by another PKI, revoked by CRL). All keys are ECDSA P-256
 * unless asked otherwise; everything is made in memory on the given clock.
 *
 * <p><b>For tests and labs only.</b> Nothing here is fit for production trust decisions.
 *
 * <pre>{@code
 * MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
 * TestPki pki = TestPki.create("Lab", clock);
 * PersonalCertificate server = pki.leaf("um1.lab.test").build();
 * PersonalCertificate expired = pki.leaf("old.lab.test").validUntil(clock.instant().minusSeconds(60)).build();
 * StoreContents store = pki.trust().addPersonal(server).addPersonal(expired).build();
 * }</pre>
 */
public final class TestPki {
    private final Clock clock;
    private final CertificateAuthority root;
    private final CertificateAuthority intermediate;

    private TestPki(String name, Clock clock) {
        this.clock = clock;
        Instant now = clock.instant();
        this.root = CertificateAuthority.createRoot(
                CertificateSpec.builder()
                        .subject("CN=" + name + " Test Root,O=umsec tests")
                        .notBefore(now.minus(Duration.ofDays(1)))
                        .validity(Duration.ofDays(3650))
                        .build(),
                clock);
        this.intermediate = root.createIntermediate(CertificateSpec.builder()
                .subject("CN=" + name + " Test Intermediate,O=umsec tests")
                .notBefore(now.minus(Duration.ofDays(1)))
                .validity(Duration.ofDays(1825))
                .build());
    }

    /**
     * Creates a PKI with a root and an intermediate valid from a day before the clock's instant.
     *
     * @param name distinguishes several PKIs ("Lab", "Other")
     * @param clock the clock
     * @return the PKI
     */
    public static TestPki create(String name, Clock clock) {
        return new TestPki(name, clock);
    }

    /** @return the root CA */
    public CertificateAuthority root() {
        return root;
    }

    /** @return the intermediate CA (issues leaves by default) */
    public CertificateAuthority intermediate() {
        return intermediate;
    }

    /** @return the root certificate */
    public X509Certificate rootCertificate() {
        return root.certificate();
    }

    /**
     * @return a store builder that trusts this PKI's root and knows its intermediate
     */
    public StoreContents.Builder trust() {
        return StoreContents.builder().addTrustedRoot(root.certificate()).addIntermediate(intermediate.certificate());
    }

    /**
     * Revokes a certificate issued by the intermediate.
     *
     * @param certificate the certificate
     * @return the intermediate's new CRL (valid for 7 days)
     */
    public X509CRL revoke(X509Certificate certificate) {
        intermediate.revoke(certificate);
        return intermediate.crl(Duration.ofDays(7));
    }

    /**
     * @param dnsName the leaf's DNS name (also its CN)
     * @return a builder for a leaf issued by the intermediate, valid from one day ago for 90 days,
     *     server and client authentication
     */
    public LeafBuilder leaf(String dnsName) {
        return new LeafBuilder(dnsName);
    }

    /** Builder of a leaf certificate with its key. */
    public final class LeafBuilder {
        private final String dnsName;
        private final List<String> ips = new ArrayList<>();
        private Instant notBefore;
        private Instant notAfter;
        private Set<KeyPurpose> purposes = EnumSet.of(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH);
        private List<String> rawEku;
        private boolean noEku;
        private KeyAlgorithm algorithm = KeyAlgorithm.EC_P256;
        private KeyPair keyPair;
        private int keyUsage = -1;
        private boolean selfSigned;
        private CertificateAuthority issuer = intermediate;
        private PersonalCertificate keyHolder;
        private String alias;

        private LeafBuilder(String dnsName) {
            this.dnsName = dnsName;
            this.notBefore = clock.instant().minus(Duration.ofDays(1));
            this.notAfter = clock.instant().plus(Duration.ofDays(90));
        }

        /**
         * @param from notBefore
         * @return this
         */
        public LeafBuilder validFrom(Instant from) {
            this.notBefore = from;
            return this;
        }

        /**
         * @param until notAfter
         * @return this
         */
        public LeafBuilder validUntil(Instant until) {
            this.notAfter = until;
            return this;
        }

        /**
         * @param p extended key usages
         * @return this
         */
        public LeafBuilder purposes(KeyPurpose... p) {
            this.purposes = EnumSet.noneOf(KeyPurpose.class);
            this.purposes.addAll(List.of(p));
            this.noEku = false;
            return this;
        }

        /**
         * @param oids raw EKU OIDs (for example code signing {@code 1.3.6.1.5.5.7.3.3})
         * @return this
         */
        public LeafBuilder ekuOids(String... oids) {
            this.rawEku = List.of(oids);
            return this;
        }

        /** @return this, without an EKU extension (any purpose) */
        public LeafBuilder noExtendedKeyUsage() {
            this.noEku = true;
            return this;
        }

        /** @return this, with key usage keyEncipherment only (no digitalSignature) */
        public LeafBuilder withoutDigitalSignature() {
            this.keyUsage = X509Builder.KU_KEY_ENCIPHERMENT;
            return this;
        }

        /**
         * @param alg key type
         * @return this
         */
        public LeafBuilder keyAlgorithm(KeyAlgorithm alg) {
            this.algorithm = alg;
            return this;
        }

        /**
         * @param kp an explicit key pair (for example a weak RSA-1024 one)
         * @return this
         */
        public LeafBuilder keyPair(KeyPair kp) {
            this.keyPair = kp;
            return this;
        }

        /**
         * @param ip an IP address subjectAltName
         * @return this
         */
        public LeafBuilder ipAddress(String ip) {
            this.ips.add(ip);
            return this;
        }

        /** @return this, made self-signed instead of CA-issued */
        public LeafBuilder selfSigned() {
            this.selfSigned = true;
            return this;
        }

        /** @return this, issued directly by the root (chain leaf, root) */
        public LeafBuilder issuedByRoot() {
            this.issuer = root;
            return this;
        }

        /**
         * @param ca another issuer, for example another PKI's intermediate ("wrong CA")
         * @return this
         */
        public LeafBuilder issuedBy(CertificateAuthority ca) {
            this.issuer = ca;
            return this;
        }

        /**
         * The forgery of R25 attack tests: the leaf names {@code holder}'s subject as its issuer and
         * is signed with {@code holder}'s private key, whatever {@code holder} is (typically a
         * gateway's self-signed end-entity certificate that the server trusts as a pin). The chain is
         * the leaf, then {@code holder}'s certificate.
         *
         * @param holder the certificate whose key signs
         * @return this
         */
        public LeafBuilder signedWithKeyOf(PersonalCertificate holder) {
            this.keyHolder = holder;
            return this;
        }

        /**
         * @param a store alias (default derived from CN and thumbprint)
         * @return this
         */
        public LeafBuilder alias(String a) {
            this.alias = a;
            return this;
        }

        /** @return the certificate with its key and chain (leaf, then issuing CAs below the root) */
        public PersonalCertificate build() {
            KeyPair kp = keyPair != null ? keyPair : algorithm.generateKeyPair();
            List<String> eku = null;
            if (rawEku != null) {
                eku = rawEku;
            } else if (!noEku) {
                eku = new ArrayList<>();
                for (KeyPurpose p : purposes) {
                    eku.add(p.oid());
                }
            }
            X500Principal subject = new X500Principal("CN=" + dnsName);
            X509Builder b = new X509Builder()
                    .subject(subject)
                    .dnsNames(List.of(dnsName))
                    .ipAddresses(ips)
                    .validity(notBefore, notAfter)
                    .publicKey(kp.getPublic())
                    .extendedKeyUsage(eku)
                    .keyUsage(keyUsage);
            List<X509Certificate> chain = new ArrayList<>();
            if (selfSigned) {
                chain.add(b.issuer(subject, kp.getPrivate(), kp.getPublic()).build());
            } else if (keyHolder != null) {
                X509Certificate h = keyHolder.certificate();
                chain.add(b.issuer(h.getSubjectX500Principal(), keyHolder.privateKey(), h.getPublicKey())
                        .build());
                chain.add(h);
            } else {
                X509Certificate ca = issuer.certificate();
                chain.add(b.issuer(ca.getSubjectX500Principal(), issuer.privateKey(), ca.getPublicKey())
                        .build());
                List<X509Certificate> caChain = issuer.chain();
                chain.addAll(caChain.subList(0, caChain.size() - 1));
            }
            return alias == null
                    ? PersonalCertificate.of(kp.getPrivate(), chain)
                    : PersonalCertificate.of(alias, kp.getPrivate(), chain);
        }
    }
}
