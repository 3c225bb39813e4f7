package org.umsec.sip.transport;

import org.umsec.sip.SipMessage;

/**
 * Receives the SIP requests and responses that arrive on a connection, after the transport has
 * done its checks (mutual TLS and trust list, trusted source address on TCP, no SDES keys on TCP).
 *
 * <p>Called on the connection's I/O thread, or on the executor given to the server or client
 * builder, one message at a time per connection and in arrival order. The message is released by
 * the transport when the call returns: call {@link SipMessage#retain()} to keep it longer. A handler
 * that throws is logged; the connection stays open.
 */
@FunctionalInterface
public interface SipMessageHandler {
    /**
     * @param connection where the message came from; answer on it with {@link SipConnection#send}
     * @param message the request or response
     */
    void onMessage(SipConnection connection, SipMessage message);
}
