package org.umsec.certs;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * Key types umsec generates. All are accepted by TLS 1.2 and TLS 1.3 peers. ECDSA P-256 is the
 * default: small, fast, and supported by every current gateway; RSA is there for older gateways.
 */
public enum KeyAlgorithm {
    /** ECDSA on NIST P-256 (secp256r1), signed with SHA-256. The default. */
    EC_P256("EC", 256, "SHA256withECDSA"),
    /** ECDSA on NIST P-384 (secp384r1), signed with SHA-384. */
    EC_P384("EC", 384, "SHA384withECDSA"),
    /** RSA 2048 bits, signed with SHA-256: the minimum TLS peers accept today. */
    RSA_2048("RSA", 2048, "SHA256withRSA"),
    /** RSA 3072 bits, signed with SHA-256. */
    RSA_3072("RSA", 3072, "SHA256withRSA");

    private final String jcaName;
    private final int bits;
    private final String signatureAlgorithm;

    KeyAlgorithm(String jcaName, int bits, String signatureAlgorithm) {
        this.jcaName = jcaName;
        this.bits = bits;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /**
     * Returns the JCA key algorithm name.
     *
     * @return {@code "EC"} or {@code "RSA"}
     */
    public String jcaName() {
        return jcaName;
    }

    /**
     * Returns the key size.
     *
     * @return the curve size or RSA modulus size in bits
     */
    public int bits() {
        return bits;
    }

    /**
     * Returns the signature algorithm a key of this type signs certificates with.
     *
     * @return a JCA signature algorithm name
     */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /**
     * Generates a fresh key pair with the platform's default {@link java.security.SecureRandom}.
     *
     * @return a new key pair
     * @throws IllegalStateException if the JDK lacks the algorithm (never on a standard JDK 17)
     */
    public KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
            if (jcaName.equals("EC")) {
                generator.initialize(new ECGenParameterSpec(bits == 256 ? "secp256r1" : "secp384r1"));
            } else {
                generator.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + this + " key pair", e);
        }
    }
}
