package org.umsec.sip.sdp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An SDP session description (RFC 8866) as used in SIP offer/answer (RFC 3264) for audio calls.
 *
 * <pre>{@code
 * SessionDescription offer = SessionDescription.builder()
 *         .origin(new Origin("-", "4711", "1", "IN", "IP4", "192.0.2.10"))
 *         .connection(Connection.ip4("192.0.2.10"))
 *         .media(MediaDescription.builder("audio", 49170, "RTP/SAVP")
 *                 .rtpFormat(0, "PCMU/8000").rtpFormat(101, "telephone-event/8000")
 *                 .crypto(SdesNegotiator.offer(List.of(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80), random).get(0))
 *                 .build())
 *         .build();
 * String body = offer.toSdp();
 * }</pre>
 *
 * <p>Parsing accepts CRLF or LF line ends, checks the mandatory {@code v=0}, {@code o=}, {@code s=},
 * {@code t=} lines and the syntax of {@code c=}, {@code m=} and {@code a=crypto}, and keeps lines it does
 * not model ({@code i= u= e= p= b= r= z= k=}) so that {@link #toSdp()} reproduces them. Bodies larger
 * than {@value #MAX_LENGTH} characters or with more than {@value #MAX_MEDIA} media sections are refused.
 * Immutable.
 *
 * <p>Every number the parser reads is checked, digits only (no sign) and in range, so that a hostile offer
 * fails here with an {@link SdpParseException} naming the field instead of later, with an unchecked
 * exception, in the middle of call setup:
 * <ul>
 *   <li>{@code m=} port 0..65535, port count at least 1 and not running past 65535 (a port pair per
 *       stream for RTP), RTP payload types 0..127; an RTP section on port 65535 needs {@code a=rtcp};
 *   <li>{@code a=rtcp} port 1..65535 (RFC 3605), {@code a=rtpmap} payload type 0..127, clock rate
 *       1..1000000 Hz, channels 1..64, {@code a=fmtp} payload type 0..127, {@code a=ptime}/{@code maxptime}
 *       above 0 and at most 60000 ms, {@code a=ssrc} 32-bit, {@code a=extmap} id 1..255;
 *   <li>{@code a=crypto} tag 1..999999999, key lifetime, MKI value and length 1..128, {@code KDR} 0..24,
 *       {@code WSH} at least 64 (RFC 4568);
 *   <li>{@code o=} session id and version, {@code t=} times, {@code b=} bandwidth, {@code c=} TTL 0..255 and
 *       address count.
 * </ul>
 */
public final class SessionDescription {
    /** The order {@link #toSdp()} writes the session's other lines in. */
    private static final String WRITE_ORDER = "iuepbrzk";

    /** Largest body accepted by {@link #parse(String)}. */
    public static final int MAX_LENGTH = 65536;
    /** Most media sections accepted by {@link #parse(String)}. */
    public static final int MAX_MEDIA = 32;

    private final Origin origin;
    private final String sessionName;
    private final Connection connection;
    private final List<String> timing;
    private final List<String> otherLines;
    private final List<SdpAttribute> attributes;
    private final List<MediaDescription> media;

    private SessionDescription(Builder b) {
        this.origin = Objects.requireNonNull(b.origin, "origin");
        this.sessionName = b.sessionName;
        this.connection = b.connection;
        this.timing = b.timing.isEmpty() ? List.of("0 0") : List.copyOf(b.timing);
        // kept in the order they are written (RFC 8866 §5: i= u= e= p=, b=, r= z= k=), so that a parsed
        // description equals its own re-parse whatever order the peer used
        List<String> ordered = new ArrayList<>(b.otherLines.size());
        for (char t : WRITE_ORDER.toCharArray()) {
            for (String l : b.otherLines) {
                if (l.charAt(0) == t) {
                    ordered.add(l);
                }
            }
        }
        for (String l : b.otherLines) {
            if (WRITE_ORDER.indexOf(l.charAt(0)) < 0) {
                ordered.add(l);
            }
        }
        this.otherLines = List.copyOf(ordered);
        this.attributes = List.copyOf(b.attributes);
        this.media = List.copyOf(b.media);
    }

    /** Starts a description with session name {@code -} and timing {@code 0 0}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this description. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.origin = origin;
        b.sessionName = sessionName;
        b.connection = connection;
        b.timing.addAll(timing);
        b.otherLines.addAll(otherLines);
        b.attributes.addAll(attributes);
        b.media.addAll(media);
        return b;
    }

    /** The origin line. */
    public Origin origin() {
        return origin;
    }

    /** The session name ({@code s=}). */
    public String sessionName() {
        return sessionName;
    }

    /** Session-level connection data. */
    public Optional<Connection> connection() {
        return Optional.ofNullable(connection);
    }

    /** The {@code t=} values, such as {@code 0 0}. */
    public List<String> timing() {
        return timing;
    }

    /** Session-level attributes. */
    public List<SdpAttribute> attributes() {
        return attributes;
    }

    /** Media sections in order. */
    public List<MediaDescription> media() {
        return media;
    }

    /** The first audio section. */
    public Optional<MediaDescription> audio() {
        return media.stream().filter(m -> m.media().equals("audio")).findFirst();
    }

    /** Whether any media section carries {@code a=crypto} (SDES keys). */
    public boolean hasSdesKeys() {
        for (MediaDescription m : media) {
            if (!m.cryptos().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Session-level lines kept as written ({@code i= u= e= p= b= r= z= k=}). */
    public List<String> otherLines() {
        return otherLines;
    }

    /**
     * Parses an SDP body.
     *
     * @throws SdpParseException when it is not a well-formed description
     */
    public static SessionDescription parse(String text) throws SdpParseException {
        if (text.length() > MAX_LENGTH) {
            throw new SdpParseException("SDP body larger than " + MAX_LENGTH);
        }
        String[] lines = lines(text);
        Builder b = new Builder();
        b.sessionName = null;
        MediaDescription.Builder m = null;
        int n = lines.length;
        while (n > 0 && lines[n - 1].isEmpty()) {
            n--;
        }
        if (n == 0 || !lines[0].equals("v=0")) {
            throw new SdpParseException("SDP must start with v=0");
        }
        for (int i = 1; i < n; i++) {
            String l = lines[i];
            if (l.length() < 2 || l.charAt(1) != '=' || l.charAt(0) < 'a' || l.charAt(0) > 'z') {
                throw new SdpParseException("malformed SDP line " + (i + 1) + ": " + l);
            }
            char type = l.charAt(0);
            String v = l.substring(2);
            switch (type) {
                case 'o':
                    if (m != null || b.origin != null) {
                        throw new SdpParseException("misplaced o= line");
                    }
                    String[] f = v.split(" ");
                    if (f.length != 6) {
                        throw new SdpParseException("o= needs 6 fields: " + v);
                    }
                    // RFC 8866 §5.2: sess-id and sess-version are numeric (64-bit NTP-style values)
                    SdpNumbers.digits(f[1], "o= session id");
                    SdpNumbers.digits(f[2], "o= session version");
                    b.origin = new Origin(f[0], f[1], f[2], f[3], f[4], f[5]);
                    break;
                case 's':
                    if (m != null || b.sessionName != null) {
                        throw new SdpParseException("misplaced s= line");
                    }
                    b.sessionName = v;
                    break;
                case 'c': {
                    Connection c = parseConnection(v);
                    if (m != null) {
                        m.connection(c);
                    } else {
                        b.connection = c;
                    }
                    break;
                }
                case 't':
                    if (m != null) {
                        throw new SdpParseException("t= inside a media section");
                    }
                    checkTiming(v);
                    b.timing.add(v);
                    break;
                case 'm':
                    if (m != null) {
                        b.media.add(m.buildParsed());
                    }
                    if (b.media.size() >= MAX_MEDIA) {
                        throw new SdpParseException("more than " + MAX_MEDIA + " media sections");
                    }
                    m = parseMediaLine(v);
                    break;
                case 'a': {
                    int colon = v.indexOf(':');
                    SdpAttribute a;
                    try {
                        a = colon < 0
                                ? SdpAttribute.flag(v)
                                : new SdpAttribute(v.substring(0, colon), v.substring(colon + 1));
                    } catch (IllegalArgumentException e) {
                        throw new SdpParseException("malformed a= line: " + v);
                    }
                    if (m != null) {
                        m.attribute(a);
                    } else {
                        MediaDescription.checkAttribute(a, false);
                        b.attributes.add(a);
                    }
                    break;
                }
                case 'i':
                case 'b':
                case 'k':
                    if (type == 'b') {
                        checkBandwidth(v);
                    }
                    if (m != null) {
                        m.otherLine(l);
                    } else {
                        b.otherLines.add(l);
                    }
                    break;
                case 'u':
                case 'e':
                case 'p':
                case 'r':
                case 'z':
                    if (m != null) {
                        throw new SdpParseException(type + "= inside a media section");
                    }
                    b.otherLines.add(l);
                    break;
                default:
                    throw new SdpParseException("unknown SDP line type: " + l);
            }
        }
        if (m != null) {
            b.media.add(m.buildParsed());
        }
        if (b.origin == null || b.sessionName == null || b.timing.isEmpty()) {
            throw new SdpParseException("SDP needs o=, s= and t= lines");
        }
        return new SessionDescription(b);
    }

    /**
     * The text cut at every LF, a CR before the LF dropped (as {@code split("\r?\n", -1)}, without the
     * regular expression compiled per offer).
     */
    static String[] lines(String text) {
        int count = 1;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
            count++;
        }
        String[] out = new String[count];
        int start = 0;
        for (int k = 0; k < count - 1; k++) {
            int nl = text.indexOf('\n', start);
            int end = nl > start && text.charAt(nl - 1) == '\r' ? nl - 1 : nl;
            out[k] = text.substring(start, end);
            start = nl + 1;
        }
        out[count - 1] = text.substring(start);
        return out;
    }

    /** Parses an SDP body given as bytes (UTF-8). */
    public static SessionDescription parse(byte[] body) throws SdpParseException {
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    private static Connection parseConnection(String v) throws SdpParseException {
        String[] f = v.split(" ");
        if (f.length != 3 || f[0].isEmpty() || f[1].isEmpty() || f[2].isEmpty()) {
            throw new SdpParseException("c= needs 3 fields: " + v);
        }
        int slash = f[2].indexOf('/');
        if (slash >= 0) {
            // RFC 8866 §5.7: multicast <address>/<ttl>[/<number of addresses>] (IP4), <address>/<number> (IP6)
            String[] parts = f[2].substring(slash + 1).split("/", -1);
            boolean ip4 = f[1].equals("IP4");
            if (parts.length > (ip4 ? 2 : 1)) {
                throw new SdpParseException("c= address has too many '/' fields: " + SdpNumbers.shorten(f[2]));
            }
            if (ip4) {
                SdpNumbers.number(parts[0], 0, 255, "c= TTL");
            }
            if (parts.length == 2 || !ip4) {
                SdpNumbers.number(parts[parts.length - 1], 1, 65536, "c= number of addresses");
            }
        }
        return new Connection(f[0], f[1], f[2]);
    }

    /** {@code t=<start-time> <stop-time>}: two decimal NTP times (RFC 8866 §5.9). */
    private static void checkTiming(String v) throws SdpParseException {
        String[] f = v.split(" ", -1);
        if (f.length != 2) {
            throw new SdpParseException("t= needs start and stop times: " + SdpNumbers.shorten(v));
        }
        SdpNumbers.digits(f[0], "t= start time");
        SdpNumbers.digits(f[1], "t= stop time");
    }

    /** {@code b=<bwtype>:<bandwidth>}, the bandwidth a 32-bit number (RFC 8866 §5.8). */
    private static void checkBandwidth(String v) throws SdpParseException {
        int colon = v.indexOf(':');
        if (colon <= 0) {
            throw new SdpParseException("b= needs <bwtype>:<bandwidth>: " + SdpNumbers.shorten(v));
        }
        SdpNumbers.number(v.substring(colon + 1), 0, 0xFFFF_FFFFL, "b= bandwidth");
    }

    private static MediaDescription.Builder parseMediaLine(String v) throws SdpParseException {
        String[] f = v.split(" ");
        if (f.length < 4) {
            throw new SdpParseException("m= needs media, port, proto and formats: " + v);
        }
        String portText = f[1];
        int count = 1;
        int slash = portText.indexOf('/');
        if (slash >= 0) {
            count = (int) SdpNumbers.number(portText.substring(slash + 1), 1, SdpNumbers.MAX_PORT, "m= port count");
            portText = portText.substring(0, slash);
        }
        int port = SdpNumbers.port(portText, "m= port");
        if (f[0].isEmpty() || f[2].isEmpty()) {
            throw new SdpParseException("m= needs media, port, proto and formats: " + SdpNumbers.shorten(v));
        }
        MediaDescription.Builder m = MediaDescription.builder(f[0], port, f[2]).portCount(count);
        for (int i = 3; i < f.length; i++) {
            if (f[i].isEmpty()) {
                throw new SdpParseException("empty m= format");
            }
            m.format(f[i]);
        }
        return m;
    }

    /** The body text with CRLF line ends (RFC 8866 §5). */
    public String toSdp() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("v=0\r\n").append("o=").append(origin).append("\r\n");
        sb.append("s=").append(sessionName).append("\r\n");
        appendOther(sb, WRITE_ORDER.substring(0, 4));
        if (connection != null) {
            sb.append("c=").append(connection).append("\r\n");
        }
        appendOther(sb, WRITE_ORDER.substring(4, 5));
        for (String t : timing) {
            sb.append("t=").append(t).append("\r\n");
        }
        appendOther(sb, WRITE_ORDER.substring(5));
        for (SdpAttribute a : attributes) {
            sb.append("a=").append(a).append("\r\n");
        }
        for (MediaDescription m : media) {
            m.appendTo(sb);
        }
        return sb.toString();
    }

    private void appendOther(StringBuilder sb, String types) {
        for (int t = 0; t < types.length(); t++) {
            for (String l : otherLines) {
                if (l.charAt(0) == types.charAt(t)) {
                    sb.append(l).append("\r\n");
                }
            }
        }
    }

    /** The body as UTF-8 bytes. */
    public byte[] toBytes() {
        return toSdp().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SessionDescription)) {
            return false;
        }
        SessionDescription s = (SessionDescription) o;
        return origin.equals(s.origin)
                && sessionName.equals(s.sessionName)
                && Objects.equals(connection, s.connection)
                && timing.equals(s.timing)
                && otherLines.equals(s.otherLines)
                && attributes.equals(s.attributes)
                && media.equals(s.media);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, sessionName, connection, media);
    }

    /** A summary without key material. */
    @Override
    public String toString() {
        return "SessionDescription[" + origin + ", media=" + media + "]";
    }

    /** Builder for descriptions. */
    public static final class Builder {
        private Origin origin;
        private String sessionName = "-";
        private Connection connection;
        private final List<String> timing = new ArrayList<>();
        private final List<String> otherLines = new ArrayList<>();
        private final List<SdpAttribute> attributes = new ArrayList<>();
        private final List<MediaDescription> media = new ArrayList<>();

        private Builder() {}

        /** Sets the origin (required). */
        public Builder origin(Origin o) {
            origin = Objects.requireNonNull(o, "origin");
            return this;
        }

        /** Sets the session name (default {@code -}). */
        public Builder sessionName(String s) {
            if (s.isEmpty() || s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("bad session name");
            }
            sessionName = s;
            return this;
        }

        /** Sets session-level connection data. */
        public Builder connection(Connection c) {
            connection = c;
            return this;
        }

        /** Adds a session-level attribute. */
        public Builder attribute(SdpAttribute a) {
            attributes.add(Objects.requireNonNull(a, "attribute"));
            return this;
        }

        /** Adds a media section. */
        public Builder media(MediaDescription m) {
            media.add(Objects.requireNonNull(m, "media"));
            return this;
        }

        /** Replaces all media sections. */
        public Builder replaceMedia(List<MediaDescription> m) {
            media.clear();
            media.addAll(m);
            return this;
        }

        /**
         * Builds the description.
         *
         * @throws NullPointerException when the origin is missing
         */
        public SessionDescription build() {
            return new SessionDescription(this);
        }
    }
}
