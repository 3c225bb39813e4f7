package org.umsec.sip.transaction;

import java.util.Optional;
import org.umsec.sip.DialogId;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;

/**
 * A server transaction (RFC 3261 §17.2): one received request and the responses the application sends
 * to it. Obtained from {@link SipRequestHandler#onRequest(ServerTransaction)}; thread-safe, so the
 * application may answer later from another thread.
 *
 * <pre>{@code
 * SipRequestHandler handler = tx -> {
 *     if (tx.request().isMethod(SipRequest.OPTIONS)) {
 *         tx.respond(tx.createResponse(200).header("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS").build());
 *     } else {
 *         tx.respond(tx.createResponse(501).build());
 *     }
 * };
 * }</pre>
 */
public interface ServerTransaction {
    /**
     * The request. Valid for the life of the application's use: the transaction layer hands out a copy
     * that does not need releasing.
     */
    SipRequest request();

    /** The connection the request came on; responses go back on it (RFC 3261 §18.2.2). */
    SipConnection connection();

    /**
     * A response with Via, From, To, Call-ID and CSeq copied from the request; for status above 100 the
     * To header gets this transaction's {@link #localTag()} when the request had no To tag.
     */
    SipResponse.Builder createResponse(int status);

    /** The tag this side puts in To (stable for the transaction). */
    String localTag();

    /**
     * Sends a response. Provisional responses may be sent several times; the first final response ends
     * the application's part of the transaction.
     *
     * @throws IllegalStateException when a final response was already sent or the transaction ended
     */
    void respond(SipResponse response);

    /**
     * Sends a response unless the transaction has completed already, for example because a CANCEL or a
     * BYE ended the INVITE first (RFC 3261 §9.2, §15.1.2); a response that is not sent is released. This
     * is how an application that answers later learns, atomically, whether its answer won the race.
     *
     * @param response the response (ownership passes to the transaction)
     * @return whether it was sent
     */
    boolean tryRespond(SipResponse response);

    /** Whether a final response has been sent (or the transaction ended otherwise). */
    boolean isCompleted();

    /** The dialog a 2xx to this request establishes or continues, when the request can form one. */
    Optional<DialogId> dialogId();
}
