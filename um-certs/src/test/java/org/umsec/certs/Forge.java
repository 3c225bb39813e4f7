package org.umsec.certs;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.umsec.certs.internal.Bc;
import org.umsec.certs.internal.X509Builder;

/**
 * Hand-made certificates for attack tests: any subject, any issuer key, any basic constraints, key
 * usage and signature algorithm, as an attacker (or a careless CA) would make them.
 */
final class Forge {
    static final List<String> TLS_EKU = List.of(KeyPurpose.SERVER_AUTH.oid(), KeyPurpose.CLIENT_AUTH.oid());

    private final Instant now;
    private String subject;
    private KeyPair subjectKey;
    private X500Principal issuerName;
    private KeyPair issuerKey;
    private boolean ca;
    private int pathLen = -1;
    private int keyUsage = -1;
    private String signatureAlgorithm;
    private List<String> eku = TLS_EKU;
    private String dns;

    private Forge(Instant now, String subject, KeyPair subjectKey) {
        this.now = now;
        this.subject = subject;
        this.subjectKey = subjectKey;
    }

    /** An end-entity certificate for {@code cn} (also its SAN DNS name), self-signed unless told otherwise. */
    static Forge leaf(Instant now, String cn, KeyPair key) {
        Forge f = new Forge(now, "CN=" + cn, key);
        f.dns = cn;
        return f;
    }

    /** A CA certificate (CA:TRUE, keyCertSign and cRLSign), self-signed unless told otherwise. */
    static Forge ca(Instant now, String cn, KeyPair key) {
        Forge f = new Forge(now, "CN=" + cn, key);
        f.ca = true;
        f.eku = null;
        return f;
    }

    Forge signedBy(X509Certificate issuer, KeyPair key) {
        this.issuerName = issuer.getSubjectX500Principal();
        this.issuerKey = key;
        return this;
    }

    Forge notCa() {
        this.ca = false;
        return this;
    }

    Forge pathLen(int n) {
        this.pathLen = n;
        return this;
    }

    Forge keyUsage(int bits) {
        this.keyUsage = bits;
        return this;
    }

    Forge signatureAlgorithm(String alg) {
        this.signatureAlgorithm = alg;
        return this;
    }

    X509Certificate build() {
        X500Principal s = new X500Principal(subject);
        X509Builder b = new X509Builder()
                .subject(s)
                .publicKey(subjectKey.getPublic())
                .validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)))
                .ca(ca, pathLen)
                .keyUsage(keyUsage)
                .extendedKeyUsage(eku)
                .signatureAlgorithm(signatureAlgorithm);
        if (dns != null) {
            b.dnsNames(List.of(dns));
        }
        if (issuerKey != null && issuerKey.getPrivate().getClass().getName().startsWith("org.bouncycastle")) {
            b.signatureProvider(Bc.PROVIDER);
        }
        if (issuerName == null) {
            b.issuer(s, subjectKey.getPrivate(), subjectKey.getPublic());
        } else {
            b.issuer(issuerName, issuerKey.getPrivate(), issuerKey.getPublic());
        }
        return b.build();
    }

    static KeyPair ec256() {
        return KeyAlgorithm.EC_P256.generateKeyPair();
    }

    static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    /** An EC key on any named curve BouncyCastle knows (brainpoolP256r1, secp256k1, secp224r1, ...). */
    static KeyPair ecOn(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", Bc.PROVIDER);
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }
}
