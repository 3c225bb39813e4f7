package org.umsec.certs;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;

/**
 * Makes self-signed certificates: what the server generates when no certificate in its store is
 * valid (R9). A self-signed certificate must be imported as a trusted root on every peer, which does
 * not scale (R15); prefer a PKI ({@link CertificateAuthority} and {@link CertificateRequest}).
 *
 * <pre>{@code
 * PersonalCertificate cert = CertificateGenerator.selfSigned(
 *         CertificateSpec.builder().dnsName("um1.contoso.com").build(), Clock.systemUTC());
 * }</pre>
 */
public final class CertificateGenerator {
    /** The R15 warning attached to every "certificate generated" event. */
    public static final String SELF_SIGNED_WARNING = "self-signed certificates must be imported as trusted roots on "
            + "every gateway, IP PBX and server that talks to this one; this does not scale - use a certificate from "
            + "an enterprise PKI or a commercial CA instead";

    private CertificateGenerator() {}

    /**
     * Generates a key pair of the spec's type and a self-signed certificate for it.
     *
     * @param spec names, purposes, validity, key type
     * @param clock the clock for default validity
     * @return the certificate with its key, alias derived from CN and thumbprint
     */
    public static PersonalCertificate selfSigned(CertificateSpec spec, Clock clock) {
        return selfSigned(spec, spec.keyAlgorithm().generateKeyPair(), clock);
    }

    /**
     * Makes a self-signed certificate for an existing key pair.
     *
     * @param spec names, purposes, validity ({@link CertificateSpec#keyAlgorithm()} is ignored)
     * @param keyPair the key pair
     * @param clock the clock for default validity
     * @return the certificate with its key
     */
    public static PersonalCertificate selfSigned(CertificateSpec spec, KeyPair keyPair, Clock clock) {
        X509Certificate cert = spec.toBuilder(clock)
                .publicKey(keyPair.getPublic())
                .issuer(spec.subject(), keyPair.getPrivate(), keyPair.getPublic())
                .build();
        return PersonalCertificate.of(keyPair.getPrivate(), List.of(cert));
    }
}
