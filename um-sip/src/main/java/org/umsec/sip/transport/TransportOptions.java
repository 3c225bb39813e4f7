package org.umsec.sip.transport;

import java.time.Duration;
import java.util.Objects;
import org.umsec.sip.codec.SipDecoderConfig;

/**
 * The connection options {@link SipServer} and {@link SipClient} share, with one set of rules: I/O
 * transport and threads, handshake and idle timeouts, read back-pressure, codec limits and the SIP
 * trace. Immutable; each server or client takes a snapshot when it starts, so changing a builder
 * afterwards changes nothing that runs.
 *
 * <pre>{@code
 * TransportOptions o = TransportOptions.builder().ioThreads(2).idleTimeout(Duration.ofMinutes(2)).build();
 * SipServer.builder().options(o)...;   SipClient.builder().options(o)...;
 * }</pre>
 */
public final class TransportOptions {
    /** Most handler lanes per connection ({@link Builder#handlerLanes}). */
    public static final int MAX_HANDLER_LANES = 64;

    private static final TransportOptions DEFAULTS = new Builder().build();

    private final IoMode ioMode;
    private final int ioThreads;
    private final Duration handshakeTimeout;
    private final Duration idleTimeout;
    private final int maxPendingMessages;
    private final int handlerLanes;
    private final int writeLowWaterMark;
    private final int writeHighWaterMark;
    private final SipDecoderConfig decoderConfig;
    private final boolean sipTrace;
    private final boolean traceKeys;

    private TransportOptions(Builder b) {
        this.ioMode = b.ioMode;
        this.ioThreads = b.ioThreads;
        this.handshakeTimeout = b.handshakeTimeout;
        this.idleTimeout = b.idleTimeout;
        this.maxPendingMessages = b.maxPendingMessages;
        this.handlerLanes = b.handlerLanes;
        this.writeLowWaterMark = b.writeLowWaterMark;
        this.writeHighWaterMark = b.writeHighWaterMark;
        this.decoderConfig = b.decoderConfig;
        this.sipTrace = b.sipTrace;
        this.traceKeys = b.traceKeys;
    }

    /** @return the defaults */
    public static TransportOptions defaults() {
        return DEFAULTS;
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these options */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.ioMode = ioMode;
        b.ioThreads = ioThreads;
        b.handshakeTimeout = handshakeTimeout;
        b.idleTimeout = idleTimeout;
        b.maxPendingMessages = maxPendingMessages;
        b.handlerLanes = handlerLanes;
        b.writeLowWaterMark = writeLowWaterMark;
        b.writeHighWaterMark = writeHighWaterMark;
        b.decoderConfig = decoderConfig;
        b.sipTrace = sipTrace;
        b.traceKeys = traceKeys;
        return b;
    }

    /** @return the I/O transport (default {@link IoMode#AUTO}) */
    public IoMode ioMode() {
        return ioMode;
    }

    /** @return I/O threads, 0 for Netty's default (twice the cores) */
    public int ioThreads() {
        return ioThreads;
    }

    /** @return the TLS handshake limit */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** @return the time without reads or writes after which a connection is closed */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return per-connection backlog for the handler executor at which reading pauses */
    public int maxPendingMessages() {
        return maxPendingMessages;
    }

    /**
     * @return how many of one connection's messages the handler executor may run at once: messages are
     *     spread over this many lanes by Call-ID, each lane in arrival order (1: the whole connection in order)
     */
    public int handlerLanes() {
        return handlerLanes;
    }

    /** @return unsent bytes below which reading resumes */
    public int writeLowWaterMark() {
        return writeLowWaterMark;
    }

    /** @return unsent bytes above which reading pauses */
    public int writeHighWaterMark() {
        return writeHighWaterMark;
    }

    /** @return codec limits */
    public SipDecoderConfig decoderConfig() {
        return decoderConfig;
    }

    /** @return whether the SIP message trace is on at start */
    public boolean sipTrace() {
        return sipTrace;
    }

    /** @return whether SDES keys appear unmasked in the trace */
    public boolean traceKeys() {
        return traceKeys;
    }

    @Override
    public String toString() {
        return "TransportOptions{io=" + ioMode + "/" + ioThreads + ", handshake=" + handshakeTimeout + ", idle="
                + idleTimeout + ", pending=" + maxPendingMessages + ", lanes=" + handlerLanes
                + ", water=" + writeLowWaterMark + ".."
                + writeHighWaterMark + ", trace=" + sipTrace + (traceKeys ? "+keys" : "") + "}";
    }

    /** Builder of {@link TransportOptions}; every setter checks its argument at once. Not thread-safe. */
    public static final class Builder {
        private IoMode ioMode = IoMode.AUTO;
        private int ioThreads;
        private Duration handshakeTimeout = Duration.ofSeconds(SipServer.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
        private Duration idleTimeout = Duration.ofSeconds(SipServer.DEFAULT_IDLE_TIMEOUT_SECONDS);
        private int maxPendingMessages = SipServer.DEFAULT_MAX_PENDING_MESSAGES;
        private int handlerLanes = 1;
        private int writeLowWaterMark = SipServer.DEFAULT_WRITE_LOW_WATER_MARK;
        private int writeHighWaterMark = SipServer.DEFAULT_WRITE_HIGH_WATER_MARK;
        private SipDecoderConfig decoderConfig = SipDecoderConfig.defaults();
        private boolean sipTrace;
        private boolean traceKeys;

        private Builder() {}

        static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }

        /**
         * @param mode I/O transport (default {@link IoMode#AUTO})
         * @return this
         * @throws IllegalArgumentException for {@link IoMode#EPOLL} when it does not load here
         */
        public Builder ioMode(IoMode mode) {
            Objects.requireNonNull(mode, "mode");
            if (mode == IoMode.EPOLL && IoMode.AUTO.resolve() != IoMode.EPOLL) {
                throw new IllegalArgumentException("native epoll is not available here");
            }
            this.ioMode = mode;
            return this;
        }

        /**
         * @param threads I/O threads, at least 0 (0 = Netty's default, twice the cores)
         * @return this
         */
        public Builder ioThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0 (0 = Netty's default): " + threads);
            }
            this.ioThreads = threads;
            return this;
        }

        /**
         * @param d TLS handshake limit (default {@value SipServer#DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} s)
         * @return this
         */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = positive(d, "handshakeTimeout");
            return this;
        }

        /**
         * @param d close after this long without traffic (default {@value SipServer#DEFAULT_IDLE_TIMEOUT_SECONDS} s)
         * @return this
         */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive(d, "idleTimeout");
            return this;
        }

        /**
         * @param n per-connection backlog for the handler executor at which reading pauses, at least 1
         *     (default {@value SipServer#DEFAULT_MAX_PENDING_MESSAGES})
         * @return this
         */
        public Builder maxPendingMessages(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxPendingMessages must be at least 1: " + n);
            }
            this.maxPendingMessages = n;
            return this;
        }

        /**
         * Lets the handler executor run up to {@code n} messages of one connection at once. A
         * connection's messages are spread over {@code n} lanes by a hash of their Call-ID: all messages
         * with one Call-ID (a call's requests and responses, its transactions, its dialog, CANCEL and
         * ACK) go to one lane and are handled in arrival order; different calls on one connection (a
         * gateway's or an edge proxy's trunk) are handled in parallel. A message without a usable Call-ID
         * goes to the first lane. Reading still pauses at {@link #maxPendingMessages} waiting messages of
         * the connection, all lanes together. Only with a handler executor; the handler must then be
         * thread-safe across the calls of one connection.
         *
         * @param n lanes, 1 to {@value #MAX_HANDLER_LANES} (default 1: the whole connection in order)
         * @return this
         */
        public Builder handlerLanes(int n) {
            if (n < 1 || n > MAX_HANDLER_LANES) {
                throw new IllegalArgumentException("handlerLanes must be 1.." + MAX_HANDLER_LANES + ": " + n);
            }
            this.handlerLanes = n;
            return this;
        }

        /**
         * @param low resume reading below this many unsent bytes (default {@value SipServer#DEFAULT_WRITE_LOW_WATER_MARK})
         * @param high pause reading above this many unsent bytes (default {@value SipServer#DEFAULT_WRITE_HIGH_WATER_MARK})
         * @return this
         */
        public Builder writeWaterMarks(int low, int high) {
            if (low < 1 || high < low) {
                throw new IllegalArgumentException("need 1 <= low <= high: " + low + ", " + high);
            }
            this.writeLowWaterMark = low;
            this.writeHighWaterMark = high;
            return this;
        }

        /**
         * @param c codec limits (default {@link SipDecoderConfig#defaults()})
         * @return this
         */
        public Builder decoderConfig(SipDecoderConfig c) {
            this.decoderConfig = Objects.requireNonNull(c, "decoderConfig");
            return this;
        }

        /**
         * @param on log every SIP message in and out on {@code org.umsec.sip.trace} from the start (default off)
         * @return this
         */
        public Builder sipTrace(boolean on) {
            this.sipTrace = on;
            return this;
        }

        /**
         * @param on show SDES keys ({@code a=crypto} inline key and salt) in the trace instead of
         *     masking them (default off)
         * @return this
         */
        public Builder traceKeys(boolean on) {
            this.traceKeys = on;
            return this;
        }

        /** @return the options */
        public TransportOptions build() {
            return new TransportOptions(this);
        }
    }
}
