package org.umsec.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.CertificateSpec;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.ExpiryMonitor;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.SelectedCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventBus;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.admin.AdminServer;
import org.umsec.server.internal.ConfigWatcher;
import org.umsec.server.internal.MetricsSink;
import org.umsec.sip.SipMessage;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipServer;
import org.umsec.sip.transport.TlsSettings;
import org.umsec.sip.transport.TransportConnection;

/**
 * The umsec reference server (R22): takes calls from trusted gateways in the VoIP security mode of
 * each call's dial plan, and hands their media to a {@link CallHandler} (by default the
 * {@link VoicemailRecorder}).
 *
 * <ul>
 * <li>Start-up (R3): listeners for the modes of the associated dial plans, or {@code StartSecured};
 *     SIP over TCP on {@link ServerConfiguration#sipPort()} and SIP over mutual TLS (TLS 1.2+, client
 *     certificate required) on {@link ServerConfiguration#tlsPort()} (R2), both um-sip
 *     {@link SipServer}s feeding um-sip's {@link TransactionLayer}; the TLS listener presents
 *     um-certs' current selection and validates peers with um-certs, then against the
 *     configuration's trust list (R17). In secured mode the
 *     certificate comes from um-certs' selection (R9), generated self-signed when none is valid; the
 *     events 1114 and 1112 follow, and the certificate's issuer, serial and SHA-1 thumbprint are
 *     logged (R10); an {@link ExpiryMonitor} runs hourly (R11).</li>
 * <li>Calls (R5, R16, R17, R19): an INVITE is accepted only from a gateway on the trusted list, over
 *     the transport its dial plan's mode requires; Secured calls need SDES keys in the offer and are
 *     answered with the server's own keys; refusals are SIP error responses plus an event.</li>
 * <li>Live changes: {@link #reload(ServerConfiguration)} (and, with
 *     {@link Builder#configFile(Path)}, edits of the file) apply a new configuration without a
 *     restart; a configuration that does not check out is refused with every problem and the running
 *     one stays. Certificate store changes are picked up by the certificate provider.</li>
 * <li>Figures: {@link #metrics()}, also over JMX as {@value ServerMetrics#OBJECT_NAME_PATTERN}.</li>
 * </ul>
 *
 * <pre>{@code
 * UmsecServer server = UmsecServer.builder(ServerConfiguration.load(Path.of("umsec.yaml")))
 *     .eventListener(e -> System.out.println(e))
 *     .build();
 * server.start();
 * ...
 * server.stop(Duration.ofSeconds(30));   // calls in progress may finish, recordings are flushed
 * }</pre>
 *
 * <p>Thread-safe. A server is started once; build a new one to start again.
 */
public final class UmsecServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UmsecServer.class);
    /** Largest number of simultaneous signalling connections per listener; more are closed at once. */
    public static final int MAX_CONNECTIONS = 512;
    /** Time a TLS handshake may take. */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Clock clock;
    private final SecurityEventBus bus = new SecurityEventBus();
    private final ServerMetrics metrics = new ServerMetrics();
    private final CallHandler customHandler;
    private final Optional<Path> configFile;
    private final boolean watchStore;
    private final boolean registerJmx;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService signalling;
    private final ExecutorService callEnder;
    private final CallController controller;
    private final TransactionLayer transactions;
    private final SipMessageHandler sipHandler;
    private final Object lifecycle = new Object();

    private volatile ServerConfiguration config;
    private volatile CallHandler recorder;
    private volatile boolean started;
    private volatile boolean stopping;
    private Listener tcp;
    private Listener tls;
    private TlsSettings tlsSettings;
    private CertificateStore store;
    private CertificateProvider provider;
    private PeerCertificateValidator peers;
    private ExpiryMonitor expiry;
    private ConfigWatcher watcher;
    private ObjectName objectName;
    private volatile AdminServer admin;
    private Optional<InetSocketAddress> adminFor = Optional.empty();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    private UmsecServer(Builder b) {
        this.config = b.config;
        this.clock = b.clock;
        this.customHandler = b.handler;
        this.configFile = Optional.ofNullable(b.configFile);
        this.watchStore = b.watchStore;
        this.registerJmx = b.registerJmx;
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(2, r -> daemon(r, "umsec-timer-" + n.incrementAndGet()));
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        AtomicInteger c = new AtomicInteger();
        // SIP requests are handled here, not on um-sip's I/O threads: answering a call opens media
        // sockets and recording files. um-sip keeps each connection's messages in order.
        this.signalling = Executors.newCachedThreadPool(r -> daemon(r, "umsec-sip-" + c.incrementAndGet()));
        AtomicInteger ends = new AtomicInteger();
        this.callEnder = Executors.newCachedThreadPool(r -> daemon(r, "umsec-call-end-" + ends.incrementAndGet()));
        for (SecurityEventListener l : b.listeners) {
            bus.register(l);
        }
        bus.register(e -> metrics.event(e.id()));
        bus.register(this::countTransportEvent);
        MetricsSink sink = new MetricsSink() {
            @Override
            public void rtpReceived(long k) {
                metrics.rtpReceived(k);
            }

            @Override
            public void srtpFailed(String status) {
                metrics.srtpFailed(status, 1);
            }
        };
        this.controller = new CallController(this, sink);
        this.transactions = TransactionLayer.builder().handler(controller).scheduler(TimerScheduler.of(scheduler)).build();
        controller.attach(transactions);
        this.sipHandler = new SipMessageHandler() {
            @Override
            public void onMessage(TransportConnection connection, SipMessage message) {
                transactions.onMessage(connection, message);
            }

            @Override
            public void onConnectionClosed(TransportConnection connection) {
                transactions.connectionClosed(connection);
                controller.connectionClosed(connection);
            }
        };
    }

    /**
     * Counts what um-sip's transport refused on its own: failed handshakes by reason, untrusted
     * peers, SDES keys over TCP (it answers those itself; the server only counts them).
     */
    private void countTransportEvent(SecurityEvent e) {
        switch (e.type()) {
            case TLS_HANDSHAKE_FAILED -> metrics.handshakeFailed(
                    e.field("reason").orElse("OTHER").toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            case UNTRUSTED_PEER_REFUSED -> {
                if (e.field("method").isEmpty()) { // the controller counts the ones it refuses itself
                    metrics.callRejected("untrusted-peer");
                }
            }
            case SDES_REFUSED_INSECURE_TRANSPORT -> {
                if (e.field("direction").orElse("").equals("inbound")) {
                    metrics.callRejected("sdes-over-tcp");
                }
            }
            default -> {
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * @param config the configuration to start with
     * @return a builder
     */
    public static Builder builder(ServerConfiguration config) {
        return new Builder(config);
    }

    /**
     * Starts the listeners the configuration needs (R3). In secured mode a certificate is selected,
     * or generated, first.
     *
     * @throws IOException if a listener cannot be bound or no certificate can be had; the server is
     *     then stopped again
     * @throws IllegalStateException if already started
     */
    public void start() throws IOException {
        synchronized (lifecycle) {
            if (started) {
                throw new IllegalStateException("server already started");
            }
            started = true;
            try {
                LOG.info("Start-up (R3): {}", config.startupPlan().describe());
                config.warnings().forEach(w -> LOG.warn("Configuration: {}", w));
                recorder = newRecorder(config);
                applyListeners(config);
                applyAdmin(config);
                configFile.ifPresent(this::watchConfig);
                scheduler.scheduleAtFixedRate(this::logMetrics, 5, 5, TimeUnit.MINUTES);
                registerMBean();
                publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_APPLIED, clock)
                        .message("Configuration applied at start").field("source", config.source())
                        .field("modes", config.startupModes()).build());
            } catch (IOException | RuntimeException e) {
                stop(Duration.ZERO);
                throw e;
            }
        }
    }

    private CallHandler newRecorder(ServerConfiguration c) throws IOException {
        short[] greeting = c.greeting().isPresent() ? VoicemailRecorder.readGreeting(c.greeting().get())
                : VoicemailRecorder.defaultGreeting();
        return new VoicemailRecorder(c.voicemail(), greeting);
    }

    private void applyListeners(ServerConfiguration c) throws IOException {
        boolean needTls = c.tlsListener();
        boolean needTcp = c.tcpListener();
        InetAddress bind = InetAddress.getByName(c.bindAddress());
        TrustList trust = c.trustList();
        if (needTls) {
            ensureCertificate(c);
            if (tls != null && (tls.configuredPort != c.tlsPort() || !tls.bind.equals(bind))) {
                tls.close();
                tls = null;
            }
            if (tls == null) {
                // mutual TLS (R16): TLS 1.2+, client certificate required, identity on the trust list (R17)
                tls = new Listener(sipServer(bind, trust).tcp(false).tlsListener(true).tlsPort(c.tlsPort())
                        .tls(tlsSettings).start(), c.tlsPort(), bind);
                SelectedCertificate sel = provider.current().orElseThrow();
                int port = tls.port();
                publish(SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_SECURED, clock)
                        .message("UM started in secured mode: SIP over mutual TLS on port " + port)
                        .field("port", port).field("thumbprint", sel.info().sha1Thumbprint()).build());
            }
        } else if (tls != null) {
            tls.close();
            tls = null;
        }
        if (needTcp) {
            if (tcp != null && (tcp.configuredPort != c.sipPort() || !tcp.bind.equals(bind))) {
                tcp.close();
                tcp = null;
            }
            if (tcp == null) {
                tcp = new Listener(sipServer(bind, trust).tcp(true).tlsListener(false).tcpPort(c.sipPort()).start(),
                        c.sipPort(), bind);
                int port = tcp.port();
                publish(SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_UNSECURED, clock)
                        .message("UM listening for unsecured SIP over TCP on port " + port).field("port", port).build());
            }
        } else if (tcp != null) {
            tcp.close();
            tcp = null;
        }
        // a changed trust list applies to the next connection and handshake (R5, R17)
        if (tls != null) {
            tls.server.updateTrustList(trust);
        }
        if (tcp != null) {
            tcp.server.updateTrustList(trust);
        }
    }

    private SipServer.Builder sipServer(InetAddress bind, TrustList trust) {
        return SipServer.builder().bindAddress(bind).trustList(trust).handler(sipHandler).events(bus).clock(clock)
                .handlerExecutor(signalling).handshakeTimeout(HANDSHAKE_TIMEOUT).maxConnections(MAX_CONNECTIONS);
    }

    private void ensureCertificate(ServerConfiguration c) throws IOException {
        if (provider != null) {
            return;
        }
        store = CertificateStore.builder(c.store()).events(bus).clock(clock).open();
        CertificateSpec.Builder spec = CertificateSpec.builder().dnsName(c.fqdn())
                .validity(Duration.ofDays(c.selfSignedValidityDays()));
        if (c.fqdn().equalsIgnoreCase("localhost")) {
            spec.ipAddress("127.0.0.1");
        }
        provider = CertificateProvider.builder(store).criteria(SelectionCriteria.serverAuth())
                .selfSigned(spec.build()).events(bus).clock(clock).watchStore(watchStore).build();
        closeables.add(provider);
        Optional<SelectedCertificate> sel = provider.refresh();
        if (sel.isEmpty()) {
            publish(SecurityEvent.builder(SecurityEventType.CALL_REJECTED_NO_CERTIFICATE, clock)
                    .message("Secured mode needs a certificate and none is valid; not starting the TLS listener")
                    .field("store", c.store()).build());
            throw new IOException("no valid certificate in " + c.store() + " and none could be generated:\n"
                    + provider.lastSelection().explain());
        }
        if (sel.get().generated()) {
            // Trust our own generated certificate, so that tools sharing this store (umsec
            // test-connectivity on the same machine) and servers holding the same certificate
            // (R18) can connect. Gateways still have to import it themselves (R15).
            X509Certificate own = sel.get().certificate().certificate();
            if (!store.contents().trustedRoots().contains(own)) {
                store.addTrustedRoot(own);
            }
        }
        certificateLoaded(sel.get());
        expiry = new ExpiryMonitor(clock, bus);
        expiry.track(sel.get().certificate().certificate());
        closeables.add(provider.addListener(s -> {
            certificateLoaded(s);
            expiry.track(s.certificate().certificate());
        }));
        scheduler.scheduleAtFixedRate(() -> {
            try {
                expiry.check();
            } catch (RuntimeException e) {
                LOG.warn("Expiry check failed: {}", e.toString());
            }
        }, 0, 1, TimeUnit.HOURS);
        peers = PeerCertificateValidator.builder().store(store).clock(clock).build();
        // the provider's key manager presents the current selection: a rotation applies to the next handshake
        tlsSettings = TlsSettings.builder().certificates(provider).peers(peers).build();
    }

    private void certificateLoaded(SelectedCertificate s) {
        CertificateInfo i = s.info();
        LOG.info("Certificate in use for mutual TLS: issuer \"{}\", serial {}, SHA-1 thumbprint {}, valid until {}{}",
                i.issuer().getName(), i.serialNumberHex(), i.sha1Thumbprint(), i.notAfter(),
                s.generated() ? " (self-signed, generated)" : "");
        publish(SecurityEvent.builder(SecurityEventType.SECURED_CERTIFICATE_LOADED, clock)
                .message("Certificate for secured mode found and loaded").field("issuer", i.issuer().getName())
                .field("serial", i.serialNumberHex()).field("thumbprint", i.sha1Thumbprint())
                .field("notAfter", i.notAfter()).build());
    }

    private void watchConfig(Path file) {
        try {
            watcher = new ConfigWatcher(file, scheduler, () -> {
                try {
                    reload(ServerConfiguration.load(file));
                } catch (ConfigurationException e) {
                    LOG.error("Edited configuration {} refused; the running configuration stays:\n{}", file,
                            e.getMessage());
                    rejected(e);
                } catch (IOException e) {
                    LOG.error("Cannot re-read {}: {}", file, e.toString());
                }
            });
            closeables.add(watcher);
        } catch (IOException e) {
            LOG.warn("Cannot watch {} for changes ({}); restart to apply edits", file, e.toString());
        }
    }

    /**
     * Applies a new configuration without a restart: trust list, dial plans and modes take effect
     * for the next call; listeners are opened, closed or moved as the new modes and ports require.
     * Calls in progress continue. If the new configuration cannot be applied (for example a port is
     * taken, or secured mode has no certificate) the previous one stays in force.
     *
     * @param next the configuration (already checked when it was built)
     * @throws IOException if the listeners cannot be changed; the previous configuration stays
     */
    public void reload(ServerConfiguration next) throws IOException {
        Objects.requireNonNull(next, "configuration");
        synchronized (lifecycle) {
            if (!started || stopping) {
                throw new IllegalStateException("server is not running");
            }
            ServerConfiguration previous = config;
            try {
                applyListeners(next);
                applyAdmin(next);
                recorder = newRecorder(next);
            } catch (IOException | RuntimeException e) {
                publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_REJECTED, clock)
                        .message("New configuration could not be applied; previous configuration stays")
                        .field("source", next.source()).field("reason", e.getMessage()).build());
                try {
                    applyListeners(previous);
                    applyAdmin(previous);
                } catch (IOException restore) {
                    LOG.error("Could not restore the previous listeners: {}", restore.toString());
                }
                throw e;
            }
            config = next;
            publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_APPLIED, clock)
                    .message("Configuration applied without restart").field("source", next.source())
                    .field("modes", next.startupModes()).field("gateways", next.gateways().size()).build());
        }
    }

    /**
     * Reports a configuration that was refused (used by the file watcher and the CLI's SIGHUP
     * reload) as a {@link SecurityEventType#CONFIGURATION_REJECTED} event.
     *
     * @param e the problems
     */
    public void rejected(ConfigurationException e) {
        publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_REJECTED, clock)
                .message("Configuration refused; the running configuration stays")
                .field("problems", e.problems().size()).field("first", e.problems().get(0)).build());
    }

    /**
     * Stops the server: no new calls (INVITEs are answered 503); calls in progress get up to
     * {@code grace} to finish, then are ended with BYE; then the listeners and every connection are
     * closed, and every recording is closed and its metadata written.
     *
     * @param grace how long calls in progress may continue
     */
    public void stop(Duration grace) {
        synchronized (lifecycle) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (controller.activeCalls() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        controller.endAll(CallEndReason.SERVER_STOPPING);
        callEnder.shutdown();
        try {
            if (!callEnder.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Some calls did not finish their recordings within 10 s");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        closeAdmin();
        // after the BYEs above were queued: closing the listeners closes every connection
        if (tcp != null) {
            tcp.close();
        }
        if (tls != null) {
            tls.close();
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Close failed: {}", e.toString());
            }
        }
        scheduler.shutdownNow();
        signalling.shutdownNow();
        unregisterMBean();
        LOG.info("Server {} stopped. Figures: {}", config.serverName(), metrics.summaryLine());
    }

    /** Stops with a grace period of 10 seconds. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    /** @return the configuration in force */
    public ServerConfiguration configuration() {
        return config;
    }

    /** @return the TCP listener's port, or -1 if there is none */
    public int tcpPort() {
        Listener l = tcp;
        return l == null ? -1 : l.port();
    }

    /** @return the mutual-TLS listener's port, or -1 if there is none */
    public int tlsPort() {
        Listener l = tls;
        return l == null ? -1 : l.port();
    }

    /** @return the HTTP admin listener's address ({@code server.admin}), if it runs */
    public Optional<InetSocketAddress> adminAddress() {
        AdminServer a = admin;
        return a == null ? Optional.empty() : Optional.of(a.address());
    }

    /**
     * Readiness, as {@code /health/ready} reports it: every listener the configuration in force needs
     * is bound, and the certificate for mutual TLS (when one is needed) is valid on the server's clock.
     *
     * @return why the server is not ready to take calls, one sentence each; empty when ready
     */
    public List<String> notReadyReasons() {
        List<String> out = new ArrayList<>();
        ServerConfiguration c = config;
        if (!started || stopping) {
            out.add(stopping ? "server is stopping" : "server is not started");
            return out;
        }
        if (c.tcpListener() && tcp == null) {
            out.add("SIP/TCP listener (port " + c.sipPort() + ") is not bound");
        }
        if (c.tlsListener()) {
            if (tls == null) {
                out.add("SIP/mutual TLS listener (port " + c.tlsPort() + ") is not bound");
            }
            Optional<CertificateInfo> cert = certificate();
            java.time.Instant now = clock.instant();
            if (cert.isEmpty()) {
                out.add("no certificate for mutual TLS");
            } else if (now.isAfter(cert.get().notAfter())) {
                out.add("certificate " + cert.get().sha1Thumbprint() + " expired at " + cert.get().notAfter());
            } else if (now.isBefore(cert.get().notBefore())) {
                out.add("certificate " + cert.get().sha1Thumbprint() + " is not valid before " + cert.get().notBefore());
            }
        }
        return out;
    }

    /** Opens, moves or closes the admin listener as {@code server.admin} says. */
    private void applyAdmin(ServerConfiguration c) throws IOException {
        Optional<InetSocketAddress> want = c.admin();
        if (admin != null && want.equals(adminFor)) {
            return;
        }
        closeAdmin();
        if (want.isPresent()) {
            admin = AdminServer.start(want.get(), this, clock);
            adminFor = want;
            LOG.info("Admin listener on http://{}:{}/ (/metrics, /health/live, /health/ready)",
                    admin.address().getAddress().getHostAddress(), admin.address().getPort());
        }
    }

    private void closeAdmin() {
        AdminServer a = admin;
        admin = null;
        if (a != null) {
            a.close();
        }
    }

    /** @return the certificate used for mutual TLS, if the server runs in secured mode */
    public Optional<CertificateInfo> certificate() {
        CertificateProvider p = provider;
        return p == null ? Optional.empty() : p.current().map(SelectedCertificate::info);
    }

    /** @return the certificate store, once secured mode has opened it */
    public Optional<CertificateStore> certificateStore() {
        return Optional.ofNullable(store);
    }

    /**
     * Re-reads the certificate store and re-runs selection now (the store watcher does this on its
     * own when files change).
     *
     * @throws IOException if the store cannot be read
     */
    public void refreshCertificates() throws IOException {
        CertificateProvider p = provider;
        if (p != null) {
            p.refresh();
        }
    }

    /**
     * Registers a listener for every security event (R7).
     *
     * @param listener the listener
     * @return closes the registration
     */
    public AutoCloseable addEventListener(SecurityEventListener listener) {
        return bus.register(listener);
    }

    /** @return the server's counters */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** @return calls in progress */
    public int activeCalls() {
        return controller.activeCalls();
    }

    // ---- for CallController ------------------------------------------------------------------

    Clock clock() {
        return clock;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    ExecutorService callEnder() {
        return callEnder;
    }

    CallHandler handler() {
        return customHandler != null ? customHandler : recorder;
    }

    void publish(SecurityEvent e) {
        bus.publish(e);
    }

    boolean stopping() {
        return stopping;
    }

    private void logMetrics() {
        LOG.info("Figures of server {}: {}", config.serverName(), metrics.summaryLine());
    }

    private void registerMBean() {
        if (!registerJmx) {
            return;
        }
        try {
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(String.format(ServerMetrics.OBJECT_NAME_PATTERN,
                    ObjectName.quote(config.serverName())));
            if (!mbs.isRegistered(name)) {
                mbs.registerMBean(metrics, name);
                objectName = name;
                LOG.info("Figures over JMX as {}", name);
            }
        } catch (JMException e) {
            LOG.warn("Cannot register JMX figures: {}", e.toString());
        }
    }

    private void unregisterMBean() {
        if (objectName != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            } catch (JMException e) {
                LOG.debug("JMX unregister failed: {}", e.toString());
            }
        }
    }

    /** One um-sip listener (TCP or mutual TLS) and the configuration it was opened for. */
    private static final class Listener {
        final SipServer server;
        final int configuredPort;
        final InetAddress bind;

        Listener(SipServer server, int configuredPort, InetAddress bind) {
            this.server = server;
            this.configuredPort = configuredPort;
            this.bind = bind;
        }

        int port() {
            return server.tlsPort().orElseGet(() -> server.tcpPort().orElse(-1));
        }

        void close() {
            server.close();
        }
    }

    /** Collects the server's parts; {@link #build()} makes a stopped server. Not thread-safe. */
    public static final class Builder {
        private final ServerConfiguration config;
        private Clock clock = Clock.systemUTC();
        private CallHandler handler;
        private Path configFile;
        private boolean watchStore = true;
        private boolean registerJmx = true;
        private final List<SecurityEventListener> listeners = new ArrayList<>();

        private Builder(ServerConfiguration config) {
            this.config = Objects.requireNonNull(config, "configuration");
        }

        /** @param c clock for events, certificate checks and call times (default system UTC) @return this */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * @param h what to do with accepted calls' media, in place of the {@link VoicemailRecorder}
         * @return this
         */
        public Builder callHandler(CallHandler h) {
            handler = Objects.requireNonNull(h, "handler");
            return this;
        }

        /** @param l receives every security event (R7) @return this */
        public Builder eventListener(SecurityEventListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        /**
         * @param file the file the configuration came from; edits of it are applied while the server
         *     runs, or refused with the errors (the running configuration stays)
         * @return this
         */
        public Builder configFile(Path file) {
            configFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** @param on pick up certificate store changes without a restart (default on) @return this */
        public Builder watchStore(boolean on) {
            watchStore = on;
            return this;
        }

        /** @param on register the figures over JMX (default on) @return this */
        public Builder registerJmx(boolean on) {
            registerJmx = on;
            return this;
        }

        /** @return a server, not yet started */
        public UmsecServer build() {
            return new UmsecServer(this);
        }
    }

    static VoipSecurityMode modeOf(ServerConfiguration c, ServerConfiguration.Gateway g) {
        return c.dialPlans().get(g.dialPlan()).mode();
    }
}
