package org.umsec.sip.dialog;

import org.umsec.sip.SipConnection;
import org.umsec.sip.SipRequest;

/**
 * Who sent a request, as the text a {@link DialogBinding} holds: the dialog layer asks it for every
 * in-dialog request and ACK and compares the answer with the dialog's peer. The default,
 * {@link #TRANSPORT}, is what the transport proved ({@link DialogBinding#peerOf(SipConnection)}). An
 * application that accepts identities asserted by a trusted intermediary (an edge proxy that verified the
 * gateway's certificate itself) supplies its own rule, which must take the assertion only from that
 * intermediary: a request's headers are the sender's to choose.
 *
 * <p>Called on the thread that delivered the request; must be thread-safe, fast and must not block.
 */
@FunctionalInterface
public interface PeerIdentity {

    /** What the transport proved: the trust-list entry of a TLS peer, the address of a TCP one. */
    PeerIdentity TRANSPORT = (request, connection) -> DialogBinding.peerOf(connection);

    /**
     * @param request the request (its headers are untrusted input)
     * @param connection the connection it came on
     * @return the sender's identity, in the form the application's bindings use
     */
    String identify(SipRequest request, SipConnection connection);
}
