package org.umsec.certs;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.umsec.certs.internal.X509Builder;

/**
 * A small certification authority for labs and tests (R13): create a root (or an intermediate under
 * it), sign device requests with the "web server" or "computer" profile, issue certificates
 * directly, revoke them and publish a CRL. Serial numbers are 159-bit random values, checked unique
 * against everything this instance issued. A CA persists through
 * {@link CertificateStore#saveAuthority} / {@link CertificateStore#loadAuthority}.
 *
 * <p>It is not a production CA: no policy, no audit, no HSM. Thread-safe (methods synchronise).
 *
 * <pre>{@code
 * CertificateAuthority ca = CertificateAuthority.createRoot(
 *         CertificateSpec.builder().subject("CN=Contoso Lab Root").validity(Duration.ofDays(3650)).build(), clock);
 * X509Certificate gw = ca.sign(CertificateRequest.parse(csrBytes), CertificateProfile.COMPUTER, Duration.ofDays(365));
 * }</pre>
 */
public final class CertificateAuthority {
    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final Clock clock;
    private final Set<BigInteger> issued = new HashSet<>();
    private final Map<BigInteger, Instant> revoked = new LinkedHashMap<>();

    private CertificateAuthority(PrivateKey key, List<X509Certificate> chain, Clock clock) {
        this.key = key;
        this.chain = List.copyOf(chain);
        this.clock = clock;
    }

    /**
     * Creates a self-signed root CA. The spec's purposes are ignored (a CA certificate has no EKU);
     * its key algorithm, names and validity are used.
     *
     * @param spec subject, validity and key type of the root
     * @param clock the clock for validity defaults, CRLs and issued certificates
     * @return the CA
     */
    public static CertificateAuthority createRoot(CertificateSpec spec, Clock clock) {
        KeyPair kp = spec.keyAlgorithm().generateKeyPair();
        X509Certificate root = spec.toBuilder(clock)
                .extendedKeyUsage(null)
                .ca(true, -1)
                .publicKey(kp.getPublic())
                .issuer(spec.subject(), kp.getPrivate(), kp.getPublic())
                .build();
        return new CertificateAuthority(kp.getPrivate(), List.of(root), clock);
    }

    /**
     * Wraps an existing CA key and certificate chain.
     *
     * @param key the CA private key
     * @param chain the CA certificate first, then its issuers
     * @param clock the clock
     * @return the CA
     * @throws IllegalArgumentException when the chain is empty or its first certificate is not a CA
     */
    public static CertificateAuthority of(PrivateKey key, List<X509Certificate> chain, Clock clock) {
        if (chain.isEmpty() || chain.get(0).getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the first certificate must be a CA certificate (basicConstraints cA)");
        }
        return new CertificateAuthority(Objects.requireNonNull(key), chain, Objects.requireNonNull(clock));
    }

    /** @return the CA's certificate (the root, for a root CA) */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** @return the CA's chain: its certificate first, then its issuers up to the root */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** @return the root certificate at the end of the chain (what peers import as trusted root) */
    public X509Certificate rootCertificate() {
        return chain.get(chain.size() - 1);
    }

    /** @return the CA private key */
    public PrivateKey privateKey() {
        return key;
    }

    /**
     * Creates an intermediate CA signed by this one.
     *
     * @param spec subject, validity and key type of the intermediate
     * @return the intermediate CA, sharing this CA's clock
     */
    public synchronized CertificateAuthority createIntermediate(CertificateSpec spec) {
        KeyPair kp = spec.keyAlgorithm().generateKeyPair();
        X509Certificate cert = spec.toBuilder(clock)
                .extendedKeyUsage(null)
                .ca(true, 0)
                .publicKey(kp.getPublic())
                .serial(nextSerial())
                .issuer(
                        certificate().getSubjectX500Principal(),
                        key,
                        certificate().getPublicKey())
                .build();
        List<X509Certificate> c = new ArrayList<>();
        c.add(cert);
        c.addAll(chain);
        return new CertificateAuthority(kp.getPrivate(), c, clock);
    }

    /**
     * Issues an end-entity certificate for a new key pair of the spec's type.
     *
     * @param spec names, purposes, validity, key type
     * @return the certificate with key; its chain continues with this CA's chain
     */
    public PersonalCertificate issue(CertificateSpec spec) {
        KeyPair kp = spec.keyAlgorithm().generateKeyPair();
        X509Certificate cert = issue(spec, kp.getPublic());
        List<X509Certificate> c = new ArrayList<>();
        c.add(cert);
        c.addAll(chain);
        return PersonalCertificate.of(kp.getPrivate(), c);
    }

    /**
     * Issues an end-entity certificate for a given public key.
     *
     * @param spec names, purposes and validity
     * @param publicKey the subject key
     * @return the certificate
     */
    public synchronized X509Certificate issue(CertificateSpec spec, PublicKey publicKey) {
        return spec.toBuilder(clock)
                .publicKey(publicKey)
                .serial(nextSerial())
                .issuer(
                        certificate().getSubjectX500Principal(),
                        key,
                        certificate().getPublicKey())
                .build();
    }

    /**
     * Signs a device's PKCS#10 request (R13). Subject and subjectAltNames come from the request; the
     * extended key usages come from the profile (requested ones are ignored, as a Windows CA template
     * does). Validity starts now.
     *
     * @param request the request
     * @param profile {@link CertificateProfile#WEB_SERVER} or {@link CertificateProfile#COMPUTER}
     * @param validity how long the certificate is valid
     * @return the signed certificate
     * @throws IllegalArgumentException when the request's signature does not verify, or it names
     *     no subject and no subjectAltName
     */
    public synchronized X509Certificate sign(
            CertificateRequest request, CertificateProfile profile, Duration validity) {
        if (!request.signatureValid()) {
            throw new IllegalArgumentException(
                    "certificate request signature does not verify (no proof of key possession)");
        }
        if (request.subject().getEncoded().length <= 2
                && request.dnsNames().isEmpty()
                && request.ipAddresses().isEmpty()) {
            throw new IllegalArgumentException("certificate request names no subject and no subjectAltName");
        }
        Instant now = clock.instant();
        List<String> oids = new ArrayList<>();
        profile.purposes().forEach(p -> oids.add(p.oid()));
        return new X509Builder()
                .subject(request.subject())
                .dnsNames(request.dnsNames())
                .ipAddresses(request.ipAddresses())
                .extendedKeyUsage(oids)
                .validity(now, now.plus(validity))
                .publicKey(request.publicKey())
                .serial(nextSerial())
                .issuer(
                        certificate().getSubjectX500Principal(),
                        key,
                        certificate().getPublicKey())
                .build();
    }

    /**
     * Marks a certificate revoked now; it appears on the next {@link #crl(Duration)}.
     *
     * @param certificate a certificate this CA issued
     * @throws IllegalArgumentException when this CA did not issue it
     */
    public synchronized void revoke(X509Certificate certificate) {
        if (!certificate.getIssuerX500Principal().equals(certificate().getSubjectX500Principal())) {
            throw new IllegalArgumentException("not issued by this CA: " + certificate.getIssuerX500Principal());
        }
        revoked.putIfAbsent(certificate.getSerialNumber(), clock.instant());
    }

    /**
     * Publishes a CRL of everything revoked so far.
     *
     * @param nextUpdate how long until the next CRL is due
     * @return the signed CRL
     */
    public synchronized X509CRL crl(Duration nextUpdate) {
        Instant now = clock.instant();
        return X509Builder.crl(
                certificate().getSubjectX500Principal(),
                key,
                certificate().getPublicKey(),
                now,
                now.plus(nextUpdate),
                revoked);
    }

    private BigInteger nextSerial() {
        BigInteger s;
        do {
            s = X509Builder.randomSerial();
        } while (!issued.add(s));
        return s;
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + certificate().getSubjectX500Principal().getName() + "]";
    }
}
