package org.umsec.sip.dialog;

/** Why a dialog ended without the application ending it. */
public enum DialogEnd {
    /** The peer sent BYE (answered 200 by the dialog layer; a pending INVITE got 487). */
    BYE,
    /** The peer cancelled the INVITE before it was answered (RFC 3261 §9.2). */
    CANCELLED,
    /** The connection the dialog was bound to closed. */
    CONNECTION_CLOSED,
    /**
     * A 2xx to an INVITE was retransmitted for 64·T1 without an ACK (RFC 3261 §13.3.1.4): the application
     * should send BYE ({@link Dialog#createRequest}).
     */
    ACK_TIMEOUT,
    /**
     * The session interval negotiated with Session-Expires passed without a refresh (RFC 4028 §10): the
     * application should send BYE.
     */
    SESSION_EXPIRED;

    /** Whether the peer still thinks the session is up, so that the application should send a BYE. */
    public boolean needsBye() {
        return this == ACK_TIMEOUT || this == SESSION_EXPIRED;
    }
}
