package org.umsec.certs;

/**
 * Extended key usages (RFC 5280 §4.2.1.12) that matter for mutual TLS. The document requires
 * server authentication on the server's certificate; some gateways (Dialogic 2000/4000) also require
 * client authentication (R14).
 */
public enum KeyPurpose {
    /** {@code id-kp-serverAuth}, 1.3.6.1.5.5.7.3.1: TLS server ("web server" template). */
    SERVER_AUTH("1.3.6.1.5.5.7.3.1"),
    /** {@code id-kp-clientAuth}, 1.3.6.1.5.5.7.3.2: TLS client. */
    CLIENT_AUTH("1.3.6.1.5.5.7.3.2");

    /** OID of {@code anyExtendedKeyUsage}, which satisfies every purpose. */
    public static final String ANY_OID = "2.5.29.37.0";

    private final String oid;

    KeyPurpose(String oid) {
        this.oid = oid;
    }

    /**
     * Returns the dotted OID.
     *
     * @return the OID, for example {@code 1.3.6.1.5.5.7.3.1}
     */
    public String oid() {
        return oid;
    }
}
