package org.umsec.certs.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** Proof that a private key belongs to a public key: sign a probe and verify it. */
public final class KeyChecks {
    private static final byte[] PROBE = "umsec key possession probe".getBytes(StandardCharsets.US_ASCII);

    private KeyChecks() {}

    /**
     * Signs a fixed probe with {@code privateKey} using the algorithm TLS would use and verifies it
     * with {@code publicKey}.
     *
     * @param privateKey the private key
     * @param publicKey the certificate's public key
     * @return null when they match, otherwise the reason
     */
    public static String mismatch(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())
                && !(isEd(privateKey.getAlgorithm()) && isEd(publicKey.getAlgorithm()))) {
            return "private key is " + privateKey.getAlgorithm() + " but the certificate key is "
                    + publicKey.getAlgorithm();
        }
        try {
            String alg = X509Builder.signatureAlgorithm(privateKey);
            Signature s = Signature.getInstance(alg);
            s.initSign(privateKey);
            s.update(PROBE);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(publicKey);
            v.update(PROBE);
            return v.verify(sig) ? null : "private key does not match the certificate's public key";
        } catch (GeneralSecurityException | RuntimeException e) {
            return "private key cannot sign: " + e.getMessage();
        }
    }

    private static boolean isEd(String alg) {
        return alg.equals("EdDSA") || alg.equals("Ed25519") || alg.equals("Ed448");
    }
}
