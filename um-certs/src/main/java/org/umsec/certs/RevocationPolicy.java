package org.umsec.certs;

/**
 * How peer validation treats revocation information, the CRLs held in the store's {@code crl/}
 * directory ({@link CertificateStore#importCrl}). Whatever the policy, a certificate listed on a CRL
 * of its issuer is refused ({@link ValidationFailure#REVOKED}), and a CRL past its nextUpdate is
 * reported ({@link org.umsec.core.SecurityEventType#CRL_STALE}). Only CRLs whose signature verifies
 * with the issuer's key and whose issuer may sign CRLs count. A trusted end-entity certificate
 * (a pin) and the trust anchors themselves are not subject to revocation checking: removing them
 * from {@code trusted/} is how they are revoked.
 */
public enum RevocationPolicy {
    /**
     * Use the CRLs the store holds (stale ones included: their entries still count); a certificate
     * whose issuer has no CRL is accepted. The default, as before this policy existed. Trade-off:
     * works without any CRL distribution, but a revoked certificate whose CRL was never imported
     * gets in.
     */
    PREFER,
    /**
     * Every certificate in the peer's path (the anchor excepted) needs a current CRL of its issuer
     * (nextUpdate not passed); without one the peer fails with
     * {@link ValidationFailure#REVOCATION_UNKNOWN}. Trade-off: a CRL not refreshed in time locks out
     * every peer of that issuer.
     */
    REQUIRE
}
