package org.umsec.certs.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Helpers over {@link X509Certificate} that the public value types share. */
public final class X509Support {
    private X509Support() {}

    /**
     * Digest of the DER encoding.
     *
     * @param certificate the certificate
     * @param algorithm {@code SHA-1} or {@code SHA-256}
     * @return upper-case hex thumbprint
     */
    public static String thumbprint(X509Certificate certificate, String algorithm) {
        try {
            return Hex.encode(MessageDigest.getInstance(algorithm).digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot digest certificate", e);
        }
    }

    /**
     * R8: self-signed means issuer equals subject and the signature verifies with the certificate's
     * own key.
     *
     * @param certificate the certificate
     * @return whether it is self-signed
     */
    public static boolean isSelfSigned(X509Certificate certificate) {
        if (!certificate.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
            return false;
        }
        return verifies(certificate, certificate.getPublicKey());
    }

    /**
     * Whether {@code key} verifies the certificate's signature.
     *
     * @param certificate the signed certificate
     * @param key the candidate issuer key
     * @return true when the signature is valid
     */
    public static boolean verifies(X509Certificate certificate, PublicKey key) {
        // the JDK's certificate object remembers a successful verification with the same key, so the
        // repeated checks of one snapshot (classification, path building, PKIX) cost one signature
        try {
            certificate.verify(key);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Key size in bits: RSA modulus length, EC order length, 255/448 for EdDSA.
     *
     * @param key the key
     * @return the size, or 0 when unknown
     */
    public static int keySize(PublicKey key) {
        if (key instanceof RSAKey) {
            return ((RSAKey) key).getModulus().bitLength();
        }
        if (key instanceof ECKey) {
            return ((ECKey) key).getParams().getOrder().bitLength();
        }
        String alg = key.getAlgorithm();
        if (alg.equalsIgnoreCase("Ed25519") || alg.equalsIgnoreCase("X25519")) {
            return 255;
        }
        if (alg.equalsIgnoreCase("Ed448") || alg.equalsIgnoreCase("X448")) {
            return 448;
        }
        if (alg.equalsIgnoreCase("EdDSA")) {
            return key.getEncoded().length > 50 ? 448 : 255;
        }
        return 0;
    }

    /**
     * subjectAltName entries of one type (2 = dNSName, 7 = iPAddress), in certificate order.
     *
     * @param certificate the certificate
     * @param type the GeneralName tag
     * @return the values as strings (IP addresses in the JDK's textual form)
     */
    public static List<String> subjectAltNames(X509Certificate certificate, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return out;
            }
            for (List<?> name : names) {
                if (name.size() >= 2
                        && name.get(0) instanceof Integer
                        && (Integer) name.get(0) == type
                        && name.get(1) instanceof String) {
                    out.add((String) name.get(1));
                }
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        return out;
    }

    /**
     * The most specific (last encoded) common name of a distinguished name.
     *
     * @param encodedName the DER encoding of the name
     * @return the CN value, empty when the name has none
     */
    public static Optional<String> commonName(byte[] encodedName) {
        try {
            X500Name name = X500Name.getInstance(encodedName);
            RDN[] rdns = name.getRDNs(BCStyle.CN);
            if (rdns.length == 0) {
                return Optional.empty();
            }
            ASN1Encodable value = rdns[rdns.length - 1].getFirst().getValue();
            return Optional.of(value instanceof ASN1String ? ((ASN1String) value).getString() : value.toString());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
