package org.umsec.sip;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** A SIP response (RFC 3261 §7.2): {@code SIP/2.0 Status-Code Reason-Phrase}, headers, body. */
public final class SipResponse extends SipMessage {
    private final int status;
    private String reason;
    private final int reasonStart;
    private final int reasonEnd;

    SipResponse(
            SipHeaders headers,
            ByteBuf owner,
            int bodyOffset,
            int bodyLength,
            boolean canonical,
            int status,
            String reason,
            int reasonStart,
            int reasonEnd) {
        super(headers, owner, bodyOffset, bodyLength, canonical);
        this.status = status;
        this.reason = reason;
        this.reasonStart = reasonStart;
        this.reasonEnd = reasonEnd;
    }

    /** Starts a response with the standard reason phrase; usually {@link SipRequest#createResponse(int)}. */
    public static Builder builder(int status) {
        return new Builder(status);
    }

    @Override
    public boolean isRequest() {
        return false;
    }

    /** The status code, 100 to 699. */
    public int status() {
        return status;
    }

    /** Whether this is a provisional (1xx) response. */
    public boolean isProvisional() {
        return status < 200;
    }

    /** Whether this is a 2xx response. */
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The reason phrase as received (may be empty). */
    public String reasonPhrase() {
        String r = reason;
        if (r == null) {
            r = new String(
                    headers.src(), headers.base() + reasonStart, reasonEnd - reasonStart, StandardCharsets.UTF_8);
            reason = r;
        }
        return r;
    }

    /** The standard reason phrase for a status code (RFC 3261 §21), or {@code ""} when unknown. */
    public static String standardReason(int status) {
        switch (status) {
            case 100:
                return "Trying";
            case 180:
                return "Ringing";
            case 181:
                return "Call Is Being Forwarded";
            case 182:
                return "Queued";
            case 183:
                return "Session Progress";
            case 200:
                return "OK";
            case 202:
                return "Accepted";
            case 300:
                return "Multiple Choices";
            case 301:
                return "Moved Permanently";
            case 302:
                return "Moved Temporarily";
            case 400:
                return "Bad Request";
            case 401:
                return "Unauthorized";
            case 403:
                return "Forbidden";
            case 404:
                return "Not Found";
            case 405:
                return "Method Not Allowed";
            case 406:
                return "Not Acceptable";
            case 407:
                return "Proxy Authentication Required";
            case 408:
                return "Request Timeout";
            case 413:
                return "Request Entity Too Large";
            case 414:
                return "Request-URI Too Long";
            case 415:
                return "Unsupported Media Type";
            case 416:
                return "Unsupported URI Scheme";
            case 420:
                return "Bad Extension";
            case 481:
                return "Call/Transaction Does Not Exist";
            case 482:
                return "Loop Detected";
            case 483:
                return "Too Many Hops";
            case 486:
                return "Busy Here";
            case 487:
                return "Request Terminated";
            case 488:
                return "Not Acceptable Here";
            case 491:
                return "Request Pending";
            case 500:
                return "Server Internal Error";
            case 501:
                return "Not Implemented";
            case 503:
                return "Service Unavailable";
            case 504:
                return "Server Time-out";
            case 505:
                return "Version Not Supported";
            case 513:
                return "Message Too Large";
            case 603:
                return "Decline";
            default:
                return "";
        }
    }

    @Override
    public SipResponse copy() {
        ByteBuf frame = copyFrame();
        return new SipResponse(
                copyHeaders(frame),
                frame,
                bodyOffset,
                contentLength(),
                canonical,
                status,
                reason,
                reasonStart,
                reasonEnd);
    }

    @Override
    void encodeStartLine(ByteBuf out) {
        out.writeCharSequence("SIP/2.0 ", StandardCharsets.US_ASCII);
        writeDecimal(out, status);
        out.writeByte(' ');
        if (reason == null && headers.src() != null) {
            out.writeBytes(headers.src(), headers.base() + reasonStart, reasonEnd - reasonStart);
        } else {
            out.writeCharSequence(reasonPhrase(), StandardCharsets.UTF_8);
        }
        out.writeByte('\r').writeByte('\n');
    }

    @Override
    public String toString() {
        return "SipResponse[" + status + " " + reasonPhrase() + "]";
    }

    /** Builder for responses; {@link #build()} checks the result as strictly as the decoder does. */
    public static final class Builder extends MessageBuilder<Builder> {
        private final int status;
        private String reason;

        Builder(int status) {
            if (status < 100 || status > 699) {
                throw new IllegalArgumentException("status out of range: " + status);
            }
            this.status = status;
            this.reason = standardReason(status);
        }

        /** @return the status code this builder makes */
        public int status() {
            return status;
        }

        /** Sets the reason phrase (no CR or LF). */
        public Builder reason(String phrase) {
            if (phrase.indexOf('\r') >= 0 || phrase.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("reason phrase contains CR or LF");
            }
            this.reason = phrase;
            return this;
        }

        /** Adds a tag to the To header if it has none (RFC 3261 §8.2.6.2). */
        public Builder toTag(String tag) {
            int i = indexOf("To");
            if (i < 0) {
                throw new IllegalStateException("no To header");
            }
            String v = value(i);
            java.util.List<NameAddress> parsed = parseAddress(v);
            if (parsed.get(0).tag().isEmpty()) {
                set(i, v + ";tag=" + tag);
            }
            return this;
        }

        @Override
        String startLine() {
            return "SIP/2.0 " + status + " " + reason;
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Builds the response.
         *
         * @throws IllegalArgumentException when the response is malformed, with the reason
         */
        public SipResponse build() {
            return (SipResponse) buildMessage();
        }
    }
}
