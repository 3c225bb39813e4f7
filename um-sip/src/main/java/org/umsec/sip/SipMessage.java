package org.umsec.sip;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.umsec.sip.internal.HeaderParser;
import org.umsec.sip.internal.HeaderTable;
import org.umsec.sip.internal.MessageAssembler;
import org.umsec.sip.internal.SipInternals;

/**
 * A SIP request or response (RFC 3261 §7): start line, header fields and body.
 *
 * <h2>Typed and raw access</h2>
 * The headers the stack needs have typed accessors ({@link #vias()}, {@link #from()}, {@link #to()},
 * {@link #callId()}, {@link #cseq()}, {@link #contacts()}, {@link #maxForwards()}, {@link #contentType()},
 * {@link #routes()}, {@link #recordRoutes()}); every header is available raw through {@link #headers()}.
 * Typed values are parsed on first use and cached. An accessor for a mandatory header (Via, From, To,
 * Call-ID, CSeq) throws {@link SipParseException} when the header is missing or malformed; messages
 * decoded with validation on never do.
 *
 * <h2>Lifetime</h2>
 * A decoded message holds a pooled buffer with its bytes and is {@link ReferenceCounted}: whoever receives
 * it from the pipeline releases it (the transaction layer does so when the transaction ends). Messages
 * made with a builder hold an unpooled body and may be released or not. Accessing a decoded message after
 * its release is undefined. Instances are otherwise immutable and may be read from any thread.
 */
public abstract sealed class SipMessage implements ReferenceCounted permits SipRequest, SipResponse {
    /** The only protocol version this stack speaks. */
    public static final String SIP_2_0 = "SIP/2.0";

    static {
        SipInternals.set(new Internals());
    }

    final SipHeaders headers;
    private final ByteBuf owner;
    /** Body length; the body is {@code owner[bodyOffset, bodyOffset + bodyLength)} (no slice kept per message). */
    private final int bodyLength;

    final int bodyOffset;
    final boolean canonical;

    private List<Via> vias;
    private Via topVia;
    private NameAddress from;
    private NameAddress to;
    private String callId;
    private CSeq cseq;

    SipMessage(SipHeaders headers, ByteBuf owner, int bodyOffset, int bodyLength, boolean canonical) {
        this.canonical = canonical;
        this.headers = headers;
        this.owner = owner;
        this.bodyOffset = bodyOffset;
        this.bodyLength = bodyLength;
    }

    /**
     * A copy backed by a plain heap array, independent of this message's buffer: it needs no release and
     * stays valid after this message is released.
     */
    public abstract SipMessage copy();

    /** Copies the frame bytes into a new unpooled buffer. */
    ByteBuf copyFrame() {
        byte[] b = new byte[owner.writerIndex()];
        owner.getBytes(0, b);
        return Unpooled.wrappedBuffer(b);
    }

    SipHeaders copyHeaders(ByteBuf frame) {
        return headers.rebase(frame.array(), frame.arrayOffset());
    }

    /** Whether this is a request. */
    public abstract boolean isRequest();

    /** The header fields, in wire order. */
    public SipHeaders headers() {
        return headers;
    }

    /** Shorthand for {@code headers().get(name)}. */
    public Optional<String> header(String name) {
        return headers.get(name);
    }

    /** The body as a read-only view; valid until the message is released. */
    public ByteBuf content() {
        return owner.slice(bodyOffset, bodyLength).asReadOnly();
    }

    /** A copy of the body. */
    public byte[] body() {
        return ByteBufUtil.getBytes(owner, bodyOffset, bodyLength);
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return owner.toString(bodyOffset, bodyLength, StandardCharsets.UTF_8);
    }

    /** Length of the body in bytes (what Content-Length says on the wire). */
    public int contentLength() {
        return bodyLength;
    }

    // ---- typed access -------------------------------------------------------------------------------

    private int first(int id) {
        return headers.indexOf(id, 0);
    }

    private String mandatoryMissing(String name) {
        throw new SipParseException("missing " + name + " header");
    }

    /** All Via values, topmost first (RFC 3261 §20.42). */
    public List<Via> vias() {
        List<Via> v = vias;
        if (v == null) {
            List<Via> out = new ArrayList<>(2);
            HeaderParser parser = HeaderParser.local();
            int[] r = new int[2];
            for (int i = first(HeaderTable.VIA); i >= 0; i = headers.indexOf(HeaderTable.VIA, i + 1)) {
                byte[] b = headers.valueBytes(i, r);
                String err = parser.via(b, r[0], r[1], out);
                if (err != null) {
                    parser.clear();
                    throw new SipParseException(err);
                }
            }
            parser.clear();
            if (out.isEmpty()) {
                mandatoryMissing("Via");
            }
            v = Collections.unmodifiableList(out);
            vias = v;
        }
        return v;
    }

    /** The topmost Via value, which identifies the transaction (RFC 3261 §17.2.3). */
    public Via topVia() {
        Via v = topVia;
        if (v == null) {
            if (vias != null) {
                v = vias.get(0);
            } else {
                int i = first(HeaderTable.VIA);
                if (i < 0) {
                    mandatoryMissing("Via");
                }
                HeaderParser parser = HeaderParser.local();
                int[] r = parser.range();
                byte[] b = headers.valueBytes(i, r);
                v = parser.firstVia(b, r[0], r[1]);
                String err = parser.error();
                parser.clear();
                if (v == null) {
                    throw new SipParseException(err);
                }
            }
            topVia = v;
        }
        return v;
    }

    private NameAddress single(int id, String name) {
        int i = first(id);
        if (i < 0) {
            mandatoryMissing(name);
        }
        HeaderParser parser = HeaderParser.local();
        int[] r = parser.range();
        byte[] b = headers.valueBytes(i, r);
        NameAddress a = parser.address(b, r[0], r[1]);
        String err = parser.error();
        parser.clear();
        if (a == null) {
            throw new SipParseException(name + ": " + err);
        }
        return a;
    }

    private List<NameAddress> list(int id, boolean wildcard) {
        List<NameAddress> out = new ArrayList<>(2);
        HeaderParser parser = HeaderParser.local();
        int[] r = new int[2];
        for (int i = first(id); i >= 0; i = headers.indexOf(id, i + 1)) {
            byte[] b = headers.valueBytes(i, r);
            String err = parser.addresses(b, r[0], r[1], true, wildcard, out);
            if (err != null) {
                parser.clear();
                throw new SipParseException(HeaderTable.canonical(id) + ": " + err);
            }
        }
        parser.clear();
        return Collections.unmodifiableList(out);
    }

    /** The From header (RFC 3261 §20.20). */
    public NameAddress from() {
        NameAddress f = from;
        if (f == null) {
            f = single(HeaderTable.FROM, "From");
            from = f;
        }
        return f;
    }

    /** The To header (RFC 3261 §20.39). */
    public NameAddress to() {
        NameAddress t = to;
        if (t == null) {
            t = single(HeaderTable.TO, "To");
            to = t;
        }
        return t;
    }

    /** The Call-ID (RFC 3261 §20.8). */
    public String callId() {
        String c = callId;
        if (c == null) {
            int i = first(HeaderTable.CALL_ID);
            if (i < 0) {
                mandatoryMissing("Call-ID");
            }
            c = headers.valueOnce(i);
            callId = c;
        }
        return c;
    }

    /** The CSeq (RFC 3261 §20.16). */
    public CSeq cseq() {
        CSeq c = cseq;
        if (c == null) {
            int i = first(HeaderTable.CSEQ);
            if (i < 0) {
                mandatoryMissing("CSeq");
            }
            HeaderParser parser = HeaderParser.local();
            int[] r = parser.range();
            byte[] b = headers.valueBytes(i, r);
            long[] res = parser.longs();
            String err = parser.cseq(b, r[0], r[1], res);
            parser.clear();
            if (err != null) {
                throw new SipParseException(err);
            }
            c = new CSeq(res[0], MessageAssembler.methodString(b, (int) res[1], (int) res[2]));
            cseq = c;
        }
        return c;
    }

    /** Contact values; empty when there is none; {@link NameAddress#WILDCARD} for {@code *}. */
    public List<NameAddress> contacts() {
        return list(HeaderTable.CONTACT, true);
    }

    /** Route values in order (RFC 3261 §20.34). */
    public List<NameAddress> routes() {
        return list(HeaderTable.ROUTE, false);
    }

    /** Record-Route values in order (RFC 3261 §20.30). */
    public List<NameAddress> recordRoutes() {
        return list(HeaderTable.RECORD_ROUTE, false);
    }

    /** Max-Forwards (0..255), empty when absent (RFC 3261 §20.22). */
    public OptionalInt maxForwards() {
        int i = first(HeaderTable.MAX_FORWARDS);
        if (i < 0) {
            return OptionalInt.empty();
        }
        int[] r = new int[2];
        byte[] b = headers.valueBytes(i, r);
        HeaderParser parser = HeaderParser.local();
        long v = parser.number(b, r[0], r[1], 255);
        parser.clear();
        if (v < 0) {
            throw new SipParseException("malformed Max-Forwards");
        }
        return OptionalInt.of((int) v);
    }

    /** Content-Type value as written, such as {@code application/sdp}. */
    public Optional<String> contentType() {
        return headers.get("Content-Type");
    }

    // ---- encoding ------------------------------------------------------------------------------------

    /**
     * Writes the wire form: start line, the headers in order except Content-Length, then a Content-Length
     * computed from the body (always present, as stream transports require; RFC 3261 §18.3), the empty
     * line and the body. Folded header values are written on one line.
     *
     * @param out where to write
     */
    public void encode(ByteBuf out) {
        if (canonical) {
            out.writeBytes(owner, 0, bodyOffset + bodyLength);
            return;
        }
        encodeStartLine(out);
        byte[] src = headers.src();
        int base = headers.base();
        for (int i = 0; i < headers.size(); i++) {
            if (headers.id(i) == HeaderTable.CONTENT_LENGTH) {
                continue;
            }
            if (src != null) {
                int ns = headers.nameStart(i);
                out.writeBytes(src, base + ns, headers.nameEnd(i) - ns);
                out.writeByte(':').writeByte(' ');
                writeUnfolded(out, src, base + headers.valueStart(i), base + headers.valueEnd(i));
            } else {
                ByteBufUtil.writeUtf8(out, headers.name(i));
                out.writeByte(':').writeByte(' ');
                ByteBufUtil.writeUtf8(out, headers.value(i));
            }
            out.writeByte('\r').writeByte('\n');
        }
        out.writeCharSequence("Content-Length: ", StandardCharsets.US_ASCII);
        writeDecimal(out, bodyLength);
        out.writeByte('\r').writeByte('\n').writeByte('\r').writeByte('\n');
        out.writeBytes(owner, bodyOffset, bodyLength);
    }

    abstract void encodeStartLine(ByteBuf out);

    static void writeDecimal(ByteBuf out, int v) {
        if (v >= 10) {
            writeDecimal(out, v / 10);
        }
        out.writeByte('0' + v % 10);
    }

    private static void writeUnfolded(ByteBuf out, byte[] a, int s, int e) {
        while (s < e && isWs(a[s])) {
            s++;
        }
        while (e > s && isWs(a[e - 1])) {
            e--;
        }
        int runStart = s;
        for (int j = s; j < e; j++) {
            if (a[j] == '\r' || a[j] == '\n') {
                int k = j;
                while (k > runStart && (a[k - 1] == ' ' || a[k - 1] == '\t')) {
                    k--;
                }
                out.writeBytes(a, runStart, k - runStart);
                out.writeByte(' ');
                while (j + 1 < e && isWs(a[j + 1])) {
                    j++;
                }
                runStart = j + 1;
            }
        }
        out.writeBytes(a, runStart, e - runStart);
    }

    private static boolean isWs(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    /** The wire form as a string (UTF-8), for logs and tests. */
    public String toWireString() {
        ByteBuf b = Unpooled.buffer(512);
        try {
            encode(b);
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    // ---- reference counting --------------------------------------------------------------------------

    @Override
    public int refCnt() {
        return owner.refCnt();
    }

    @Override
    public SipMessage retain() {
        owner.retain();
        return this;
    }

    @Override
    public SipMessage retain(int increment) {
        owner.retain(increment);
        return this;
    }

    @Override
    public SipMessage touch() {
        owner.touch();
        return this;
    }

    @Override
    public SipMessage touch(Object hint) {
        owner.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return owner.release();
    }

    @Override
    public boolean release(int decrement) {
        return owner.release(decrement);
    }

    static final class Internals extends SipInternals {
        @Override
        public Optional<SipResponse> errorResponse(int status, String reason, SipHeaders req) {
            // Copied as received, even when malformed: the peer matches the answer by them (RFC 3261
            // §8.2.6.2); single-valued ones only once, so the response itself stays well-framed.
            SipResponse.Builder b = SipResponse.builder(status).reason(reason);
            boolean via = false;
            int seen = 0;
            for (int i = 0; i < req.size(); i++) {
                int id = req.id(i);
                if (id != HeaderTable.VIA
                        && id != HeaderTable.FROM
                        && id != HeaderTable.TO
                        && id != HeaderTable.CALL_ID
                        && id != HeaderTable.CSEQ) {
                    continue;
                }
                if (id != HeaderTable.VIA) {
                    if ((seen & (1 << id)) != 0) {
                        continue;
                    }
                    seen |= 1 << id;
                }
                via |= id == HeaderTable.VIA;
                b.header(HeaderTable.canonical(id), req.value(i));
            }
            if (!via) {
                return Optional.empty();
            }
            return Optional.of((SipResponse) b.buildMessage(false));
        }

        @Override
        public SipHeaders headers(byte[] src, int base, int count, int[] spans, byte[] ids) {
            return new SipHeaders(src, base, count, spans, ids);
        }

        @Override
        public SipHeaders headers(List<String> names, List<String> values) {
            return new SipHeaders(names, values);
        }

        @Override
        public SipRequest request(
                ByteBuf frame,
                SipHeaders headers,
                String method,
                int uriStart,
                int uriEnd,
                int bodyStart,
                int bodyLength,
                boolean canonical) {
            return new SipRequest(headers, frame, bodyStart, bodyLength, canonical, method, null, uriStart, uriEnd);
        }

        @Override
        public SipResponse response(
                ByteBuf frame,
                SipHeaders headers,
                int status,
                int reasonStart,
                int reasonEnd,
                int bodyStart,
                int bodyLength,
                boolean canonical) {
            return new SipResponse(
                    headers, frame, bodyStart, bodyLength, canonical, status, null, reasonStart, reasonEnd);
        }
    }
}
