package org.umsec.sip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed SIP or SIPS URI (RFC 3261 §19.1): {@code sip:user:password@host:port;uri-parameters?headers}.
 *
 * <p>Immutable. The user and password are kept with %-escapes resolved, so that
 * {@code sip:%75se%72@example.com} equals {@code sip:user@example.com} (RFC 3261 §19.1.4, RFC 4475 §3.1.1.3).
 * {@link #equals(Object)} follows §19.1.4: scheme, user and password compare case-sensitively, the host
 * case-insensitively, ports must match, the {@code user, ttl, method, maddr, transport} parameters must
 * match when either side has them, other parameters only when both sides have them, and headers must be
 * the same.
 */
public final class SipUri {
    private final String scheme;
    private final String user;
    private final String password;
    private final String host;
    private final int port;
    private final Map<String, String> params;
    private final Map<String, String> headers;
    private final String text;

    private SipUri(
            String scheme,
            String user,
            String password,
            String host,
            int port,
            Map<String, String> params,
            Map<String, String> headers,
            String text) {
        this.scheme = scheme;
        this.user = user;
        this.password = password;
        this.host = host;
        this.port = port;
        this.params = params;
        this.headers = headers;
        this.text = text;
    }

    /**
     * Parses a {@code sip:} or {@code sips:} URI.
     *
     * @param text the URI text
     * @return the URI, or empty when the scheme is another one or the text is malformed
     */
    public static Optional<SipUri> parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("sip") && !scheme.equals("sips")) {
            return Optional.empty();
        }
        String rest = text.substring(colon + 1);
        String user = null;
        String password = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String userinfo = rest.substring(0, at);
            int pc = userinfo.indexOf(':');
            String u = pc >= 0 ? userinfo.substring(0, pc) : userinfo;
            if (u.isEmpty()) {
                return Optional.empty();
            }
            user = unescape(u);
            password = pc >= 0 ? unescape(userinfo.substring(pc + 1)) : null;
            if (user == null || (pc >= 0 && password == null)) {
                return Optional.empty();
            }
            rest = rest.substring(at + 1);
        }
        int q = rest.indexOf('?');
        String headerPart = q >= 0 ? rest.substring(q + 1) : null;
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        int semi = rest.indexOf(';');
        String hostport = semi >= 0 ? rest.substring(0, semi) : rest;
        String host;
        int port = -1;
        if (hostport.startsWith("[")) {
            int close = hostport.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            host = hostport.substring(0, close + 1);
            String after = hostport.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    return Optional.empty();
                }
                port = parsePort(after.substring(1));
                if (port < 0) {
                    return Optional.empty();
                }
            }
        } else {
            int pc = hostport.indexOf(':');
            host = pc >= 0 ? hostport.substring(0, pc) : hostport;
            if (pc >= 0) {
                port = parsePort(hostport.substring(pc + 1));
                if (port < 0) {
                    return Optional.empty();
                }
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '.' && c != '_') {
                    return Optional.empty();
                }
            }
        }
        if (host.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (semi >= 0) {
            for (String p : rest.substring(semi + 1).split(";", -1)) {
                int eq = p.indexOf('=');
                String name = unescape(eq >= 0 ? p.substring(0, eq) : p);
                String value = eq >= 0 ? unescape(p.substring(eq + 1)) : "";
                if (name == null || name.isEmpty() || value == null) {
                    return Optional.empty();
                }
                params.put(name.toLowerCase(Locale.ROOT), value);
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (headerPart != null) {
            for (String h : headerPart.split("&", -1)) {
                int eq = h.indexOf('=');
                String name = unescape(eq >= 0 ? h.substring(0, eq) : h);
                String value = eq >= 0 ? unescape(h.substring(eq + 1)) : "";
                if (name == null || name.isEmpty() || value == null) {
                    return Optional.empty();
                }
                headers.put(name, value);
            }
        }
        return Optional.of(new SipUri(
                scheme,
                user,
                password,
                host.toLowerCase(Locale.ROOT),
                port,
                Collections.unmodifiableMap(params),
                Collections.unmodifiableMap(headers),
                text));
    }

    private static int parsePort(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 65535 ? v : -1;
    }

    /** Resolves %HH escapes (bytes taken as UTF-8); null when an escape is malformed. */
    static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '%') {
                if (i + 2 >= b.length) {
                    return null;
                }
                int hi = Character.digit(b[i + 1], 16);
                int lo = Character.digit(b[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(b[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** {@code sip} or {@code sips}, lower case. */
    public String scheme() {
        return scheme;
    }

    /** Whether the scheme is {@code sips}. */
    public boolean isSecure() {
        return scheme.equals("sips");
    }

    /** User part with escapes resolved. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** Password with escapes resolved. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    /** Host in lower case; an IPv6 reference keeps its brackets. */
    public String host() {
        return host;
    }

    /** Port, or -1 when absent. */
    public int port() {
        return port;
    }

    /** URI parameters with escapes resolved and lower-case names; unmodifiable. */
    public Map<String, String> params() {
        return params;
    }

    /** A URI parameter; {@code ""} for one without value. */
    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Headers embedded in the URI ({@code ?Route=...}) with escapes resolved; unmodifiable. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The {@code transport} parameter, if any. */
    public Optional<String> transport() {
        return param("transport");
    }

    private static final String[] MUST_MATCH = {"user", "ttl", "method", "maddr", "transport"};

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SipUri)) {
            return false;
        }
        SipUri u = (SipUri) o;
        if (!scheme.equals(u.scheme)
                || !Objects.equals(user, u.user)
                || !Objects.equals(password, u.password)
                || !host.equals(u.host)
                || port != u.port) {
            return false;
        }
        for (String p : MUST_MATCH) {
            String a = params.get(p);
            String b = u.params.get(p);
            if (a != null || b != null) {
                if (a == null || b == null || !a.equalsIgnoreCase(b)) {
                    return false;
                }
            }
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            String other = u.params.get(e.getKey());
            if (other != null && !other.equalsIgnoreCase(e.getValue())) {
                return false;
            }
        }
        return headers.equals(u.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheme, user, password, host, port);
    }

    /** The URI text as parsed. */
    @Override
    public String toString() {
        return text;
    }
}
