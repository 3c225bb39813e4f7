package org.umsec.sip.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.InetAddress;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.umsec.certs.CertificateValidationException;
import org.umsec.certs.PeerRole;
import org.umsec.certs.ValidationFailure;
import org.umsec.certs.ValidationResult;
import org.umsec.sip.transport.HandshakeFailureReason;

/** What engines report, mapped to typed reasons; connection caps. */
class HandshakeFailuresTest {
    private static SSLHandshakeException ssl(String m, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(m);
        e.initCause(cause);
        return e;
    }

    @Test
    void certificateOutcomesInTheCauseChainWin() {
        for (ValidationFailure f : ValidationFailure.values()) {
            Throwable t = ssl(
                    "certificate_unknown",
                    new CertificateValidationException(PeerRole.CLIENT, ValidationResult.invalid(f, "x", 0, null)));
            assertThat(HandshakeFailures.classify(t)).isEqualTo(PeerTrustManager.reasonOf(f));
        }
        assertThat(PeerTrustManager.reasonOf(ValidationFailure.MISSING_EKU)).isEqualTo(HandshakeFailureReason.BAD_EKU);
        assertThat(PeerTrustManager.reasonOf(ValidationFailure.REVOKED)).isEqualTo(HandshakeFailureReason.REVOKED);
        assertThat(PeerTrustManager.reasonOf(ValidationFailure.WEAK_KEY)).isEqualTo(HandshakeFailureReason.WEAK_KEY);
        assertThat(PeerTrustManager.reasonOf(ValidationFailure.WEAK_SIGNATURE))
                .isEqualTo(HandshakeFailureReason.WEAK_SIGNATURE);
        assertThat(PeerTrustManager.reasonOf(ValidationFailure.REVOCATION_UNKNOWN))
                .isEqualTo(HandshakeFailureReason.REVOCATION_UNKNOWN);
        assertThat(PeerTrustManager.reasonOf(ValidationFailure.ISSUER_NOT_CA))
                .isEqualTo(HandshakeFailureReason.UNKNOWN_CA);
    }

    @Test
    void engineMessagesOfBothEnginesAreRecognised() {
        assertThat(HandshakeFailures.classify(ssl("Empty client certificate chain", null)))
                .isEqualTo(HandshakeFailureReason.NO_CLIENT_CERTIFICATE);
        assertThat(HandshakeFailures.classify(
                        ssl("error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE", null)))
                .isEqualTo(HandshakeFailureReason.NO_CLIENT_CERTIFICATE);
        assertThat(HandshakeFailures.classify(ssl("Received fatal alert: certificate_required", null)))
                .isEqualTo(HandshakeFailureReason.NO_CLIENT_CERTIFICATE);
        assertThat(HandshakeFailures.classify(
                        ssl("Client requested protocol TLSv1.1 is not enabled or supported", null)))
                .isEqualTo(HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH);
        assertThat(HandshakeFailures.classify(ssl("no cipher suites in common", null)))
                .isEqualTo(HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH);
        assertThat(HandshakeFailures.classify(new NotSslRecordException("not an SSL/TLS record")))
                .isEqualTo(HandshakeFailureReason.PROTOCOL_OR_CIPHER_MISMATCH);
        assertThat(HandshakeFailures.classify(new SslHandshakeTimeoutException("handshake timed out after 10ms")))
                .isEqualTo(HandshakeFailureReason.OTHER);
        assertThat(HandshakeFailures.classify(ssl("Received fatal alert: certificate_expired", null)))
                .isEqualTo(HandshakeFailureReason.EXPIRED);
        assertThat(HandshakeFailures.classify(ssl("anything", new CertificateException("IDENTITY_NOT_TRUSTED: x"))))
                .isEqualTo(HandshakeFailureReason.IDENTITY_NOT_TRUSTED);
        assertThat(HandshakeFailures.classify(ssl("Connection reset", null))).isEqualTo(HandshakeFailureReason.OTHER);
        assertThat(HandshakeFailures.detail(ssl("outer", new CertificateException("inner"))))
                .isEqualTo("CertificateException: inner");
    }

    @Test
    void connectionCapsCountPerAddressAndInTotal() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(3, 2, 0);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertThat(l.tryAcquire(a, false)).isNull();
        assertThat(l.tryAcquire(a, false)).isNull();
        assertThat(l.tryAcquire(a, false)).contains("per-address cap 2");
        assertThat(l.tryAcquire(b, false)).isNull();
        assertThat(l.tryAcquire(b, false)).contains("connection cap 3");
        assertThat(l.open()).isEqualTo(3);
        l.release(a);
        assertThat(l.tryAcquire(b, false)).isNull();
        assertThat(l.tryAcquire(a, false)).contains("connection cap");
        assertThat(l.open()).isEqualTo(3);
    }

    @Test
    void reservedSlotsAreKeptForKnownGateways() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(4, 10, 2);
        InetAddress stranger = InetAddress.getByName("192.0.2.66");
        InetAddress gateway = InetAddress.getByName("192.0.2.10");
        assertThat(l.tryAcquire(stranger, false)).isNull();
        assertThat(l.tryAcquire(stranger, false)).isNull();
        assertThat(l.tryAcquire(stranger, false)).contains("connection cap 2 reached (2 more kept for gateways)");
        assertThat(l.tryAcquire(gateway, true)).isNull();
        assertThat(l.tryAcquire(gateway, true)).isNull();
        assertThat(l.tryAcquire(gateway, true)).contains("connection cap 4");
    }
}
