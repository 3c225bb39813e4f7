package org.umsec.sip.codec;

import java.util.Objects;
import java.util.Optional;
import org.umsec.sip.SipHeaders;
import org.umsec.sip.SipResponse;
import org.umsec.sip.internal.SipInternals;

/**
 * A message the decoder rejected, emitted down the pipeline in place of the message (like Netty's
 * {@code DecoderResult}); a typed value rather than an exception, since bad input is expected.
 *
 * <p>The receiver should send {@link #errorResponse()} when present (only requests are answered; a bad
 * response is dropped, RFC 3261 §18.1.2 and RFC 4475 §3.1.2.19), and close the connection when
 * {@link #closeConnection()} says the byte stream can no longer be framed.
 */
public final class SipDecodeError {
    private final int status;
    private final String reason;
    private final boolean request;
    private final boolean closeConnection;
    private final SipHeaders headers;

    /**
     * @param status          SIP status to answer with (400, 413, 414, 505, 513)
     * @param reason          what was wrong
     * @param request         whether the message was (as far as can be told) a request
     * @param closeConnection whether framing is lost and the connection must be closed
     * @param headers         the header fields that could be read (possibly none)
     */
    public SipDecodeError(int status, String reason, boolean request, boolean closeConnection, SipHeaders headers) {
        this.status = status;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.request = request;
        this.closeConnection = closeConnection;
        this.headers = Objects.requireNonNull(headers, "headers");
    }

    /** The status code the RFC prescribes for this failure. */
    public int status() {
        return status;
    }

    /** Why the message was rejected. */
    public String reason() {
        return reason;
    }

    /** Whether the rejected message was a request. */
    public boolean isRequest() {
        return request;
    }

    /** Whether the stream cannot be framed any more: send the response (if any), then close. */
    public boolean closeConnection() {
        return closeConnection;
    }

    /** Header fields read before the failure, detached from any buffer. */
    public SipHeaders headers() {
        return headers;
    }

    /**
     * The response to send for a rejected request: the status, a reason phrase naming the problem, and
     * Via, From, To, Call-ID and CSeq copied from the request as received, even when malformed, since the
     * peer matches the answer by them (RFC 3261 §8.2.6); single-valued ones once, so the response stays
     * well-framed. Empty for responses and when not even a Via could be read (a response could not
     * be routed; RFC 3261 §18.2.2).
     */
    public Optional<SipResponse> errorResponse() {
        if (!request || status == 0) {
            return Optional.empty();
        }
        return SipInternals.get()
                .errorResponse(status, SipResponse.standardReason(status) + " (" + reason + ")", headers);
    }

    @Override
    public String toString() {
        return "SipDecodeError[" + status + " " + reason + (closeConnection ? ", close" : "") + "]";
    }
}
