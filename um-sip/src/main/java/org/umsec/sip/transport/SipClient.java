package org.umsec.sip.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SignallingTransport;
import org.umsec.sip.SipMessage;
import org.umsec.sip.codec.SipDecoderConfig;
import org.umsec.sip.transport.internal.Endpoint;
import org.umsec.sip.transport.internal.EventLoops;
import org.umsec.sip.transport.internal.PeerTrustManager;
import org.umsec.sip.transport.internal.Pipelines;
import org.umsec.sip.transport.internal.SipChannel;
import org.umsec.sip.transport.internal.SipTrace;
import org.umsec.sip.transport.internal.SslContexts;

/**
 * Opens SIP connections over TCP or mutual TLS to gateways, PBXs and other servers (R16, R18), and
 * keeps one connection per {@link SipPeer}: {@link #connect} returns the open connection when there
 * is one, and a closed connection is forgotten.
 *
 * <p>Over TLS the client presents the certificate of its {@link TlsSettings} (when it has one), sends
 * the dialled FQDN as SNI, validates the server's chain with um-certs (roots, CRLs, validity, server
 * authentication EKU) and checks that the certificate names the FQDN dialled (SAN DNS and IP
 * entries; the CN only without SAN DNS; no wildcards; RFC 5922 §7.2), not the address connected to.
 * A failure completes the connection future with a {@link TlsHandshakeException} and raises
 * {@link org.umsec.core.SecurityEventType#TLS_HANDSHAKE_FAILED}.
 *
 * <p>Limits: connect timeout (default {@value #DEFAULT_CONNECT_TIMEOUT_SECONDS} s), handshake timeout
 * (default {@value SipServer#DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} s), idle timeout (default
 * {@value SipServer#DEFAULT_IDLE_TIMEOUT_SECONDS} s) and the read back-pressure of {@link SipServer}.
 *
 * <pre>{@code
 * try (SipClient client = SipClient.builder().tls(tls).handler(responses).events(bus).build()) {
 *     TransportConnection c = client.connect(SipPeer.tls("gw1.contoso.com", 5061)).get(10, TimeUnit.SECONDS);
 *     c.send(options);
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class SipClient implements AutoCloseable {
    /** Default TCP connect timeout in seconds. */
    public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

    private final Builder config;
    private final TransportOptions options;
    private final IoMode ioMode;
    private final EventLoopGroup group;
    private final Endpoint endpoint;
    private final SslContext sslContext;
    private final ConcurrentHashMap<SipPeer, CompletableFuture<TransportConnection>> connections =
            new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final SipTrace trace;

    private SipClient(Builder b) throws IOException {
        this.config = b;
        this.options = b.snapshot;
        this.ioMode = options.ioMode().resolve();
        PeerTrustManager tm = b.tls == null ? null : new PeerTrustManager(b.tls.peers(), null);
        this.sslContext = b.tls == null ? null : SslContexts.client(b.tls, tm);
        this.trace = new SipTrace(options.sipTrace(), options.traceKeys());
        this.endpoint = new Endpoint(
                b.handler,
                b.events,
                b.clock,
                null,
                null,
                tm,
                b.tls == null ? null : b.tls.engine().resolve(),
                b.handlerExecutor,
                options.maxPendingMessages(),
                options.handlerLanes(),
                null,
                options.decoderConfig().answerKeepAlivePings(),
                trace,
                null);
        this.group = EventLoops.group(ioMode, options.ioThreads(), "sip-client");
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the open connection to the peer, or opens one.
     *
     * @param peer where to connect
     * <p>With TLS 1.3 the server verifies our certificate after our side of the handshake is done:
     * a server that refuses us closes the connection right after the future completed (the
     * connection's {@link TransportConnection#closeFuture()} completes, and a
     * {@link org.umsec.core.SecurityEventType#TLS_HANDSHAKE_FAILED} event with role {@code client}
     * reports the server's alert).
     *
     * @return completes with the connection once usable (TLS: handshake and server checks passed);
     *     fails with {@link TlsHandshakeException}, a connect exception, or
     *     {@link IllegalStateException} for TLS without {@link TlsSettings}
     */
    public CompletableFuture<TransportConnection> connect(SipPeer peer) {
        Objects.requireNonNull(peer, "peer");
        if (peer.transport() == SignallingTransport.TLS && sslContext == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("TLS needs SipClient.Builder.tls(...)"));
        }
        while (true) {
            CompletableFuture<TransportConnection> existing = connections.get(peer);
            if (existing != null) {
                if (!existing.isDone()
                        || (!existing.isCompletedExceptionally()
                                && existing.join().isOpen())) {
                    return existing;
                }
                connections.remove(peer, existing);
                continue;
            }
            CompletableFuture<TransportConnection> mine = new CompletableFuture<>();
            if (connections.putIfAbsent(peer, mine) != null) {
                continue;
            }
            open(peer, mine);
            return mine;
        }
    }

    /** @return the connection options this client was built with */
    public TransportOptions options() {
        return options;
    }

    /**
     * Switches the SIP message trace (log category {@code org.umsec.sip.trace}) at run time.
     *
     * @param on whether to log every message in and out
     */
    public void setSipTrace(boolean on) {
        trace.enabled(on);
    }

    /**
     * Sends a message to a peer on its (possibly new) connection.
     *
     * @param peer where to
     * @param message the message; ownership passes to the client
     * @return completes when written
     */
    public CompletableFuture<Void> send(SipPeer peer, SipMessage message) {
        return connect(peer)
                .handle((c, err) -> {
                    if (err != null) {
                        message.release();
                        return CompletableFuture.<Void>failedFuture(err);
                    }
                    return c.sendAsync(message);
                })
                .thenCompose(f -> f);
    }

    private void open(SipPeer peer, CompletableFuture<TransportConnection> result) {
        Builder b = config;
        SipChannel connection = new SipChannel(endpoint, peer.transport(), false, peer, ids.incrementAndGet());
        Bootstrap bs = new Bootstrap()
                .group(group)
                .channel(EventLoops.channel(ioMode))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) b.connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeLowWaterMark(), options.writeHighWaterMark()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Pipelines.build(
                                ch.pipeline(),
                                peer.transport() == SignallingTransport.TLS
                                        ? Pipelines.ssl(sslContext, ch.alloc(), peer.host(), peer.port())
                                        : null,
                                options.handshakeTimeout(),
                                options.idleTimeout(),
                                options.decoderConfig(),
                                connection,
                                trace);
                    }
                });
        InetSocketAddress remote = peer.address()
                .map(a -> new InetSocketAddress(a, peer.port()))
                .orElseGet(() -> InetSocketAddress.createUnresolved(peer.host(), peer.port()));
        ChannelFuture cf = bs.connect(remote);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                connection.ready().completeExceptionally(f.cause());
            }
        });
        connection.ready().whenComplete((c, err) -> {
            if (err != null) {
                connections.remove(peer, result);
                result.completeExceptionally(err);
            } else {
                result.complete(c);
            }
        });
        connection.closeFuture().whenComplete((v, err) -> connections.remove(peer, result));
    }

    /** @return connections currently held for reuse (open or opening) */
    public int connectionCount() {
        return connections.size();
    }

    /** Closes every connection and stops the I/O threads. */
    @Override
    public void close() {
        for (CompletableFuture<TransportConnection> f : connections.values()) {
            f.thenAccept(TransportConnection::close);
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Builder for {@link SipClient}. */
    public static final class Builder {
        private TlsSettings tls;
        private SipMessageHandler handler;
        private SecurityEventListener events;
        private Clock clock = Clock.systemUTC();
        private Executor handlerExecutor;
        private Duration connectTimeout = Duration.ofSeconds(DEFAULT_CONNECT_TIMEOUT_SECONDS);

        // a client needs few connections: one I/O thread unless told otherwise
        private TransportOptions.Builder options = TransportOptions.builder().ioThreads(1);
        private TransportOptions snapshot;

        private Builder() {}

        /**
         * Replaces the connection options with {@code o} (the same type configures {@link SipServer};
         * the setters below change single options).
         *
         * @param o the options
         * @return this
         */
        public Builder options(TransportOptions o) {
            this.options = Objects.requireNonNull(o, "options").toBuilder();
            return this;
        }

        /**
         * @param on log every SIP message in and out on {@code org.umsec.sip.trace} (default off)
         * @return this
         */
        public Builder sipTrace(boolean on) {
            options.sipTrace(on);
            return this;
        }

        /**
         * @param on show SDES keys in the trace instead of masking them (default off)
         * @return this
         */
        public Builder traceKeys(boolean on) {
            options.traceKeys(on);
            return this;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }

        /**
         * @param settings our certificate (optional for a client), server validation, policy, engine
         * @return this
         */
        public Builder tls(TlsSettings settings) {
            this.tls = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * @param h receives what the servers send (required)
         * @return this
         */
        public Builder handler(SipMessageHandler h) {
            this.handler = Objects.requireNonNull(h, "handler");
            return this;
        }

        /**
         * @param listener receives security events (default none: logged only)
         * @return this
         */
        public Builder events(SecurityEventListener listener) {
            this.events = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @param c clock for event times (default system UTC)
         * @return this
         */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * @param executor runs the handler instead of the I/O thread (default none)
         * @return this
         */
        public Builder handlerExecutor(Executor executor) {
            this.handlerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * @param mode I/O transport (default {@link IoMode#AUTO})
         * @return this
         */
        public Builder ioMode(IoMode mode) {
            options.ioMode(mode);
            return this;
        }

        /**
         * @param threads I/O threads (default 1; 0 = Netty's default, twice the cores; same rule as
         *     {@link SipServer.Builder#ioThreads})
         * @return this
         */
        public Builder ioThreads(int threads) {
            options.ioThreads(threads);
            return this;
        }

        /**
         * @param d TCP connect limit (default {@value SipClient#DEFAULT_CONNECT_TIMEOUT_SECONDS} s)
         * @return this
         */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive(d, "connectTimeout");
            return this;
        }

        /**
         * @param d TLS handshake limit (default {@value SipServer#DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} s)
         * @return this
         */
        public Builder handshakeTimeout(Duration d) {
            options.handshakeTimeout(d);
            return this;
        }

        /**
         * @param d close after this long without traffic (default {@value SipServer#DEFAULT_IDLE_TIMEOUT_SECONDS} s)
         * @return this
         */
        public Builder idleTimeout(Duration d) {
            options.idleTimeout(d);
            return this;
        }

        /**
         * @param n per-connection backlog for the handler executor at which reading pauses
         * @return this
         */
        public Builder maxPendingMessages(int n) {
            options.maxPendingMessages(n);
            return this;
        }

        /**
         * Lets the handler executor run up to {@code n} messages of one connection at once, one Call-ID
         * always in one lane and in order ({@link TransportOptions.Builder#handlerLanes}).
         *
         * @param n lanes, 1 to {@value TransportOptions#MAX_HANDLER_LANES} (default 1)
         * @return this
         */
        public Builder handlerLanes(int n) {
            options.handlerLanes(n);
            return this;
        }

        /**
         * @param c codec limits (default {@link SipDecoderConfig#defaults()})
         * @return this
         */
        public Builder decoderConfig(SipDecoderConfig c) {
            options.decoderConfig(c);
            return this;
        }

        /**
         * @return the client
         * @throws IllegalStateException without a handler
         * @throws IOException when the TLS engine cannot be set up
         */
        public SipClient build() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("handler(...) is required");
            }
            Builder c = new Builder();
            c.tls = tls;
            c.handler = handler;
            c.events = events;
            c.clock = clock;
            c.handlerExecutor = handlerExecutor;
            c.connectTimeout = connectTimeout;
            c.snapshot = options.build();
            return new SipClient(c);
        }
    }
}
