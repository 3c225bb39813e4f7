package org.umsec.certs;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * The pair that identifies a certificate uniquely (R10): issuer distinguished name and serial
 * number. Issuer names compare in canonical form (RFC 2253 canonicalisation of
 * {@link X500Principal#equals}), so differently spelled encodings of the same name are equal.
 *
 * @param issuer the issuer distinguished name
 * @param serialNumber the serial number
 */
public record IssuerNameSerialNumber(X500Principal issuer, BigInteger serialNumber) {

    /**
     * Checks arguments.
     *
     * @param issuer the issuer
     * @param serialNumber the serial number
     */
    public IssuerNameSerialNumber {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(serialNumber, "serialNumber");
    }

    /**
     * Takes the pair from a certificate.
     *
     * @param certificate the certificate
     * @return its issuer and serial number
     */
    public static IssuerNameSerialNumber of(X509Certificate certificate) {
        return new IssuerNameSerialNumber(certificate.getIssuerX500Principal(), certificate.getSerialNumber());
    }

    /**
     * Returns the serial number as upper-case hex, as certificate tools show it.
     *
     * @return hex serial number
     */
    public String serialNumberHex() {
        return serialNumber.toString(16).toUpperCase(java.util.Locale.ROOT);
    }

    /** @return {@code issuer=<RFC 2253 name>, serial=<hex>} */
    @Override
    public String toString() {
        return "issuer=" + issuer.getName() + ", serial=" + serialNumberHex();
    }
}
