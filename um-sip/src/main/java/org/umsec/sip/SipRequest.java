package org.umsec.sip;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A SIP request (RFC 3261 §7.1): {@code METHOD Request-URI SIP/2.0}, headers, body.
 *
 * <pre>{@code
 * SipRequest options = SipRequest.builder(SipRequest.OPTIONS, "sip:gw.example.com;transport=tls")
 *         .via(Via.of("TLS", "um.example.com", 5061, "z9hG4bK" + id))
 *         .from(NameAddress.of("sip:um@example.com").withTag("a1"))
 *         .to(NameAddress.of("sip:gw.example.com"))
 *         .callId("c1@um.example.com").cseq(1)
 *         .build();
 * }</pre>
 */
public final class SipRequest extends SipMessage {
    public static final String INVITE = "INVITE";
    public static final String ACK = "ACK";
    public static final String BYE = "BYE";
    public static final String CANCEL = "CANCEL";
    public static final String OPTIONS = "OPTIONS";
    public static final String REGISTER = "REGISTER";
    public static final String INFO = "INFO";
    public static final String UPDATE = "UPDATE";
    public static final String PRACK = "PRACK";
    public static final String SUBSCRIBE = "SUBSCRIBE";
    public static final String NOTIFY = "NOTIFY";
    public static final String REFER = "REFER";
    public static final String MESSAGE = "MESSAGE";
    public static final String PUBLISH = "PUBLISH";

    private final String method;
    private String requestUri;
    private final int uriStart;
    private final int uriEnd;

    SipRequest(
            SipHeaders headers,
            ByteBuf owner,
            int bodyOffset,
            int bodyLength,
            boolean canonical,
            String method,
            String requestUri,
            int uriStart,
            int uriEnd) {
        super(headers, owner, bodyOffset, bodyLength, canonical);
        this.method = method;
        this.requestUri = requestUri;
        this.uriStart = uriStart;
        this.uriEnd = uriEnd;
    }

    /** Starts a request. The method is case-sensitive (RFC 3261 §7.1). */
    public static Builder builder(String method, String requestUri) {
        return new Builder(method, requestUri);
    }

    @Override
    public boolean isRequest() {
        return true;
    }

    /** The method, such as {@link #INVITE}. */
    public String method() {
        return method;
    }

    /** Whether the method equals {@code m}. */
    public boolean isMethod(String m) {
        return method.equals(m);
    }

    /** The Request-URI as written. */
    public String requestUri() {
        String u = requestUri;
        if (u == null) {
            u = new String(headers.src(), headers.base() + uriStart, uriEnd - uriStart, StandardCharsets.UTF_8);
            requestUri = u;
        }
        return u;
    }

    /**
     * Starts a response to this request with Via, From, To, Call-ID and CSeq copied (RFC 3261 §8.2.6.2).
     *
     * @param status 100 to 699
     */
    public SipResponse.Builder createResponse(int status) {
        SipResponse.Builder b = SipResponse.builder(status);
        for (int i = 0; i < headers.size(); i++) {
            int id = headers.id(i);
            if (id == org.umsec.sip.internal.HeaderTable.VIA
                    || id == org.umsec.sip.internal.HeaderTable.FROM
                    || id == org.umsec.sip.internal.HeaderTable.TO
                    || id == org.umsec.sip.internal.HeaderTable.CALL_ID
                    || id == org.umsec.sip.internal.HeaderTable.CSEQ) {
                b.header(headers.canonicalName(i), headers.value(i));
            }
        }
        return b;
    }

    /** A builder starting from this request's contents (for changing a header before sending on). */
    public Builder toBuilder() {
        Builder b = new Builder(method, requestUri());
        for (int i = 0; i < headers.size(); i++) {
            b.header(headers.name(i), headers.value(i));
        }
        return b.body(body());
    }

    @Override
    public SipRequest copy() {
        ByteBuf frame = copyFrame();
        return new SipRequest(
                copyHeaders(frame),
                frame,
                bodyOffset,
                contentLength(),
                canonical,
                method,
                requestUri,
                uriStart,
                uriEnd);
    }

    @Override
    void encodeStartLine(ByteBuf out) {
        out.writeCharSequence(method, StandardCharsets.UTF_8);
        out.writeByte(' ');
        if (requestUri == null && headers.src() != null) {
            out.writeBytes(headers.src(), headers.base() + uriStart, uriEnd - uriStart);
        } else {
            out.writeCharSequence(requestUri(), StandardCharsets.UTF_8);
        }
        out.writeCharSequence(" SIP/2.0\r\n", StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "SipRequest[" + method + " " + requestUri() + "]";
    }

    /** Builder for requests; {@link #build()} checks the result as strictly as the decoder does. */
    public static final class Builder extends MessageBuilder<Builder> {
        private final String method;
        private final String uri;

        Builder(String method, String uri) {
            this.method = Objects.requireNonNull(method, "method");
            this.uri = Objects.requireNonNull(uri, "requestUri");
        }

        /** Sets CSeq to {@code sequence} and this request's method. */
        public Builder cseq(long sequence) {
            return cseq(new CSeq(sequence, method));
        }

        @Override
        String startLine() {
            return method + " " + uri + " SIP/2.0";
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Builds the request, adding {@code Max-Forwards: 70} when absent (RFC 3261 §8.1.1.6).
         *
         * @throws IllegalArgumentException when the request is malformed, with the reason
         */
        public SipRequest build() {
            if (!has("Max-Forwards")) {
                header("Max-Forwards", "70");
            }
            return (SipRequest) buildMessage();
        }
    }
}
