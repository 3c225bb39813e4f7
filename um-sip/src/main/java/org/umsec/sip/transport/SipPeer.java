package org.umsec.sip.transport;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.umsec.core.SignallingTransport;

/**
 * Where a {@link SipClient} connects: transport, the host as dialled (an FQDN, or an IP literal)
 * and port, and optionally the address to connect to instead of resolving the host. Over TLS the
 * server's certificate is checked against the host as dialled, never against the address connected
 * to (RFC 5922 §7.2). Immutable; equal peers share one connection.
 *
 * <pre>{@code
 * SipPeer gw = SipPeer.tls("gw1.contoso.com", 5061);
 * SipPeer lab = SipPeer.tls("um1.lab.test", port).connectingTo(InetAddress.getLoopbackAddress());
 * }</pre>
 */
public final class SipPeer {
    private final SignallingTransport transport;
    private final String host;
    private final int port;
    private final InetAddress address;

    private SipPeer(SignallingTransport transport, String host, int port, InetAddress address) {
        this.transport = Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(host, "host");
        String h = host.strip();
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.host = h.toLowerCase(Locale.ROOT);
        this.port = port;
        this.address = address;
    }

    /**
     * @param transport TCP or TLS
     * @param host FQDN or IP literal
     * @param port 1..65535
     * @return the peer
     * @throws IllegalArgumentException on an empty host or a port out of range
     */
    public static SipPeer of(SignallingTransport transport, String host, int port) {
        return new SipPeer(transport, host, port, null);
    }

    /**
     * @param host FQDN or IP literal
     * @param port 1..65535
     * @return a plain TCP peer
     */
    public static SipPeer tcp(String host, int port) {
        return of(SignallingTransport.TCP, host, port);
    }

    /**
     * @param fqdn the FQDN the server's certificate must name
     * @param port 1..65535
     * @return a mutual-TLS peer
     */
    public static SipPeer tls(String fqdn, int port) {
        return of(SignallingTransport.TLS, fqdn, port);
    }

    /**
     * @param connectTo the address to connect to; the host stays what certificates are checked against
     * @return a copy that does not resolve the host
     */
    public SipPeer connectingTo(InetAddress connectTo) {
        return new SipPeer(transport, host, port, Objects.requireNonNull(connectTo, "connectTo"));
    }

    /** @return TCP or TLS */
    public SignallingTransport transport() {
        return transport;
    }

    /** @return the host as dialled, lower case, without a trailing dot */
    public String host() {
        return host;
    }

    /** @return the port */
    public int port() {
        return port;
    }

    /** @return the address to connect to, when given instead of resolving {@link #host()} */
    public Optional<InetAddress> address() {
        return Optional.ofNullable(address);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SipPeer p
                && p.transport == transport
                && p.host.equals(host)
                && p.port == port
                && Objects.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return Objects.hash(transport, host, port, address);
    }

    @Override
    public String toString() {
        return transport + ":" + host + ":" + port + (address == null ? "" : "@" + address.getHostAddress());
    }
}
