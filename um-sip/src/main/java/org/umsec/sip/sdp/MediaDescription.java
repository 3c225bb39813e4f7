package org.umsec.sip.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One media section of an SDP body (RFC 8866 §5.14): {@code m=audio 49170 RTP/SAVP 0 8 101} and the lines
 * that follow it. Immutable; {@link #cryptos()} are the parsed {@code a=crypto} attributes (RFC 4568),
 * checked when the section is made.
 */
public final class MediaDescription {
    private final String media;
    private final int port;
    private final int portCount;
    private final String proto;
    private final List<String> formats;
    private final Connection connection;
    private final List<String> otherLines;
    private final List<SdpAttribute> attributes;
    private final List<CryptoAttribute> cryptos;
    private final int rtcpPort;

    private MediaDescription(Builder b) throws SdpParseException {
        this.media = b.media;
        this.port = b.port;
        this.portCount = b.portCount;
        this.proto = b.proto;
        this.formats = List.copyOf(b.formats);
        this.connection = b.connection;
        // kept in the order they are written (RFC 8866 §5: i= before c=, then b= and k=), so that a
        // parsed section equals its own re-parse whatever order the peer used
        List<String> ordered = new ArrayList<>(b.otherLines.size());
        for (String l : b.otherLines) {
            if (l.startsWith("i=")) {
                ordered.add(l);
            }
        }
        for (String l : b.otherLines) {
            if (!l.startsWith("i=")) {
                ordered.add(l);
            }
        }
        this.otherLines = List.copyOf(ordered);
        this.attributes = List.copyOf(b.attributes);
        boolean rtp = isRtpProfile(proto);
        // RFC 8866 §5.14: <port>/<number of ports>; RTP uses a port pair per stream (RFC 3550 §11)
        long lastPort = (long) port + (long) (rtp ? 2 : 1) * portCount - 1;
        if (portCount < 1 || (portCount > 1 && port > 0 && lastPort > SdpNumbers.MAX_PORT)) {
            throw new SdpParseException("m= port " + port + "/" + portCount + " runs past port " + SdpNumbers.MAX_PORT);
        }
        if (rtp) {
            for (String f : formats) {
                SdpNumbers.payloadType(f, "m= RTP payload type");
            }
        }
        int explicitRtcp = -1;
        boolean mux = false;
        List<CryptoAttribute> c = new ArrayList<>();
        for (SdpAttribute a : attributes) {
            int r = checkAttribute(a, rtp);
            if (r >= 0 && explicitRtcp < 0) {
                explicitRtcp = r;
            }
            mux |= a.name().equals("rtcp-mux");
            if (a.name().equals("crypto")) {
                if (a.value() == null) {
                    throw new SdpParseException("a=crypto without value");
                }
                c.add(CryptoAttribute.parse(a.value()));
            }
        }
        this.cryptos = Collections.unmodifiableList(c);
        if (explicitRtcp >= 0) {
            this.rtcpPort = explicitRtcp;
        } else if (mux || port == 0) {
            this.rtcpPort = port;
        } else if (rtp && port == SdpNumbers.MAX_PORT) {
            throw new SdpParseException("m= port 65535 leaves no port for RTCP and there is no a=rtcp (RFC 3605)");
        } else {
            this.rtcpPort = rtp ? port + 1 : port;
        }
    }

    static boolean isRtpProfile(String proto) {
        return proto.startsWith("RTP/") || proto.contains("/RTP/");
    }

    /**
     * Checks the numbers of the attributes umsec reads (RFC 3605 {@code rtcp}, RFC 8866 {@code rtpmap},
     * {@code fmtp}, {@code ptime}, {@code maxptime}, RFC 5576 {@code ssrc}, RFC 8285 {@code extmap}).
     *
     * @param a   the attribute
     * @param rtp whether the media section uses an RTP profile (formats are payload types)
     * @return the RTCP port of an {@code a=rtcp}, else -1
     * @throws SdpParseException when a number is malformed or out of range
     */
    static int checkAttribute(SdpAttribute a, boolean rtp) throws SdpParseException {
        String v = a.value();
        if (v == null) {
            return -1;
        }
        switch (a.name()) {
            case "rtcp": {
                // a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
                String[] f = v.split(" ", -1);
                if (f.length != 1 && f.length != 4) {
                    throw new SdpParseException(
                            "a=rtcp needs a port and optionally an address: " + SdpNumbers.shorten(v));
                }
                int port = SdpNumbers.port(f[0], "a=rtcp port");
                if (port == 0) {
                    throw new SdpParseException("a=rtcp port 0 is not a port");
                }
                return port;
            }
            case "rtpmap": {
                // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
                int sp = v.indexOf(' ');
                if (sp < 0) {
                    throw new SdpParseException(
                            "a=rtpmap needs a payload type and an encoding: " + SdpNumbers.shorten(v));
                }
                SdpNumbers.payloadType(v.substring(0, sp), "a=rtpmap payload type");
                String[] enc = v.substring(sp + 1).trim().split("/", -1);
                // the clock rate is mandatory in RFC 8866, but RFC 4475's valid messages omit it (a=rtpmap:31 LPC)
                if (enc.length > 3 || enc[0].isEmpty()) {
                    throw new SdpParseException(
                            "a=rtpmap encoding must be <name>/<clock rate>[/<channels>]: " + SdpNumbers.shorten(v));
                }
                if (enc.length >= 2) {
                    SdpNumbers.number(enc[1], 1, SdpNumbers.MAX_CLOCK_RATE, "a=rtpmap clock rate");
                }
                if (enc.length == 3) {
                    SdpNumbers.number(enc[2], 1, SdpNumbers.MAX_CHANNELS, "a=rtpmap channels");
                }
                return -1;
            }
            case "fmtp": {
                // a=fmtp:<format> <format specific parameters>
                int sp = v.indexOf(' ');
                String fmt = sp < 0 ? v : v.substring(0, sp);
                if (rtp) {
                    SdpNumbers.payloadType(fmt, "a=fmtp payload type");
                } else if (fmt.isEmpty()) {
                    throw new SdpParseException("a=fmtp without a format");
                }
                return -1;
            }
            case "ptime":
            case "maxptime":
                SdpNumbers.positiveDecimal(v, 60_000, "a=" + a.name());
                return -1;
            case "ssrc": {
                int sp = v.indexOf(' ');
                SdpNumbers.number(sp < 0 ? v : v.substring(0, sp), 0, 0xFFFF_FFFFL, "a=ssrc");
                return -1;
            }
            case "extmap": {
                int sp = v.indexOf(' ');
                String id = sp < 0 ? v : v.substring(0, sp);
                int slash = id.indexOf('/');
                SdpNumbers.number(slash < 0 ? id : id.substring(0, slash), 1, 255, "a=extmap id");
                return -1;
            }
            default:
                return -1;
        }
    }

    /**
     * Starts a media section.
     *
     * @param media  {@code audio}, {@code video}, ...
     * @param port   transport port, 0 to reject the stream (RFC 3264 §6)
     * @param proto  {@code RTP/AVP}, {@code RTP/SAVP}, ...
     */
    public static Builder builder(String media, int port, String proto) {
        return new Builder(media, port, proto);
    }

    /** A builder starting from this section. */
    public Builder toBuilder() {
        Builder b = new Builder(media, port, proto);
        b.portCount = portCount;
        b.formats.addAll(formats);
        b.connection = connection;
        b.otherLines.addAll(otherLines);
        b.attributes.addAll(attributes);
        return b;
    }

    /** Media type, such as {@code audio}. */
    public String media() {
        return media;
    }

    /** Transport port; 0 means the stream is rejected or disabled. */
    public int port() {
        return port;
    }

    /** Number of ports from {@code port/count}, or 1. */
    public int portCount() {
        return portCount;
    }

    /** Transport protocol, such as {@code RTP/SAVP}. */
    public String proto() {
        return proto;
    }

    /** Whether the profile is secure RTP ({@code RTP/SAVP}, {@code RTP/SAVPF}). */
    public boolean isSecureProfile() {
        return proto.contains("SAVP");
    }

    /** Media formats (RTP payload types for RTP profiles). */
    public List<String> formats() {
        return formats;
    }

    /** Media-level connection data. */
    public Optional<Connection> connection() {
        return Optional.ofNullable(connection);
    }

    /** Attributes in order, crypto included. */
    public List<SdpAttribute> attributes() {
        return attributes;
    }

    /** Values of the attributes with this name. */
    public List<String> attributeValues(String name) {
        List<String> out = new ArrayList<>();
        for (SdpAttribute a : attributes) {
            if (a.name().equals(name)) {
                out.add(a.value() == null ? "" : a.value());
            }
        }
        return out;
    }

    /** The {@code a=crypto} attributes, parsed. */
    public List<CryptoAttribute> cryptos() {
        return cryptos;
    }

    /**
     * Where the peer wants RTCP: the port of {@code a=rtcp} (RFC 3605), the RTP port itself with
     * {@code a=rtcp-mux}, else the RTP port + 1 (RFC 3550 §11). Always 0..65535: the parser refuses an
     * RTP section on port 65535 with no {@code a=rtcp}.
     */
    public int rtcpPort() {
        return rtcpPort;
    }

    /**
     * The payload type the section maps to an encoding, such as the one for {@code telephone-event/8000}
     * (RFC 4733 §7.1.1).
     *
     * @param encoding  encoding name, compared case-insensitively (RFC 8866 §6.6)
     * @param clockRate clock rate in Hz
     * @return the first listed format with that {@code a=rtpmap}, or empty
     */
    public OptionalInt payloadType(String encoding, int clockRate) {
        for (String f : formats) {
            Optional<String> map;
            try {
                map = rtpmap(Integer.parseInt(f));
            } catch (NumberFormatException e) {
                continue;
            }
            if (map.isPresent()) {
                String[] enc = map.get().split("/");
                if (enc.length >= 2
                        && enc[0].equalsIgnoreCase(encoding)
                        && enc[1].equals(Integer.toString(clockRate))) {
                    return OptionalInt.of(Integer.parseInt(f));
                }
            }
        }
        return OptionalInt.empty();
    }

    /** The {@code a=rtpmap} encoding for a payload type, such as {@code PCMU/8000}. */
    public Optional<String> rtpmap(int payloadType) {
        String prefix = payloadType + " ";
        for (String v : attributeValues("rtpmap")) {
            if (v.startsWith(prefix)) {
                return Optional.of(v.substring(prefix.length()).trim());
            }
        }
        return Optional.empty();
    }

    /** The direction attribute, {@link MediaDirection#SENDRECV} when absent. */
    public MediaDirection direction() {
        for (SdpAttribute a : attributes) {
            for (MediaDirection d : MediaDirection.values()) {
                if (a.value() == null && a.name().equals(d.attributeName())) {
                    return d;
                }
            }
        }
        return MediaDirection.SENDRECV;
    }

    /** Lines other than c= and a= (i=, b=, k=) as written, such as {@code b=AS:64}. */
    public List<String> otherLines() {
        return otherLines;
    }

    void appendTo(StringBuilder sb) {
        sb.append("m=").append(media).append(' ').append(port);
        if (portCount > 1) {
            sb.append('/').append(portCount);
        }
        sb.append(' ').append(proto);
        for (String f : formats) {
            sb.append(' ').append(f);
        }
        sb.append("\r\n");
        for (String l : otherLines) {
            if (l.startsWith("i=")) {
                sb.append(l).append("\r\n");
            }
        }
        if (connection != null) {
            sb.append("c=").append(connection).append("\r\n");
        }
        for (String l : otherLines) {
            if (!l.startsWith("i=")) {
                sb.append(l).append("\r\n");
            }
        }
        for (SdpAttribute a : attributes) {
            sb.append("a=").append(a).append("\r\n");
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MediaDescription)) {
            return false;
        }
        MediaDescription m = (MediaDescription) o;
        return media.equals(m.media)
                && port == m.port
                && portCount == m.portCount
                && proto.equals(m.proto)
                && formats.equals(m.formats)
                && Objects.equals(connection, m.connection)
                && otherLines.equals(m.otherLines)
                && attributes.equals(m.attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(media, port, proto, formats, attributes);
    }

    @Override
    public String toString() {
        return "m=" + media + " " + port + " " + proto + " " + String.join(" ", formats);
    }

    /** Builder for a media section. */
    public static final class Builder {
        private final String media;
        private final int port;
        private final String proto;
        private int portCount = 1;
        private final List<String> formats = new ArrayList<>();
        private Connection connection;
        private final List<String> otherLines = new ArrayList<>();
        private final List<SdpAttribute> attributes = new ArrayList<>();

        Builder(String media, int port, String proto) {
            this.media = Objects.requireNonNull(media, "media");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            this.proto = Objects.requireNonNull(proto, "proto");
        }

        Builder portCount(int n) {
            portCount = n;
            return this;
        }

        /** Adds a format without rtpmap. */
        public Builder format(String format) {
            formats.add(format);
            return this;
        }

        /** Adds an RTP payload type with its {@code a=rtpmap} encoding, such as {@code PCMU/8000}. */
        public Builder rtpFormat(int payloadType, String encoding) {
            formats.add(Integer.toString(payloadType));
            attributes.add(new SdpAttribute("rtpmap", payloadType + " " + encoding));
            return this;
        }

        /** Sets media-level connection data. */
        public Builder connection(Connection c) {
            connection = c;
            return this;
        }

        /** Adds an attribute. */
        public Builder attribute(SdpAttribute a) {
            attributes.add(Objects.requireNonNull(a, "attribute"));
            return this;
        }

        /** Adds an {@code a=crypto} attribute. */
        public Builder crypto(CryptoAttribute c) {
            return attribute(new SdpAttribute("crypto", c.toSdpValue()));
        }

        /** Removes every {@code a=crypto} attribute. */
        public Builder clearCryptos() {
            attributes.removeIf(a -> a.name().equals("crypto"));
            return this;
        }

        /** Sets the direction attribute (replacing any). */
        public Builder direction(MediaDirection d) {
            attributes.removeIf(a -> a.value() == null && isDirection(a.name()));
            attributes.add(SdpAttribute.flag(d.attributeName()));
            return this;
        }

        private static boolean isDirection(String n) {
            for (MediaDirection d : MediaDirection.values()) {
                if (d.attributeName().equals(n)) {
                    return true;
                }
            }
            return false;
        }

        /** Adds an i=, b= or k= line as written. */
        public Builder otherLine(String line) {
            if (line.length() < 2 || line.charAt(1) != '=' || "ibk".indexOf(line.charAt(0)) < 0) {
                throw new IllegalArgumentException("only i=, b=, k= lines: " + line);
            }
            otherLines.add(line);
            return this;
        }

        /**
         * Builds the section.
         *
         * @throws IllegalArgumentException when there is no format, an {@code a=crypto} is malformed, or a
         *     number is out of range (an RTP payload type, an {@code a=rtcp} port, an {@code a=rtpmap} clock
         *     rate; see {@link SessionDescription#parse(String)})
         */
        public MediaDescription build() {
            if (formats.isEmpty()) {
                throw new IllegalArgumentException("a media section needs at least one format");
            }
            try {
                return new MediaDescription(this);
            } catch (SdpParseException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }

        MediaDescription buildParsed() throws SdpParseException {
            if (formats.isEmpty()) {
                throw new SdpParseException("m= line without formats");
            }
            return new MediaDescription(this);
        }
    }
}
