package org.umsec.server.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A SIP message as the server's stream transports exchange it (RFC 3261 §7): start line, headers in
 * order, body. Framing over TCP/TLS is by Content-Length (§18.3), which is mandatory on streams.
 *
 * <p>Limits: a header section of at most {@value #MAX_HEADER_BYTES} bytes and
 * {@value #MAX_HEADERS} header lines, a body of at most {@value #MAX_BODY} bytes. A peer that
 * exceeds them, or sends a start line that is not SIP, gets a {@link SipFormatException}; the
 * connection is then answered with 400 (when a response is possible) and closed, so a slow or
 * hostile sender cannot make the server buffer without bound.
 */
public final class SipMessage {

    /** Largest header section accepted. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Largest number of header lines accepted. */
    public static final int MAX_HEADERS = 128;
    /** Largest body accepted. */
    public static final int MAX_BODY = 32 * 1024;

    private static final Map<String, String> COMPACT = Map.of("i", "Call-ID", "f", "From", "t", "To", "v", "Via",
            "m", "Contact", "l", "Content-Length", "c", "Content-Type", "k", "Supported", "s", "Subject", "e",
            "Content-Encoding");

    /** A malformed or oversized message. */
    public static final class SipFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        SipFormatException(String message) {
            super(message);
        }
    }

    private final String method;
    private final String requestUri;
    private final int status;
    private final String reason;
    private final List<String[]> headers;
    private final byte[] body;
    private byte[] raw;

    private SipMessage(String method, String requestUri, int status, String reason, List<String[]> headers, byte[] body) {
        this.method = method;
        this.requestUri = requestUri;
        this.status = status;
        this.reason = reason;
        this.headers = headers;
        this.body = body;
    }

    /**
     * @param method request method
     * @param uri request URI
     * @return a request without headers
     */
    public static SipMessage request(String method, String uri) {
        return new SipMessage(method, uri, 0, null, new ArrayList<>(), new byte[0]);
    }

    /**
     * A response that copies Via, From, To, Call-ID and CSeq from the request (RFC 3261 §8.2.6.2).
     *
     * @param req the request
     * @param status status code
     * @param reason reason phrase
     * @return the response
     */
    public static SipMessage responseTo(SipMessage req, int status, String reason) {
        SipMessage r = new SipMessage(null, null, status, reason, new ArrayList<>(), new byte[0]);
        for (String[] h : req.headers) {
            String n = h[0];
            if (n.equalsIgnoreCase("Via") || n.equalsIgnoreCase("From") || n.equalsIgnoreCase("To")
                    || n.equalsIgnoreCase("Call-ID") || n.equalsIgnoreCase("CSeq")) {
                r.headers.add(new String[] {n, h[1]});
            }
        }
        return r;
    }

    /**
     * Reads one message from a stream, skipping CRLF keep-alives (RFC 5626 §4.4.1).
     *
     * @param in the stream
     * @return the message, or empty at a clean end of stream
     * @throws SipFormatException if the message is malformed or exceeds a limit
     * @throws IOException if reading fails or the stream ends inside a message
     */
    public static Optional<SipMessage> read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int window = 0; // the last four bytes, to find CR LF CR LF
        int c;
        while (true) {
            c = in.read();
            if (c < 0) {
                if (head.size() == 0) {
                    return Optional.empty();
                }
                throw new IOException("connection closed inside a SIP message");
            }
            if (head.size() == 0 && (c == '\r' || c == '\n')) {
                continue; // keep-alive or stray line ending before a message
            }
            head.write(c);
            if (head.size() > MAX_HEADER_BYTES) {
                throw new SipFormatException("header section longer than " + MAX_HEADER_BYTES + " bytes");
            }
            window = (window << 8) | c;
            if (window == 0x0D0A0D0A) {
                break;
            }
        }
        String text = head.toString(StandardCharsets.UTF_8);
        String[] lines = text.split("\r\n");
        if (lines.length > MAX_HEADERS + 1) {
            throw new SipFormatException("more than " + MAX_HEADERS + " header lines");
        }
        String start = lines[0];
        SipMessage m;
        if (start.startsWith("SIP/2.0 ")) {
            String[] p = start.split(" ", 3);
            int st;
            try {
                st = Integer.parseInt(p[1]);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new SipFormatException("bad status line: " + abbreviate(start));
            }
            if (st < 100 || st > 699) {
                throw new SipFormatException("bad status code " + st);
            }
            m = new SipMessage(null, null, st, p.length > 2 ? p[2] : "", new ArrayList<>(), new byte[0]);
        } else {
            String[] p = start.split(" ");
            if (p.length != 3 || !p[2].equals("SIP/2.0") || !p[0].matches("[A-Za-z]{1,32}")) {
                throw new SipFormatException("not a SIP request line: " + abbreviate(start));
            }
            m = new SipMessage(p[0].toUpperCase(Locale.ROOT), p[1], 0, null, new ArrayList<>(), new byte[0]);
        }
        String[] last = null;
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i];
            if (l.isEmpty()) {
                continue;
            }
            if ((l.charAt(0) == ' ' || l.charAt(0) == '\t') && last != null) {
                last[1] = last[1] + " " + l.strip(); // folded line (RFC 3261 §7.3.1)
                continue;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new SipFormatException("header line without a colon: " + abbreviate(l));
            }
            String name = l.substring(0, colon).strip();
            name = COMPACT.getOrDefault(name.toLowerCase(Locale.ROOT), name);
            last = new String[] {name, l.substring(colon + 1).strip()};
            m.headers.add(last);
        }
        String cl = m.header("Content-Length").orElseThrow(
                () -> new SipFormatException("Content-Length is required on stream transports (RFC 3261 §18.3)"));
        int length;
        try {
            length = Integer.parseInt(cl.strip());
        } catch (NumberFormatException e) {
            throw new SipFormatException("bad Content-Length: " + abbreviate(cl));
        }
        if (length < 0 || length > MAX_BODY) {
            throw new SipFormatException("Content-Length " + length + " outside 0.." + MAX_BODY);
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("connection closed inside a SIP body");
        }
        SipMessage read = new SipMessage(m.method, m.requestUri, m.status, m.reason, m.headers, body);
        byte[] h = head.toByteArray();
        read.raw = new byte[h.length + body.length];
        System.arraycopy(h, 0, read.raw, 0, h.length);
        System.arraycopy(body, 0, read.raw, h.length, body.length);
        return Optional.of(read);
    }

    /** @return the bytes this message was read from (keep-alive line endings before it excluded), or empty */
    public byte[] raw() {
        return raw == null ? new byte[0] : raw.clone();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** @return whether this is a request */
    public boolean isRequest() {
        return method != null;
    }

    /** @return the method of a request (upper case), null for a response */
    public String method() {
        return method;
    }

    /** @return the request URI, null for a response */
    public String requestUri() {
        return requestUri;
    }

    /** @return the status of a response, 0 for a request */
    public int status() {
        return status;
    }

    /**
     * @param name header name (case-insensitive, long form)
     * @return the first value
     */
    public Optional<String> header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return Optional.of(h[1]);
            }
        }
        return Optional.empty();
    }

    /**
     * @param name header name
     * @return every value, in order
     */
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                out.add(h[1]);
            }
        }
        return out;
    }

    /**
     * Appends a header.
     *
     * @param name name
     * @param value value
     * @return this
     */
    public SipMessage add(String name, String value) {
        headers.add(new String[] {name, value});
        return this;
    }

    /**
     * Replaces every value of a header with one value.
     *
     * @param name name
     * @param value value
     * @return this
     */
    public SipMessage set(String name, String value) {
        headers.removeIf(h -> h[0].equalsIgnoreCase(name));
        headers.add(new String[] {name, value});
        return this;
    }

    /** @return the body */
    public byte[] body() {
        return body.clone();
    }

    /** @return the body as UTF-8 text */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * @param contentType the body's type
     * @param text the body
     * @return a copy with the body set
     */
    public SipMessage withBody(String contentType, String text) {
        SipMessage m = new SipMessage(method, requestUri, status, reason, headers, text.getBytes(StandardCharsets.UTF_8));
        m.set("Content-Type", contentType);
        return m;
    }

    /** @return the Call-ID, or empty string */
    public String callId() {
        return header("Call-ID").orElse("");
    }

    /** @return the CSeq method, upper case, or empty */
    public String cseqMethod() {
        String c = header("CSeq").orElse("");
        int sp = c.indexOf(' ');
        return sp < 0 ? "" : c.substring(sp + 1).strip().toUpperCase(Locale.ROOT);
    }

    /**
     * @param headerValue a From/To value
     * @return its tag parameter, if any
     */
    public static Optional<String> tag(String headerValue) {
        int gt = headerValue.lastIndexOf('>');
        String params = gt >= 0 ? headerValue.substring(gt + 1) : headerValue;
        for (String p : params.split(";")) {
            String t = p.strip();
            if (t.regionMatches(true, 0, "tag=", 0, 4)) {
                return Optional.of(t.substring(4));
            }
        }
        return Optional.empty();
    }

    /**
     * @param headerValue a From/To/Contact value
     * @return the URI inside angle brackets, or the value up to its parameters
     */
    public static String uri(String headerValue) {
        int lt = headerValue.indexOf('<');
        int gt = headerValue.indexOf('>', lt + 1);
        if (lt >= 0 && gt > lt) {
            return headerValue.substring(lt + 1, gt);
        }
        int semi = headerValue.indexOf(';');
        return (semi < 0 ? headerValue : headerValue.substring(0, semi)).strip();
    }

    /** @return the wire form, with a correct Content-Length */
    public byte[] encode() {
        StringBuilder sb = new StringBuilder(512);
        if (isRequest()) {
            sb.append(method).append(' ').append(requestUri).append(" SIP/2.0\r\n");
        } else {
            sb.append("SIP/2.0 ").append(status).append(' ').append(reason).append("\r\n");
        }
        for (String[] h : headers) {
            if (!h[0].equalsIgnoreCase("Content-Length")) {
                sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
        }
        sb.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    @Override
    public String toString() {
        return isRequest() ? method + " " + requestUri + " (Call-ID " + callId() + ")"
                : status + " " + reason + " (Call-ID " + callId() + ")";
    }
}
