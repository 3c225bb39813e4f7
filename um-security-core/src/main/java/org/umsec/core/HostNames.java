package org.umsec.core;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The one set of host name and IP literal syntax rules of umsec, used by the trust list, the
 * configuration model, the reference server's configuration and certificate generation. Never
 * performs a DNS lookup: IP literals are recognised by syntax before the JDK parses them, so a
 * configuration value can never make the process resolve a name.
 *
 * <ul>
 *   <li>A <em>host name</em> is 1 to {@value #MAX_NAME_LENGTH} characters of labels of 1 to
 *       {@value #MAX_LABEL_LENGTH} ASCII letters, digits and hyphens, neither starting nor ending with
 *       a hyphen (RFC 1123 §2.1), case-insensitive, with an optional trailing dot; its last label is
 *       not all digits, so {@code gw.123} is refused (it could be read as an IPv4 address).</li>
 *   <li>An <em>IP literal</em> is an IPv4 dotted quad without leading zeros or short forms
 *       ({@code 192.0.2.1}) or an IPv6 address ({@code 2001:db8::1}, optionally in brackets, optionally
 *       with an IPv4 tail; no zone id).</li>
 * </ul>
 *
 * <pre>{@code
 * HostNames.isHostName("gw1.example.com");   // true
 * HostNames.isHostName("gw.123");            // false
 * HostNames.isIpLiteral("[2001:db8::1]");    // true
 * HostNames.isIpLiteral("010.0.0.1");        // false (leading zero)
 * }</pre>
 */
public final class HostNames {
    /** Longest host name in presentation form without the trailing dot, RFC 1035 §2.3.4. */
    public static final int MAX_NAME_LENGTH = 253;
    /** Longest label, RFC 1035 §2.3.4. */
    public static final int MAX_LABEL_LENGTH = 63;

    private HostNames() {}

    /**
     * Whether a value is a syntactically valid host name (case and one trailing dot ignored) and not
     * an IP literal.
     *
     * @param value the value as written
     * @return {@code true} for a host name such as {@code gw1.example.com} or {@code localhost}
     * @throws NullPointerException if {@code value} is null
     */
    public static boolean isHostName(String value) {
        return parseIpLiteral(value).isEmpty() && isValidName(normaliseName(value));
    }

    /**
     * Whether a value is an IPv4 or IPv6 literal as described in the class comment. No DNS lookup.
     *
     * @param value the value as written
     * @return {@code true} for an IP literal
     * @throws NullPointerException if {@code value} is null
     */
    public static boolean isIpLiteral(String value) {
        return parseIpLiteral(value).isPresent();
    }

    /**
     * Returns the canonical text of an IP literal: dotted quad for IPv4 (IPv4-mapped IPv6 becomes
     * IPv4), RFC 5952 compressed lower-case form for IPv6, without brackets.
     *
     * @param value an IP literal
     * @return the canonical text, or empty if {@code value} is not an IP literal
     * @throws NullPointerException if {@code value} is null
     */
    public static Optional<String> canonicalIp(String value) {
        return parseIpLiteral(value).map(HostNames::canonical);
    }

    /**
     * Returns a host name in the form in which names are compared: lower case (ASCII), without a
     * trailing dot.
     *
     * @param value a host name
     * @return the normalised name
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if {@code value} is not a {@linkplain #isHostName(String) host name}
     */
    public static String normaliseHostName(String value) {
        if (!isHostName(value)) {
            throw new IllegalArgumentException("'" + value + "' is not a valid host name");
        }
        return normaliseName(value);
    }

    /**
     * Lower-cases (ASCII) and removes one trailing dot, the form in which names are compared.
     * Does not validate.
     */
    static String normaliseName(String name) {
        // ASCII only: String.toLowerCase maps look-alikes such as the Kelvin sign (U+212A) to 'k', which
        // would let a non-ASCII name match an ASCII entry.
        int end = name.endsWith(".") ? name.length() - 1 : name.length();
        StringBuilder n = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = name.charAt(i);
            n.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return n.toString();
    }

    /**
     * Whether {@code n} (already normalised) is a syntactically valid host name: 1 to 253
     * characters, labels of 1 to 63 letters, digits and hyphens that neither start nor end with a
     * hyphen (RFC 1123 §2.1), and a last label that is not all digits, so that it can never be
     * confused with an IPv4 address.
     */
    static boolean isValidName(String n) {
        if (n.isEmpty() || n.length() > MAX_NAME_LENGTH) {
            return false;
        }
        int start = 0;
        boolean lastAllDigits = false;
        while (true) {
            int dot = n.indexOf('.', start);
            int end = dot < 0 ? n.length() : dot;
            int len = end - start;
            if (len < 1 || len > MAX_LABEL_LENGTH || n.charAt(start) == '-' || n.charAt(end - 1) == '-') {
                return false;
            }
            lastAllDigits = true;
            for (int i = start; i < end; i++) {
                char c = n.charAt(i);
                boolean digit = c >= '0' && c <= '9';
                if (!(digit || (c >= 'a' && c <= 'z') || c == '-')) {
                    return false;
                }
                lastAllDigits &= digit;
            }
            if (dot < 0) {
                break;
            }
            start = dot + 1;
        }
        return !lastAllDigits;
    }

    /** Counts the labels of a valid name. */
    static int labelCount(String n) {
        int count = 1;
        for (int i = 0; i < n.length(); i++) {
            if (n.charAt(i) == '.') {
                count++;
            }
        }
        return count;
    }

    /**
     * Parses an IPv4 dotted quad ({@code 192.0.2.1}, no leading zeros, no short forms) or an IPv6
     * literal (optionally in brackets, optionally with an embedded IPv4 tail; no zone id). Returns
     * empty for anything else, including host names. No DNS lookup happens.
     */
    static Optional<InetAddress> parseIpLiteral(String s) {
        java.util.Objects.requireNonNull(s, "value must not be null");
        String t = s;
        if (t.length() > 2 && t.charAt(0) == '[' && t.charAt(t.length() - 1) == ']') {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isEmpty() || t.length() > 45) {
            return Optional.empty();
        }
        if (t.indexOf(':') < 0) {
            byte[] v4 = parseIpv4(t);
            return v4 == null ? Optional.empty() : Optional.of(byAddress(v4));
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok =
                    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return Optional.empty();
            }
        }
        int lastColon = t.lastIndexOf(':');
        String tail = t.substring(lastColon + 1);
        if (tail.indexOf('.') >= 0 && parseIpv4(tail) == null) {
            return Optional.empty();
        }
        if (t.substring(0, lastColon).indexOf('.') >= 0) {
            return Optional.empty();
        }
        try {
            // Contains ':' and only hex digits, ':' and '.', so the JDK parses it as a literal
            // and never consults DNS.
            InetAddress a = InetAddress.getByName(t);
            return Optional.of(byAddress(a.getAddress()));
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] parseIpv4(String t) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (t.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || value > 255 || (len > 1 && t.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= t.length() || t.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == t.length() ? out : null;
    }

    /** Strips host name and scope: two addresses are equal exactly when their bytes are. */
    static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address must have 4 or 16 bytes", e);
        }
    }

    /**
     * The canonical text of an address: dotted quad for IPv4 (IPv4-mapped IPv6 addresses become
     * IPv4), RFC 5952 §4 compressed lower-case form for IPv6.
     */
    static String canonical(InetAddress address) {
        InetAddress a = byAddress(address.getAddress());
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = ((Inet6Address) a).getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 §4.2: compress the longest run of two or more zero words, the first if tied.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }
}
