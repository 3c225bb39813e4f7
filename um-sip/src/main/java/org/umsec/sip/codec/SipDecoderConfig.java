package org.umsec.sip.codec;

/**
 * Limits and switches of {@link SipMessageDecoder}. Immutable; make one with {@link #builder()} and share
 * it between connections.
 *
 * <p>Each limit bounds what one connection can make the decoder hold, so a peer cannot exhaust memory by
 * sending endless header lines or a huge Content-Length; what happens when a limit is hit:
 * <table>
 * <caption>Limits and outcomes</caption>
 * <tr><th>Limit</th><th>Default</th><th>Outcome</th></tr>
 * <tr><td>{@link #maxStartLineLength()}</td><td>{@value #DEFAULT_MAX_START_LINE_LENGTH}</td>
 *     <td>414 Request-URI Too Long, connection stays usable; if the header section has not ended within
 *     {@link #maxHeaderBytes()}, 414 and the connection must be closed</td></tr>
 * <tr><td>{@link #maxHeaderLineLength()}</td><td>{@value #DEFAULT_MAX_HEADER_LINE_LENGTH}</td>
 *     <td>513 Message Too Large, connection stays usable</td></tr>
 * <tr><td>{@link #maxHeaderCount()}</td><td>{@value #DEFAULT_MAX_HEADER_COUNT}</td>
 *     <td>513 Message Too Large, connection stays usable</td></tr>
 * <tr><td>{@link #maxHeaderBytes()}</td><td>{@value #DEFAULT_MAX_HEADER_BYTES}</td>
 *     <td>513 Message Too Large, then the connection must be closed (the message end is unknown)</td></tr>
 * <tr><td>{@link #maxBodyLength()}</td><td>{@value #DEFAULT_MAX_BODY_LENGTH}</td>
 *     <td>413 Request Entity Too Large; the body is skipped without being buffered and the connection
 *     stays usable</td></tr>
 * </table>
 * Header limits include the start line and the terminating empty line.
 */
public final class SipDecoderConfig {
    /** Default longest start line (CRLF excluded). */
    public static final int DEFAULT_MAX_START_LINE_LENGTH = 4096;
    /** Default longest header field, continuation lines included. */
    public static final int DEFAULT_MAX_HEADER_LINE_LENGTH = 8192;
    /** Default most header lines. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 128;
    /** Default largest header section (start line to empty line, inclusive). */
    public static final int DEFAULT_MAX_HEADER_BYTES = 32768;
    /** Default largest body. */
    public static final int DEFAULT_MAX_BODY_LENGTH = 65536;

    private static final SipDecoderConfig DEFAULTS = builder().build();

    private final int maxStartLineLength;
    private final int maxHeaderLineLength;
    private final int maxHeaderCount;
    private final int maxHeaderBytes;
    private final int maxBodyLength;
    private final boolean validateHeaders;
    private final boolean requireContentLength;
    private final boolean answerKeepAlivePings;

    private SipDecoderConfig(Builder b) {
        this.maxStartLineLength = b.maxStartLineLength;
        this.maxHeaderLineLength = b.maxHeaderLineLength;
        this.maxHeaderCount = b.maxHeaderCount;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxBodyLength = b.maxBodyLength;
        this.validateHeaders = b.validateHeaders;
        this.requireContentLength = b.requireContentLength;
        this.answerKeepAlivePings = b.answerKeepAlivePings;
    }

    /** The defaults. */
    public static SipDecoderConfig defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a builder holding this configuration's values
     */
    public Builder toBuilder() {
        return new Builder()
                .maxStartLineLength(maxStartLineLength)
                .maxHeaderLineLength(maxHeaderLineLength)
                .maxHeaderCount(maxHeaderCount)
                .maxHeaderBytes(maxHeaderBytes)
                .maxBodyLength(maxBodyLength)
                .validateHeaders(validateHeaders)
                .requireContentLength(requireContentLength)
                .answerKeepAlivePings(answerKeepAlivePings);
    }

    /** Longest start line in bytes, CRLF excluded. */
    public int maxStartLineLength() {
        return maxStartLineLength;
    }

    /** Longest header field in bytes, continuation lines included. */
    public int maxHeaderLineLength() {
        return maxHeaderLineLength;
    }

    /** Most header lines in one message. */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** Largest header section in bytes, start line and empty line included. */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** Largest body in bytes. */
    public int maxBodyLength() {
        return maxBodyLength;
    }

    /**
     * Whether the decoder checks the grammar of Via, From, To, Call-ID, CSeq, Contact, Route, Record-Route,
     * Max-Forwards, Expires, Date and Content-Type and the Request-URI (default true). The checks run on the
     * received bytes and allocate nothing; typed values are still built only when asked for.
     */
    public boolean validateHeaders() {
        return validateHeaders;
    }

    /** Whether a message without Content-Length is a framing error (default true, RFC 3261 §18.3). */
    public boolean requireContentLength() {
        return requireContentLength;
    }

    /** Whether the decoder answers a CRLF CRLF ping with a CRLF pong itself (default true, RFC 5626 §3.5.1). */
    public boolean answerKeepAlivePings() {
        return answerKeepAlivePings;
    }

    /** Builder; setters check their argument. */
    public static final class Builder {
        private int maxStartLineLength = DEFAULT_MAX_START_LINE_LENGTH;
        private int maxHeaderLineLength = DEFAULT_MAX_HEADER_LINE_LENGTH;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxBodyLength = DEFAULT_MAX_BODY_LENGTH;
        private boolean validateHeaders = true;
        private boolean requireContentLength = true;
        private boolean answerKeepAlivePings = true;

        private Builder() {}

        private static int positive(int v, String name) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + v);
            }
            return v;
        }

        /** @param v longest start line, at least 16 */
        public Builder maxStartLineLength(int v) {
            if (v < 16) {
                throw new IllegalArgumentException("maxStartLineLength must be at least 16: " + v);
            }
            maxStartLineLength = v;
            return this;
        }

        /** @param v longest header field, positive */
        public Builder maxHeaderLineLength(int v) {
            maxHeaderLineLength = positive(v, "maxHeaderLineLength");
            return this;
        }

        /** @param v most header lines, positive */
        public Builder maxHeaderCount(int v) {
            maxHeaderCount = positive(v, "maxHeaderCount");
            return this;
        }

        /** @param v largest header section, at least 64 */
        public Builder maxHeaderBytes(int v) {
            if (v < 64) {
                throw new IllegalArgumentException("maxHeaderBytes must be at least 64: " + v);
            }
            maxHeaderBytes = v;
            return this;
        }

        /** @param v largest body, zero or more */
        public Builder maxBodyLength(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("maxBodyLength must not be negative: " + v);
            }
            maxBodyLength = v;
            return this;
        }

        /** @param v whether to check header grammar (see {@link SipDecoderConfig#validateHeaders()}) */
        public Builder validateHeaders(boolean v) {
            validateHeaders = v;
            return this;
        }

        /** @param v whether Content-Length is mandatory (true for stream transports) */
        public Builder requireContentLength(boolean v) {
            requireContentLength = v;
            return this;
        }

        /** @param v whether to answer keep-alive pings in the decoder */
        public Builder answerKeepAlivePings(boolean v) {
            answerKeepAlivePings = v;
            return this;
        }

        /** The configuration. */
        public SipDecoderConfig build() {
            return new SipDecoderConfig(this);
        }
    }
}
