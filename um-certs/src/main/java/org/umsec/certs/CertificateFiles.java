package org.umsec.certs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.CRLException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMDecryptorProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.umsec.certs.CertificateImportException.Reason;
import org.umsec.certs.internal.Bc;
import org.umsec.certs.internal.KeyChecks;
import org.umsec.certs.internal.Pem;

/**
 * Import and export of certificates, keys, CRLs and PKCS#12 files in the formats people already
 * have (R12): PEM (RFC 7468), DER, and PKCS#12 with a password. Every reader bounds its input to
 * {@value #MAX_INPUT_BYTES} bytes and fails with a {@link CertificateImportException} whose reason
 * says what to fix (wrong password, key mismatch, garbage...). Stateless, thread-safe.
 *
 * <pre>{@code
 * PersonalCertificate pc = CertificateFiles.readPkcs12(Files.readAllBytes(p12), "secret".toCharArray());
 * Files.writeString(gatewayFile, CertificateFiles.toPem(pc.certificate())); // public part for gateways
 * }</pre>
 */
public final class CertificateFiles {
    /** Largest input any reader accepts (1 MiB); larger input is refused as {@code TOO_LARGE}. */
    public static final int MAX_INPUT_BYTES = 1024 * 1024;

    private CertificateFiles() {}

    private static void checkSize(byte[] data, String what) throws CertificateImportException {
        if (data.length > MAX_INPUT_BYTES) {
            throw new CertificateImportException(
                    Reason.TOO_LARGE, what + " of " + data.length + " bytes exceeds the limit of " + MAX_INPUT_BYTES);
        }
        if (data.length == 0) {
            throw new CertificateImportException(Reason.MALFORMED, what + " is empty");
        }
    }

    /**
     * Reads every certificate from PEM ({@code CERTIFICATE} blocks) or DER (a single certificate or a
     * PKCS#7 bundle).
     *
     * @param data the input
     * @return the certificates in input order (at least one)
     * @throws CertificateImportException {@code MALFORMED}, {@code TOO_LARGE} or {@code NO_CERTIFICATE}
     */
    public static List<X509Certificate> readCertificates(byte[] data) throws CertificateImportException {
        checkSize(data, "certificate input");
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            if (Pem.looksLikePem(data)) {
                for (Pem.Block b : Pem.decode(data)) {
                    if (b.label().equals("CERTIFICATE") || b.label().equals("X509 CERTIFICATE")) {
                        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                    }
                }
            } else {
                Collection<? extends Certificate> certs = cf.generateCertificates(new ByteArrayInputStream(data));
                for (Certificate c : certs) {
                    out.add((X509Certificate) c);
                }
            }
        } catch (CertificateException | IllegalArgumentException | ClassCastException e) {
            throw new CertificateImportException(Reason.MALFORMED, "not a valid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CertificateImportException(Reason.NO_CERTIFICATE, "input contains no certificate");
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Reads CRLs from PEM ({@code X509 CRL} blocks) or DER.
     *
     * @param data the input
     * @return the CRLs (at least one)
     * @throws CertificateImportException {@code MALFORMED} or {@code TOO_LARGE}
     */
    public static List<X509CRL> readCrls(byte[] data) throws CertificateImportException {
        checkSize(data, "CRL input");
        List<X509CRL> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            if (Pem.looksLikePem(data)) {
                for (Pem.Block b : Pem.decode(data)) {
                    if (b.label().equals("X509 CRL")) {
                        out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(b.der())));
                    }
                }
            } else {
                out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(data)));
            }
        } catch (CertificateException | CRLException | IllegalArgumentException | ClassCastException e) {
            throw new CertificateImportException(Reason.MALFORMED, "not a valid CRL: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CertificateImportException(Reason.MALFORMED, "input contains no X509 CRL block");
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Reads a private key: PEM PKCS#8 ({@code PRIVATE KEY}), encrypted PKCS#8
     * ({@code ENCRYPTED PRIVATE KEY}), traditional OpenSSL ({@code RSA/EC PRIVATE KEY}, optionally
     * encrypted), or DER PKCS#8.
     *
     * @param data the input
     * @param password the password for encrypted keys, or null
     * @return the key (a JDK key object)
     * @throws CertificateImportException {@code NO_PRIVATE_KEY}, {@code WRONG_PASSWORD} (also when an
     *     encrypted key comes without a password), {@code MALFORMED}, {@code UNSUPPORTED}, {@code TOO_LARGE}
     */
    public static PrivateKey readPrivateKey(byte[] data, char[] password) throws CertificateImportException {
        checkSize(data, "private key input");
        PrivateKeyInfo info;
        try {
            if (!Pem.looksLikePem(data)) {
                info = PrivateKeyInfo.getInstance(data);
            } else {
                info = null;
                try (PEMParser parser =
                        new PEMParser(new StringReader(new String(data, java.nio.charset.StandardCharsets.US_ASCII)))) {
                    Object o;
                    while (info == null && (o = parser.readObject()) != null) {
                        info = toKeyInfo(o, password);
                    }
                }
                if (info == null) {
                    throw new CertificateImportException(Reason.NO_PRIVATE_KEY, "input contains no private key");
                }
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
            throw new CertificateImportException(Reason.MALFORMED, "not a valid private key: " + e.getMessage(), e);
        }
        return toJdk(info);
    }

    private static PrivateKeyInfo toKeyInfo(Object o, char[] password) throws CertificateImportException, IOException {
        if (o instanceof PrivateKeyInfo) {
            return (PrivateKeyInfo) o;
        }
        if (o instanceof PEMKeyPair) {
            return ((PEMKeyPair) o).getPrivateKeyInfo();
        }
        if (o instanceof PKCS8EncryptedPrivateKeyInfo) {
            requirePassword(password);
            try {
                InputDecryptorProvider d = new JceOpenSSLPKCS8DecryptorProviderBuilder()
                        .setProvider(Bc.PROVIDER)
                        .build(password);
                return ((PKCS8EncryptedPrivateKeyInfo) o).decryptPrivateKeyInfo(d);
            } catch (PKCSException | OperatorCreationException e) {
                throw new CertificateImportException(
                        Reason.WRONG_PASSWORD, "cannot decrypt private key: wrong password?", e);
            }
        }
        if (o instanceof PEMEncryptedKeyPair) {
            requirePassword(password);
            try {
                PEMDecryptorProvider d = new JcePEMDecryptorProviderBuilder()
                        .setProvider(Bc.PROVIDER)
                        .build(password);
                return ((PEMEncryptedKeyPair) o).decryptKeyPair(d).getPrivateKeyInfo();
            } catch (PEMException e) {
                throw new CertificateImportException(
                        Reason.WRONG_PASSWORD, "cannot decrypt private key: wrong password?", e);
            }
        }
        return null;
    }

    private static void requirePassword(char[] password) throws CertificateImportException {
        if (password == null) {
            throw new CertificateImportException(
                    Reason.WRONG_PASSWORD, "private key is encrypted and no password was given");
        }
    }

    private static PrivateKey toJdk(PrivateKeyInfo info) throws CertificateImportException {
        String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        String alg;
        switch (oid) {
            case "1.2.840.10045.2.1":
                alg = "EC";
                break;
            case "1.2.840.113549.1.1.1":
                alg = "RSA";
                break;
            case "1.3.101.112":
                alg = "Ed25519";
                break;
            case "1.3.101.113":
                alg = "Ed448";
                break;
            default:
                throw new CertificateImportException(Reason.UNSUPPORTED, "unsupported private key algorithm " + oid);
        }
        try {
            return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new CertificateImportException(
                    Reason.MALFORMED, "invalid " + alg + " private key: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the first key entry of a PKCS#12 file (as {@code openssl pkcs12 -export} or Windows
     * makes them) with its chain; the key must match the certificate.
     *
     * @param data the PKCS#12 bytes
     * @param password the file password (also used for the key)
     * @return the certificate with key, alias derived from CN and thumbprint
     * @throws CertificateImportException {@code WRONG_PASSWORD}, {@code MALFORMED}, {@code NO_PRIVATE_KEY},
     *     {@code KEY_MISMATCH}, {@code TOO_LARGE}
     */
    public static PersonalCertificate readPkcs12(byte[] data, char[] password) throws CertificateImportException {
        checkSize(data, "PKCS#12 input");
        KeyStore ks;
        try {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(data), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")) {
                throw new CertificateImportException(Reason.WRONG_PASSWORD, "PKCS#12 password is incorrect", e);
            }
            throw new CertificateImportException(Reason.MALFORMED, "not a valid PKCS#12 file: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CertificateImportException(Reason.MALFORMED, "not a valid PKCS#12 file: " + e.getMessage(), e);
        }
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (!ks.isKeyEntry(alias)) {
                    continue;
                }
                Key key;
                try {
                    key = ks.getKey(alias, password);
                } catch (UnrecoverableKeyException e) {
                    throw new CertificateImportException(Reason.WRONG_PASSWORD, "PKCS#12 key password is incorrect", e);
                }
                Certificate[] chain = ks.getCertificateChain(alias);
                if (!(key instanceof PrivateKey) || chain == null || chain.length == 0) {
                    continue;
                }
                List<X509Certificate> certs = new ArrayList<>();
                for (Certificate c : chain) {
                    certs.add((X509Certificate) c);
                }
                String mismatch =
                        KeyChecks.mismatch((PrivateKey) key, certs.get(0).getPublicKey());
                if (mismatch != null) {
                    throw new CertificateImportException(
                            Reason.KEY_MISMATCH, "PKCS#12 entry '" + alias + "': " + mismatch);
                }
                return PersonalCertificate.of((PrivateKey) key, certs);
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new CertificateImportException(Reason.MALFORMED, "cannot read PKCS#12 entries: " + e.getMessage(), e);
        }
        throw new CertificateImportException(Reason.NO_PRIVATE_KEY, "PKCS#12 file holds no private key entry");
    }

    /**
     * Reads the certificates of a PKCS#12 file that holds no key (trusted certificate entries).
     *
     * @param data the PKCS#12 bytes
     * @param password the file password
     * @return all certificates found
     * @throws CertificateImportException as {@link #readPkcs12}, or {@code NO_CERTIFICATE}
     */
    public static List<X509Certificate> readPkcs12Certificates(byte[] data, char[] password)
            throws CertificateImportException {
        checkSize(data, "PKCS#12 input");
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(data), password);
            List<X509Certificate> out = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                Certificate c = ks.getCertificate(alias);
                if (c instanceof X509Certificate) {
                    out.add((X509Certificate) c);
                }
            }
            if (out.isEmpty()) {
                throw new CertificateImportException(Reason.NO_CERTIFICATE, "PKCS#12 file holds no certificate");
            }
            return out;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new CertificateImportException(Reason.WRONG_PASSWORD, "PKCS#12 password is incorrect", e);
            }
            throw new CertificateImportException(Reason.MALFORMED, "not a valid PKCS#12 file: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateImportException(Reason.MALFORMED, "not a valid PKCS#12 file: " + e.getMessage(), e);
        }
    }

    /**
     * Exports a certificate with key and chain as PKCS#12 (the JDK's defaults: AES-256 PBES2,
     * HMAC-SHA-256), readable by OpenSSL 1.1+ and Windows.
     *
     * @param certificate the certificate with key
     * @param password the password protecting file and key; must not be empty
     * @return the PKCS#12 bytes
     * @throws IllegalArgumentException for an empty password
     */
    public static byte[] toPkcs12(PersonalCertificate certificate, char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("a PKCS#12 export needs a non-empty password");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(
                    certificate.alias(),
                    certificate.privateKey(),
                    password,
                    certificate.chain().toArray(new Certificate[0]));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ks.store(out, password);
            return out.toByteArray();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot write PKCS#12: " + e.getMessage(), e);
        }
    }

    /**
     * @param certificate a certificate
     * @return its PEM encoding
     */
    public static String toPem(X509Certificate certificate) {
        return Pem.encode("CERTIFICATE", toDer(certificate));
    }

    /**
     * @param certificates certificates (a chain, a root bundle)
     * @return the concatenated PEM blocks
     */
    public static String toPem(List<X509Certificate> certificates) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certificates) {
            sb.append(toPem(c));
        }
        return sb.toString();
    }

    /**
     * Unencrypted PKCS#8 PEM ({@code PRIVATE KEY}). Store it owner-readable only.
     *
     * @param key the private key
     * @return the PEM text
     */
    public static String toPem(PrivateKey key) {
        return Pem.encode("PRIVATE KEY", key.getEncoded());
    }

    /**
     * @param crl a CRL
     * @return its PEM encoding ({@code X509 CRL})
     */
    public static String toPem(X509CRL crl) {
        try {
            return Pem.encode("X509 CRL", crl.getEncoded());
        } catch (CRLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param certificate a certificate
     * @return its DER encoding
     */
    public static byte[] toDer(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks that a private key belongs to a certificate by signing and verifying a probe.
     *
     * @param key the private key
     * @param certificate the certificate
     * @throws CertificateImportException {@code KEY_MISMATCH} when they do not belong together
     */
    public static void checkKeyMatches(PrivateKey key, X509Certificate certificate) throws CertificateImportException {
        String mismatch = KeyChecks.mismatch(key, certificate.getPublicKey());
        if (mismatch != null) {
            throw new CertificateImportException(
                    Reason.KEY_MISMATCH,
                    mismatch + " (" + certificate.getSubjectX500Principal().getName() + ")");
        }
    }
}
