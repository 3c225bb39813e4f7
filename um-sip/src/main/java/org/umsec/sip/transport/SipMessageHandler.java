package org.umsec.sip.transport;

import java.util.Objects;
import org.umsec.sip.SipMessage;
import org.umsec.sip.transaction.TransactionLayer;

/**
 * Receives the SIP requests and responses that arrive on a connection, after the transport has
 * done its checks (mutual TLS and trust list, trusted source address on TCP, no SDES keys on TCP).
 * Malformed messages never get here: the transport answers them (400/413/414/513) itself.
 *
 * <p>Called on the connection's I/O thread, or on the executor given to the server or client
 * builder, one message at a time per connection and in arrival order. The handler takes ownership
 * of the message (it is reference counted) and must release it, even when it throws — as
 * {@link TransactionLayer#onMessage} does. A handler that throws is logged; the connection stays open.
 *
 * <pre>{@code
 * SipServer.builder().handler(SipMessageHandler.of(transactionLayer)) ...
 * }</pre>
 */
public interface SipMessageHandler {
    /**
     * @param connection where the message came from; answer on it
     * @param message the request or response, owned by the handler from now on
     */
    void onMessage(TransportConnection connection, SipMessage message);

    /**
     * Like {@link #onMessage(TransportConnection, SipMessage)}, also told how long the message waited
     * for the handler executor after it was decoded: the signalling backlog, which a server under
     * overload uses to refuse new work early (load shedding) instead of answering it too late. This is
     * the method the transport calls; the default ignores the delay.
     *
     * @param connection where the message came from; answer on it
     * @param message the request or response, owned by the handler from now on
     * @param queuedNanos nanoseconds between decoding and this call; 0 when the handler runs on the I/O
     *     thread
     */
    default void onMessage(TransportConnection connection, SipMessage message, long queuedNanos) {
        onMessage(connection, message);
    }

    /**
     * The connection closed (called once, on its I/O thread). Default: nothing.
     *
     * @param connection the connection
     */
    default void onConnectionClosed(TransportConnection connection) {}

    /**
     * Feeds a transaction layer: every message goes to {@link TransactionLayer#onMessage}, and closed
     * connections to {@link TransactionLayer#connectionClosed}.
     *
     * @param layer the transaction layer
     * @return the handler
     */
    static SipMessageHandler of(TransactionLayer layer) {
        Objects.requireNonNull(layer, "layer");
        return new SipMessageHandler() {
            @Override
            public void onMessage(TransportConnection connection, SipMessage message) {
                layer.onMessage(connection, message);
            }

            @Override
            public void onConnectionClosed(TransportConnection connection) {
                layer.connectionClosed(connection);
            }
        };
    }
}
