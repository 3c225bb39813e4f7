package org.umsec.certs;

import java.util.Objects;

/**
 * A certificate request made by the store whose private key waits in {@code requests/} for the
 * signed certificate (R13).
 *
 * @param alias the name of the request files and of the personal certificate once imported
 * @param request the PKCS#10 request to hand to the CA
 */
public record PendingRequest(String alias, CertificateRequest request) {
    /**
     * Checks arguments.
     *
     * @param alias the alias
     * @param request the request
     */
    public PendingRequest {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(request, "request");
    }
}
