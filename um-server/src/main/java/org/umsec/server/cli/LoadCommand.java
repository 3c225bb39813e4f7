package org.umsec.server.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.umsec.core.SignallingTransport;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.media.G711;
import org.umsec.server.media.VoicemailRecorder;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.sdp.Connection;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.Origin;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SdpAttribute;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transaction.ResponseListener;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.SipClient;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipPeer;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code umsec load}: a load generator that places calls the way a gateway does, to size a
 * deployment. INVITE with an SDP offer (SDES keys over mutual TLS), 200/ACK, G.711 media both ways
 * as SRTP with SRTCP sender reports for the hold time, BYE; at a given rate, up to a given number of
 * concurrent calls, for a number of calls or a duration. Prints a progress line per interval and a
 * final report: attempted, answered, failures by status and reason, setup latency percentiles,
 * media packets per call, the TLS handshake, and its own CPU cost.
 *
 * <p>Cheap by construction: one SIP connection on one Netty event loop (um-sip's {@link SipClient}
 * and {@link TransactionLayer}), one scheduler thread for pacing, timers and BYEs, and one media
 * thread for every call's sockets ({@link LoadMedia}).
 */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Place calls like a gateway at a given rate and concurrency (SIP over mutual TLS or TCP,"
                    + " SDES-SRTP G.711 media both ways with SRTCP) and report answered/failed calls, setup latency"
                    + " percentiles, media packets and the generator's own CPU. Exit 0 when every attempted call was"
                    + " answered and hung up cleanly."
        })
final class LoadCommand implements Callable<Integer> {

    private static final SecureRandom RANDOM = new SecureRandom();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--rate",
            defaultValue = "10",
            paramLabel = "CALLS_PER_SECOND",
            description = "new calls per second (default ${DEFAULT-VALUE})")
    double rate;

    @Option(
            names = "--concurrency",
            defaultValue = "100",
            paramLabel = "N",
            description = "most calls up at once; a call due while at the limit is skipped and counted"
                    + " (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--calls", paramLabel = "N", description = "calls to attempt (default 100 unless --duration)")
    Long calls;

    @Option(
            names = "--duration",
            paramLabel = "SECONDS",
            description = "attempt calls for this long instead of --calls")
    Double duration;

    @Option(
            names = "--hold",
            defaultValue = "5",
            paramLabel = "SECONDS",
            description = "media time per answered call before the BYE (default ${DEFAULT-VALUE})")
    double hold;

    @Option(
            names = "--secured",
            arity = "0..1",
            fallbackValue = "true",
            defaultValue = "true",
            paramLabel = "true|false",
            description = "SIP over mutual TLS (default, port 5061) or plain TCP (port 5060)")
    boolean secured;

    @Option(
            names = "--srtp",
            arity = "0..1",
            fallbackValue = "true",
            paramLabel = "true|false",
            description = "offer SRTP with SDES keys (default: same as --secured; never over plain TCP)")
    Boolean srtp;

    @Option(
            names = "--suite",
            defaultValue = "AES_CM_128_HMAC_SHA1_80",
            description = "SRTP suite to offer (default ${DEFAULT-VALUE})")
    String suiteName;

    @Option(names = "--codec", defaultValue = "PCMU", description = "PCMU or PCMA (default ${DEFAULT-VALUE})")
    String codec;

    @Option(
            names = "--wav",
            paramLabel = "FILE",
            description = "audio to send, looped (any WAV the JDK converts to" + " 8 kHz mono; default a 440 Hz tone)")
    Path wav;

    @Option(names = "--to", paramLabel = "URI", description = "called URI (default sip:voicemail@HOST)")
    String to;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "32",
            description = "how long a call may wait for its final response (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(
            names = "--interval",
            paramLabel = "SECONDS",
            defaultValue = "1",
            description = "seconds between progress lines; 0 for none (default ${DEFAULT-VALUE})")
    double interval;

    @Parameters(paramLabel = "HOST[:PORT]", description = "the server")
    String target;

    @CommandLine.Mixin
    ClientOptions client = new ClientOptions();

    /** Everything a run counts; updated from the event loop, the scheduler and the media thread. */
    static final class Stats {
        final AtomicLong attempted = new AtomicLong();
        final AtomicLong answered = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicLong endedByServer = new AtomicLong();
        final AtomicInteger active = new AtomicInteger();
        final AtomicLong lastAttemptNanos = new AtomicLong();
        final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> byeProblems = new ConcurrentHashMap<>();
        private long[] setup = new long[1024];
        private int setupCount;
        final AtomicLong intervalSetupSum = new AtomicLong();
        final AtomicLong intervalSetupCount = new AtomicLong();
        final AtomicLong intervalSetupMax = new AtomicLong();
        // media totals, added once per call by the media thread
        long callsWithMedia;
        long rtpSent;
        long rtpSendDropped;
        long rtpReceived;
        long rtpLost;
        long rtpRejected;
        long rtcpSent;
        long rtcpReceived;
        long rtcpRejected;
        long minSent = Long.MAX_VALUE;
        long maxSent;
        long minReceived = Long.MAX_VALUE;
        long maxReceived;
        long callsWithLoss;

        void fail(String why) {
            failures.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
        }

        synchronized void setupNanos(long nanos) {
            if (setupCount == setup.length) {
                setup = java.util.Arrays.copyOf(setup, setup.length * 2);
            }
            setup[setupCount++] = nanos;
            intervalSetupSum.addAndGet(nanos);
            intervalSetupCount.incrementAndGet();
            intervalSetupMax.accumulateAndGet(nanos, Math::max);
        }

        synchronized long[] sortedSetup() {
            long[] s = java.util.Arrays.copyOf(setup, setupCount);
            java.util.Arrays.sort(s);
            return s;
        }

        synchronized void media(LoadMedia.Stream s) {
            callsWithMedia++;
            rtpSent += s.sent;
            rtpSendDropped += s.sendDropped;
            rtpReceived += s.received;
            long lost = s.lost();
            rtpLost += lost;
            if (lost > 0) {
                callsWithLoss++;
            }
            rtpRejected += s.rejected;
            rtcpSent += s.rtcpSent;
            rtcpReceived += s.rtcpReceived;
            rtcpRejected += s.rtcpRejected;
            minSent = Math.min(minSent, s.sent);
            maxSent = Math.max(maxSent, s.sent);
            minReceived = Math.min(minReceived, s.received);
            maxReceived = Math.max(maxReceived, s.received);
        }

        long failed() {
            return failures.values().stream().mapToLong(AtomicLong::get).sum();
        }
    }

    /** One call in flight. */
    private final class Call {
        final String callId;
        final long started = System.nanoTime();
        final AtomicBoolean ended = new AtomicBoolean();
        NameAddress from;
        NameAddress remoteTo;
        String remoteTarget;
        /** The route set (RFC 3261 §12.1.2): the 2xx's Record-Route in reverse, through an edge proxy. */
        List<NameAddress> routes = List.of();

        LoadMedia.Stream stream;
        ScheduledFuture<?> bye;

        Call(String callId) {
            this.callId = callId;
        }
    }

    private final Map<String, Call> inFlight = new ConcurrentHashMap<>();
    private Stats stats;
    private ScheduledExecutorService scheduler;
    private TransactionLayer layer;
    private TransportConnection connection;
    private LoadMedia media;
    private CountDownLatch allDone;
    private SrtpSuite suite;
    private int payloadType;
    private String toUri;
    private String localHost;
    private String localHostPort;
    private long holdNanos;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean useSrtp = srtp != null ? srtp : secured;
        payloadType = switch (codec.toUpperCase()) {
            case "PCMU" -> G711.PAYLOAD_TYPE_PCMU;
            case "PCMA" -> G711.PAYLOAD_TYPE_PCMA;
            default -> throw new CliException("--codec must be PCMU or PCMA");
        };
        if (useSrtp && !secured) {
            throw new CliException(
                    "SDES keys are never sent over plain TCP (R19): use --secured=true, or --srtp=false");
        }
        if (!(rate > 0) || rate > 100_000) {
            throw new CliException("--rate must be above 0 and at most 100000");
        }
        if (concurrency < 1) {
            throw new CliException("--concurrency must be at least 1");
        }
        if (!(hold >= 0) || hold > 86_400) {
            throw new CliException("--hold must be between 0 and 86400 seconds");
        }
        if (calls != null && duration != null) {
            throw new CliException("give --calls or --duration, not both");
        }
        if (calls != null && calls < 1 || duration != null && !(duration > 0)) {
            throw new CliException("--calls and --duration must be positive");
        }
        if (timeoutSeconds < 1) {
            throw new CliException("--timeout must be at least 1 second");
        }
        long total = calls != null ? calls : duration != null ? Long.MAX_VALUE : 100;
        long durationNanos = duration != null ? (long) (duration * 1e9) : Long.MAX_VALUE;
        suite = useSrtp
                ? SrtpSuite.fromSdesName(suiteName).orElseThrow(() -> new CliException("unknown suite " + suiteName))
                : null;
        holdNanos = (long) (hold * 1e9);
        short[] audio = wav != null ? VoicemailRecorder.readGreeting(wav) : CallCommand.tone(1);
        byte[][] frames = new byte[Math.max(1, audio.length / 160)][160];
        for (int i = 0; i < frames.length && (i + 1) * 160 <= audio.length; i++) {
            G711.encode(payloadType, audio, i * 160, 160, frames[i], 0);
        }
        TestConnectivityCommand.HostPort hp = TestConnectivityCommand.HostPort.parse(
                target, secured ? VoipSecurityMode.SECURED_PORT : VoipSecurityMode.UNSECURED_PORT);
        toUri = to != null ? to : "sip:voicemail@" + hp.host();
        stats = new Stats();
        long cpu0 = processCpuNanos();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umsec-load");
            t.setDaemon(true);
            return t;
        });
        layer = TransactionLayer.builder()
                .handler(this::answer)
                .scheduler(TimerScheduler.of(scheduler))
                .inviteAnswerTimeout(Duration.ofSeconds(timeoutSeconds))
                .build();
        SipClient.Builder b = SipClient.builder()
                .handler(SipMessageHandler.of(layer))
                .ioThreads(1)
                .connectTimeout(Duration.ofSeconds(timeoutSeconds))
                .handshakeTimeout(Duration.ofSeconds(timeoutSeconds));
        if (secured) {
            b.tls(client.tlsSettings(out));
        }
        try (SipClient sip = b.build()) {
            InetAddress address = InetAddress.getByName(hp.host());
            String expected = secured ? client.expectedName(hp) : hp.host();
            SipPeer peer = SipPeer.of(secured ? SignallingTransport.TLS : SignallingTransport.TCP, expected, hp.port())
                    .connectingTo(address);
            long t0 = System.nanoTime();
            try {
                connection = sip.connect(peer).get(timeoutSeconds * 2L, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new CliException(
                        "cannot connect to " + hp + ": " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw new CliException("cannot connect to " + hp + ": no answer within " + timeoutSeconds + " s");
            }
            long connectNanos = System.nanoTime() - t0;
            String handshake = connection
                    .tls()
                    .map(t -> handshakeLine(t, connectNanos))
                    .orElse(String.format("none (TCP connect %.1f ms)", connectNanos / 1e6));
            InetSocketAddress la = connection.localAddress();
            String h = la.getAddress().getHostAddress();
            localHost = h.contains(":") ? "[" + h + "]" : h;
            localHostPort = localHost + ":" + la.getPort();
            out.printf(
                    "Load: %s at %s calls/s, up to %d concurrent, hold %s s, to %s over %s (%s, %s)%n",
                    calls != null ? calls + " calls" : duration != null ? duration + " s of calls" : "100 calls",
                    trim(rate),
                    concurrency,
                    trim(hold),
                    toUri,
                    secured ? "mutual TLS" : "TCP",
                    suite != null ? "SRTP " + suite.sdesName() : "plain RTP",
                    codec.toUpperCase());
            out.println("TLS handshake: " + handshake);
            out.flush();
            allDone = new CountDownLatch(1);
            try (LoadMedia m = new LoadMedia(frames)) {
                media = m;
                long start = System.nanoTime();
                run(out, start, total, durationNanos);
                long wall = System.nanoTime() - start;
                long attempting = Math.max(stats.lastAttemptNanos.get() - start, 1);
                long cpu1 = processCpuNanos();
                long cpu = cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0;
                report(out, wall, attempting, cpu, handshake);
                if (m.failure() != null) {
                    throw new CliException("the media thread failed: " + m.failure());
                }
            }
        } finally {
            scheduler.shutdownNow();
        }
        boolean clean = stats.failed() == 0
                && stats.answered.get() == stats.attempted.get()
                && stats.completed.get() == stats.answered.get()
                && stats.rtpRejected == 0;
        return clean ? 0 : 1;
    }

    private static String handshakeLine(TlsSessionInfo t, long nanos) {
        return String.format(
                "1 full handshake, %s %s (%s engine), %.1f ms including TCP connect",
                t.protocol(), t.cipherSuite(), t.engine(), nanos / 1e6);
    }

    /** Paces new calls and waits until the last one has ended. */
    private void run(PrintWriter out, long start, long total, long durationNanos) throws InterruptedException {
        AtomicLong due = new AtomicLong();
        AtomicBoolean stopped = new AtomicBoolean();
        long tickNanos = Math.max(1_000_000L, Math.min(20_000_000L, (long) (1e9 / rate / 2)));
        ScheduledFuture<?> pacer = scheduler.scheduleAtFixedRate(
                () -> {
                    long now = System.nanoTime();
                    if (stopped.get()) {
                        return;
                    }
                    long target = (long) ((now - start) / 1e9 * rate) + 1;
                    boolean last = false;
                    if (now - start >= durationNanos) {
                        target = due.get();
                        last = true;
                    }
                    target = Math.min(target, total);
                    while (due.get() < target) {
                        due.incrementAndGet();
                        if (stats.active.get() >= concurrency) {
                            stats.skipped.incrementAndGet();
                        } else {
                            startCall();
                        }
                    }
                    if (last || due.get() >= total) {
                        stopped.set(true);
                        if (stats.active.get() == 0) {
                            allDone.countDown();
                        }
                    }
                },
                0,
                tickNanos,
                TimeUnit.NANOSECONDS);
        ScheduledFuture<?> progress = null;
        if (interval > 0) {
            long[] last = new long[3];
            long period = (long) (interval * 1e9);
            progress = scheduler.scheduleAtFixedRate(
                    () -> progress(out, start, last), period, period, TimeUnit.NANOSECONDS);
        }
        while (!(stopped.get() && stats.active.get() == 0)) {
            allDone.await(50, TimeUnit.MILLISECONDS);
            if (!connection.isOpen() && stopped.get()) {
                break;
            }
        }
        pacer.cancel(false);
        if (progress != null) {
            progress.cancel(false);
        }
        // calls cut off by a closed connection: count what is still in flight
        for (Call c : inFlight.values()) {
            end(c, "connection closed before the call ended");
        }
    }

    private void progress(PrintWriter out, long start, long[] last) {
        double t = (System.nanoTime() - start) / 1e9;
        long attempted = stats.attempted.get();
        long answered = stats.answered.get();
        long n = stats.intervalSetupCount.getAndSet(0);
        long sum = stats.intervalSetupSum.getAndSet(0);
        long max = stats.intervalSetupMax.getAndSet(0);
        out.printf(
                "%7.1fs attempted %d (+%d) answered %d failed %d skipped %d active %d | setup mean %.1f max %.1f ms%n",
                t,
                attempted,
                attempted - last[0],
                answered,
                stats.failed(),
                stats.skipped.get(),
                stats.active.get(),
                n == 0 ? 0.0 : sum / 1e6 / n,
                max / 1e6);
        out.flush();
        last[0] = attempted;
    }

    /** Sends one INVITE; everything after runs on callbacks. */
    private void startCall() {
        stats.attempted.incrementAndGet();
        stats.lastAttemptNanos.set(System.nanoTime());
        stats.active.incrementAndGet();
        Call c = new Call(layer.newTag() + layer.newTag() + "@umsec-load");
        inFlight.put(c.callId, c);
        try {
            long ssrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
            c.stream = new LoadMedia.Stream(
                    connection.localAddress().getAddress(),
                    payloadType,
                    ssrc,
                    RANDOM.nextInt(0x10000),
                    RANDOM.nextInt() & 0xFFFF_FFFFL);
            SrtpMasterKey ourKey = null;
            String ipVer = localHost.startsWith("[") ? "IP6" : "IP4";
            String addr = connection.localAddress().getAddress().getHostAddress();
            MediaDescription.Builder m = MediaDescription.builder(
                            "audio", c.stream.rtpPort(), suite != null ? "RTP/SAVP" : "RTP/AVP")
                    .rtpFormat(payloadType, payloadType == 0 ? "PCMU/8000" : "PCMA/8000")
                    .attribute(new SdpAttribute("rtcp", Integer.toString(c.stream.rtcpPort())));
            if (suite != null) {
                byte[] k = new byte[suite.masterKeyLength()];
                byte[] salt = new byte[suite.masterSaltLength()];
                RANDOM.nextBytes(k);
                RANDOM.nextBytes(salt);
                ourKey = SrtpMasterKey.of(k, salt);
                m.crypto(SdesSrtp.attribute(1, suite, ourKey));
            }
            String offer = SessionDescription.builder()
                    .origin(new Origin("umsec-load", "1", "1", "IN", ipVer, addr))
                    .sessionName("umsec load")
                    .connection(new Connection("IN", ipVer, addr))
                    .media(m.build())
                    .build()
                    .toSdp();
            c.from = NameAddress.of("sip:umsec-load@" + localHost).withTag(layer.newTag());
            SipRequest invite = SipRequest.builder(SipRequest.INVITE, toUri)
                    .via(via())
                    .maxForwards(70)
                    .from(c.from)
                    .to(NameAddress.of(toUri))
                    .callId(c.callId)
                    .cseq(1)
                    .contact(NameAddress.of(
                            "sip:umsec-load@" + localHostPort + ";transport=" + (secured ? "tls" : "tcp")))
                    .header("User-Agent", "umsec load")
                    .body("application/sdp", offer)
                    .build();
            SipRequest sent = invite.copy();
            SrtpMasterKey key = ourKey;
            layer.sendRequest(connection, invite, ResponseListener.IGNORE)
                    .finalResponse()
                    .whenComplete((r, e) -> answered(c, sent, key, r, e));
        } catch (Exception e) {
            stats.fail("could not send: " + e.getMessage());
            end(c, null);
        }
    }

    private Via via() {
        InetSocketAddress a = connection.localAddress();
        return Via.of(connection.transport().name(), localHost, a.getPort(), layer.newBranch());
    }

    private void answered(Call c, SipRequest invite, SrtpMasterKey ourKey, SipResponse r, Throwable e) {
        if (e != null || r == null) {
            stats.fail(
                    e instanceof TimeoutException || e != null && e.getCause() instanceof TimeoutException
                            ? "no final response within " + timeoutSeconds + " s"
                            : "no final response (" + (e == null ? "none" : rootMessage(e)) + ")");
            end(c, null);
            return;
        }
        if (r.status() / 100 != 2) {
            stats.fail(r.status() + " " + r.reasonPhrase()
                    + r.header("Warning").map(w -> " (" + w + ")").orElse(""));
            end(c, null);
            return;
        }
        stats.setupNanos(System.nanoTime() - c.started);
        stats.answered.incrementAndGet();
        try {
            connection.send(layer.createAck(invite, r));
            c.remoteTo = r.to();
            c.remoteTarget =
                    r.contacts().isEmpty() ? toUri : r.contacts().get(0).uri();
            List<NameAddress> rr = new ArrayList<>(r.recordRoutes());
            Collections.reverse(rr);
            c.routes = List.copyOf(rr);
            SessionDescription sdp = SessionDescription.parse(r.body());
            MediaDescription a = sdp.audio().orElseThrow(() -> new IllegalArgumentException("no audio stream"));
            String mediaAddress = a.connection()
                    .or(sdp::connection)
                    .orElseThrow(() -> new IllegalArgumentException("no connection address"))
                    .address();
            int rtcpPort = a.rtcpPort();
            Optional<CryptoAttribute> crypto =
                    a.cryptos().stream().filter(x -> x.knownSuite().isPresent()).findFirst();
            if (suite != null && crypto.isEmpty()) {
                throw new IllegalArgumentException("answer without SRTP keys");
            }
            InetAddress ma = InetAddress.getByName(mediaAddress);
            SrtpSession tx = null;
            SrtpSession rtcpTx = null;
            SrtpSession rx = null;
            SrtpSession rtcpRx = null;
            if (ourKey != null) {
                SrtpPolicy ours = SrtpPolicy.builder(suite).masterKey(ourKey).build();
                tx = SrtpSession.outbound(ours);
                rtcpTx = SrtpSession.outbound(ours);
                SrtpPolicy theirs = SdesSrtp.policy(crypto.get());
                rx = SrtpSession.inbound(theirs);
                rtcpRx = SrtpSession.inbound(theirs);
            }
            c.stream.remote(
                    new InetSocketAddress(ma, a.port()), new InetSocketAddress(ma, rtcpPort), tx, rtcpTx, rx, rtcpRx);
            media.start(c.stream);
            c.bye = scheduler.schedule(() -> hangUp(c), holdNanos, TimeUnit.NANOSECONDS);
        } catch (Exception ex) {
            stats.byeProblems
                    .computeIfAbsent("unusable answer: " + rootMessage(ex), k -> new AtomicLong())
                    .incrementAndGet();
            hangUp(c);
        }
    }

    private void hangUp(Call c) {
        if (c.ended.get()) {
            return;
        }
        if (c.stream != null) {
            c.stream.muted = true; // a gateway stops sending when it hangs up
        }
        try {
            SipRequest.Builder b = SipRequest.builder(SipRequest.BYE, c.remoteTarget)
                    .via(via())
                    .maxForwards(70)
                    .from(c.from)
                    .to(c.remoteTo)
                    .callId(c.callId)
                    .cseq(2);
            for (NameAddress route : c.routes) {
                b.route(route); // through the proxies that recorded the route (an edge proxy's dispatcher)
            }
            SipRequest bye = b.build();
            layer.sendRequest(connection, bye, ResponseListener.IGNORE)
                    .finalResponse()
                    .whenComplete((r, e) -> {
                        if (e != null || r == null) {
                            end(c, "BYE: no final response");
                        } else if (r.status() != 200) {
                            end(c, "BYE answered " + r.status() + " " + r.reasonPhrase());
                        } else {
                            stats.completed.incrementAndGet();
                            end(c, null);
                        }
                    });
        } catch (Exception e) {
            end(c, "BYE not sent: " + rootMessage(e));
        }
    }

    /** Requests the server sends us: a BYE ends that call (200), anything else gets 501. */
    private void answer(ServerTransaction tx) {
        SipRequest req = tx.request();
        if (!req.isMethod(SipRequest.BYE)) {
            tx.respond(tx.createResponse(501).build());
            return;
        }
        Call c = inFlight.get(req.callId());
        tx.respond(tx.createResponse(c != null ? 200 : 481).build());
        if (c != null) {
            stats.endedByServer.incrementAndGet();
            end(c, "ended by the server's BYE");
        }
    }

    /** Ends a call once: stops its media, records its counters, frees its slot. */
    private void end(Call c, String byeProblem) {
        if (!c.ended.compareAndSet(false, true)) {
            return;
        }
        if (byeProblem != null) {
            stats.byeProblems.computeIfAbsent(byeProblem, k -> new AtomicLong()).incrementAndGet();
        }
        if (c.bye != null) {
            c.bye.cancel(false);
        }
        inFlight.remove(c.callId);
        Runnable free = () -> {
            if (stats.active.decrementAndGet() == 0) {
                allDone.countDown();
            }
        };
        if (c.stream == null) {
            free.run();
        } else {
            media.stop(c.stream, s -> {
                if (s.sent > 0 || s.received > 0) {
                    stats.media(s);
                }
                free.run();
            });
        }
    }

    private void report(PrintWriter out, long wallNanos, long attemptingNanos, long cpuNanos, String handshake) {
        Stats s = stats;
        double wall = wallNanos / 1e9;
        long attempted = s.attempted.get();
        long answered = s.answered.get();
        out.println("Result");
        double attempting = attemptingNanos / 1e9;
        out.printf(
                "  attempted     %d over %.1f s (%.1f calls/s; %d skipped at the concurrency limit); run %.1f s%n",
                attempted,
                attempting,
                attempted <= 1 ? attempted : (attempted - 1) / attempting,
                s.skipped.get(),
                wall);
        out.printf("  answered      %d (%.1f %%)%n", answered, attempted == 0 ? 0.0 : 100.0 * answered / attempted);
        out.printf("  failed        %d%n", s.failed());
        for (Map.Entry<String, Long> e : sorted(s.failures).entrySet()) {
            out.printf("    %6d  %s%n", e.getValue(), e.getKey());
        }
        out.printf(
                "  completed     %d (BYE answered 200 OK)%s%n",
                s.completed.get(),
                s.endedByServer.get() > 0 ? "; " + s.endedByServer.get() + " ended by the server" : "");
        for (Map.Entry<String, Long> e : sorted(s.byeProblems).entrySet()) {
            out.printf("    %6d  %s%n", e.getValue(), e.getKey());
        }
        long[] setup = s.sortedSetup();
        if (setup.length > 0) {
            out.printf(
                    "  setup latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (INVITE to 200 OK, %d calls)%n",
                    pct(setup, 50), pct(setup, 90), pct(setup, 99), setup[setup.length - 1] / 1e6, setup.length);
        }
        synchronized (s) {
            long n = s.callsWithMedia;
            if (n > 0) {
                out.printf(
                        "  media         %d calls: RTP sent %d (%.1f per call, min %d, max %d), received %d (%.1f per call,"
                                + " min %d, max %d), lost %d (%d calls with loss), rejected %d%n",
                        n,
                        s.rtpSent,
                        (double) s.rtpSent / n,
                        s.minSent,
                        s.maxSent,
                        s.rtpReceived,
                        (double) s.rtpReceived / n,
                        s.minReceived,
                        s.maxReceived,
                        s.rtpLost,
                        s.callsWithLoss,
                        s.rtpRejected);
                out.printf(
                        "                %s sent %d, received %d, rejected %d; send buffer full %d%n",
                        suite != null ? "SRTCP" : "RTCP", s.rtcpSent, s.rtcpReceived, s.rtcpRejected, s.rtpSendDropped);
            } else {
                out.println("  media         none");
            }
        }
        out.println("  handshakes    " + handshake);
        if (cpuNanos >= 0) {
            out.printf(
                    "  generator CPU %.2f s in %.1f s (%.1f %% of one core, %.0f us per attempted call;"
                            + " whole process)%n",
                    cpuNanos / 1e9,
                    wall,
                    100.0 * cpuNanos / wallNanos,
                    attempted == 0 ? 0.0 : cpuNanos / 1e3 / attempted);
        }
        out.flush();
    }

    private static Map<String, Long> sorted(Map<String, AtomicLong> m) {
        Map<String, Long> r = new TreeMap<>();
        m.forEach((k, v) -> r.put(k, v.get()));
        return r;
    }

    private static double pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static long processCpuNanos() {
        return ProcessHandle.current()
                .info()
                .totalCpuDuration()
                .map(Duration::toNanos)
                .orElse(-1L);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
