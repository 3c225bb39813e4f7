package org.umsec.certs;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.umsec.certs.internal.X509Support;

/**
 * A certificate revocation list held in the store's {@code crl/} directory, as listed by
 * {@link CertificateStore#crls()} and {@code umsec certs crl list}. Immutable.
 */
public final class CrlInfo {
    private final String id;
    private final Path file;
    private final X509CRL crl;
    private final BigInteger number;

    CrlInfo(String id, Path file, X509CRL crl) {
        this.id = Objects.requireNonNull(id, "id");
        this.file = file;
        this.crl = Objects.requireNonNull(crl, "crl");
        this.number = crlNumber(crl);
    }

    private static BigInteger crlNumber(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (ext == null) {
            return null;
        }
        try {
            return ASN1Integer.getInstance(ASN1OctetString.getInstance(ext).getOctets())
                    .getValue();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** @return the store's name for it (the file name without extension), accepted by {@code certs crl remove} */
    public String id() {
        return id;
    }

    /** @return the file it was read from, or null for one not stored yet */
    public Path file() {
        return file;
    }

    /** @return the CRL */
    public X509CRL crl() {
        return crl;
    }

    /** @return the issuer's name */
    public X500Principal issuer() {
        return crl.getIssuerX500Principal();
    }

    /** @return the issuer's common name, or its whole name when it has none */
    public String issuerCommonName() {
        return X509Support.commonName(issuer().getEncoded()).orElse(issuer().getName());
    }

    /** @return when it was issued */
    public Instant thisUpdate() {
        return crl.getThisUpdate().toInstant();
    }

    /** @return when the next CRL is due; empty when the CRL does not say */
    public Optional<Instant> nextUpdate() {
        return Optional.ofNullable(crl.getNextUpdate()).map(java.util.Date::toInstant);
    }

    /** @return the CRL number extension, when present */
    public Optional<BigInteger> crlNumber() {
        return Optional.ofNullable(number);
    }

    /** @return how many certificates it lists as revoked */
    public int revokedCount() {
        return crl.getRevokedCertificates() == null
                ? 0
                : crl.getRevokedCertificates().size();
    }

    /**
     * @param now the instant
     * @return whether it is past its nextUpdate at {@code now}
     */
    public boolean isStale(Instant now) {
        return crl.getNextUpdate() != null && now.isAfter(crl.getNextUpdate().toInstant());
    }

    /** @return {@code id: issuer, thisUpdate, nextUpdate, n revoked} */
    @Override
    public String toString() {
        return id + ": " + issuer().getName() + ", thisUpdate " + thisUpdate() + ", nextUpdate "
                + nextUpdate().map(Instant::toString).orElse("none") + ", " + revokedCount() + " revoked";
    }
}
