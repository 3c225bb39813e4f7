package org.umsec.sip.transport;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.umsec.core.SignallingTransport;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipMessage;

/**
 * One TCP or TLS connection carrying SIP, accepted by a {@link SipServer} or opened by a
 * {@link SipClient}: the {@link SipConnection} the transaction layer works with, plus what the
 * transport knows (transport, direction, addresses, the TLS session and peer identity).
 * Thread-safe: {@link #send} and {@link #sendAsync} may be called from any thread; writes are ordered.
 */
public interface TransportConnection extends SipConnection {
    /** @return TCP or TLS */
    SignallingTransport transport();

    /** @return whether the connection is TLS (only then may SDES keys pass, R19) */
    @Override
    default boolean isSecure() {
        return transport() == SignallingTransport.TLS;
    }

    /** @return whether this side accepted the connection (false: it was dialled by a client) */
    boolean isInbound();

    /** @return the peer's address and port */
    @Override
    InetSocketAddress remoteAddress();

    /** @return our address and port */
    InetSocketAddress localAddress();

    /** @return the TLS session, present on TLS connections once the handshake and checks passed */
    Optional<TlsSessionInfo> tls();

    /**
     * Sends a message; the connection takes ownership and releases it once written. Failures are
     * logged; use {@link #sendAsync} to observe them.
     *
     * @param message a request or response
     */
    @Override
    void send(SipMessage message);

    /**
     * Sends a message. The connection takes ownership and releases it once written.
     *
     * <p>Over TCP a message whose SDP carries SDES keys ({@code a=crypto}) is not sent: the future
     * fails with {@link IllegalStateException} and an
     * {@link org.umsec.core.SecurityEventType#SDES_REFUSED_INSECURE_TRANSPORT} event is raised (R19).
     *
     * @param message a request or response
     * @return completes when the bytes were handed to the socket; fails when the connection is closed
     */
    CompletableFuture<Void> sendAsync(SipMessage message);

    /** @return whether the connection is open */
    @Override
    boolean isOpen();

    /**
     * Closes the connection (for TLS after sending close_notify).
     *
     * @return completes when closed
     */
    CompletableFuture<Void> close();

    /** @return completes when the connection closes, for whatever reason */
    CompletableFuture<Void> closeFuture();
}
