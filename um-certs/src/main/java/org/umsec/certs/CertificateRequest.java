package org.umsec.certs;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.umsec.certs.internal.Pem;
import org.umsec.certs.internal.X509Builder;
import org.umsec.core.HostNames;

/**
 * A PKCS#10 certificate request (RFC 2986) for a device (R13): subject, subjectAltNames and the
 * requested extended key usages, signed with the device's key. Made here and signed by any CA
 * (including {@code openssl x509 -req} or {@link CertificateAuthority#sign}); or parsed from PEM/DER.
 * Immutable.
 *
 * <pre>{@code
 * KeyPair kp = KeyAlgorithm.EC_P256.generateKeyPair();
 * CertificateRequest csr = CertificateRequest.builder().subject("CN=gw1.contoso.com")
 *         .dnsName("gw1.contoso.com").build(kp);
 * Files.writeString(path, csr.toPem());
 * }</pre>
 */
public final class CertificateRequest {
    /** Largest request accepted by {@link #parse(byte[])}. */
    public static final int MAX_ENCODED_BYTES = 64 * 1024;

    private final PKCS10CertificationRequest request;
    private final X500Principal subject;
    private final PublicKey publicKey;
    private final List<String> dnsNames;
    private final List<String> ipAddresses;
    private final Set<KeyPurpose> purposes;

    private CertificateRequest(PKCS10CertificationRequest request) throws GeneralSecurityException, IOException {
        this.request = request;
        // BouncyCastle accepts subject encodings the JDK refuses (an AVA that is not a SEQUENCE): read the
        // subject now, so that such a request is refused at import (IllegalArgumentException -> MALFORMED)
        // instead of failing later when it is signed or listed
        this.subject = new X500Principal(request.getSubject().getEncoded());
        this.publicKey = KeyFactory.getInstance(algorithmOf(request))
                .generatePublic(
                        new X509EncodedKeySpec(request.getSubjectPublicKeyInfo().getEncoded()));
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        Set<KeyPurpose> p = EnumSet.noneOf(KeyPurpose.class);
        Extensions ext = requestedExtensions(request);
        if (ext != null) {
            GeneralNames names = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
            if (names != null) {
                for (GeneralName n : names.getNames()) {
                    if (n.getTagNo() == GeneralName.dNSName) {
                        dns.add(n.getName().toString());
                    } else if (n.getTagNo() == GeneralName.iPAddress) {
                        ips.add(ipToString(((DEROctetString) n.getName()).getOctets()));
                    }
                }
            }
            ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(ext);
            if (eku != null) {
                for (KeyPurpose kp : KeyPurpose.values()) {
                    if (eku.hasKeyPurposeId(KeyPurposeId.getInstance(new ASN1ObjectIdentifier(kp.oid())))) {
                        p.add(kp);
                    }
                }
            }
        }
        this.dnsNames = List.copyOf(dns);
        this.ipAddresses = List.copyOf(ips);
        this.purposes = Collections.unmodifiableSet(p);
    }

    private static String algorithmOf(PKCS10CertificationRequest r) {
        String oid = r.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId();
        switch (oid) {
            case "1.2.840.10045.2.1":
                return "EC";
            case "1.2.840.113549.1.1.1":
                return "RSA";
            case "1.3.101.112":
                return "Ed25519";
            default:
                throw new IllegalArgumentException("unsupported public key algorithm " + oid);
        }
    }

    private static Extensions requestedExtensions(PKCS10CertificationRequest r) {
        for (Attribute a : r.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable v : a.getAttributeValues()) {
                return Extensions.getInstance(v);
            }
        }
        return null;
    }

    private static String ipToString(byte[] b) {
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("bad IP address length " + b.length, e);
        }
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses a request from PEM ({@code CERTIFICATE REQUEST} or {@code NEW CERTIFICATE REQUEST}) or DER.
     *
     * @param data the encoded request
     * @return the request (its signature is not checked here: see {@link #signatureValid()})
     * @throws CertificateImportException {@code TOO_LARGE}, {@code MALFORMED} or {@code UNSUPPORTED}
     */
    public static CertificateRequest parse(byte[] data) throws CertificateImportException {
        if (data.length > MAX_ENCODED_BYTES) {
            throw new CertificateImportException(
                    CertificateImportException.Reason.TOO_LARGE,
                    "certificate request of " + data.length + " bytes exceeds " + MAX_ENCODED_BYTES);
        }
        byte[] der = data;
        try {
            if (Pem.looksLikePem(data)) {
                der = null;
                for (Pem.Block b : Pem.decode(data)) {
                    if (b.label().equals("CERTIFICATE REQUEST") || b.label().equals("NEW CERTIFICATE REQUEST")) {
                        der = b.der();
                        break;
                    }
                }
                if (der == null) {
                    throw new CertificateImportException(
                            CertificateImportException.Reason.MALFORMED, "no CERTIFICATE REQUEST block in PEM input");
                }
            }
            return new CertificateRequest(new PKCS10CertificationRequest(der));
        } catch (RuntimeException | IOException e) {
            // BouncyCastle's ASN.1 layer reports malformed structures with several unchecked exceptions
            // (IllegalArgumentException, IllegalStateException for a bad implicit tag in a GeneralName,
            // ClassCastException): every one of them is a malformed request, never a crash of the caller
            if (e.getMessage() != null && e.getMessage().startsWith("unsupported public key")) {
                throw new CertificateImportException(CertificateImportException.Reason.UNSUPPORTED, e.getMessage(), e);
            }
            throw new CertificateImportException(
                    CertificateImportException.Reason.MALFORMED,
                    "not a PKCS#10 certificate request: " + e.getMessage(),
                    e);
        } catch (GeneralSecurityException e) {
            throw new CertificateImportException(
                    CertificateImportException.Reason.UNSUPPORTED,
                    "unsupported key in certificate request: " + e.getMessage(),
                    e);
        }
    }

    /** @return the requested subject name */
    public X500Principal subject() {
        return subject;
    }

    /** @return the public key to certify */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** @return requested subjectAltName DNS names */
    public List<String> dnsNames() {
        return dnsNames;
    }

    /** @return requested subjectAltName IP addresses */
    public List<String> ipAddresses() {
        return ipAddresses;
    }

    /** @return requested extended key usages (a CA's template may override them) */
    public Set<KeyPurpose> requestedPurposes() {
        return purposes;
    }

    /** @return whether the request is signed by the key it contains (proof of possession) */
    public boolean signatureValid() {
        try {
            return request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            return false;
        }
    }

    /** @return the DER encoding */
    public byte[] encoded() {
        try {
            return request.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the PEM encoding ({@code -----BEGIN CERTIFICATE REQUEST-----}) */
    public String toPem() {
        return Pem.encode("CERTIFICATE REQUEST", encoded());
    }

    @Override
    public String toString() {
        return "CertificateRequest[subject=" + subject().getName() + ", dns=" + dnsNames + ", ip=" + ipAddresses
                + ", purposes=" + purposes + "]";
    }

    /** Builder for {@link CertificateRequest}. */
    public static final class Builder {
        private X500Principal subject;
        private final List<String> dnsNames = new ArrayList<>();
        private final List<String> ipAddresses = new ArrayList<>();
        private Set<KeyPurpose> purposes = EnumSet.of(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH);

        private Builder() {}

        /**
         * @param dn RFC 2253 subject
         * @return this
         */
        public Builder subject(String dn) {
            this.subject = new X500Principal(dn);
            return this;
        }

        /**
         * @param dn the subject
         * @return this
         */
        public Builder subject(X500Principal dn) {
            this.subject = Objects.requireNonNull(dn);
            return this;
        }

        /**
         * @param name a DNS host name for the subjectAltName
         * @return this
         * @throws IllegalArgumentException when not a host name
         */
        public Builder dnsName(String name) {
            CertificateSpec.builder().dnsName(name); // same validation rules
            dnsNames.add(name.toLowerCase(Locale.ROOT).replaceAll("\\.$", ""));
            return this;
        }

        /**
         * @param ip an IP literal for the subjectAltName
         * @return this
         * @throws IllegalArgumentException when not an IP literal
         */
        public Builder ipAddress(String ip) {
            Objects.requireNonNull(ip, "ip");
            ipAddresses.add(HostNames.canonicalIp(ip)
                    .orElseThrow(() -> new IllegalArgumentException("not an IP address literal: '" + ip + "'")));
            return this;
        }

        /**
         * @param p requested extended key usages (default server and client authentication); empty
         *     requests none
         * @return this
         */
        public Builder purposes(Set<KeyPurpose> p) {
            this.purposes = EnumSet.noneOf(KeyPurpose.class);
            this.purposes.addAll(p);
            return this;
        }

        /**
         * Signs the request with the key pair.
         *
         * @param keyPair the device's key pair
         * @return the request
         * @throws IllegalStateException without a subject or names
         */
        public CertificateRequest build(KeyPair keyPair) {
            X500Principal s = subject;
            if (s == null) {
                if (dnsNames.isEmpty()) {
                    throw new IllegalStateException("a subject or a DNS name is required");
                }
                s = new X500Principal("CN=" + dnsNames.get(0));
            }
            try {
                JcaPKCS10CertificationRequestBuilder b = new JcaPKCS10CertificationRequestBuilder(
                        X500Name.getInstance(s.getEncoded()), keyPair.getPublic());
                ExtensionsGenerator ext = new ExtensionsGenerator();
                if (!dnsNames.isEmpty() || !ipAddresses.isEmpty()) {
                    List<GeneralName> names = new ArrayList<>();
                    dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
                    ipAddresses.forEach(i -> names.add(new GeneralName(GeneralName.iPAddress, i)));
                    ext.addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(names.toArray(new GeneralName[0])));
                }
                if (!purposes.isEmpty()) {
                    List<KeyPurposeId> ids = new ArrayList<>();
                    purposes.forEach(p -> ids.add(KeyPurposeId.getInstance(new ASN1ObjectIdentifier(p.oid()))));
                    ext.addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ids.toArray(new KeyPurposeId[0])));
                }
                if (!ext.isEmpty()) {
                    b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
                }
                PKCS10CertificationRequest r =
                        b.build(new JcaContentSignerBuilder(X509Builder.signatureAlgorithm(keyPair.getPrivate()))
                                .build(keyPair.getPrivate()));
                return new CertificateRequest(r);
            } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
                throw new IllegalStateException("cannot build certificate request: " + e.getMessage(), e);
            }
        }
    }
}
