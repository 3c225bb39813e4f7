package org.umsec.server.call;

import java.util.List;
import java.util.Locale;
import org.umsec.core.HostNames;
import org.umsec.sip.SipRequest;
import org.umsec.sip.dialog.DialogBinding;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;

/**
 * Who sent a request when gateways may reach the server through a trusted edge proxy
 * ({@code server.edgeProxies}). The proxy (Kamailio's {@code dispatcher} in the reference pool) verifies
 * the gateway's certificate itself and names the gateway in {@value #HEADER}; the server believes that
 * header only when the request arrived over mutual TLS from a peer whose certificate matched a configured
 * edge proxy on the TLS listener's trust list. From anyone else the header is ignored (the request is
 * judged by its real sender) and reported, since only an attacker or a misconfigured device sends it.
 *
 * <p>The header carries exactly one host name: the gateway certificate's first SAN DNS name, or its CN when
 * it has none (RFC 5922 §7.1), case-insensitive, one trailing dot allowed. Limits: at most one header per
 * request and {@value HostNames#MAX_NAME_LENGTH} characters; anything else from a proxy is malformed and
 * refused (an ambiguous assertion never picks a gateway).
 *
 * <p>Stateless; thread-safe.
 */
final class EdgeAssertion {

    /** The header an edge proxy fills with the gateway identity it verified. */
    static final String HEADER = "X-Umsec-Gateway";

    /** What kind of sender a request has. */
    enum Kind {
        /** Not through an edge proxy, no assertion: judged by its connection (certificate or address). */
        DIRECT,
        /** Not from an edge proxy, but it carried the header: ignored, judged by its connection. */
        IGNORED,
        /** From an edge proxy, without an assertion: the proxy itself (its OPTIONS probes). */
        PROXY,
        /** From an edge proxy, asserting a gateway. */
        ASSERTED,
        /** From an edge proxy, with an assertion that cannot be used (repeated, not a host name). */
        MALFORMED
    }

    /**
     * @param kind what kind of sender
     * @param proxy the edge proxy's name (its trust-list entry), for PROXY, ASSERTED and MALFORMED
     * @param gateway the asserted gateway name, normalised, for ASSERTED
     * @param detail why, for IGNORED and MALFORMED (peer text stripped of control characters)
     */
    record Sender(Kind kind, String proxy, String gateway, String detail) {

        /**
         * @param conn the request's connection
         * @return the identity the dialog layer binds the sender's dialogs to: for an asserted gateway the
         *     proxy and the gateway together, so that another gateway behind the same proxy is another peer
         */
        String dialogPeer(TransportConnection conn) {
            return switch (kind) {
                case ASSERTED -> "tls:" + proxy + "/gateway:" + gateway;
                case MALFORMED -> "tls:" + proxy + "/malformed";
                default -> DialogBinding.peerOf(conn);
            };
        }
    }

    private EdgeAssertion() {}

    /**
     * @param request the request (untrusted)
     * @param conn its connection
     * @param edgeProxies the configured edge proxies, normalised
     * @return the sender
     */
    static Sender of(SipRequest request, TransportConnection conn, List<String> edgeProxies) {
        List<String> values = request.headers().getAll(HEADER);
        String proxy = proxyOf(conn, edgeProxies);
        if (proxy == null) {
            if (values.isEmpty()) {
                return new Sender(Kind.DIRECT, null, null, null);
            }
            String why = conn.isSecure()
                    ? "not a configured edge proxy (server.edgeProxies)"
                    : "plain TCP; assertions are accepted over mutual TLS only";
            return new Sender(Kind.IGNORED, null, null, why);
        }
        if (values.isEmpty()) {
            return new Sender(Kind.PROXY, proxy, null, null);
        }
        if (values.size() > 1) {
            return new Sender(Kind.MALFORMED, proxy, null, values.size() + " " + HEADER + " headers");
        }
        String v = values.get(0).strip();
        if (v.length() > HostNames.MAX_NAME_LENGTH || !HostNames.isHostName(v)) {
            return new Sender(Kind.MALFORMED, proxy, null, "'" + CallController.sanitise(v) + "' is not a host name");
        }
        return new Sender(Kind.ASSERTED, proxy, HostNames.normaliseHostName(v), null);
    }

    /** @return the edge proxy the connection's certificate matched, or null when it is not one */
    private static String proxyOf(TransportConnection conn, List<String> edgeProxies) {
        if (edgeProxies.isEmpty() || !conn.isSecure()) {
            return null;
        }
        String matched = conn.tls()
                .map(TlsSessionInfo::trustedAs)
                .map(s -> s.toLowerCase(Locale.ROOT))
                .orElse(null);
        return matched != null && edgeProxies.contains(matched) ? matched : null;
    }
}
