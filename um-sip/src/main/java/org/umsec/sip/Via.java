package org.umsec.sip;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One Via header field value (RFC 3261 §20.42): {@code SIP/2.0/TLS host:port;branch=z9hG4bK...}.
 *
 * <p>Immutable. Parameter names are kept in lower case (they compare case-insensitively); parameter values
 * are kept as written (a quoted value keeps its quotes); a parameter without a value maps to {@code ""}.
 */
public final class Via {
    /** The RFC 3261 magic cookie that starts every compliant branch (§8.1.1.7). */
    public static final String MAGIC_COOKIE = "z9hG4bK";

    private final String protocol;
    private final String transport;
    private final String host;
    private final int port;
    private final Map<String, String> params;

    /**
     * @param protocol  protocol name and version, normally {@code SIP/2.0}
     * @param transport transport token such as {@code TCP}, {@code TLS}
     * @param host      host name, IPv4 address or bracketed IPv6 reference
     * @param port      port, or -1 when absent
     * @param params    parameters in order (names are lower-cased); copied
     */
    public Via(String protocol, String transport, String host, int port, Map<String, String> params) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.host = Objects.requireNonNull(host, "host");
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.port = port;
        this.params = NameAddress.immutableParams(params);
    }

    /** A {@code SIP/2.0} Via with a branch parameter. */
    public static Via of(String transport, String host, int port, String branch) {
        return new Via("SIP/2.0", transport, host, port, Map.of("branch", branch));
    }

    /** Protocol name and version, {@code SIP/2.0} in practice. */
    public String protocol() {
        return protocol;
    }

    /** Transport token as written, such as {@code TLS}. */
    public String transport() {
        return transport;
    }

    /** Host of the sent-by part. */
    public String host() {
        return host;
    }

    /** Port of the sent-by part, -1 when absent. */
    public int port() {
        return port;
    }

    /** Parameters in order; unmodifiable. */
    public Map<String, String> params() {
        return params;
    }

    /** Value of a parameter (name compared case-insensitively); {@code ""} for a parameter without value. */
    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The branch parameter, the transaction id of RFC 3261 §17. */
    public Optional<String> branch() {
        return Optional.ofNullable(params.get("branch"));
    }

    /** Whether the branch starts with the RFC 3261 magic cookie. */
    public boolean hasRfc3261Branch() {
        String b = params.get("branch");
        return b != null && b.startsWith(MAGIC_COOKIE);
    }

    /** Copy with a parameter set (replacing an existing one of the same name). */
    public Via withParam(String name, String value) {
        Map<String, String> m = new LinkedHashMap<>(params);
        m.put(name.toLowerCase(Locale.ROOT), value == null ? "" : value);
        return new Via(protocol, transport, host, port, m);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Via)) {
            return false;
        }
        Via v = (Via) o;
        return protocol.equalsIgnoreCase(v.protocol)
                && transport.equalsIgnoreCase(v.transport)
                && host.equalsIgnoreCase(v.host)
                && port == v.port
                && params.equals(v.params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                protocol.toUpperCase(Locale.ROOT),
                transport.toUpperCase(Locale.ROOT),
                host.toLowerCase(Locale.ROOT),
                port,
                params);
    }

    /** Wire form, such as {@code SIP/2.0/TCP host:5060;branch=z9hG4bK1}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64)
                .append(protocol)
                .append('/')
                .append(transport)
                .append(' ')
                .append(host);
        if (port >= 0) {
            sb.append(':').append(port);
        }
        NameAddress.appendParams(sb, params);
        return sb.toString();
    }
}
