package org.umsec.sip.dialog;

import java.util.Objects;
import org.umsec.core.VoipSecurityMode;
import org.umsec.sip.SipConnection;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;

/**
 * What a dialog is bound to from its first request on: the connection it was created on, the identity of
 * the peer behind that connection, and the VoIP security mode the application accepted it in. A later
 * request of the dialog must come from the same peer identity over a transport at least as strong
 * (RFC 3261 §12 leaves matching to the dialog ID; umsec adds the binding because a Call-ID and tags are
 * chosen by the peer, and a second trusted peer or a plain-TCP source must not take over a call).
 *
 * <p>The peer identity is what the transport proved: on TLS the trust-list entry the peer's certificate
 * matched ({@link TlsSessionInfo#trustedAs()}), otherwise the peer's IP address. Behind a trusted edge
 * proxy the application names it instead ({@link #of(SipConnection, String, VoipSecurityMode)}, with the
 * dialog layer's {@link PeerIdentity} telling the identity of later requests), so that two gateways
 * sharing the proxy's connection are still two peers. Immutable.
 *
 * @param connection the connection the dialog was created on
 * @param peer       the peer identity ({@link #peerOf(SipConnection)})
 * @param secure     whether the dialog was created over TLS
 * @param mode       the security mode the application accepted the dialog in
 */
public record DialogBinding(SipConnection connection, String peer, boolean secure, VoipSecurityMode mode) {
    /** Checks for nulls, and that a mode needing mutual TLS was not bound to plain TCP. */
    public DialogBinding {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(mode, "mode");
        if (mode.mutualTls() && !secure) {
            throw new IllegalArgumentException(mode.displayName() + " needs a TLS connection");
        }
    }

    /**
     * The binding of a dialog created on {@code connection} in {@code mode}.
     *
     * @throws IllegalArgumentException when the mode needs mutual TLS and the connection is not TLS
     */
    public static DialogBinding of(SipConnection connection, VoipSecurityMode mode) {
        return new DialogBinding(connection, peerOf(connection), connection.isSecure(), mode);
    }

    /**
     * The binding of a dialog created on {@code connection} in {@code mode} for a peer whose identity the
     * application established itself, such as a gateway asserted by a trusted edge proxy
     * ({@code tls:edge.example.net/gateway:gw1.example.net}). The dialog layer's {@link PeerIdentity} must
     * give the same text for the later requests of that peer.
     *
     * @throws IllegalArgumentException when the mode needs mutual TLS and the connection is not TLS
     */
    public static DialogBinding of(SipConnection connection, String peer, VoipSecurityMode mode) {
        return new DialogBinding(connection, peer, connection.isSecure(), mode);
    }

    /**
     * The identity of the peer behind a connection: {@code tls:} and the trust-list entry its certificate
     * matched, or {@code tcp:} and its IP address.
     */
    public static String peerOf(SipConnection connection) {
        if (connection instanceof TransportConnection t) {
            java.util.Optional<TlsSessionInfo> tls = t.tls();
            if (tls.isPresent()) {
                return "tls:" + tls.get().trustedAs().toLowerCase(java.util.Locale.ROOT);
            }
        }
        return (connection.isSecure() ? "tls:" : "tcp:")
                + connection.remoteAddress().getAddress().getHostAddress();
    }

    /**
     * Why a request on {@code other} from {@code otherPeer} may not act in this dialog, or null when it
     * may: it must come over TLS when the dialog was made over TLS or its mode needs mutual TLS, and from
     * the same peer identity. The identity is compared even on the dialog's own connection: behind an edge
     * proxy one connection carries several peers.
     */
    String refusal(SipConnection other, String otherPeer) {
        if ((secure || mode.mutualTls()) && !other.isSecure()) {
            return "weaker-transport";
        }
        if (!peer.equals(otherPeer)) {
            return "other-peer";
        }
        return null;
    }
}
