package org.umsec.sip.transport.internal;

import java.security.cert.X509Certificate;
import java.util.List;
import org.umsec.core.CertificateIdentity;
import org.umsec.sip.transport.HandshakeFailureReason;

/**
 * Outcome of checking a peer's chain in one handshake: accepted with the trust entry matched, or
 * refused with a typed reason. Immutable.
 *
 * @param reason null when accepted
 * @param detail explanation
 * @param peer the peer's certificate, or null when none was presented
 * @param identity the peer certificate's identities, or null
 * @param trustedAs the trust entry (server) or dialled host (client) matched, or null
 */
public record PeerCheck(
        HandshakeFailureReason reason,
        String detail,
        X509Certificate peer,
        CertificateIdentity identity,
        String trustedAs) {

    /** @return whether the peer was accepted */
    public boolean accepted() {
        return reason == null;
    }

    /** @return the identities presented (control characters escaped), or an empty list */
    public List<String> identities() {
        if (identity == null) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        for (String i : identity.presentedIdentities()) {
            out.add(LogText.escape(i));
        }
        return List.copyOf(out);
    }

    /** @return a one-line summary of the peer's certificate, or null */
    public String peerSummary() {
        return Certificates.summary(peer);
    }
}
