package org.umsec.sip.transport.internal;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.util.Locale;
import org.umsec.certs.CertificateValidationException;
import org.umsec.sip.transport.HandshakeFailureReason;

/** Maps what a TLS engine reports to a {@link HandshakeFailureReason} when the trust manager left no record. */
public final class HandshakeFailures {
    private HandshakeFailures() {}

    /**
     * @param cause the handshake failure
     * @return the reason, {@link HandshakeFailureReason#OTHER} when nothing is recognised
     */
    public static HandshakeFailureReason classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof CertificateValidationException cve) {
                return PeerTrustManager.reasonOf(cve.failure());
            }
            if (t instanceof NotSslRecordException) {
                return HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return HandshakeFailureReason.OTHER;
            }
        }
        StringBuilder all = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            all.append(' ').append(t.getMessage());
        }
        String m = all.toString().toLowerCase(Locale.ROOT);
        if (m.contains("empty client certificate chain")
                || m.contains("peer_did_not_return_a_certificate")
                || m.contains("certificate_required")
                || m.contains("did not return a certificate")) {
            return HandshakeFailureReason.NO_CLIENT_CERTIFICATE;
        }
        if (m.contains("identity_not_trusted")) {
            return HandshakeFailureReason.IDENTITY_NOT_TRUSTED;
        }
        if (m.contains("certificate_expired")) {
            return HandshakeFailureReason.EXPIRED;
        }
        if (m.contains("certificate_revoked")) {
            return HandshakeFailureReason.REVOKED;
        }
        if (m.contains("unknown_ca")) {
            return HandshakeFailureReason.UNKNOWN_CA;
        }
        if (m.contains("protocol_version")
                || m.contains("no appropriate protocol")
                || m.contains("not enabled or supported")
                || m.contains("unsupported_protocol")
                || m.contains("wrong_version_number")
                || m.contains("no cipher suites in common")
                || m.contains("no_shared_cipher")
                || m.contains("insufficient_security")
                || m.contains("handshake_failure")
                || m.contains("unsupported or unrecognized ssl message")
                || m.contains("no_cipher")
                || m.contains("no_protocols_available")) {
            return HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH;
        }
        return HandshakeFailureReason.OTHER;
    }

    /**
     * @param cause a failure
     * @return the deepest message of its chain, for event details (control characters escaped)
     */
    public static String detail(Throwable cause) {
        String d = String.valueOf(cause);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                d = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        return LogText.escape(d);
    }
}
