package org.umsec.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.ExpiryMonitor;
import org.umsec.certs.SelectedCertificate;
import org.umsec.core.ConfigSource;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventBus;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.admin.AdminServer;
import org.umsec.server.call.CallContext;
import org.umsec.server.call.CallController;
import org.umsec.server.call.CallMetrics;
import org.umsec.server.call.OutboundCaller;
import org.umsec.server.config.ConfigFiles;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.config.YamlConfigSource;
import org.umsec.server.media.MediaPlane;
import org.umsec.server.media.VoicemailRecorder;
import org.umsec.sip.SipMessage;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipServer;
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

    /**
     * Most threads that run the handlers' end of calls ({@code umsec-call-end-N}): each end is a few blocking
     * file operations (flush, header, {@code fsync}, metadata), never a wait for media. The {@code fsync}
     * mostly waits for the disk (about 4 ms on the CI virtual machine, whose disk takes about 1,200 a second
     * however many run at once), so enough threads keep that many in flight; idle ones exit after
     * {@value #CALL_END_KEEP_ALIVE_SECONDS} s.
     */
    static final int CALL_END_THREADS = 16;

    static final int CALL_END_KEEP_ALIVE_SECONDS = 30;
    /** Largest number of simultaneous signalling connections per listener; more are closed at once. */
    public static final int MAX_CONNECTIONS = 512;
    /** Time a TLS handshake may take. */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Clock clock;
    private final SecurityEventBus bus = new SecurityEventBus();
    private final ServerMetrics metrics = new ServerMetrics();
    private final CallHandler customHandler;
    /**
     * Calls of one signalling connection handled at once (um-sip handler lanes by Call-ID): the cores, at
     * least 2, at most 16.
     */
    static final int SIGNALLING_LANES =
            Math.min(16, Math.max(2, Runtime.getRuntime().availableProcessors()));

    private final Optional<Path> configFile;
    private final boolean watchStore;
    private final boolean watchConfigFile;
    private final boolean registerJmx;
    private final TraceOptions trace;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService signalling;
    private final ExecutorService callEnder;
    private final MediaPlane media;
    private final CallController controller;
    private final OutboundCaller outbound;
    private final TransactionLayer transactions;
    private final SipMessageHandler sipHandler;
    private final Object lifecycle = new Object();

    private volatile ServerConfiguration config;
    private volatile CallHandler recorder;
    private volatile boolean started;
    private volatile boolean stopping;
    private final CertificateBootstrap certs;
    private final ListenerSet listeners;
    private final DirectoryFeed directoryFeed;
    private ConfigSource watcher;
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
        this.watchConfigFile = b.watchConfigFile;
        this.registerJmx = b.registerJmx;
        this.trace = new TraceOptions(b.sipTrace, b.traceKeys, b.keyLogFile);
        AtomicInteger n = new AtomicInteger();
        ScheduledThreadPoolExecutor s =
                new ScheduledThreadPoolExecutor(2, r -> daemon(r, "umsec-timer-" + n.incrementAndGet()));
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        AtomicInteger c = new AtomicInteger();
        // SIP requests are handled here, not on um-sip's I/O threads: answering a call opens media
        // sockets and recording files. um-sip keeps each call's messages in order.
        this.signalling = Executors.newCachedThreadPool(r -> daemon(r, "umsec-sip-" + c.incrementAndGet()));
        AtomicInteger ends = new AtomicInteger();
        // the handlers' end of every call (recording closed, forced to disk, metadata written): blocking file
        // I/O, so off the media workers, on a few threads; nothing waits in a queued end (its media is already
        // drained), and a call has at most one, so the queue is bounded by the calls ended
        ThreadPoolExecutor enders = new ThreadPoolExecutor(
                CALL_END_THREADS,
                CALL_END_THREADS,
                CALL_END_KEEP_ALIVE_SECONDS,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                r -> daemon(r, "umsec-call-end-" + ends.incrementAndGet()));
        enders.allowCoreThreadTimeOut(true);
        this.callEnder = enders;
        for (SecurityEventListener l : b.listeners) {
            bus.register(l);
        }
        bus.register(e -> metrics.event(e.id()));
        bus.register(this::countTransportEvent);
        CallMetrics callMetrics = new CallMetrics() {
            @Override
            public void rtpReceived(long k) {
                metrics.rtpReceived(k);
            }

            @Override
            public void srtpFailed(String status) {
                metrics.srtpFailed(status, 1);
            }

            @Override
            public void recordingDropped(long k) {
                metrics.recordingDropped(k);
            }

            @Override
            public void packetsNotSent(long k) {
                metrics.packetsNotSent(k);
            }

            @Override
            public void callAccepted(VoipSecurityMode mode) {
                metrics.callAccepted(mode);
            }

            @Override
            public void callEnded(CallEndReason reason) {
                metrics.callEnded(reason);
            }

            @Override
            public void callRejected(String reason) {
                metrics.callRejected(reason);
            }

            @Override
            public void optionsAnswered() {
                metrics.optionsAnswered();
            }

            @Override
            public void inviteQueueDelay(long nanos) {
                metrics.inviteQueueDelay(nanos);
            }
        };
        TimerScheduler timers = b.timers != null ? b.timers : TimerScheduler.of(scheduler);
        // every call's RTP/RTCP on a few shared event loops and media workers; threads start with the first call
        this.media = MediaPlane.builder().metrics(callMetrics).build();
        CallContext callContext = CallContext.builder()
                .clock(clock)
                .timers(timers)
                .mediaPlane(media)
                .configuration(() -> config)
                .events(bus::publish)
                .metrics(callMetrics)
                .handler(() -> customHandler != null ? customHandler : recorder)
                .stopping(() -> stopping)
                .callEnder(callEnder)
                .ports(this::tlsPort, this::tcpPort)
                .build();
        this.controller = new CallController(callContext);
        this.transactions = TransactionLayer.builder()
                .handler(controller.dialogs())
                .scheduler(timers)
                .events(bus)
                .clock(clock)
                // calls are answered within milliseconds: a 100 Trying only for an INVITE still unanswered
                // after 200 ms (RFC 3261 §17.2.1) saves a response per call
                .tryingDelay(Duration.ofMillis(200))
                .build(); // per-peer transaction cap: 503 + event 3023
        controller.attach(transactions);
        this.sipHandler = new SipMessageHandler() {
            @Override
            public void onMessage(TransportConnection connection, SipMessage message) {
                onMessage(connection, message, 0);
            }

            @Override
            public void onMessage(TransportConnection connection, SipMessage message, long queuedNanos) {
                // overload: a new INVITE is refused here, before any transaction, dialog or media work
                if (!controller.shed(connection, message, queuedNanos)) {
                    transactions.onMessage(connection, message);
                }
            }

            @Override
            public void onConnectionClosed(TransportConnection connection) {
                transactions.connectionClosed(connection);
                controller.connectionClosed(connection);
            }
        };
        this.certs = new CertificateBootstrap(bus, clock, watchStore, scheduler);
        this.outbound = new OutboundCaller(callContext, cfg -> {
            synchronized (lifecycle) {
                return certs.ensure(cfg); // the server's own certificate and trusted roots (R18)
            }
        });
        this.listeners = new ListenerSet(bus, clock, sipHandler, signalling, trace);
        this.directoryFeed = new DirectoryFeed(scheduler, clock, this::publish, this::applyDirectory);
    }

    /**
     * Counts what um-sip's transport refused on its own: failed handshakes by reason, untrusted
     * peers, SDES keys over TCP (it answers those itself; the server only counts them).
     */
    private void countTransportEvent(SecurityEvent e) {
        switch (e.type()) {
            case TLS_HANDSHAKE_FAILED ->
                metrics.handshakeFailed(e.field("reason")
                        .orElse("OTHER")
                        .toLowerCase(java.util.Locale.ROOT)
                        .replace('_', '-'));
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
            default -> {}
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
                config.warnings().forEach(w -> LOG.warn("Configuration: {}", w));
                recorder = newRecorder(config);
                listeners.apply(config, certs);
                applyAdmin(config);
                LOG.info("Start-up (R3): {}", config.startupPlan().describe(listeners.tcpPort(), listeners.tlsPort()));
                LOG.info(
                        "Media: RTP/RTCP on {} with {} I/O threads and {} media workers for all calls, ports {}-{}",
                        media.transport(),
                        media.ioThreads(),
                        media.workerThreads(),
                        config.mediaPortMin(),
                        config.mediaPortMax());
                if (watchConfigFile) {
                    configFile.ifPresent(this::watchConfig);
                }
                scheduler.scheduleAtFixedRate(this::logMetrics, 5, 5, TimeUnit.MINUTES);
                // time alone can end a peer's trust (certificate or CRL expiry): re-check established connections
                scheduler.scheduleAtFixedRate(this::revalidateConnections, 5, 5, TimeUnit.MINUTES);
                registerMBean();
                publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_APPLIED, clock)
                        .message("Configuration applied at start")
                        .field("source", config.source())
                        .field("model", config.modelSource())
                        .field("modes", config.startupModes())
                        .build());
            } catch (IOException | RuntimeException e) {
                stop(Duration.ZERO);
                throw e;
            }
        }
        followDirectory(config);
    }

    /** Watches the configuration's directory, if any (outside the lifecycle lock: the feed calls reload). */
    private void followDirectory(ServerConfiguration c) {
        try {
            directoryFeed.follow(c);
        } catch (IllegalArgumentException e) {
            LOG.error("Cannot follow the configuration directory: {}", e.getMessage());
        }
    }

    /**
     * A directory change: the running configuration with the directory's new model, built and checked
     * like an edited file, then applied like one.
     */
    private void applyDirectory(org.umsec.core.ConfigSnapshot snapshot) throws ConfigurationException, IOException {
        ServerConfiguration next = config.toBuilder().model(snapshot).build();
        reload(next);
    }

    private CallHandler newRecorder(ServerConfiguration c) throws IOException {
        short[] greeting = VoicemailRecorder.defaultGreeting();
        if (c.greeting().isPresent()) {
            try {
                greeting = VoicemailRecorder.readGreeting(c.greeting().get());
            } catch (IOException e) {
                throw new IOException(
                        "greeting " + ConfigFiles.explain(c.greeting().get(), e), e);
            }
        }
        return VoicemailRecorder.builder(c.voicemail())
                .greeting(greeting)
                .maxBytes(c.voicemailMaxBytes())
                .minFreeBytes(c.voicemailMinFreeBytes())
                .syncOnClose(c.voicemailSyncOnClose())
                .events(bus)
                .clock(clock)
                .build();
    }

    /** Edits of the file: the YAML source reports them, the whole file is read again and applied or refused. */
    private void watchConfig(Path file) {
        YamlConfigSource source = new YamlConfigSource(file);
        try {
            source.watch(new ConfigSource.Listener() {
                @Override
                public void changed() {
                    try {
                        reloadConfigFile();
                    } catch (ConfigurationException e) {
                        LOG.error(
                                "Edited configuration {} refused; the running configuration stays:\n{}",
                                file,
                                e.getMessage());
                    } catch (IOException | RuntimeException e) {
                        LOG.error("Edited configuration {} could not be applied: {}", file, e.getMessage());
                    }
                }

                @Override
                public void unavailable(String reason) {
                    // a file source reports unreadable files as refused edits (6002), not as outages
                }

                @Override
                public void available() {
                    // see unavailable
                }
            });
            watcher = source;
            closeables.add(source);
        } catch (IllegalStateException e) {
            source.close();
            LOG.warn("Cannot watch {} for changes ({}); restart to apply edits", file, e.getMessage());
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
            List<String> unapplied = new ArrayList<>(certs.unappliedChanges(next));
            if (!previous.serverName().equals(next.serverName())) {
                unapplied.add("server.name"); // names the JMX figures and the logs: fixed until restart
            }
            try {
                listeners.apply(next, certs);
                applyAdmin(next);
                recorder = newRecorder(next);
            } catch (IOException | RuntimeException e) {
                publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_REJECTED, clock)
                        .message("New configuration could not be applied; previous configuration stays")
                        .field("source", next.source())
                        .field("reason", e.getMessage())
                        .build());
                try {
                    listeners.apply(previous, certs);
                    applyAdmin(previous);
                } catch (IOException restore) {
                    LOG.error("Could not restore the previous listeners: {}", restore.toString());
                }
                throw e;
            }
            config = next;
            next.warnings().forEach(w -> LOG.warn("Configuration: {}", w));
            String message = unapplied.isEmpty()
                    ? "Configuration applied without restart"
                    : "Configuration applied without restart, except " + String.join(", ", unapplied)
                            + ": these take effect only after a restart";
            if (!unapplied.isEmpty()) {
                LOG.warn("{} ({})", message, next.source());
            }
            publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_APPLIED, clock)
                    .severity(unapplied.isEmpty() ? org.umsec.core.Severity.INFO : org.umsec.core.Severity.WARNING)
                    .message(message)
                    .field("source", next.source())
                    .field("model", next.modelSource())
                    .field("modes", next.startupModes())
                    .field("gateways", next.gateways().size())
                    .field("notApplied", unapplied)
                    .field("warnings", next.warnings().size())
                    .build());
        }
        followDirectory(next);
    }

    /**
     * Re-reads the configuration file given to {@link Builder#configFile(Path)} and applies it like
     * {@link #reload(ServerConfiguration)}; this is what an edit of the file triggers. A file that does
     * not check out is refused with every problem (event 6002) and the running configuration stays.
     *
     * @return the configuration now in force
     * @throws ConfigurationException if the file cannot be read or does not check out
     * @throws IOException if the listeners cannot be changed; the previous configuration stays
     * @throws IllegalStateException if the server was built without a configuration file, or is not running
     */
    public ServerConfiguration reloadConfigFile() throws ConfigurationException, IOException {
        Path file = configFile.orElseThrow(
                () -> new IllegalStateException("server was built without a configuration file"));
        ServerConfiguration next;
        try {
            next = ServerConfiguration.load(file, directoryFeed.access());
        } catch (ConfigurationException e) {
            rejected(e);
            throw e;
        }
        reload(next);
        return next;
    }

    /**
     * Reports a configuration that was refused (used by the file watcher and the CLI).
     *
     * @param e the problems
     */
    void rejected(ConfigurationException e) {
        publish(SecurityEvent.builder(SecurityEventType.CONFIGURATION_REJECTED, clock)
                .message("Configuration refused; the running configuration stays")
                .field("problems", e.errors().size())
                .field(
                        "first",
                        e.errors().isEmpty() ? e.problems().get(0) : e.errors().get(0))
                .field("errors", e.errors().stream().map(Object::toString).toList())
                .build());
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
        outbound.close();
        // every ended call's media finishes (queue drained, then its end queued on callEnder) before callEnder
        // is shut down: an end queued after the shutdown would run on a media worker instead
        long endsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (controller.endsInProgress() > 0 && System.nanoTime() < endsDeadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (controller.endsInProgress() > 0) {
            LOG.warn("{} calls did not finish their media within 10 s", controller.endsInProgress());
        }
        callEnder.shutdown();
        try {
            if (!callEnder.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Some calls did not finish their recordings within 10 s");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        media.close(); // every call has ended: its sockets are closed and its recording finished
        closeAdmin();
        directoryFeed.close();
        // after the BYEs above were queued: closing the listeners closes every connection
        listeners.close();
        certs.close();
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

    /**
     * Plays audio on a phone (R6, R18): calls {@code number} through a gateway of a dial plan and plays
     * {@code audio} once answered, like {@link #playOnPhone(PlayOnPhoneRequest)} with the dial plan and
     * gateway chosen from the configuration (the only dial plan with a gateway, its first gateway) and the
     * dial plan's own allowed dialing groups.
     *
     * @param number the number as entered, for example {@code +1 (425) 555-0100}
     * @param audio 8 kHz 16-bit mono samples, for example from {@link VoicemailRecorder#readGreeting(Path)}
     * @return completes with the outcome; at once when the dialing rules block the number
     * @throws IllegalArgumentException when no single dial plan with a gateway can be chosen
     * @throws IllegalStateException once the server is stopped
     */
    public java.util.concurrent.CompletableFuture<PlayOnPhoneResult> playOnPhone(String number, short[] audio) {
        return playOnPhone(PlayOnPhoneRequest.builder(number, audio).build());
    }

    /**
     * Places a call and plays audio on the phone that answers (play on phone; R6, R18).
     *
     * <ol>
     * <li>The number is checked against the dial plan's dialing rules with the allowed groups of the
     *     request's UM mailbox policy, or of the dial plan when none is named (R6). A blocked number
     *     completes the future at once with {@link PlayOnPhoneResult.Outcome#BLOCKED}, the verdict naming
     *     the group and rule that blocked it, and raises event 4001
     *     ({@link SecurityEventType#DIALING_RESTRICTION_BLOCKED}); nothing is sent to any gateway.</li>
     * <li>The number the matching rule gives is called through the gateway in the dial plan's mode:
     *     Secured and SIPSecured as a mutual-TLS client presenting the server's certificate and accepting
     *     only a gateway certificate that chains to the store's trusted roots and names the gateway's
     *     configured FQDN (RFC 5922; otherwise {@link PlayOnPhoneResult.Outcome#FAILED} and no INVITE is
     *     sent); Unsecured over TCP to its address.</li>
     * <li>INVITE with an SDP offer (Secured: SRTP keyed with SDES; otherwise RTP), CANCEL after the ring
     *     timeout, the audio as G.711 in 20 ms packets once answered, then BYE. The outcome says whether it
     *     was played ({@code COMPLETED}), the phone hung up first ({@code HUNG_UP}), the gateway refused
     *     ({@code REFUSED} with its status), nobody answered ({@code NO_ANSWER}) or it failed.</li>
     * </ol>
     *
     * <p>The server need not be started: an embedded application or {@code umsec call-out} may place calls
     * from a server that listens for none; its certificate store is opened on the first mutual-TLS call.
     *
     * @param request number, audio, and optionally dial plan, gateway, mailbox policy, ring timeout
     * @return completes with the outcome (never exceptionally)
     * @throws IllegalArgumentException if the dial plan, gateway or mailbox policy named does not exist or
     *     they do not belong together, or no dial plan can be chosen
     * @throws IllegalStateException once the server is stopped
     */
    public java.util.concurrent.CompletableFuture<PlayOnPhoneResult> playOnPhone(PlayOnPhoneRequest request) {
        Objects.requireNonNull(request, "request");
        if (stopping) {
            throw new IllegalStateException("the server is stopped");
        }
        return outbound.place(request);
    }

    /** @return the configuration in force */
    public ServerConfiguration configuration() {
        return config;
    }

    /** @return the TCP listener's port, or -1 if there is none */
    public int tcpPort() {
        return listeners.tcpPort();
    }

    /**
     * Re-checks every established SIP connection against the current trust lists and certificate
     * store (roots, CRLs, validity), closing those whose peer is no longer trusted with an event.
     * Store changes trigger it by themselves (um-certs' trust listener) and it runs every five
     * minutes for time-driven changes (a certificate or CRL expiring); call it to act at once.
     */
    public void revalidateConnections() {
        listeners.revalidate();
    }

    /**
     * Switches the SIP message trace (log category {@code org.umsec.sip.trace}) of both listeners
     * at run time; SDES keys stay masked unless the server was built with
     * {@link Builder#traceKeys(boolean)}.
     *
     * @param on whether to log every SIP message in and out
     */
    public void setSipTrace(boolean on) {
        listeners.setSipTrace(on);
    }

    /** @return the mutual-TLS listener's port, or -1 if there is none */
    public int tlsPort() {
        return listeners.tlsPort();
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
        if (c.tcpListener() && tcpPort() < 0) {
            out.add("SIP/TCP listener (port " + c.sipPort() + ") is not bound");
        }
        if (c.tlsListener()) {
            if (tlsPort() < 0) {
                out.add("SIP/mutual TLS listener (port " + c.tlsPort() + ") is not bound");
            }
            Optional<CertificateInfo> cert = certificate();
            java.time.Instant now = clock.instant();
            if (cert.isEmpty()) {
                out.add("no certificate for mutual TLS");
            } else if (now.isAfter(cert.get().notAfter())) {
                out.add("certificate " + cert.get().sha1Thumbprint() + " expired at "
                        + cert.get().notAfter());
            } else if (now.isBefore(cert.get().notBefore())) {
                out.add("certificate " + cert.get().sha1Thumbprint() + " is not valid before "
                        + cert.get().notBefore());
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
            LOG.info(
                    "Admin listener on http://{}:{}/ (/metrics, /health/live, /health/ready)",
                    admin.address().getAddress().getHostAddress(),
                    admin.address().getPort());
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
        return certs.current().map(SelectedCertificate::info);
    }

    /** @return the certificate store, once secured mode has opened it */
    public Optional<CertificateStore> certificateStore() {
        return certs.store();
    }

    /**
     * Re-reads the certificate store and re-runs selection now (the store watcher does this on its
     * own when files change).
     *
     * @throws IOException if the store cannot be read
     */
    public void refreshCertificates() throws IOException {
        certs.refresh();
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

    void publish(SecurityEvent e) {
        bus.publish(e);
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
            ObjectName name = new ObjectName(
                    String.format(ServerMetrics.OBJECT_NAME_PATTERN, ObjectName.quote(config.serverName())));
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

    /** Collects the server's parts; {@link #build()} makes a stopped server. Not thread-safe. */
    public static final class Builder {
        private final ServerConfiguration config;
        private Clock clock = Clock.systemUTC();
        private CallHandler handler;
        private Path configFile;
        private boolean watchStore = true;
        private boolean watchConfigFile = true;
        private boolean registerJmx = true;
        private boolean sipTrace;
        private boolean traceKeys;
        private Path keyLogFile;
        private TimerScheduler timers;
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

        /**
         * @param on apply edits of the {@linkplain #configFile(Path) configuration file} as soon as it is
         *     saved (default on); off, the file is re-read only by {@link UmsecServer#reloadConfigFile()}
         * @return this
         */
        public Builder watchConfigFile(boolean on) {
            watchConfigFile = on;
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

        /**
         * @param on SIP message trace on {@code org.umsec.sip.trace} from the start (default off)
         * @return this
         */
        public Builder sipTrace(boolean on) {
            sipTrace = on;
            return this;
        }

        /**
         * @param on show SDES keys in the SIP trace instead of masking them (default off; announced
         *     with an INSECURE_OPTION_ENABLED event)
         * @return this
         */
        public Builder traceKeys(boolean on) {
            traceKeys = on;
            return this;
        }

        /**
         * @param file write TLS secrets in the NSS key log format ({@code SSLKEYLOGFILE}) here (default
         *     none; needs the OpenSSL engine, limits the TLS listener to TLS 1.2, announced at start)
         * @return this
         */
        public Builder keyLogFile(Path file) {
            keyLogFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Timers of the call layer (2xx retransmission, ACK timeout, session timers), for tests that drive
         * time by hand; default the server's own scheduler.
         *
         * @param t the scheduler
         * @return this
         */
        Builder timers(TimerScheduler t) {
            timers = Objects.requireNonNull(t, "timers");
            return this;
        }

        /** @return a server, not yet started */
        public UmsecServer build() {
            return new UmsecServer(this);
        }
    }
}
