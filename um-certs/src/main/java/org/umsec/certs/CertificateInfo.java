package org.umsec.certs;

import java.math.BigInteger;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.umsec.certs.internal.X509Support;
import org.umsec.core.CertificateIdentity;

/**
 * What umsec reports about a certificate: the identity the document logs (R10: issuer, serial
 * number, SHA-1 thumbprint), a SHA-256 thumbprint, its kind (R8), validity, key and key purposes,
 * and the names it presents to peers (RFC 5922). Immutable; computed once (the self-signature check
 * costs one signature verification).
 *
 * <pre>{@code
 * CertificateInfo info = CertificateInfo.of(cert);
 * log.info("using {} {} {}", info.issuer().getName(), info.serialNumberHex(), info.sha1Thumbprint());
 * }</pre>
 */
public final class CertificateInfo {
    private final X509Certificate certificate;
    private final String sha1;
    private final String sha256;
    private final CertificateKind kind;
    private final CertificateIdentity identity;
    private final Set<KeyPurpose> purposes;
    private final boolean hasEku;
    private final boolean anyPurpose;

    private CertificateInfo(X509Certificate certificate) {
        this.certificate = certificate;
        this.sha1 = X509Support.thumbprint(certificate, "SHA-1");
        this.sha256 = X509Support.thumbprint(certificate, "SHA-256");
        this.kind = X509Support.isSelfSigned(certificate) ? CertificateKind.SELF_SIGNED : CertificateKind.CA_ISSUED;
        this.identity = CertificateIdentity.of(
                X509Support.subjectAltNames(certificate, 2),
                X509Support.subjectAltNames(certificate, 7),
                X509Support.commonName(certificate.getSubjectX500Principal().getEncoded()));
        Set<KeyPurpose> p = EnumSet.noneOf(KeyPurpose.class);
        boolean eku = false;
        boolean any = false;
        try {
            List<String> oids = certificate.getExtendedKeyUsage();
            if (oids != null) {
                eku = true;
                for (KeyPurpose purpose : KeyPurpose.values()) {
                    if (oids.contains(purpose.oid())) {
                        p.add(purpose);
                    }
                }
                any = oids.contains(KeyPurpose.ANY_OID);
            }
        } catch (CertificateParsingException e) {
            eku = true;
        }
        this.purposes = Collections.unmodifiableSet(p);
        this.hasEku = eku;
        this.anyPurpose = any;
    }

    /**
     * Describes a certificate.
     *
     * @param certificate the certificate
     * @return its description
     */
    public static CertificateInfo of(X509Certificate certificate) {
        return new CertificateInfo(Objects.requireNonNull(certificate, "certificate"));
    }

    /** @return the certificate described */
    public X509Certificate certificate() {
        return certificate;
    }

    /** @return the subject distinguished name */
    public X500Principal subject() {
        return certificate.getSubjectX500Principal();
    }

    /** @return the issuer distinguished name */
    public X500Principal issuer() {
        return certificate.getIssuerX500Principal();
    }

    /** @return the serial number */
    public BigInteger serialNumber() {
        return certificate.getSerialNumber();
    }

    /** @return the serial number in upper-case hex */
    public String serialNumberHex() {
        return issuerNameSerialNumber().serialNumberHex();
    }

    /** @return issuer name and serial number, the certificate's unique identity (R10) */
    public IssuerNameSerialNumber issuerNameSerialNumber() {
        return IssuerNameSerialNumber.of(certificate);
    }

    /** @return SHA-1 of the DER encoding, upper-case hex (the thumbprint the document logs) */
    public String sha1Thumbprint() {
        return sha1;
    }

    /** @return SHA-256 of the DER encoding, upper-case hex */
    public String sha256Thumbprint() {
        return sha256;
    }

    /** @return self-signed or CA-issued (R8) */
    public CertificateKind kind() {
        return kind;
    }

    /** @return start of the validity period */
    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    /** @return end of the validity period */
    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /**
     * Time left before expiry.
     *
     * @param now the current time
     * @return {@code notAfter - now}, negative once expired
     */
    public Duration remaining(Instant now) {
        return Duration.between(now, notAfter());
    }

    /** @return the names presented to peers: SAN DNS and IP entries and the subject CN */
    public CertificateIdentity identity() {
        return identity;
    }

    /** @return the key purposes named in the EKU extension that umsec knows */
    public Set<KeyPurpose> keyPurposes() {
        return purposes;
    }

    /** @return whether the certificate has an extended key usage extension at all */
    public boolean hasExtendedKeyUsage() {
        return hasEku;
    }

    /**
     * Whether the certificate may be used for a purpose: an absent EKU extension or
     * {@code anyExtendedKeyUsage} allows every purpose (RFC 5280 §4.2.1.12).
     *
     * @param purpose the purpose
     * @return whether it is allowed
     */
    public boolean allows(KeyPurpose purpose) {
        return !hasEku || anyPurpose || purposes.contains(purpose);
    }

    /** @return the public key algorithm, for example {@code EC} or {@code RSA} */
    public String keyAlgorithm() {
        return certificate.getPublicKey().getAlgorithm();
    }

    /** @return key size in bits (0 if unknown) */
    public int keySize() {
        return X509Support.keySize(certificate.getPublicKey());
    }

    /** @return a one-line summary: subject, issuer, serial, SHA-1 thumbprint, kind, expiry */
    @Override
    public String toString() {
        return "subject=" + subject().getName() + ", issuer=" + issuer().getName() + ", serial=" + serialNumberHex()
                + ", sha1=" + sha1 + ", kind=" + kind + ", notAfter=" + notAfter();
    }

    /**
     * Two descriptions are equal when they describe the same certificate encoding.
     *
     * @param o the other object
     * @return equality by SHA-256 thumbprint
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof CertificateInfo && ((CertificateInfo) o).sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return sha256.hashCode();
    }
}
