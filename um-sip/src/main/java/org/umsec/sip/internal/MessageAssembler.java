package org.umsec.sip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.umsec.sip.SipHeaders;
import org.umsec.sip.SipMessage;

/** Turns a scanned frame into a model object, and parses whole messages held in memory. */
public final class MessageAssembler {
    private MessageAssembler() {}

    /**
     * Builds the message over {@code frame} (heap buffer, reader index 0) whose header section the
     * scanner has indexed; the spans are copied, the frame is owned by the message.
     */
    public static SipMessage assemble(ByteBuf frame, MessageScanner sc, int headerLength, int bodyLength) {
        SipInternals in = SipInternals.get();
        byte[] a = frame.array();
        int base = frame.arrayOffset();
        SipHeaders headers = in.headers(a, base, sc.count, sc.spans, Arrays.copyOf(sc.ids, sc.count));
        // Content-Length present (framing then used it, so it equals the body length) and no folding: the
        // received bytes are already the wire form and can be written back with one copy.
        boolean canonical = !sc.folded && sc.contentLength == bodyLength;
        if (sc.request) {
            String method = methodString(a, base + sc.methodStart, base + sc.methodEnd);
            return in.request(frame, headers, method, sc.uriStart, sc.uriEnd, headerLength, bodyLength, canonical);
        }
        return in.response(
                frame, headers, sc.status, sc.reasonStart, sc.reasonEnd, headerLength, bodyLength, canonical);
    }

    private static final String[] METHODS = {
        "INVITE",
        "ACK",
        "BYE",
        "CANCEL",
        "OPTIONS",
        "REGISTER",
        "INFO",
        "UPDATE",
        "PRACK",
        "SUBSCRIBE",
        "NOTIFY",
        "REFER",
        "MESSAGE",
        "PUBLISH"
    };

    /** Method string for bytes, reusing constants for the standard methods (no allocation for them). */
    public static String methodString(byte[] a, int s, int e) {
        outer:
        for (String m : METHODS) {
            if (m.length() != e - s) {
                continue;
            }
            for (int i = 0; i < m.length(); i++) {
                if (a[s + i] != m.charAt(i)) {
                    continue outer;
                }
            }
            return m;
        }
        return new String(a, s, e - s, StandardCharsets.UTF_8);
    }

    /** Detached copy of the headers the scanner indexed (for error reports). */
    public static SipHeaders detachedHeaders(byte[] a, int start, MessageScanner sc) {
        List<String> names = new ArrayList<>(sc.count);
        List<String> values = new ArrayList<>(sc.count);
        SipHeaders view = SipInternals.get().headers(a, start, sc.count, sc.spans, Arrays.copyOf(sc.ids, sc.count));
        for (int i = 0; i < sc.count; i++) {
            names.add(view.name(i));
            values.add(view.value(i));
        }
        return SipInternals.get().headers(names, values);
    }

    /** Index just after the CRLF CRLF ending the header section in {@code a[from, to)}, or -1. */
    public static int headerEnd(byte[] a, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /**
     * Parses one complete message from {@code data} (datagram rules, RFC 3261 §18.3: without
     * Content-Length the body is the rest; octets past Content-Length are ignored).
     *
     * @param errorOut receives the scanner when the message is rejected (its error fields say why); may be
     *                 null (the caller reads {@code sc} itself)
     * @return the message, or null when rejected
     */
    public static SipMessage parseWhole(byte[] data, MessageScanner sc, MessageScanner[] errorOut) {
        int start = 0;
        while (start + 1 < data.length && data[start] == '\r' && data[start + 1] == '\n') {
            start += 2;
        }
        int he = headerEnd(data, start, data.length);
        if (he < 0) {
            sc.errorStatus = 400;
            sc.errorReason = "Missing end of header section";
            sc.count = 0;
            sc.request = !(data.length - start >= 4
                    && data[start] == 'S'
                    && data[start + 1] == 'I'
                    && data[start + 2] == 'P'
                    && data[start + 3] == '/');
            if (errorOut != null) {
                errorOut[0] = sc;
            }
            return null;
        }
        sc.scan(data, start, he);
        long available = data.length - he;
        long bodyLength = sc.contentLength == MessageScanner.NO_CONTENT_LENGTH ? available : sc.contentLength;
        if (sc.errorStatus == 0 && bodyLength > available) {
            sc.errorStatus = 400;
            sc.errorReason = "Content-Length larger than the message";
        }
        if (sc.errorStatus != 0) {
            if (errorOut != null) {
                errorOut[0] = sc;
            }
            return null;
        }
        int headerLength = he - start;
        ByteBuf frame = Unpooled.wrappedBuffer(data, start, headerLength + (int) bodyLength);
        if (frame.arrayOffset() != start) {
            frame = Unpooled.wrappedBuffer(Arrays.copyOfRange(data, start, he + (int) bodyLength));
        }
        return assemble(frame, sc, headerLength, (int) bodyLength);
    }
}
