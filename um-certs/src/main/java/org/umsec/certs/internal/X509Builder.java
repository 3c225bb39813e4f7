package org.umsec.certs.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds X.509 certificates and CRLs with BouncyCastle, returning JDK objects. Every option is
 * explicit; the public generators choose the defaults.
 */
public final class X509Builder {
    /** KeyUsage bit for digitalSignature, as in BouncyCastle's {@code KeyUsage}. */
    public static final int KU_DIGITAL_SIGNATURE = KeyUsage.digitalSignature;
    /** KeyUsage bit for keyEncipherment. */
    public static final int KU_KEY_ENCIPHERMENT = KeyUsage.keyEncipherment;
    /** KeyUsage bit for keyCertSign. */
    public static final int KU_KEY_CERT_SIGN = KeyUsage.keyCertSign;
    /** KeyUsage bit for cRLSign. */
    public static final int KU_CRL_SIGN = KeyUsage.cRLSign;

    private static final SecureRandom RANDOM = new SecureRandom();

    private X500Principal subject;
    private X500Principal issuer;
    private PublicKey publicKey;
    private java.security.Provider signatureProvider;
    private PrivateKey signingKey;
    private PublicKey issuerPublicKey;
    private BigInteger serial;
    private Instant notBefore;
    private Instant notAfter;
    private final List<String> dnsNames = new ArrayList<>();
    private final List<String> ipAddresses = new ArrayList<>();
    private List<String> ekuOids;
    private boolean ca;
    private int pathLength = -1;
    private int keyUsage = -1;
    private String signatureAlgorithm;

    /**
     * @param s subject name
     * @return this
     */
    public X509Builder subject(X500Principal s) {
        this.subject = s;
        return this;
    }

    /**
     * @param name issuer name
     * @param key issuer signing key
     * @param issuerPublic issuer public key (for the authority key identifier)
     * @return this
     */
    public X509Builder issuer(X500Principal name, PrivateKey key, PublicKey issuerPublic) {
        this.issuer = name;
        this.signingKey = key;
        this.issuerPublicKey = issuerPublic;
        return this;
    }

    /**
     * @param k subject public key
     * @return this
     */
    public X509Builder publicKey(PublicKey k) {
        this.publicKey = k;
        return this;
    }

    /**
     * @param s serial number, or null for a random 159-bit positive serial
     * @return this
     */
    public X509Builder serial(BigInteger s) {
        this.serial = s;
        return this;
    }

    /**
     * @param from notBefore
     * @param until notAfter
     * @return this
     */
    public X509Builder validity(Instant from, Instant until) {
        this.notBefore = from;
        this.notAfter = until;
        return this;
    }

    /**
     * @param names DNS subjectAltNames
     * @return this
     */
    public X509Builder dnsNames(Collection<String> names) {
        dnsNames.addAll(names);
        return this;
    }

    /**
     * @param ips IP subjectAltNames (literals)
     * @return this
     */
    public X509Builder ipAddresses(Collection<String> ips) {
        ipAddresses.addAll(ips);
        return this;
    }

    /**
     * @param oids EKU OIDs; null for no EKU extension
     * @return this
     */
    public X509Builder extendedKeyUsage(List<String> oids) {
        this.ekuOids = oids;
        return this;
    }

    /**
     * @param isCa basicConstraints cA
     * @param pathLen path length constraint, -1 for none
     * @return this
     */
    public X509Builder ca(boolean isCa, int pathLen) {
        this.ca = isCa;
        this.pathLength = pathLen;
        return this;
    }

    /**
     * @param bits KeyUsage bits (the KU_ constants ORed), -1 for the default of the certificate type
     * @return this
     */
    public X509Builder keyUsage(int bits) {
        this.keyUsage = bits;
        return this;
    }

    /**
     * @param alg explicit signature algorithm (tests of weak algorithms), null for the default
     * @return this
     */
    public X509Builder signatureAlgorithm(String alg) {
        this.signatureAlgorithm = alg;
        return this;
    }

    /**
     * @param p provider of the signature (a key on a curve the JDK cannot sign with), null for the default
     * @return this
     */
    public X509Builder signatureProvider(java.security.Provider p) {
        this.signatureProvider = p;
        return this;
    }

    /** @return a random positive serial number of at most 159 bits (20 octets DER, RFC 5280 §4.1.2.2) */
    public static BigInteger randomSerial() {
        BigInteger s;
        do {
            s = new BigInteger(159, RANDOM);
        } while (s.signum() == 0);
        return s;
    }

    /**
     * Builds and signs the certificate.
     *
     * @return the certificate
     * @throws IllegalStateException when a required field is missing or the signature fails
     */
    public X509Certificate build() {
        if (subject == null || publicKey == null || notBefore == null || notAfter == null) {
            throw new IllegalStateException("subject, public key and validity are required");
        }
        if (issuer == null) {
            throw new IllegalStateException("issuer is required");
        }
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                    X500Name.getInstance(issuer.getEncoded()),
                    serial != null ? serial : randomSerial(),
                    Date.from(notBefore),
                    Date.from(notAfter),
                    X500Name.getInstance(subject.getEncoded()),
                    spki);
            b.addExtension(
                    Extension.basicConstraints,
                    true,
                    ca
                            ? (pathLength >= 0 ? new BasicConstraints(pathLength) : new BasicConstraints(true))
                            : new BasicConstraints(false));
            int ku = keyUsage;
            if (ku < 0) {
                ku = ca
                        ? (KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature)
                        : (publicKey.getAlgorithm().equals("RSA")
                                ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                                : KeyUsage.digitalSignature);
            }
            if (ku != 0) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(ku));
            }
            if (ekuOids != null) {
                KeyPurposeId[] ids = new KeyPurposeId[ekuOids.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = KeyPurposeId.getInstance(new ASN1ObjectIdentifier(ekuOids.get(i)));
                }
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ids));
            }
            if (!dnsNames.isEmpty() || !ipAddresses.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String d : dnsNames) {
                    names.add(new GeneralName(GeneralName.dNSName, d));
                }
                for (String ip : ipAddresses) {
                    names.add(new GeneralName(GeneralName.iPAddress, ip));
                }
                boolean emptySubject = subject.getEncoded().length <= 2;
                b.addExtension(
                        Extension.subjectAlternativeName,
                        emptySubject,
                        new GeneralNames(names.toArray(new GeneralName[0])));
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    utils.createAuthorityKeyIdentifier(issuerPublicKey != null ? issuerPublicKey : publicKey));
            JcaContentSignerBuilder sb = new JcaContentSignerBuilder(
                    signatureAlgorithm != null ? signatureAlgorithm : signatureAlgorithm(signingKey));
            if (signatureProvider != null) {
                sb.setProvider(signatureProvider);
            }
            ContentSigner signer = sb.build(signingKey);
            return toJdk(b.build(signer).getEncoded());
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Whether a string is an IPv4 or IPv6 literal.
     *
     * @param s the string
     * @return true for an IP literal
     */
    public static boolean isIpLiteral(String s) {
        return org.umsec.core.HostNames.isIpLiteral(s);
    }

    /**
     * Signature algorithm for a signing key: SHA-256 (SHA-384 for P-384 and larger) with ECDSA or
     * RSA PKCS#1 v1.5.
     *
     * @param key the signing key
     * @return a JCA signature algorithm name
     */
    public static String signatureAlgorithm(PrivateKey key) {
        String alg = key.getAlgorithm();
        if (alg.equals("EC")) {
            int bits =
                    key instanceof ECKey ? ((ECKey) key).getParams().getOrder().bitLength() : 256;
            return bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
        }
        if (alg.equals("RSA")) {
            return "SHA256withRSA";
        }
        if (alg.equals("Ed25519") || alg.equals("Ed448") || alg.equals("EdDSA")) {
            return alg;
        }
        throw new IllegalArgumentException("unsupported signing key " + alg);
    }

    /**
     * Builds a CRL.
     *
     * @param issuerName the CA name
     * @param issuerKey the CA key
     * @param issuerPublic the CA public key
     * @param thisUpdate issue time
     * @param nextUpdate next expected update
     * @param revoked serial number to revocation time
     * @return the CRL
     */
    public static X509CRL crl(
            X500Principal issuerName,
            PrivateKey issuerKey,
            PublicKey issuerPublic,
            Instant thisUpdate,
            Instant nextUpdate,
            Map<BigInteger, Instant> revoked) {
        try {
            X509v2CRLBuilder b =
                    new X509v2CRLBuilder(X500Name.getInstance(issuerName.getEncoded()), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (Map.Entry<BigInteger, Instant> e : revoked.entrySet()) {
                b.addCRLEntry(e.getKey(), Date.from(e.getValue()), CRLReason.unspecified);
            }
            b.addExtension(
                    Extension.authorityKeyIdentifier,
                    false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuerPublic));
            X509CRLHolder holder = b.build(new JcaContentSignerBuilder(signatureAlgorithm(issuerKey)).build(issuerKey));
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return (X509CRL) cf.generateCRL(new ByteArrayInputStream(holder.getEncoded()));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build CRL: " + e.getMessage(), e);
        }
    }

    /**
     * Parses DER into a JDK certificate.
     *
     * @param der the encoding
     * @return the certificate
     * @throws CertificateException when malformed
     */
    public static X509Certificate toJdk(byte[] der) throws CertificateException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
    }
}
