package org.umsec.sip.transport;

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
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.core.SignallingTransport;
import org.umsec.core.TrustList;
import org.umsec.sip.codec.SipDecoderConfig;
import org.umsec.sip.transport.internal.ConnectionLimiter;
import org.umsec.sip.transport.internal.Endpoint;
import org.umsec.sip.transport.internal.EventLoops;
import org.umsec.sip.transport.internal.KeyLog;
import org.umsec.sip.transport.internal.PeerTrustManager;
import org.umsec.sip.transport.internal.Pipelines;
import org.umsec.sip.transport.internal.SipChannel;
import org.umsec.sip.transport.internal.SipTrace;
import org.umsec.sip.transport.internal.SourceTrust;
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
 *     authentication EKU); then one of its identities (SAN DNS, the CN only without SAN DNS, RFC 5922
 *     §7.1; an IP SAN is not an identity) must be on the listener's {@link Builder#tlsTrustList TLS
 *     trust list} (R17, R26): the gateways of SIPSecured/Secured dial plans. Any failure closes the
 *     connection with the TLS alert that matches it (see {@code PeerTrustManager}) and raises
 *     {@link org.umsec.core.SecurityEventType#TLS_HANDSHAKE_FAILED} with a
 *     {@link HandshakeFailureReason} and the peer certificate's summary; an identity that is not
 *     trusted also raises {@link org.umsec.core.SecurityEventType#UNTRUSTED_PEER_REFUSED} naming the
 *     presented identities.</li>
 * <li><b>TCP listener</b>: the source address is checked against the {@link Builder#tcpTrustList TCP
 *     trust list} (the gateways of Unsecured dial plans only; R26) without blocking an I/O thread:
 *     IP entries at once, FQDN entries through a lookup cache (TTL {@value #DEFAULT_RESOLVE_TTL_SECONDS}
 *     s, each lookup bounded by {@value #DEFAULT_RESOLVE_TIMEOUT_MILLIS} ms). A request from an
 *     untrusted source is answered 403, raises one
 *     {@link org.umsec.core.SecurityEventType#UNTRUSTED_PEER_REFUSED}, and the connection is closed. A
 *     peer that is not trusted and sends no complete request within the pre-authentication deadline
 *     (default {@value #DEFAULT_PRE_AUTH_TIMEOUT_MILLIS} ms) is closed with the same event; RFC 5626
 *     keep-alives are answered only once the peer is trusted. A message whose SDP carries SDES keys
 *     ({@code a=crypto}) is refused with 488 and
 *     {@link org.umsec.core.SecurityEventType#SDES_REFUSED_INSECURE_TRANSPORT} (R19).</li>
 * </ul>
 *
 * <h2>Re-checks</h2>
 * {@link #updateTlsTrustList}, {@link #updateTcpTrustList} and {@link #revalidate()} re-check every
 * established connection: TLS peers' stored chains are validated again (new CRLs, removed roots,
 * expiry) and their identity matched against the current list; TCP peers' source addresses likewise.
 * A peer no longer trusted is closed with {@link org.umsec.core.SecurityEventType#UNTRUSTED_PEER_REFUSED}
 * ({@code phase=established}). A change of the store's roots, intermediates or CRLs triggers it by
 * itself (um-certs' trust listener); call {@link #revalidate()} for changes no listener reports (a
 * certificate or CRL expiring).
 *
 * <h2>Seeing inside</h2>
 * The SIP trace ({@link Builder#sipTrace}, {@link #setSipTrace}) logs every message in and out on
 * the category {@code org.umsec.sip.trace} with the connection id, direction and peer; SDES keys are
 * masked unless {@link Builder#traceKeys} is on. {@link Builder#keyLogFile} writes the TLS secrets in
 * the NSS key log format ({@code SSLKEYLOGFILE}) for Wireshark; it needs the OpenSSL engine, limits the
 * listener to TLS 1.2 and is announced with {@link org.umsec.core.SecurityEventType#INSECURE_OPTION_ENABLED} at start.
 *
 * <h2>Rotation</h2>
 * The key manager of {@link TlsSettings} is asked on every handshake: with um-certs'
 * {@code CertificateProvider}, a newly selected certificate is presented by the next handshake while
 * established connections carry on. Peer validation reads the store live (new roots, new CRLs), and
 * {@link #updateTlsTrustList}/{@link #updateTcpTrustList} replace the trust lists for new connections
 * and handshakes and re-check the established ones.
 *
 * <h2>Limits (each attack it blocks)</h2>
 * <ul>
 * <li>Handshake timeout, default {@value #DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} s: peers that open TLS
 *     and stall (slowloris on the handshake).</li>
 * <li>Idle timeout, default {@value #DEFAULT_IDLE_TIMEOUT_SECONDS} s without reads or writes
 *     (RFC 5626 CRLF keep-alives count): abandoned connections holding memory.</li>
 * <li>Connections in total, default {@value #DEFAULT_MAX_CONNECTIONS}, and per source address,
 *     default {@value #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}: descriptor exhaustion by one host. Excess
 *     connections are closed on accept. The last {@value #DEFAULT_RESERVED_CONNECTIONS} slots are
 *     reserved for known gateway addresses (IP entries and resolved names of the trust lists), so
 *     that idle sockets from unknown hosts cannot push a trusted PBX out.</li>
 * <li>Pre-authentication deadline on TCP (see above): untrusted peers cannot hold a slot.</li>
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
 *         .tlsTrustList(configuration.trustList(SignallingTransport.TLS, resolver))
 *         .tcpTrustList(configuration.trustList(SignallingTransport.TCP, resolver))
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
    /** Default number of connection slots kept for known gateway addresses. */
    public static final int DEFAULT_RESERVED_CONNECTIONS = 64;
    /** Default time an untrusted TCP peer has to send a complete request, in milliseconds. */
    public static final int DEFAULT_PRE_AUTH_TIMEOUT_MILLIS = 5000;
    /** Default time a resolved trusted name is used without asking again, in seconds. */
    public static final int DEFAULT_RESOLVE_TTL_SECONDS = 60;
    /** Default limit on one lookup of a trusted name, in milliseconds. */
    public static final int DEFAULT_RESOLVE_TIMEOUT_MILLIS = 2000;

    private static final Logger LOG = LoggerFactory.getLogger(SipServer.class);

    private final Builder config;
    private final TransportOptions options;
    private final IoMode ioMode;
    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final ChannelGroup channels = new DefaultChannelGroup("sip-server", GlobalEventExecutor.INSTANCE);
    private final ConnectionLimiter limiter;
    private final AtomicReference<TrustList> tlsTrust;
    private final AtomicReference<TrustList> tcpTrust;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final Set<SipChannel> live = ConcurrentHashMap.newKeySet();
    private final SourceTrust sources;
    private final SipTrace trace;
    private final SipDecoderConfig serverDecoder;
    private final Endpoint endpoint;
    private final SslContext sslContext;
    private final KeyLog keyLog;
    private final AutoCloseable trustWatch;
    private Channel tcpChannel;
    private Channel tlsChannel;

    private SipServer(Builder b) throws IOException {
        this.config = b;
        this.options = b.snapshot;
        this.ioMode = options.ioMode().resolve();
        this.limiter = new ConnectionLimiter(b.maxConnections, b.maxConnectionsPerAddress, b.reservedConnections);
        this.tlsTrust = new AtomicReference<>(b.tlsTrustList);
        this.tcpTrust = new AtomicReference<>(b.tcpTrustList);
        PeerTrustManager tm = b.tls == null ? null : new PeerTrustManager(b.tls.peers(), tlsTrust::get);
        this.sslContext = b.tlsEnabled ? SslContexts.server(b.tls, tm, b.keyLogFile != null) : null;
        this.keyLog = b.keyLogFile != null && b.tlsEnabled ? KeyLog.open(b.keyLogFile) : null;
        // lookups of trusted names run here, several at once, one per name, each bounded
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                4,
                4,
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024),
                new DefaultThreadFactory("sip-server-resolver", true));
        pool.allowCoreThreadTimeOut(true);
        this.blocking = pool;
        this.sources = new SourceTrust(pool, b.clock, b.resolveTtl, b.resolveTimeout);
        this.sources.register(trustLists());
        this.trace = new SipTrace(options.sipTrace(), options.traceKeys());
        this.serverDecoder =
                options.decoderConfig().toBuilder().answerKeepAlivePings(false).build();
        this.endpoint = new Endpoint(
                b.handler,
                b.events,
                b.clock,
                b.tcpEnabled ? tcpTrust::get : null,
                sources,
                tm,
                b.tlsEnabled ? b.tls.engine().resolve() : null,
                b.handlerExecutor,
                options.maxPendingMessages(),
                options.handlerLanes(),
                b.preAuthTimeout,
                options.decoderConfig().answerKeepAlivePings(),
                trace,
                keyLog);
        // a change of roots, intermediates or CRLs in the store re-checks the established TLS peers
        this.trustWatch = b.tlsEnabled ? b.tls.peers().addTrustListener(this::revalidate) : null;
        this.group = EventLoops.group(ioMode, options.ioThreads(), "sip-server");
    }

    private List<TrustList> trustLists() {
        List<TrustList> l = new ArrayList<>(2);
        l.add(tlsTrust.get());
        l.add(tcpTrust.get());
        return l;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    private void bind() throws IOException {
        try {
            if (config.tcpEnabled) {
                tcpChannel = bootstrap(SignallingTransport.TCP)
                        .bind(new InetSocketAddress(config.bindAddress, config.tcpPort))
                        .sync()
                        .channel();
            }
            if (config.tlsEnabled) {
                tlsChannel = bootstrap(SignallingTransport.TLS)
                        .bind(new InetSocketAddress(config.bindAddress, config.tlsPort))
                        .sync()
                        .channel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding", e);
        } catch (RuntimeException e) {
            close();
            throw new IOException("cannot bind SIP listeners: " + e.getMessage(), e);
        }
        LOG.info(
                "SIP server listening: TCP {}, TLS {} ({} I/O{})",
                tcpChannel == null ? "off" : tcpChannel.localAddress(),
                tlsChannel == null ? "off" : tlsChannel.localAddress(),
                ioMode,
                endpoint.engine() == null ? "" : ", TLS engine " + endpoint.engine());
        if (keyLog != null) {
            LOG.warn(
                    "TLS key log enabled: the secrets of every TLS session are written to {}; whoever reads it can"
                            + " decrypt captured SIP and the SDES keys of every call. TLS 1.2 only while it is on.",
                    keyLog.file());
            endpoint.publish(SecurityEvent.builder(SecurityEventType.INSECURE_OPTION_ENABLED, config.clock)
                    .message("TLS key log (SSLKEYLOGFILE) enabled: TLS secrets are written to " + keyLog.file())
                    .field("option", "keyLogFile")
                    .field("file", keyLog.file())
                    .build());
        }
        if (trace.enabled() && trace.keys()) {
            endpoint.publish(SecurityEvent.builder(SecurityEventType.INSECURE_OPTION_ENABLED, config.clock)
                    .message("SIP trace with SDES keys enabled: media keys are written to the log")
                    .field("option", "traceKeys")
                    .build());
        }
    }

    private ServerBootstrap bootstrap(SignallingTransport transport) {
        Builder b = config;
        return new ServerBootstrap()
                .group(group)
                .channel(EventLoops.serverChannel(ioMode))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeLowWaterMark(), options.writeHighWaterMark()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress source = ch.remoteAddress().getAddress();
                        String why = limiter.tryAcquire(source, sources.isKnownGateway(source));
                        if (why != null) {
                            refused.incrementAndGet();
                            LOG.debug("refusing {} connection from {}: {}", transport, ch.remoteAddress(), why);
                            ch.close();
                            return;
                        }
                        SipChannel connection = new SipChannel(endpoint, transport, true, null, ids.incrementAndGet());
                        live.add(connection);
                        ch.closeFuture().addListener(f -> {
                            limiter.release(source);
                            live.remove(connection);
                        });
                        channels.add(ch);
                        Pipelines.build(
                                ch.pipeline(),
                                transport == SignallingTransport.TLS
                                        ? Pipelines.ssl(sslContext, ch.alloc(), null, 0)
                                        : null,
                                options.handshakeTimeout(),
                                options.idleTimeout(),
                                serverDecoder,
                                connection,
                                trace);
                    }
                });
    }

    /** @return the bound TCP port (useful with port 0), empty when the TCP listener is off */
    public OptionalInt tcpPort() {
        return tcpChannel == null
                ? OptionalInt.empty()
                : OptionalInt.of(((InetSocketAddress) tcpChannel.localAddress()).getPort());
    }

    /** @return the bound TLS port (useful with port 0), empty when the TLS listener is off */
    public OptionalInt tlsPort() {
        return tlsChannel == null
                ? OptionalInt.empty()
                : OptionalInt.of(((InetSocketAddress) tlsChannel.localAddress()).getPort());
    }

    /** @return the connection options this server was started with */
    public TransportOptions options() {
        return options;
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

    /** @return the TLS listener's trust list in force (certificate identities) */
    public TrustList tlsTrustList() {
        return tlsTrust.get();
    }

    /** @return the TCP listener's trust list in force (source addresses) */
    public TrustList tcpTrustList() {
        return tcpTrust.get();
    }

    /**
     * Replaces the trust list of a server with one listener (a configuration change without restart)
     * and re-checks its established connections ({@link #revalidate()}).
     *
     * @param list the new list
     * @throws IllegalStateException when both listeners are on: give each its own list with
     *     {@link #updateTlsTrustList} and {@link #updateTcpTrustList} (R26)
     */
    public void updateTrustList(TrustList list) {
        Objects.requireNonNull(list, "list");
        if (config.tcpEnabled && config.tlsEnabled) {
            throw new IllegalStateException("this server has both listeners; each trusts its own peers (R26):"
                    + " use updateTlsTrustList and updateTcpTrustList");
        }
        if (config.tlsEnabled) {
            updateTlsTrustList(list);
        } else {
            updateTcpTrustList(list);
        }
    }

    /**
     * Replaces the TLS listener's trust list: applies to the next handshake, and every established
     * TLS connection whose peer it no longer names is closed with an event.
     *
     * @param list the new list (gateways of SIPSecured/Secured dial plans)
     * @return completes with the number of connections closed by the re-check
     */
    public CompletableFuture<Integer> updateTlsTrustList(TrustList list) {
        tlsTrust.set(Objects.requireNonNull(list, "list"));
        sources.register(trustLists());
        return revalidate();
    }

    /**
     * Replaces the TCP listener's trust list: applies to the next connection, and every established
     * TCP connection whose source it no longer trusts is closed with an event.
     *
     * @param list the new list (gateways of Unsecured dial plans)
     * @return completes with the number of connections closed by the re-check
     */
    public CompletableFuture<Integer> updateTcpTrustList(TrustList list) {
        tcpTrust.set(Objects.requireNonNull(list, "list"));
        sources.register(trustLists());
        return revalidate();
    }

    /**
     * Re-checks every established connection against the current trust lists and the peer
     * validator of {@link TlsSettings} (call it when the store's roots or CRLs changed): a TLS peer
     * whose stored chain no longer validates (revoked, expired, root removed) or whose identity is no
     * longer trusted, and a TCP peer whose source is no longer trusted, is closed with
     * {@link SecurityEventType#UNTRUSTED_PEER_REFUSED}. The checks run on a worker, not on the
     * calling thread or an I/O thread.
     *
     * @return completes with the number of connections closed
     */
    public CompletableFuture<Integer> revalidate() {
        List<SipChannel> now = new ArrayList<>(live);
        CompletableFuture<Integer> result = new CompletableFuture<>();
        try {
            blocking.execute(() -> {
                List<CompletableFuture<Boolean>> all = new ArrayList<>(now.size());
                for (SipChannel c : now) {
                    try {
                        all.add(c.revalidate());
                    } catch (RuntimeException e) {
                        LOG.warn("re-check of {} failed", c, e);
                    }
                }
                CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                        .whenComplete((v, e) -> {
                            int closed = 0;
                            for (CompletableFuture<Boolean> f : all) {
                                if (Boolean.TRUE.equals(f.getNow(false))) {
                                    closed++;
                                }
                            }
                            result.complete(closed);
                        });
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * Switches the SIP message trace (log category {@code org.umsec.sip.trace}) at run time.
     *
     * @param on whether to log every message in and out
     */
    public void setSipTrace(boolean on) {
        trace.enabled(on);
    }

    /** @return whether the SIP message trace is on */
    public boolean sipTrace() {
        return trace.enabled();
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
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        blocking.shutdownNow();
        if (keyLog != null) {
            keyLog.close();
        }
        if (trustWatch != null) {
            try {
                trustWatch.close();
            } catch (Exception e) {
                LOG.debug("closing the trust listener", e);
            }
        }
    }

    /** Builder for {@link SipServer}; every setter checks its argument at once. */
    public static final class Builder {
        private InetAddress bindAddress;
        private boolean tcpEnabled = true;
        private boolean tlsEnabled = true;
        private int tcpPort = DEFAULT_TCP_PORT;
        private int tlsPort = DEFAULT_TLS_PORT;
        private TlsSettings tls;
        private TrustList tlsTrustList;
        private TrustList tcpTrustList;
        private TrustList trustList;
        private SipMessageHandler handler;
        private SecurityEventListener events;
        private Clock clock = Clock.systemUTC();
        private Executor handlerExecutor;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int reservedConnections = DEFAULT_RESERVED_CONNECTIONS;
        private Duration preAuthTimeout = Duration.ofMillis(DEFAULT_PRE_AUTH_TIMEOUT_MILLIS);
        private Duration resolveTtl = Duration.ofSeconds(DEFAULT_RESOLVE_TTL_SECONDS);
        private Duration resolveTimeout = Duration.ofMillis(DEFAULT_RESOLVE_TIMEOUT_MILLIS);
        private Path keyLogFile;
        private TransportOptions.Builder options = TransportOptions.builder();
        private TransportOptions snapshot;

        private Builder() {}

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
         * Replaces the connection options with {@code o} (the setters below change single options;
         * the same type configures {@link SipClient}).
         *
         * @param o the options
         * @return this
         */
        public Builder options(TransportOptions o) {
            this.options = Objects.requireNonNull(o, "options").toBuilder();
            return this;
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
         * The trust list of a server with <em>one</em> listener: for a TLS-only server its
         * {@linkplain #tlsTrustList TLS list}, for a TCP-only server its {@linkplain #tcpTrustList TCP
         * list}. A server with both listeners needs both lists given separately (R26): {@link #start()}
         * refuses this shorthand there, since one list would trust Secured gateways' addresses on plain TCP.
         *
         * @param list the trusted gateways of the one listener
         * @return this
         */
        public Builder trustList(TrustList list) {
            this.trustList = Objects.requireNonNull(list, "list");
            return this;
        }

        /**
         * @param list the TLS listener's trusted certificate identities: the gateways of SIPSecured
         *     and Secured dial plans (required with the TLS listener; an empty list refuses everybody)
         * @return this
         */
        public Builder tlsTrustList(TrustList list) {
            this.tlsTrustList = Objects.requireNonNull(list, "list");
            return this;
        }

        /**
         * @param list the TCP listener's trusted source addresses: the gateways of Unsecured dial
         *     plans (required with the TCP listener; an empty list refuses everybody)
         * @return this
         */
        public Builder tcpTrustList(TrustList list) {
            this.tcpTrustList = Objects.requireNonNull(list, "list");
            return this;
        }

        /**
         * @param n connection slots only known gateway addresses may take (default
         *     {@value SipServer#DEFAULT_RESERVED_CONNECTIONS}; at most {@link #maxConnections})
         * @return this
         */
        public Builder reservedConnections(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("reservedConnections must be >= 0: " + n);
            }
            this.reservedConnections = n;
            return this;
        }

        /**
         * @param d time an untrusted TCP peer has to send a complete request before it is closed
         *     (default {@value SipServer#DEFAULT_PRE_AUTH_TIMEOUT_MILLIS} ms)
         * @return this
         */
        public Builder preAuthTimeout(Duration d) {
            this.preAuthTimeout = positive(d, "preAuthTimeout");
            return this;
        }

        /**
         * @param ttl how long a resolved trusted name is used before it is looked up again (default
         *     {@value SipServer#DEFAULT_RESOLVE_TTL_SECONDS} s)
         * @param timeout limit on one lookup; a name that does not answer in time matches nobody
         *     until it does (default {@value SipServer#DEFAULT_RESOLVE_TIMEOUT_MILLIS} ms)
         * @return this
         */
        public Builder resolveCache(Duration ttl, Duration timeout) {
            this.resolveTtl = positive(ttl, "ttl");
            this.resolveTimeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * @param on log every SIP message in and out on {@code org.umsec.sip.trace} from the start
         *     (default off; switch at run time with {@link SipServer#setSipTrace})
         * @return this
         */
        public Builder sipTrace(boolean on) {
            options.sipTrace(on);
            return this;
        }

        /**
         * @param on show SDES keys ({@code a=crypto} inline key and salt) in the trace instead of
         *     masking them (default off; announced with an INSECURE_OPTION_ENABLED event)
         * @return this
         */
        public Builder traceKeys(boolean on) {
            options.traceKeys(on);
            return this;
        }

        /**
         * Writes the TLS secrets of every session to {@code file} in the NSS key log format
         * ({@code SSLKEYLOGFILE}) so that Wireshark can decrypt a capture. Opt-in, for debugging only:
         * whoever reads the file can decrypt the signalling and the SDES keys of every call; announced
         * with a WARN log line and an INSECURE_OPTION_ENABLED event at start. Needs the OpenSSL engine
         * (the JDK's SSLEngine has no key-log hook). While on, the listener negotiates TLS 1.2 only,
         * whose master secret the engine exposes ({@code CLIENT_RANDOM} lines).
         *
         * @param file the key log file (appended to, created owner-only)
         * @return this
         */
        public Builder keyLogFile(Path file) {
            this.keyLogFile = Objects.requireNonNull(file, "file");
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
            options.ioMode(mode);
            return this;
        }

        /**
         * @param threads I/O threads (default 0: Netty's default, twice the cores)
         * @return this
         */
        public Builder ioThreads(int threads) {
            options.ioThreads(threads);
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
         * @param low resume reading below this many unsent bytes (default {@value SipServer#DEFAULT_WRITE_LOW_WATER_MARK})
         * @param high pause reading above this many unsent bytes (default {@value SipServer#DEFAULT_WRITE_HIGH_WATER_MARK})
         * @return this
         */
        public Builder writeWaterMarks(int low, int high) {
            options.writeWaterMarks(low, high);
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

        private Builder copy() {
            Builder c = new Builder();
            c.bindAddress = bindAddress;
            c.tcpEnabled = tcpEnabled;
            c.tlsEnabled = tlsEnabled;
            c.tcpPort = tcpPort;
            c.tlsPort = tlsPort;
            c.tls = tls;
            c.trustList = trustList;
            c.tlsTrustList = tlsTrustList;
            c.tcpTrustList = tcpTrustList;
            c.reservedConnections = reservedConnections;
            c.preAuthTimeout = preAuthTimeout;
            c.resolveTtl = resolveTtl;
            c.resolveTimeout = resolveTimeout;
            c.keyLogFile = keyLogFile;
            c.snapshot = options.build();
            c.handler = handler;
            c.events = events;
            c.clock = clock;
            c.handlerExecutor = handlerExecutor;
            c.maxConnections = maxConnections;
            c.maxConnectionsPerAddress = maxConnectionsPerAddress;
            return c;
        }

        /**
         * Binds the listeners.
         *
         * @return the running server
         * @throws IllegalStateException when the handler or a listener's trust list is missing (or only
         *     the one-listener {@link #trustList} was given for two listeners), no listener is enabled,
         *     the TLS listener has no {@link TlsSettings} with a certificate, or a key log is asked
         *     for with an engine other than OpenSSL
         * @throws IOException when a port cannot be bound, the key log cannot be opened or the TLS
         *     engine cannot be set up
         */
        public SipServer start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("handler(...) is required");
            }
            if (!tcpEnabled && !tlsEnabled) {
                throw new IllegalStateException("neither the TCP nor the TLS listener is enabled");
            }
            Builder c = copy();
            if (c.trustList != null) {
                if (tcpEnabled && tlsEnabled && (c.tlsTrustList == null || c.tcpTrustList == null)) {
                    throw new IllegalStateException("with both listeners, give each its own list (R26):"
                            + " tlsTrustList(...) for Secured gateways' identities, tcpTrustList(...) for Unsecured"
                            + " gateways' addresses; trustList(...) is for a server with one listener");
                }
                if (c.tlsTrustList == null) {
                    c.tlsTrustList = c.trustList;
                }
                if (c.tcpTrustList == null) {
                    c.tcpTrustList = c.trustList;
                }
            }
            if (tlsEnabled && c.tlsTrustList == null) {
                throw new IllegalStateException("tlsTrustList(...) is required for the TLS listener");
            }
            if (tcpEnabled && c.tcpTrustList == null) {
                throw new IllegalStateException("tcpTrustList(...) is required for the TCP listener");
            }
            if (c.tlsTrustList == null) {
                c.tlsTrustList = TrustList.builder().build();
            }
            if (c.tcpTrustList == null) {
                c.tcpTrustList = TrustList.builder().build();
            }
            if (keyLogFile != null && tlsEnabled && tls != null && tls.engine().resolve() != TlsEngine.OPENSSL) {
                throw new IllegalStateException("keyLogFile(...) needs the OPENSSL TLS engine (netty-tcnative);"
                        + " the JDK's SSLEngine has no key-log hook");
            }
            if (tlsEnabled && (tls == null || tls.keyManager().isEmpty())) {
                throw new IllegalStateException("the TLS listener needs tls(TlsSettings) with a certificate");
            }
            if (c.bindAddress == null) {
                c.bindAddress = new InetSocketAddress(0).getAddress();
            }
            SipServer s = new SipServer(c);
            s.bind();
            return s;
        }
    }
}
