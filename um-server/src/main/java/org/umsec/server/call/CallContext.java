package org.umsec.server.call;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.umsec.core.SecurityEventListener;
import org.umsec.server.CallHandler;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.MediaPlane;
import org.umsec.sip.transaction.TimerScheduler;

/**
 * Everything the call layer needs from the server that hosts it, passed in once: clock, timers,
 * configuration in force, events, metrics, the call handler, and the listener ports for explanations.
 * Replaces the call layer's back-calls into {@code UmsecServer}; a test builds one with a manual clock and
 * scheduler. Immutable.
 *
 * <pre>{@code
 * CallContext ctx = CallContext.builder().clock(clock).timers(timers).mediaPlane(media)
 *     .configuration(() -> config).events(bus::publish).metrics(metrics).handler(() -> recorder)
 *     .callEnder(executor).build();
 * }</pre>
 */
public final class CallContext {

    /** Default time packets under a replaced inbound SRTP key are still accepted after a re-key. */
    public static final Duration DEFAULT_KEY_OVERLAP = Duration.ofSeconds(2);

    private final Clock clock;
    private final TimerScheduler timers;
    private final MediaPlane mediaPlane;
    private final Supplier<ServerConfiguration> configuration;
    private final SecurityEventListener events;
    private final CallMetrics metrics;
    private final Supplier<CallHandler> handler;
    private final BooleanSupplier stopping;
    private final Executor callEnder;
    private final IntSupplier tlsPort;
    private final IntSupplier tcpPort;
    private final Duration keyOverlap;

    private CallContext(Builder b) {
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.timers = Objects.requireNonNull(b.timers, "timers");
        this.mediaPlane = Objects.requireNonNull(b.mediaPlane, "mediaPlane");
        this.configuration = Objects.requireNonNull(b.configuration, "configuration");
        this.events = Objects.requireNonNull(b.events, "events");
        this.metrics = Objects.requireNonNull(b.metrics, "metrics");
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.stopping = b.stopping;
        this.callEnder = Objects.requireNonNull(b.callEnder, "callEnder");
        this.tlsPort = b.tlsPort;
        this.tcpPort = b.tcpPort;
        this.keyOverlap = b.keyOverlap;
    }

    /** @return a builder; every part but stopping, ports and key overlap is required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return clock for call times and events */
    public Clock clock() {
        return clock;
    }

    /** @return timers for 2xx retransmission, the ACK timeout and session timers */
    public TimerScheduler timers() {
        return timers;
    }

    /** @return the media plane every call's RTP/RTCP sockets are opened on */
    public MediaPlane mediaPlane() {
        return mediaPlane;
    }

    /** @return the configuration in force now */
    public ServerConfiguration configuration() {
        return configuration.get();
    }

    /** @return where security events go */
    public SecurityEventListener events() {
        return events;
    }

    /** @return the call counters */
    public CallMetrics metrics() {
        return metrics;
    }

    /** @return the call handler in force now */
    public CallHandler handler() {
        return handler.get();
    }

    /** @return whether the server is stopping (new calls get 503) */
    public boolean stopping() {
        return stopping.getAsBoolean();
    }

    /**
     * @return runs the handler's end of every ended call (recording closed and forced to disk, metadata
     *     written) once its media is drained: blocking file I/O, off the signalling and media threads
     */
    public Executor callEnder() {
        return callEnder;
    }

    /** @return the TLS listener's port, -1 when there is none */
    public int tlsPort() {
        return tlsPort.getAsInt();
    }

    /** @return the TCP listener's port, -1 when there is none */
    public int tcpPort() {
        return tcpPort.getAsInt();
    }

    /** @return how long a replaced inbound SRTP key is still accepted after a re-key */
    public Duration keyOverlap() {
        return keyOverlap;
    }

    /** Builder for {@link CallContext}. Not thread-safe. */
    public static final class Builder {
        private Clock clock;
        private TimerScheduler timers;
        private MediaPlane mediaPlane;
        private Supplier<ServerConfiguration> configuration;
        private SecurityEventListener events;
        private CallMetrics metrics;
        private Supplier<CallHandler> handler;
        private BooleanSupplier stopping = () -> false;
        private Executor callEnder;
        private IntSupplier tlsPort = () -> -1;
        private IntSupplier tcpPort = () -> -1;
        private Duration keyOverlap = DEFAULT_KEY_OVERLAP;

        private Builder() {}

        /** @param c clock (required) @return this */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** @param t timers for the dialog layer (required) @return this */
        public Builder timers(TimerScheduler t) {
            timers = Objects.requireNonNull(t, "timers");
            return this;
        }

        /** @param m the media plane calls open their sockets on (required) @return this */
        public Builder mediaPlane(MediaPlane m) {
            mediaPlane = Objects.requireNonNull(m, "mediaPlane");
            return this;
        }

        /** @param s the configuration in force, read for every new call (required) @return this */
        public Builder configuration(Supplier<ServerConfiguration> s) {
            configuration = Objects.requireNonNull(s, "configuration");
            return this;
        }

        /** @param l where security events go (required) @return this */
        public Builder events(SecurityEventListener l) {
            events = Objects.requireNonNull(l, "events");
            return this;
        }

        /** @param m counters (required) @return this */
        public Builder metrics(CallMetrics m) {
            metrics = Objects.requireNonNull(m, "metrics");
            return this;
        }

        /** @param h the call handler in force, read for every new call (required) @return this */
        public Builder handler(Supplier<CallHandler> h) {
            handler = Objects.requireNonNull(h, "handler");
            return this;
        }

        /** @param s whether the server is stopping (default never) @return this */
        public Builder stopping(BooleanSupplier s) {
            stopping = Objects.requireNonNull(s, "stopping");
            return this;
        }

        /** @param e where ended calls are finished (required) @return this */
        public Builder callEnder(Executor e) {
            callEnder = Objects.requireNonNull(e, "callEnder");
            return this;
        }

        /**
         * @param tls the TLS listener's port
         * @param tcp the TCP listener's port
         * @return this
         */
        public Builder ports(IntSupplier tls, IntSupplier tcp) {
            tlsPort = Objects.requireNonNull(tls, "tls");
            tcpPort = Objects.requireNonNull(tcp, "tcp");
            return this;
        }

        /** @param d how long a replaced inbound SRTP key stays acceptable (default 2 s, 0..60 s) @return this */
        public Builder keyOverlap(Duration d) {
            if (d.isNegative() || d.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("key overlap must be 0..60 s: " + d);
            }
            keyOverlap = d;
            return this;
        }

        /** @return the context */
        public CallContext build() {
            return new CallContext(this);
        }
    }
}
