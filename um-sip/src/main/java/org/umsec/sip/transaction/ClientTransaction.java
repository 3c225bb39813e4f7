package org.umsec.sip.transaction;

import java.util.concurrent.CompletableFuture;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;

/**
 * A client transaction (RFC 3261 §17.1): a request sent and its responses. Thread-safe.
 *
 * <p>{@link #finalResponse()} completes with the first final response (which needs no release), or
 * exceptionally with {@link TransactionTimeoutException} when Timer B / F fires (64·T1) or with
 * {@link java.io.IOException} when the connection closes first. For a non-2xx final response to an
 * INVITE the layer sends the ACK itself (RFC 3261 §17.1.1.3); the ACK for a 2xx is the application's
 * (it belongs to the dialog: {@link TransactionLayer#createAck(SipRequest, SipResponse)}).
 */
public interface ClientTransaction {
    /** The request as sent. */
    SipRequest request();

    /** The transaction id: the branch of the request's top Via. */
    String branch();

    /** Completes with the final response, or exceptionally on timeout or transport failure. */
    CompletableFuture<SipResponse> finalResponse();

    /**
     * Cancels a pending INVITE (RFC 3261 §9.1): sends CANCEL once a provisional response has arrived
     * (immediately if one has, otherwise as soon as one does). No effect after a final response or for
     * other methods.
     *
     * @return true when a CANCEL was sent or is pending
     */
    boolean cancel();
}
