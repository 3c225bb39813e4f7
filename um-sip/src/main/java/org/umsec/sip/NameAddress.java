package org.umsec.sip;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A name-addr or addr-spec with header parameters, as used by From, To, Contact, Route and Record-Route
 * (RFC 3261 §20.10, §20.20, §20.39): {@code "Alice" <sip:alice@example.com>;tag=1928}.
 *
 * <p>Immutable. The URI is kept as written (see {@link #sipUri()} for a parsed view); the display name is
 * kept unquoted with quoted-pairs resolved. Parameter names are lower-cased; values are kept as written.
 * A Contact of {@code *} is represented by {@link #WILDCARD}.
 */
public final class NameAddress {
    /** The Contact wildcard {@code *} (RFC 3261 §10.2.2). */
    public static final NameAddress WILDCARD = new NameAddress(null, "*", Map.of());

    private final String displayName;
    private final String uri;
    private final Map<String, String> params;

    /**
     * @param displayName display name without quotes, or {@code null}
     * @param uri         the URI text, such as {@code sip:alice@example.com}
     * @param params      header parameters in order; copied
     */
    public NameAddress(String displayName, String uri, Map<String, String> params) {
        this.displayName = displayName;
        this.uri = Objects.requireNonNull(uri, "uri");
        this.params = immutableParams(params);
    }

    /** An address without display name and parameters. */
    public static NameAddress of(String uri) {
        return new NameAddress(null, uri, Map.of());
    }

    /** Display name, unquoted. */
    public Optional<String> displayName() {
        return Optional.ofNullable(displayName);
    }

    /** The URI as written. */
    public String uri() {
        return uri;
    }

    /** The URI parsed as a SIP or SIPS URI, empty for other schemes or malformed URIs. */
    public Optional<SipUri> sipUri() {
        return SipUri.parse(uri);
    }

    /** Header parameters in order; unmodifiable. */
    public Map<String, String> params() {
        return params;
    }

    /** A header parameter by name (case-insensitive); {@code ""} for a parameter without value. */
    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The tag parameter (RFC 3261 §19.3). */
    public Optional<String> tag() {
        return Optional.ofNullable(params.get("tag"));
    }

    /** Whether this is the Contact wildcard {@code *}. */
    public boolean isWildcard() {
        return "*".equals(uri);
    }

    /** Copy with the tag parameter set. */
    public NameAddress withTag(String tag) {
        return withParam("tag", tag);
    }

    /** Copy with a parameter set (replacing one of the same name). */
    public NameAddress withParam(String name, String value) {
        Map<String, String> m = new LinkedHashMap<>(params);
        m.put(name.toLowerCase(Locale.ROOT), value);
        return new NameAddress(displayName, uri, m);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NameAddress)) {
            return false;
        }
        NameAddress n = (NameAddress) o;
        return Objects.equals(displayName, n.displayName) && uri.equals(n.uri) && params.equals(n.params);
    }

    @Override
    public int hashCode() {
        return Objects.hash(displayName, uri, params);
    }

    /** Wire form; always uses angle brackets around the URI (except for the wildcard). */
    @Override
    public String toString() {
        if (isWildcard()) {
            return "*";
        }
        StringBuilder sb = new StringBuilder(uri.length() + 32);
        if (displayName != null) {
            sb.append('"');
            for (int i = 0; i < displayName.length(); i++) {
                char c = displayName.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c);
            }
            sb.append("\" ");
        }
        sb.append('<').append(uri).append('>');
        appendParams(sb, params);
        return sb.toString();
    }

    /** An immutable, ordered copy with lower-case names and null values as {@code ""}. */
    static Map<String, String> immutableParams(Map<String, String> params) {
        if (params instanceof org.umsec.sip.internal.ParamMap) {
            return params; // already immutable with lower-case names (from the parser)
        }
        if (params.isEmpty()) {
            return Map.of();
        }
        if (params.size() == 1) {
            Map.Entry<String, String> e = params.entrySet().iterator().next();
            return Map.of(e.getKey().toLowerCase(Locale.ROOT), e.getValue() == null ? "" : e.getValue());
        }
        Map<String, String> copy = new LinkedHashMap<>();
        params.forEach((k, v) -> copy.put(k.toLowerCase(Locale.ROOT), v == null ? "" : v));
        return Collections.unmodifiableMap(copy);
    }

    static void appendParams(StringBuilder sb, Map<String, String> params) {
        for (Map.Entry<String, String> e : params.entrySet()) {
            sb.append(';').append(e.getKey());
            if (!e.getValue().isEmpty()) {
                sb.append('=').append(e.getValue());
            }
        }
    }
}
