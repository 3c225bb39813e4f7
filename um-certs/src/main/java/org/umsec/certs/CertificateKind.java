package org.umsec.certs;

/**
 * The document's certificate kinds (R8). Enterprise-PKI and commercial certificates are treated
 * alike, so both are {@link #CA_ISSUED}.
 */
public enum CertificateKind {
    /** Issuer equals subject and the signature verifies with the certificate's own public key. */
    SELF_SIGNED,
    /** Issued by a certification authority (an enterprise PKI or a commercial CA). */
    CA_ISSUED
}
