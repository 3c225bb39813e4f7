package org.umsec.sip.transaction;

import org.umsec.sip.SipConnection;
import org.umsec.sip.SipRequest;

/**
 * The application side of the transaction layer: it receives new requests and answers them through their
 * {@link ServerTransaction}. Callbacks run on the thread that feeds the transaction layer: the transport's
 * I/O thread by default, or the server's
 * {@linkplain org.umsec.sip.transport.SipServer.Builder#handlerExecutor(java.util.concurrent.Executor) handler
 * executor} when one is set (still in order per connection). On the I/O thread, do not block (answer later
 * from another thread if work is slow).
 */
@FunctionalInterface
public interface SipRequestHandler {
    /**
     * A new request (not ACK, not a CANCEL the layer answered itself). INVITEs have already been answered
     * with 100 Trying. The application must eventually send a final response; a handler that throws gets
     * a 500 sent for it.
     */
    void onRequest(ServerTransaction transaction);

    /**
     * An ACK that matched no INVITE server transaction: the ACK for a 2xx, which belongs to the dialog
     * (RFC 3261 §13.3.1.4, §17.1.1.3). Default: ignored.
     *
     * @param ack        the ACK (a copy that does not need releasing)
     * @param connection where it came from
     */
    default void onAck(SipRequest ack, SipConnection connection) {}

    /**
     * An INVITE was cancelled by the caller before its final response; the layer has already answered the
     * CANCEL with 200 and the INVITE with 487 (RFC 3261 §9.2). Default: ignored.
     */
    default void onCancelled(ServerTransaction invite) {}
}
