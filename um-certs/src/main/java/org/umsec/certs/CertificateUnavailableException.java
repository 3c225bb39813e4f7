package org.umsec.certs;

import java.io.IOException;

/**
 * {@link CertificateProvider.Builder#build()} cannot provide a certificate and must not make one up:
 * the pinned certificate is missing, invalid or has a mismatched key, or nothing is valid while a
 * personal store file (typically a private key) is unreadable. The message names the pin or the
 * file and the cause; a server fails start-up with it.
 */
public final class CertificateUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is missing or broken, naming the pin or the file and the cause
     */
    public CertificateUnavailableException(String message) {
        super(message);
    }
}
