package org.umsec.sip;

import java.net.InetSocketAddress;

/**
 * A connection-oriented transport's view of one connection, as the transaction layer needs it. The
 * transport ({@code org.umsec.sip.transport}) implements it; tests use an in-memory one.
 *
 * <p>Implementations are thread-safe: {@link #send(SipMessage)} may be called from any thread.
 */
public interface SipConnection {
    /**
     * Sends a message. Ownership passes to the connection (it releases the message once written, like
     * Netty's encoders). Sending on a closed connection drops the message (and releases it).
     */
    void send(SipMessage message);

    /** Whether the connection is TLS (R19: only then may SDES keys be sent or accepted). */
    boolean isSecure();

    /** The peer's address. */
    InetSocketAddress remoteAddress();

    /** Whether the connection is still open. */
    boolean isOpen();
}
