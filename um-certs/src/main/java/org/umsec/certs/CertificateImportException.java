package org.umsec.certs;

import java.util.Objects;

/**
 * A certificate, key, request, CRL or PKCS#12 file could not be imported. The {@link #reason()}
 * tells callers (and the admin commands) what to fix; the message names the input.
 */
public final class CertificateImportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why an import failed. */
    public enum Reason {
        /** The bytes are not PEM, DER or PKCS#12 of the expected kind (garbage, truncated). */
        MALFORMED,
        /** The input is larger than the accepted maximum. */
        TOO_LARGE,
        /** The PKCS#12 or encrypted key password is wrong. */
        WRONG_PASSWORD,
        /** The input holds no certificate. */
        NO_CERTIFICATE,
        /** The input holds no private key. */
        NO_PRIVATE_KEY,
        /** The private key does not belong to the certificate. */
        KEY_MISMATCH,
        /** No pending request in the store has the key of the signed certificate. */
        NO_MATCHING_REQUEST,
        /** The content is well-formed but uses something umsec does not support. */
        UNSUPPORTED,
        /** The store could not write the imported item. */
        IO_ERROR,
        /**
         * A CRL whose signature does not verify with the key of a trusted issuer: no trusted CA (a
         * trusted root, or an intermediate with a valid path to one) of that name signed it, or that
         * CA may not sign CRLs.
         */
        UNTRUSTED_ISSUER,
        /**
         * A CRL older than the one the store holds for the same issuer (earlier thisUpdate or lower
         * CRL number): importing it would bring revoked certificates back.
         */
        OUTDATED
    }

    /** Why the import failed. */
    private final Reason reason;

    /**
     * @param reason why
     * @param message what, naming the input
     */
    public CertificateImportException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    /**
     * @param reason why
     * @param message what, naming the input
     * @param cause the underlying error
     */
    public CertificateImportException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    /** @return why the import failed */
    public Reason reason() {
        return reason;
    }
}
