package org.umsec.sip.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.umsec.sip.CSeq;
import org.umsec.sip.NameAddress;
import org.umsec.sip.Via;

/**
 * Grammar checks and typed parsing of SIP header values (RFC 3261 §25) over a byte range.
 *
 * <p>Each method returns {@code null} when the value is well-formed and a short reason otherwise. When the
 * {@code out} argument is {@code null} the method only validates and allocates nothing; otherwise it adds
 * the parsed values to {@code out}. Folded lines (CRLF followed by whitespace) count as linear white space,
 * so values can be parsed in place. Not thread-safe; cheap to create.
 */
public final class HeaderParser {
    private static final boolean[] TOKEN = new boolean[256];
    private static final boolean[] WORD = new boolean[256];
    private static final boolean[] HOST = new boolean[256];
    private static final boolean[] ALNUM = new boolean[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c : "-.!%*_+`'~".toCharArray()) {
            TOKEN[c] = true;
        }
        for (int c = 0; c < 256; c++) {
            ALNUM[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            HOST[c] = ALNUM[c] || c == '-' || c == '.' || c == '_';
        }
        System.arraycopy(TOKEN, 0, WORD, 0, 256);
        for (char c : "()<>:\\\"/[]?{}".toCharArray()) {
            WORD[c] = true;
        }
    }

    private static final ThreadLocal<HeaderParser> LOCAL = ThreadLocal.withInitial(HeaderParser::new);

    private byte[] a;
    private int p;
    private int end;

    /**
     * This thread's parser, for callers that parse one value at a time (no nesting): saves an allocation
     * per typed-header access.
     */
    public static HeaderParser local() {
        return LOCAL.get();
    }

    /** Drops the reference to the last parsed array (so a thread-local parser does not pin a buffer). */
    public void clear() {
        a = null;
        error = null;
    }

    private final int[] range = new int[2];
    private final long[] longs = new long[3];
    private final ArrayList<Via> viaScratch = new ArrayList<>(2);
    private final ArrayList<NameAddress> addressScratch = new ArrayList<>(2);
    private String error;

    /** A two-element scratch array for a value's bounds, owned by this parser (saves an allocation per read). */
    public int[] range() {
        return range;
    }

    /** A three-element scratch array for {@link #cseq}'s result, owned by this parser. */
    public long[] longs() {
        return longs;
    }

    /** The reason the last {@link #firstVia} or {@link #address} call returned null. */
    public String error() {
        return error;
    }

    /**
     * The first via-parm of a Via value (all of it is checked), without a list per call.
     *
     * @return the value, or null with the reason in {@link #error()}
     */
    public Via firstVia(byte[] buf, int start, int stop) {
        ArrayList<Via> out = viaScratch;
        out.clear();
        error = via(buf, start, stop, out);
        Via v = error == null ? out.get(0) : null;
        out.clear();
        return v;
    }

    /**
     * A single name-addr or addr-spec (From, To), without a list per call.
     *
     * @return the value, or null with the reason in {@link #error()}
     */
    public NameAddress address(byte[] buf, int start, int stop) {
        ArrayList<NameAddress> out = addressScratch;
        out.clear();
        error = addresses(buf, start, stop, false, false, out);
        NameAddress v = error == null ? out.get(0) : null;
        out.clear();
        return v;
    }

    /** Whether the byte is an RFC 3261 token character. */
    public static boolean isToken(int b) {
        return TOKEN[b & 0xFF];
    }

    private void reset(byte[] a, int start, int end) {
        this.a = a;
        this.p = start;
        this.end = end;
    }

    private boolean atEnd() {
        return p >= end;
    }

    private int peek() {
        return p < end ? a[p] & 0xFF : -1;
    }

    private static boolean isWs(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Skips LWS; returns whether any was skipped. */
    private boolean skipLws() {
        int s = p;
        while (p < end && isWs(a[p])) {
            p++;
        }
        return p > s;
    }

    private int token() {
        int s = p;
        while (p < end && TOKEN[a[p] & 0xFF]) {
            p++;
        }
        return p - s;
    }

    private String str(int s, int e) {
        for (int i = s; i < e; i++) {
            if (a[i] == '\r' || a[i] == '\n') {
                return unfolded(s, e);
            }
        }
        return new String(a, s, e - s, StandardCharsets.UTF_8);
    }

    /**
     * A value that spans a folded line (a quoted display name or parameter, a token list): each fold, with
     * the white space around it, becomes one space (RFC 3261 §7.3.1), as the encoder writes it, so that a
     * parsed value is the same before and after a round trip and never carries a CR or LF.
     */
    private String unfolded(int s, int e) {
        byte[] out = new byte[e - s];
        int n = 0;
        for (int j = s; j < e; j++) {
            byte b = a[j];
            if (b == '\r' || b == '\n') {
                while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t')) {
                    n--;
                }
                while (j + 1 < e && (a[j + 1] == ' ' || a[j + 1] == '\t' || a[j + 1] == '\r' || a[j + 1] == '\n')) {
                    j++;
                }
                out[n++] = ' ';
            } else {
                out[n++] = b;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static final String[] COMMON_PARAMS = {
        "tag", "branch", "rport", "received", "lr", "transport", "maddr", "ttl", "expires", "q", "user", "method"
    };

    /** Parameter names in lower case; the common ones without allocating. */
    private String paramName(int s, int e) {
        outer:
        for (String c : COMMON_PARAMS) {
            if (c.length() != e - s) {
                continue;
            }
            for (int i = 0; i < c.length(); i++) {
                if ((a[s + i] | 0x20) != c.charAt(i)) {
                    continue outer;
                }
            }
            return c;
        }
        return str(s, e).toLowerCase(java.util.Locale.ROOT);
    }

    private static final String[] TRANSPORTS = {"TLS", "TCP", "UDP", "SCTP", "WS", "WSS"};

    private String transport(int s, int e) {
        outer:
        for (String t : TRANSPORTS) {
            if (t.length() != e - s) {
                continue;
            }
            for (int i = 0; i < t.length(); i++) {
                if (a[s + i] != t.charAt(i)) {
                    continue outer;
                }
            }
            return t;
        }
        return str(s, e);
    }

    /** Scans a quoted string starting at the opening quote; returns false when unterminated. */
    private boolean quoted() {
        p++;
        while (p < end) {
            int c = a[p] & 0xFF;
            if (c == '\\') {
                if (p + 1 >= end || a[p + 1] == '\r' || a[p + 1] == '\n') {
                    return false;
                }
                p += 2;
            } else if (c == '"') {
                p++;
                return true;
            } else {
                p++;
            }
        }
        return false;
    }

    private static String unquote(String q) {
        StringBuilder sb = new StringBuilder(q.length());
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c == '\\' && i + 1 < q.length() - 1) {
                c = q.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * Parses {@code *( SEMI generic-param )}; stops before a comma or at the end.
     *
     * @return null or the reason
     */
    private String[] kv = new String[8];

    private int kvCount;

    /** The parameters collected by the last {@link #params(boolean)} call, as an immutable map. */
    private Map<String, String> collected() {
        if (kvCount == 0) {
            return Map.of();
        }
        ParamMap m = new ParamMap(kv, kvCount);
        for (int i = 0; i < kvCount; i++) {
            kv[i] = null;
        }
        kvCount = 0;
        return m;
    }

    private String params(boolean collect) {
        kvCount = 0;
        while (true) {
            skipLws();
            if (peek() != ';') {
                return null;
            }
            p++;
            skipLws();
            int ns = p;
            if (token() == 0) {
                return "empty parameter";
            }
            int ne = p;
            skipLws();
            String value = "";
            if (peek() == '=') {
                p++;
                skipLws();
                int vs = p;
                if (peek() == '"') {
                    if (!quoted()) {
                        return "unterminated quoted parameter value";
                    }
                } else {
                    while (p < end && (TOKEN[a[p] & 0xFF] || a[p] == ':' || a[p] == '[' || a[p] == ']')) {
                        p++;
                    }
                    if (p == vs) {
                        return "empty parameter value";
                    }
                }
                if (collect) {
                    value = str(vs, p);
                }
            }
            if (collect) {
                String name = paramName(ns, ne);
                int existing = -1;
                for (int i = 0; i < kvCount; i += 2) {
                    if (kv[i].equals(name)) {
                        existing = i;
                    }
                }
                if (existing >= 0) {
                    kv[existing + 1] = value; // a repeated parameter: the last one wins
                } else {
                    if (kvCount + 2 > kv.length) {
                        kv = java.util.Arrays.copyOf(kv, kv.length * 2);
                    }
                    kv[kvCount++] = name;
                    kv[kvCount++] = value;
                }
            }
        }
    }

    /**
     * Via: {@code via-parm *(COMMA via-parm)} (RFC 3261 §20.42).
     *
     * @param out where to add the values, or null to validate only
     * @return null, or the reason the value is malformed
     */
    public String via(byte[] buf, int start, int stop, List<Via> out) {
        reset(buf, start, stop);
        while (true) {
            skipLws();
            int s = p;
            if (token() == 0) {
                return "Via: missing protocol";
            }
            int protoEnd = p;
            skipLws();
            if (peek() != '/') {
                return "Via: malformed sent-protocol";
            }
            p++;
            skipLws();
            int vs = p;
            if (token() == 0) {
                return "Via: missing protocol version";
            }
            int ve = p;
            skipLws();
            if (peek() != '/') {
                return "Via: malformed sent-protocol";
            }
            p++;
            skipLws();
            int ts = p;
            if (token() == 0) {
                return "Via: missing transport";
            }
            int te = p;
            if (!skipLws()) {
                return "Via: missing sent-by";
            }
            int hs = p;
            if (peek() == '[') {
                while (p < end && a[p] != ']') {
                    p++;
                }
                if (p >= end) {
                    return "Via: unterminated IPv6 reference";
                }
                p++;
            } else {
                while (p < end && HOST[a[p] & 0xFF]) {
                    p++;
                }
            }
            int he = p;
            if (he == hs) {
                return "Via: missing host";
            }
            int port = -1;
            skipLws();
            if (peek() == ':') {
                p++;
                skipLws();
                int ps = p;
                port = 0;
                while (p < end && a[p] >= '0' && a[p] <= '9' && p - ps < 6) {
                    port = port * 10 + (a[p] - '0');
                    p++;
                }
                if (p == ps || port > 65535) {
                    return "Via: bad port";
                }
            }
            String err = params(out != null);
            if (err != null) {
                return "Via: " + err;
            }
            if (out != null) {
                Map<String, String> params = collected();
                String proto = protoEnd - s == 3
                                && ve - vs == 3
                                && a[s] == 'S'
                                && a[s + 1] == 'I'
                                && a[s + 2] == 'P'
                                && a[vs] == '2'
                                && a[vs + 1] == '.'
                                && a[vs + 2] == '0'
                        ? "SIP/2.0"
                        : str(s, protoEnd) + "/" + str(vs, ve);
                out.add(new Via(proto, transport(ts, te), str(hs, he), port, params));
            }
            skipLws();
            if (atEnd()) {
                return null;
            }
            if (peek() != ',') {
                return "Via: unexpected character";
            }
            p++;
        }
    }

    /**
     * From, To, Contact, Route, Record-Route values (RFC 3261 §20.10, §20.20, §20.30, §20.34, §20.39).
     *
     * @param list     whether several comma-separated values are allowed
     * @param wildcard whether {@code *} is allowed (Contact)
     * @param out      where to add values, or null to validate only
     * @return null, or the reason
     */
    public String addresses(byte[] buf, int start, int stop, boolean list, boolean wildcard, List<NameAddress> out) {
        reset(buf, start, stop);
        skipLws();
        if (wildcard && peek() == '*') {
            p++;
            skipLws();
            if (!atEnd()) {
                return "Contact: '*' must stand alone";
            }
            if (out != null) {
                out.add(NameAddress.WILDCARD);
            }
            return null;
        }
        while (true) {
            skipLws();
            String display = null;
            int us;
            int ue;
            if (peek() == '"') {
                int qs = p;
                if (!quoted()) {
                    return "unterminated quoted display name";
                }
                if (out != null) {
                    boolean escapes = false;
                    for (int i = qs + 1; i < p - 1; i++) {
                        escapes |= a[i] == '\\';
                    }
                    display = escapes ? unquote(str(qs, p)) : str(qs + 1, p - 1);
                }
                skipLws();
                if (peek() != '<') {
                    return "display name not followed by '<'";
                }
            }
            if (peek() == '<') {
                p++;
                us = p;
                while (p < end && a[p] != '>') {
                    if (isWs(a[p])) {
                        return "white space inside <addr-spec>";
                    }
                    p++;
                }
                if (p >= end) {
                    return "missing '>'";
                }
                ue = p;
                p++;
            } else {
                // Either display-name tokens followed by '<', or an addr-spec whose scheme ends at ':'.
                int ds = p;
                int n = token();
                if (n == 0) {
                    return "malformed name-addr";
                }
                if (peek() == ':') {
                    // addr-spec: ends at ';', ',' (lists), or white space. '?' and ',' need name-addr (§20).
                    us = ds;
                    while (p < end && a[p] != ';' && !isWs(a[p]) && !(list && a[p] == ',')) {
                        if (a[p] == '?' || a[p] == ',' || a[p] == '<' || a[p] == '>' || a[p] == '"') {
                            return "addr-spec with '" + (char) a[p] + "' must be enclosed in <>";
                        }
                        p++;
                    }
                    ue = p;
                } else {
                    int de = p;
                    while (true) {
                        skipLws();
                        if (peek() == '<') {
                            break;
                        }
                        if (token() == 0) {
                            return "display name is not a token list or quoted string";
                        }
                        de = p;
                    }
                    if (out != null) {
                        display = str(ds, de);
                    }
                    p++;
                    us = p;
                    while (p < end && a[p] != '>') {
                        if (isWs(a[p])) {
                            return "white space inside <addr-spec>";
                        }
                        p++;
                    }
                    if (p >= end) {
                        return "missing '>'";
                    }
                    ue = p;
                    p++;
                }
            }
            String err = checkScheme(us, ue);
            if (err != null) {
                return err;
            }
            err = params(out != null);
            if (err != null) {
                return err;
            }
            if (out != null) {
                out.add(new NameAddress(display, str(us, ue), collected()));
            }
            skipLws();
            if (atEnd()) {
                return null;
            }
            if (!list || peek() != ',') {
                return "unexpected character after address";
            }
            p++;
        }
    }

    private String checkScheme(int s, int e) {
        int i = s;
        if (i >= e || !ALNUM[a[i] & 0xFF] || (a[i] >= '0' && a[i] <= '9')) {
            return "URI without scheme";
        }
        while (i < e && (ALNUM[a[i] & 0xFF] || a[i] == '+' || a[i] == '-' || a[i] == '.')) {
            i++;
        }
        if (i >= e || a[i] != ':' || i + 1 >= e) {
            return "URI without scheme";
        }
        return null;
    }

    /**
     * Request-URI check (RFC 3261 §19.1.1): a scheme, no angle brackets, and no embedded headers in a
     * SIP or SIPS URI (RFC 4475 §3.1.2.11).
     */
    public String requestUri(byte[] buf, int start, int stop) {
        reset(buf, start, stop);
        for (int i = start; i < stop; i++) {
            if (a[i] == '<' || a[i] == '>' || a[i] == '"' || (a[i] & 0xFF) <= ' ') {
                return "malformed Request-URI";
            }
        }
        String err = checkScheme(start, stop);
        if (err != null) {
            return err;
        }
        int len = stop - start;
        boolean sip = len > 4
                && (a[start] | 0x20) == 's'
                && (a[start + 1] | 0x20) == 'i'
                && (a[start + 2] | 0x20) == 'p'
                && (a[start + 3] == ':' || ((a[start + 3] | 0x20) == 's' && a[start + 4] == ':'));
        if (sip) {
            int hostStart = start;
            for (int i = start; i < stop; i++) {
                if (a[i] == '@') {
                    hostStart = i;
                    break;
                }
            }
            for (int i = hostStart; i < stop; i++) {
                if (a[i] == '?') {
                    return "headers not allowed in Request-URI";
                }
            }
        }
        return null;
    }

    /** Parses the CSeq value; returns null on success. Result in {@code seqOut[0]}, method bounds in [1],[2]. */
    public String cseq(byte[] buf, int start, int stop, long[] result) {
        reset(buf, start, stop);
        skipLws();
        int ds = p;
        long v = 0;
        while (p < end && a[p] >= '0' && a[p] <= '9') {
            v = v * 10 + (a[p] - '0');
            if (v > CSeq.MAX_SEQUENCE) {
                return "CSeq number out of range";
            }
            p++;
        }
        if (p == ds) {
            return "CSeq without number";
        }
        if (!skipLws()) {
            return "CSeq without method";
        }
        int ms = p;
        if (token() == 0) {
            return "CSeq without method";
        }
        int me = p;
        skipLws();
        if (!atEnd()) {
            return "malformed CSeq";
        }
        result[0] = v;
        result[1] = ms;
        result[2] = me;
        return null;
    }

    /** Parses a non-negative decimal no larger than {@code max}; returns it, or -1 when malformed. */
    public long number(byte[] buf, int start, int stop, long max) {
        reset(buf, start, stop);
        skipLws();
        int ds = p;
        long v = 0;
        while (p < end && a[p] >= '0' && a[p] <= '9') {
            v = v * 10 + (a[p] - '0');
            if (v > max) {
                return -1;
            }
            p++;
        }
        if (p == ds) {
            return -1;
        }
        skipLws();
        return atEnd() ? v : -1;
    }

    /** Call-ID: {@code word ["@" word]} (RFC 3261 §25.1). */
    public String callId(byte[] buf, int start, int stop) {
        reset(buf, start, stop);
        skipLws();
        int s = p;
        int ats = 0;
        while (p < end && !isWs(a[p])) {
            int c = a[p] & 0xFF;
            if (c == '@') {
                if (++ats > 1 || p == s) {
                    return "malformed Call-ID";
                }
            } else if (!WORD[c]) {
                return "malformed Call-ID";
            }
            p++;
        }
        if (p == s || a[p - 1] == '@') {
            return "malformed Call-ID";
        }
        skipLws();
        return atEnd() ? null : "malformed Call-ID";
    }

    /** Content-Type: {@code type "/" subtype *(SEMI m-parameter)} (RFC 3261 §20.15). */
    public String contentType(byte[] buf, int start, int stop) {
        reset(buf, start, stop);
        skipLws();
        if (token() == 0) {
            return "malformed Content-Type";
        }
        skipLws();
        if (peek() != '/') {
            return "malformed Content-Type";
        }
        p++;
        skipLws();
        if (token() == 0) {
            return "malformed Content-Type";
        }
        String err = params(false);
        if (err != null) {
            return "Content-Type: " + err;
        }
        skipLws();
        return atEnd() ? null : "malformed Content-Type";
    }

    /** Date: rfc1123-date, which must end in GMT (RFC 3261 §20.17, RFC 4475 §3.1.2.12). */
    public String date(byte[] buf, int start, int stop) {
        int e = stop;
        while (e > start && isWs(buf[e - 1])) {
            e--;
        }
        if (e - start < 4 || buf[e - 4] != ' ' || buf[e - 3] != 'G' || buf[e - 2] != 'M' || buf[e - 1] != 'T') {
            return "Date must be in GMT";
        }
        return null;
    }
}
