package org.umsec.sip.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SignallingTransport;
import org.umsec.core.TrustList;
import org.umsec.sip.codec.SipDecoderConfig;
import org.umsec.sip.transport.internal.ConnectionLimiter;
import org.umsec.sip.transport.internal.Endpoint;
import org.umsec.sip.transport.internal.EventLoops;
import org.umsec.sip.transport.internal.PeerTrustManager;
import org.umsec.sip.transport.internal.Pipelines;
import org.umsec.sip.transport.internal.SipChannel;
import org.umsec.sip.transport.internal.SslContexts;

/**
 * A SIP server listening on plain TCP (default {@value #DEFAULT_TCP_PORT}) and on mutual TLS (default
 * {@value #DEFAULT_TLS_PORT}) at the same time (R2), on Netty: native epoll where it loads, NIO
 * otherwise ({@link IoMode}).
 *
 * <h2>Who gets in</h2>
 * <ul>
 * <li><b>TLS listener</b>: TLS 1.2/1.3 with forward-secret AEAD suites only ({@link TlsPolicy}); a
 *     client certificate is required and validated by um-certs (trusted roots, CRLs, validity, client
 *     authentication EKU); then one of its identities (SAN DNS and IP entries, the CN only without SAN
 *     DNS, RFC 5922 §7.1) must be on the {@link TrustList} (R17). Any failure closes the connection
 *     and raises {@link org.umsec.core.SecurityEventType#TLS_HANDSHAKE_FAILED} with a
 *     {@link HandshakeFailureReason} and the peer certificate's summary; an identity that is not
 *     trusted also raises {@link org.umsec.core.SecurityEventType#UNTRUSTED_PEER_REFUSED} naming the
 *     presented identities.</li>
 * <li><b>TCP listener</b>: a request from a source address that is not a trusted gateway's
 *     ({@link TrustList#matchAddress}) is answered 403 and raises one
 *     {@link org.umsec.core.SecurityEventType#UNTRUSTED_PEER_REFUSED} per connection (R5). A message
 *     whose SDP carries SDES keys ({@code a=crypto}) is refused with 488 and
 *     {@link org.umsec.core.SecurityEventType#SDES_REFUSED_INSECURE_TRANSPORT} (R19).</li>
 * </ul>
 *
 * <h2>Rotation</h2>
 * The key manager of {@link TlsSettings} is asked on every handshake: with um-certs'
 * {@code CertificateProvider}, a newly selected certificate is presented by the next handshake while
 * established connections carry on. Peer validation reads the store live (new roots, new CRLs), and
 * {@link #updateTrustList} replaces the trust list for new connections and handshakes.
 *
 * <h2>Limits (each attack it blocks)</h2>
 * <ul>
 * <li>Handshake timeout, default {@value #DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} s: peers that open TLS
 *     and stall (slowloris on the handshake).</li>
 * <li>Idle timeout, default {@value #DEFAULT_IDLE_TIMEOUT_SECONDS} s without reads or writes
 *     (RFC 5626 CRLF keep-alives count): abandoned connections holding memory.</li>
 * <li>Connections in total, default {@value #DEFAULT_MAX_CONNECTIONS}, and per source address,
 *     default {@value #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}: descriptor exhaustion by one host. Excess
 *     connections are closed on accept.</li>
 * <li>Read back-pressure: reading pauses while the socket's outbound buffer is above
 *     {@value #DEFAULT_WRITE_HIGH_WATER_MARK} bytes (until it drains below
 *     {@value #DEFAULT_WRITE_LOW_WATER_MARK}), i.e. while the peer does not read our answers; and,
 *     with a {@linkplain Builder#handlerExecutor handler executor}, while a connection has
 *     {@value #DEFAULT_MAX_PENDING_MESSAGES} messages waiting for the application (until half
 *     drained).</li>
 * <li>Message size and header limits: {@link SipDecoderConfig} (400/413/414/513 answers).</li>
 * </ul>
 *
 * <pre>{@code
 * SipServer server = SipServer.builder()
 *         .tls(TlsSettings.builder().certificates(provider).peers(validator).build())
 *         .trustList(configuration.trustList())
 *         .handler((connection, message) -> transactions.onMessage(connection, message))
 *         .events(bus)
 *         .start();
 * int tlsPort = server.tlsPort().getAsInt();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} closes the listeners and every connection.
 */
public final class SipServer implements AutoCloseable {
    /** Default plain TCP port (RFC 3261 §19.1.2). */
    public static final int DEFAULT_TCP_PORT = 5060;
    /** Default TLS port (RFC 3261 §19.1.2). */
    public static final int DEFAULT_TLS_PORT = 5061;
    /** Default TLS handshake timeout in seconds. */
    public static final int DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 10;
    /** Default idle timeout in seconds. */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
    /** Default cap on open connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    /** Default cap on open connections from one source address. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
    /** Default per-connection backlog of messages waiting for the handler executor before reading pauses. */
    public static final int DEFAULT_MAX_PENDING_MESSAGES = 64;
    /** Default outbound buffer size above which reading pauses. */
    public static final int DEFAULT_WRITE_HIGH_WATER_MARK = 64 * 1024;
    /** Default outbound buffer size below which reading resumes. */
    public static final int DEFAULT_WRITE_LOW_WATER_MARK = 32 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SipServer.class);

    private final Builder config;
    private final IoMode ioMode;
    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final ChannelGroup channels = new DefaultChannelGroup("sip-server", GlobalEventExecutor.INSTANCE);
    private final ConnectionLimiter limiter;
    private final AtomicReference<TrustList> trustList;
    private final AtomicLong refused = new AtomicLong();
    private final Endpoint endpoint;
    private final SslContext sslContext;
    private Channel tcpChannel;
    private Channel tlsChannel;

    private SipServer(Builder b) throws IOException {
        this.config = b;
        this.ioMode = b.ioMode.resolve();
        this.limiter = new ConnectionLimiter(b.maxConnections, b.maxConnectionsPerAddress);
        this.trustList = new AtomicReference<>(b.trustList);
        PeerTrustManager tm = b.tls == null ? null : new PeerTrustManager(b.tls.peers(), trustList::get);
        this.sslContext = b.tlsEnabled ? SslContexts.server(b.tls, tm) : null;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096),
                new DefaultThreadFactory("sip-server-checks", true));
        pool.allowCoreThreadTimeOut(true);
        this.blocking = pool;
        this.endpoint = new Endpoint(b.handler, b.events, b.clock, trustList::get, tm,
                b.tlsEnabled ? b.tls.engine().resolve() : null, b.handlerExecutor, b.maxPendingMessages, blocking);
        this.group = EventLoops.group(ioMode, b.ioThreads, "sip-server");
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    private void bind() throws IOException {
        try {
            if (config.tcpEnabled) {
                tcpChannel = bootstrap(SignallingTransport.TCP).bind(new InetSocketAddress(config.bindAddress, config.tcpPort))
                        .sync().channel();
            }
            if (config.tlsEnabled) {
                tlsChannel = bootstrap(SignallingTransport.TLS).bind(new InetSocketAddress(config.bindAddress, config.tlsPort))
                        .sync().channel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding", e);
        } catch (RuntimeException e) {
            close();
            throw new IOException("cannot bind SIP listeners: " + e.getMessage(), e);
        }
        LOG.info("SIP server listening: TCP {}, TLS {} ({} I/O{})",
                tcpChannel == null ? "off" : tcpChannel.localAddress(), tlsChannel == null ? "off" : tlsChannel.localAddress(),
                ioMode, endpoint.engine() == null ? "" : ", TLS engine " + endpoint.engine());
    }

    private ServerBootstrap bootstrap(SignallingTransport transport) {
        Builder b = config;
        return new ServerBootstrap().group(group).channel(EventLoops.serverChannel(ioMode))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(b.writeLowWaterMark, b.writeHighWaterMark))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress source = ch.remoteAddress().getAddress();
                        String why = limiter.tryAcquire(source);
                        if (why != null) {
                            refused.incrementAndGet();
                            LOG.debug("refusing {} connection from {}: {}", transport, ch.remoteAddress(), why);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> limiter.release(source));
                        channels.add(ch);
                        SipChannel connection = new SipChannel(endpoint, transport, true, null);
                        Pipelines.build(ch.pipeline(),
                                transport == SignallingTransport.TLS ? Pipelines.ssl(sslContext, ch.alloc(), null, 0) : null,
                                b.handshakeTimeout, b.idleTimeout, b.decoderConfig, connection);
                    }
                });
    }

    /** @return the bound TCP port (useful with port 0), empty when the TCP listener is off */
    public OptionalInt tcpPort() {
        return tcpChannel == null ? OptionalInt.empty() : OptionalInt.of(((InetSocketAddress) tcpChannel.localAddress()).getPort());
    }

    /** @return the bound TLS port (useful with port 0), empty when the TLS listener is off */
    public OptionalInt tlsPort() {
        return tlsChannel == null ? OptionalInt.empty() : OptionalInt.of(((InetSocketAddress) tlsChannel.localAddress()).getPort());
    }

    /** @return the I/O transport in use (EPOLL or NIO) */
    public IoMode ioMode() {
        return ioMode;
    }

    /** @return the TLS engine in use, empty when the TLS listener is off */
    public java.util.Optional<TlsEngine> tlsEngine() {
        return java.util.Optional.ofNullable(endpoint.engine());
    }

    /** @return connections open now */
    public int openConnections() {
        return limiter.open();
    }

    /** @return connections closed on accept because a cap was reached, since start */
    public long refusedConnections() {
        return refused.get();
    }

    /** @return the trust list in force */
    public TrustList trustList() {
        return trustList.get();
    }

    /**
     * Replaces the trust list (a configuration change without restart). Applies to connections
     * accepted and handshakes completed afterwards; established connections are not re-checked.
     *
     * @param list the new list
     */
    public void updateTrustList(TrustList list) {
        trustList.set(Objects.requireNonNull(list, "list"));
    }

    /** Closes the listeners and every connection, and stops the I/O threads. Blocks: do not call from a handler. */
    @Override
    public void close() {
        if (tcpChannel != null) {
            tcpChannel.close().syncUninterruptibly();
        }
        if (tlsChannel != null) {
            tlsChannel.close().syncUninterruptibly();
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        blocking.shutdownNow();
    }

    /** Builder for {@link SipServer}; every setter checks its argument at once. */
    public static final class Builder {
        private InetAddress bindAddress;
        private boolean tcpEnabled = true;
        private boolean tlsEnabled = true;
        private int tcpPort = DEFAULT_TCP_PORT;
        private int tlsPort = DEFAULT_TLS_PORT;
        private TlsSettings tls;
        private TrustList trustList;
        private SipMessageHandler handler;
        private SecurityEventListener events;
        private Clock clock = Clock.systemUTC();
        private Executor handlerExecutor;
        private IoMode ioMode = IoMode.AUTO;
        private int ioThreads;
        private Duration handshakeTimeout = Duration.ofSeconds(DEFAULT_HANDSHAKE_TIMEOUT_SECONDS);
        private Duration idleTimeout = Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS);
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int maxPendingMessages = DEFAULT_MAX_PENDING_MESSAGES;
        private int writeLowWaterMark = DEFAULT_WRITE_LOW_WATER_MARK;
        private int writeHighWaterMark = DEFAULT_WRITE_HIGH_WATER_MARK;
        private SipDecoderConfig decoderConfig = SipDecoderConfig.defaults();

        private Builder() {
        }

        private static int port(int p) {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range (0 = ephemeral): " + p);
            }
            return p;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }

        private static int atLeastOne(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1: " + n);
            }
            return n;
        }

        /**
         * @param address local address to bind (default: all interfaces)
         * @return this
         */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * @param port TCP listener port (default {@value SipServer#DEFAULT_TCP_PORT}; 0 = ephemeral)
         * @return this
         */
        public Builder tcpPort(int port) {
            this.tcpPort = port(port);
            return this;
        }

        /**
         * @param port TLS listener port (default {@value SipServer#DEFAULT_TLS_PORT}; 0 = ephemeral)
         * @return this
         */
        public Builder tlsPort(int port) {
            this.tlsPort = port(port);
            return this;
        }

        /**
         * @param enabled whether to listen on TCP (default on; see {@code StartupPlan.tcpListener()})
         * @return this
         */
        public Builder tcp(boolean enabled) {
            this.tcpEnabled = enabled;
            return this;
        }

        /**
         * @param enabled whether to listen on TLS (default on; needs {@link #tls(TlsSettings)})
         * @return this
         */
        public Builder tlsListener(boolean enabled) {
            this.tlsEnabled = enabled;
            return this;
        }

        /**
         * @param settings certificate, peer validation, policy and engine of the TLS listener
         * @return this
         */
        public Builder tls(TlsSettings settings) {
            this.tls = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * @param list the trusted gateways (required; an empty list refuses everybody)
         * @return this
         */
        public Builder trustList(TrustList list) {
            this.trustList = Objects.requireNonNull(list, "list");
            return this;
        }

        /**
         * @param h receives every accepted message (required)
         * @return this
         */
        public Builder handler(SipMessageHandler h) {
            this.handler = Objects.requireNonNull(h, "handler");
            return this;
        }

        /**
         * @param listener receives security events (default none: they are logged only)
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
         * Runs the handler on an executor instead of the I/O thread (for handlers that block). Order
         * per connection is kept; reading pauses at {@link #maxPendingMessages} waiting messages.
         *
         * @param executor the executor (default none: the handler runs on the I/O thread)
         * @return this
         */
        public Builder handlerExecutor(Executor executor) {
            this.handlerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
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
         * @param threads I/O threads (default 0: Netty's default, twice the cores)
         * @return this
         */
        public Builder ioThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0: " + threads);
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
         * @param n cap on open connections (default {@value SipServer#DEFAULT_MAX_CONNECTIONS})
         * @return this
         */
        public Builder maxConnections(int n) {
            this.maxConnections = atLeastOne(n, "maxConnections");
            return this;
        }

        /**
         * @param n cap per source address (default {@value SipServer#DEFAULT_MAX_CONNECTIONS_PER_ADDRESS})
         * @return this
         */
        public Builder maxConnectionsPerAddress(int n) {
            this.maxConnectionsPerAddress = atLeastOne(n, "maxConnectionsPerAddress");
            return this;
        }

        /**
         * @param n per-connection backlog for the handler executor at which reading pauses
         *     (default {@value SipServer#DEFAULT_MAX_PENDING_MESSAGES})
         * @return this
         */
        public Builder maxPendingMessages(int n) {
            this.maxPendingMessages = atLeastOne(n, "maxPendingMessages");
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

        private Builder copy() {
            Builder c = new Builder();
            c.bindAddress = bindAddress;
            c.tcpEnabled = tcpEnabled;
            c.tlsEnabled = tlsEnabled;
            c.tcpPort = tcpPort;
            c.tlsPort = tlsPort;
            c.tls = tls;
            c.trustList = trustList;
            c.handler = handler;
            c.events = events;
            c.clock = clock;
            c.handlerExecutor = handlerExecutor;
            c.ioMode = ioMode;
            c.ioThreads = ioThreads;
            c.handshakeTimeout = handshakeTimeout;
            c.idleTimeout = idleTimeout;
            c.maxConnections = maxConnections;
            c.maxConnectionsPerAddress = maxConnectionsPerAddress;
            c.maxPendingMessages = maxPendingMessages;
            c.writeLowWaterMark = writeLowWaterMark;
            c.writeHighWaterMark = writeHighWaterMark;
            c.decoderConfig = decoderConfig;
            return c;
        }

        /**
         * Binds the listeners.
         *
         * @return the running server
         * @throws IllegalStateException when the handler or trust list is missing, no listener is
         *     enabled, or the TLS listener has no {@link TlsSettings} with a certificate
         * @throws IOException when a port cannot be bound or the TLS engine cannot be set up
         */
        public SipServer start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("handler(...) is required");
            }
            if (trustList == null) {
                throw new IllegalStateException("trustList(...) is required");
            }
            if (!tcpEnabled && !tlsEnabled) {
                throw new IllegalStateException("neither the TCP nor the TLS listener is enabled");
            }
            if (tlsEnabled && (tls == null || tls.keyManager().isEmpty())) {
                throw new IllegalStateException("the TLS listener needs tls(TlsSettings) with a certificate");
            }
            if (bindAddress == null) {
                bindAddress = new InetSocketAddress(0).getAddress();
            }
            SipServer s = new SipServer(copy());
            s.bind();
            return s;
        }
    }
}
