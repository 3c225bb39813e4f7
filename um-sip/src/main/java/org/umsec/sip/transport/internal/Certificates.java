package org.umsec.sip.transport.internal;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.umsec.certs.CertificateInfo;

/** Certificate helpers for the transport. */
public final class Certificates {
    private Certificates() {}

    /**
     * @param cert a certificate or null
     * @return subject, issuer, serial, SHA-1 thumbprint, notAfter and identities, control characters
     *     escaped ({@link LogText}); null for null
     */
    public static String summary(X509Certificate cert) {
        if (cert == null) {
            return null;
        }
        try {
            CertificateInfo i = CertificateInfo.of(cert);
            return LogText.escape("subject=" + i.subject().getName() + "; issuer="
                    + i.issuer().getName() + "; serial="
                    + i.serialNumberHex() + "; sha1=" + i.sha1Thumbprint() + "; notAfter=" + i.notAfter()
                    + "; identities=" + i.identity().presentedIdentities());
        } catch (RuntimeException e) {
            return LogText.escape(
                    "subject=" + cert.getSubjectX500Principal().getName() + "; unreadable: " + e.getMessage());
        }
    }

    /**
     * @param certs as returned by an SSL session
     * @return the X.509 ones, in order
     */
    public static List<X509Certificate> x509(Certificate[] certs) {
        List<X509Certificate> out = new ArrayList<>(certs == null ? 0 : certs.length);
        if (certs != null) {
            for (Certificate c : certs) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
        }
        return out;
    }
}
