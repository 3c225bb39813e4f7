package org.umsec.server;

/** Why a call ended. */
public enum CallEndReason {
    /** The caller sent BYE. */
    CALLER_HUNG_UP,
    /** The recording reached the configured maximum length; the server sent BYE. */
    MAX_LENGTH,
    /** No media arrived for the configured media timeout; the server sent BYE. */
    MEDIA_TIMEOUT,
    /** The caller never acknowledged the answer (no ACK within the ACK timeout). */
    NO_ACK,
    /** The signalling connection to the gateway was lost. */
    CONNECTION_LOST,
    /** The caller cancelled the call (CANCEL, or BYE before the answer) as it was being answered. */
    CANCELLED,
    /** The session interval (RFC 4028 Session-Expires) passed without a refresh; the server sent BYE. */
    SESSION_EXPIRED,
    /** Setting the call up failed after the handler had taken it; the caller got an error response. */
    SETUP_FAILED,
    /** The server was stopped and the grace period ran out; the server sent BYE. */
    SERVER_STOPPING,
    /** The recording reached its size limit ({@code voicemail.maxBytes}); the server sent BYE. */
    RECORDING_LIMIT,
    /** The call handler ended the call (the voicemail recorder when the caller presses {@code #}); the server sent BYE. */
    HANDLER_ENDED,
    /**
     * The caller's ACK carried no usable SDP answer to the offer the server made in its 2xx to a re-INVITE
     * without SDP (late offer, RFC 3264 §5, RFC 3261 §13.2.2.4); the server sent BYE.
     */
    BAD_SDP_ANSWER
}
