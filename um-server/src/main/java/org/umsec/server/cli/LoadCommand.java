package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
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
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transaction.ClientTransaction;
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
 * media packets per call, the TLS handshakes, and its own CPU cost, in total and per call in the
 * steady state after a warm-up.
 *
 * <p>Cheap by construction, so that one machine can drive the server it measures: one Netty event
 * loop for the SIP connections (um-sip's {@link SipClient} and {@link TransactionLayer}), one
 * thread with one timer wheel for pacing, transaction timers and hang-ups ({@link LoadTimers}),
 * and one media thread for every call's sockets ({@link LoadMedia}, nothing allocated per packet).
 * The setup latencies go to a fixed histogram ({@link LatencyHistogram}). {@code --media=false}
 * places the calls without RTP (signalling capacity); {@code --connections N} spreads them over N
 * connections.
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

    @Option(
            names = "--media",
            arity = "0..1",
            fallbackValue = "true",
            defaultValue = "true",
            paramLabel = "true|false",
            description = "send and receive RTP for every call (default); false: signalling only, the"
                    + " offers point at one shared port pair that is never read and no RTP is sent")
    boolean mediaOn;

    @Option(
            names = "--connections",
            defaultValue = "1",
            paramLabel = "N",
            description = "SIP connections to spread the calls over, round robin, 1 to " + MAX_CONNECTIONS
                    + " (default ${DEFAULT-VALUE})")
    int connections;

    @Option(
            names = "--warm-up",
            defaultValue = "5",
            paramLabel = "SECONDS",
            description = "seconds of calls left out of the steady-state CPU figure (JVM start, JIT);"
                    + " default ${DEFAULT-VALUE}")
    double warmUp;

    @Parameters(paramLabel = "HOST[:PORT]", description = "the server")
    String target;

    @CommandLine.Mixin
    ClientOptions client = new ClientOptions();

    /** The server accepts 64 connections per source address; more would only be refused. */
    static final int MAX_CONNECTIONS = 64;

    /** Everything a run counts; updated from the event loop, the timer thread and the media thread. */
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
        final LatencyHistogram setup = new LatencyHistogram();
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
        long stray;
        long minSent = Long.MAX_VALUE;
        long maxSent;
        long minReceived = Long.MAX_VALUE;
        long maxReceived;
        long callsWithLoss;

        void fail(String why) {
            failures.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
        }

        void setupNanos(long nanos) {
            setup.record(nanos / 1000);
            intervalSetupSum.addAndGet(nanos);
            intervalSetupCount.incrementAndGet();
            intervalSetupMax.accumulateAndGet(nanos, Math::max);
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
            stray += s.stray;
            minSent = Math.min(minSent, s.sent);
            maxSent = Math.max(maxSent, s.sent);
            minReceived = Math.min(minReceived, s.received);
            maxReceived = Math.max(maxReceived, s.received);
        }

        synchronized long rtpRejected() {
            return rtpRejected;
        }

        long failed() {
            long n = 0;
            for (AtomicLong v : failures.values()) {
                n += v.get();
            }
            return n;
        }
    }

    /** One signalling connection and what the calls on it write about themselves. */
    private static final class Leg {
        final TransportConnection connection;
        final InetAddress localAddress;
        /** Our address as SIP writes it (IPv6 in brackets) and as SDP writes it. */
        final String host;

        final String sdpAddress;
        final String addressType;
        final int port;
        final String transport;
        final NameAddress contact;
        /** Our From, without its tag. */
        final NameAddress from;

        Leg(TransportConnection connection, boolean secured) {
            this.connection = connection;
            InetSocketAddress la = connection.localAddress();
            this.localAddress = la.getAddress();
            this.sdpAddress = localAddress.getHostAddress();
            boolean v6 = sdpAddress.contains(":");
            this.host = v6 ? "[" + sdpAddress + "]" : sdpAddress;
            this.addressType = v6 ? "IP6" : "IP4";
            this.port = la.getPort();
            this.transport = connection.transport().name();
            this.contact =
                    NameAddress.of("sip:umsec-load@" + host + ":" + port + ";transport=" + (secured ? "tls" : "tcp"));
            this.from = NameAddress.of("sip:umsec-load@" + host);
        }
    }

    /** One call in flight. */
    private static final class Call {
        final String callId;
        final Leg leg;
        final long started = System.nanoTime();
        final AtomicBoolean ended = new AtomicBoolean();
        NameAddress from;
        NameAddress remoteTo;
        String remoteTarget;
        LoadMedia.Stream stream;
        TimerScheduler.Timeout bye;

        Call(String callId, Leg leg) {
            this.callId = callId;
            this.leg = leg;
        }
    }

    /** CPU counters at one instant: the process's and the generator's own threads'. */
    private record CpuSample(long nanos, long attempted, long process, long io, long timers, long media) {
        static CpuSample take(long attempted) {
            long io = 0;
            long timers = 0;
            long mediaCpu = 0;
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            if (mx.isThreadCpuTimeSupported()) {
                for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
                    if (t == null) {
                        continue;
                    }
                    long c = mx.getThreadCpuTime(t.getThreadId());
                    if (c < 0) {
                        continue;
                    }
                    String n = t.getThreadName();
                    if (n.startsWith("sip-client")) {
                        io += c;
                    } else if (n.equals(TIMER_THREAD)) {
                        timers += c;
                    } else if (n.equals(MEDIA_THREAD)) {
                        mediaCpu += c;
                    }
                }
            }
            return new CpuSample(System.nanoTime(), attempted, processCpuNanos(), io, timers, mediaCpu);
        }
    }

    static final String TIMER_THREAD = "umsec-load";
    static final String MEDIA_THREAD = "umsec-load-media";

    private final Map<String, Call> inFlight = new ConcurrentHashMap<>();
    private final List<Leg> legs = new ArrayList<>();
    private final AtomicInteger nextLeg = new AtomicInteger();
    private Stats stats;
    private LoadTimers timers;
    private TransactionLayer layer;
    private LoadMedia media;
    private CountDownLatch allDone;
    private SrtpSuite suite;
    private int payloadType;
    private String toUri;
    private NameAddress toAddress;
    private long holdNanos;
    /** --media=false: the port pair every offer names; never read. */
    private DatagramChannel sinkRtp;

    private DatagramChannel sinkRtcp;
    private volatile CpuSample steadyFrom;
    private volatile CpuSample steadyTo;

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
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new CliException("--connections must be between 1 and " + MAX_CONNECTIONS + " (the server accepts "
                    + MAX_CONNECTIONS + " per source address)");
        }
        if (!(warmUp >= 0) || warmUp > 86_400) {
            throw new CliException("--warm-up must be between 0 and 86400 seconds");
        }
        long total = calls != null ? calls : duration != null ? Long.MAX_VALUE : 100;
        long durationNanos = duration != null ? (long) (duration * 1e9) : Long.MAX_VALUE;
        suite = useSrtp
                ? SrtpSuite.fromSdesName(suiteName).orElseThrow(() -> new CliException("unknown suite " + suiteName))
                : null;
        holdNanos = (long) (hold * 1e9);
        byte[][] frames = null;
        if (mediaOn) {
            short[] audio = wav != null ? VoicemailRecorder.readGreeting(wav) : CallCommand.tone(1);
            frames = new byte[Math.max(1, audio.length / 160)][160];
            for (int i = 0; i < frames.length && (i + 1) * 160 <= audio.length; i++) {
                G711.encode(payloadType, audio, i * 160, 160, frames[i], 0);
            }
        }
        TestConnectivityCommand.HostPort hp = TestConnectivityCommand.HostPort.parse(
                target, secured ? VoipSecurityMode.SECURED_PORT : VoipSecurityMode.UNSECURED_PORT);
        toUri = to != null ? to : "sip:voicemail@" + hp.host();
        toAddress = NameAddress.of(toUri);
        stats = new Stats();
        long cpu0 = processCpuNanos();
        timers = new LoadTimers(TIMER_THREAD);
        layer = TransactionLayer.builder()
                .handler(this::answer)
                .scheduler(timers)
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
            String handshake = connect(sip, peer, hp);
            out.printf(
                    "Load: %s at %s calls/s, up to %d concurrent, hold %s s, to %s over %s (%s, %s)%s%n",
                    calls != null ? calls + " calls" : duration != null ? duration + " s of calls" : "100 calls",
                    trim(rate),
                    concurrency,
                    trim(hold),
                    toUri,
                    secured ? "mutual TLS" : "TCP",
                    !mediaOn
                            ? (suite != null ? "no media, SRTP " + suite.sdesName() + " offered" : "no media")
                            : suite != null ? "SRTP " + suite.sdesName() : "plain RTP",
                    codec.toUpperCase(),
                    connections > 1 ? ", " + connections + " connections" : "");
            out.println("TLS handshake: " + handshake);
            out.flush();
            allDone = new CountDownLatch(1);
            if (!mediaOn) {
                openSink(legs.get(0).localAddress);
            }
            try (LoadMedia m = mediaOn ? new LoadMedia(frames) : null) {
                media = m;
                long start = System.nanoTime();
                run(out, start, total, durationNanos);
                long wall = System.nanoTime() - start;
                long attempting = Math.max(stats.lastAttemptNanos.get() - start, 1);
                long cpu1 = processCpuNanos();
                long cpu = cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0;
                report(out, wall, attempting, cpu, handshake);
                if (m != null && m.failure() != null) {
                    throw new CliException("the media thread failed: " + m.failure());
                }
                if (timers.failure() != null) {
                    throw new CliException("the timer thread failed: " + rootMessage(timers.failure()));
                }
            } finally {
                closeSink();
            }
        } finally {
            timers.close();
        }
        boolean clean = stats.failed() == 0
                && stats.answered.get() == stats.attempted.get()
                && stats.completed.get() == stats.answered.get()
                && stats.rtpRejected() == 0;
        return clean ? 0 : 1;
    }

    /** Opens the --connections connections at once; returns the handshake line. */
    private String connect(SipClient sip, SipPeer peer, TestConnectivityCommand.HostPort hp) throws Exception {
        List<CompletableFuture<TransportConnection>> pending = new ArrayList<>();
        long[] took = new long[connections];
        long t0 = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            int k = i;
            pending.add(sip.connect(peer).whenComplete((c, e) -> took[k] = System.nanoTime() - t0));
        }
        List<TransportConnection> open = new ArrayList<>();
        for (CompletableFuture<TransportConnection> f : pending) {
            try {
                open.add(f.get(timeoutSeconds * 2L, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                throw new CliException(
                        "cannot connect to " + hp + ": " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                throw new CliException("cannot connect to " + hp + ": no answer within " + timeoutSeconds + " s");
            }
        }
        for (TransportConnection c : open) {
            legs.add(new Leg(c, secured));
        }
        long sum = 0;
        long max = 0;
        for (long t : took) {
            sum += t;
            max = Math.max(max, t);
        }
        double mean = sum / 1e6 / connections;
        Optional<TlsSessionInfo> tls = open.get(0).tls();
        if (connections == 1) {
            return tls.map(t -> handshakeLine(t, took[0]))
                    .orElse(String.format("none (TCP connect %.1f ms)", took[0] / 1e6));
        }
        if (tls.isPresent()) {
            TlsSessionInfo t = tls.get();
            return String.format(
                    "%d full handshakes, %s %s (%s engine), mean %.1f ms, max %.1f ms including TCP connect",
                    connections, t.protocol(), t.cipherSuite(), t.engine(), mean, max / 1e6);
        }
        return String.format("none (%d TCP connects, mean %.1f ms, max %.1f ms)", connections, mean, max / 1e6);
    }

    /** --media=false: one RTP/RTCP pair named in every offer; the server's packets stay unread. */
    private void openSink(InetAddress local) throws IOException {
        sinkRtp = DatagramChannel.open();
        sinkRtcp = DatagramChannel.open();
        for (DatagramChannel c : new DatagramChannel[] {sinkRtp, sinkRtcp}) {
            // the kernel drops what overflows the smallest buffer, at no cost to the generator
            c.setOption(StandardSocketOptions.SO_RCVBUF, 1024);
            c.bind(new InetSocketAddress(local, 0));
        }
    }

    private void closeSink() {
        for (DatagramChannel c : new DatagramChannel[] {sinkRtp, sinkRtcp}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing an unread UDP socket does not fail in a way that matters
                }
            }
        }
    }

    private static String handshakeLine(TlsSessionInfo t, long nanos) {
        return String.format(
                "1 full handshake, %s %s (%s engine), %.1f ms including TCP connect",
                t.protocol(), t.cipherSuite(), t.engine(), nanos / 1e6);
    }

    /** Paces new calls and waits until the last one has ended. */
    private void run(PrintWriter out, long start, long total, long durationNanos) throws InterruptedException {
        long[] due = new long[1]; // touched by the timer thread only
        AtomicBoolean stopped = new AtomicBoolean();
        long warmUpNanos = (long) (warmUp * 1e9);
        long tickNanos = Math.max(1_000_000L, Math.min(20_000_000L, (long) (1e9 / rate / 2)));
        Runnable pace = () -> {
            long now = System.nanoTime();
            if (stopped.get()) {
                return;
            }
            if (steadyFrom == null && now - start >= warmUpNanos) {
                steadyFrom = CpuSample.take(stats.attempted.get());
            }
            long target = (long) ((now - start) / 1e9 * rate) + 1;
            boolean last = false;
            if (now - start >= durationNanos) {
                target = due[0];
                last = true;
            }
            target = Math.min(target, total);
            while (due[0] < target) {
                due[0]++;
                if (stats.active.get() >= concurrency) {
                    stats.skipped.incrementAndGet();
                } else {
                    startCall();
                }
            }
            if (last || due[0] >= total) {
                if (steadyFrom != null) {
                    steadyTo = CpuSample.take(stats.attempted.get());
                }
                stopped.set(true);
                if (stats.active.get() == 0) {
                    allDone.countDown();
                }
            }
        };
        pace.run();
        TimerScheduler.Timeout pacer = timers.every(pace, tickNanos, TimeUnit.NANOSECONDS);
        TimerScheduler.Timeout progress = null;
        if (interval > 0) {
            long[] last = new long[3];
            long period = (long) (interval * 1e9);
            progress = timers.every(() -> progress(out, start, last), period, TimeUnit.NANOSECONDS);
        }
        while (!(stopped.get() && stats.active.get() == 0)) {
            allDone.await(50, TimeUnit.MILLISECONDS);
            if (stopped.get() && legs.stream().noneMatch(l -> l.connection.isOpen())) {
                break;
            }
        }
        pacer.cancel();
        if (progress != null) {
            progress.cancel();
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
        Leg leg = legs.get(Math.floorMod(nextLeg.getAndIncrement(), legs.size()));
        Call c = new Call(layer.newTag() + layer.newTag() + "@umsec-load", leg);
        inFlight.put(c.callId, c);
        if (!leg.connection.isOpen()) {
            stats.fail("connection closed");
            end(c, null);
            return;
        }
        try {
            byte[] r = new byte[10 + (suite != null ? suite.masterKeyLength() + suite.masterSaltLength() : 0)];
            RANDOM.nextBytes(r);
            int rtpPort;
            int rtcpPort;
            if (mediaOn) {
                int ssrc = (r[0] & 0xFF) << 24 | (r[1] & 0xFF) << 16 | (r[2] & 0xFF) << 8 | (r[3] & 0xFF);
                int seq = (r[4] & 0xFF) << 8 | (r[5] & 0xFF);
                int ts = (r[6] & 0xFF) << 24 | (r[7] & 0xFF) << 16 | (r[8] & 0xFF) << 8 | (r[9] & 0xFF);
                c.stream = new LoadMedia.Stream(leg.localAddress, payloadType, ssrc, seq, ts);
                rtpPort = c.stream.rtpPort();
                rtcpPort = c.stream.rtcpPort();
            } else {
                rtpPort = sinkRtp.socket().getLocalPort();
                rtcpPort = sinkRtcp.socket().getLocalPort();
            }
            SrtpMasterKey ourKey = null;
            if (suite != null) {
                int kl = suite.masterKeyLength();
                byte[] k = java.util.Arrays.copyOfRange(r, 10, 10 + kl);
                byte[] salt = java.util.Arrays.copyOfRange(r, 10 + kl, r.length);
                ourKey = SrtpMasterKey.of(k, salt);
            }
            String offer = offer(leg, rtpPort, rtcpPort, ourKey);
            c.from = leg.from.withTag(layer.newTag());
            SipRequest invite = SipRequest.builder(SipRequest.INVITE, toUri)
                    .via(via(leg))
                    .maxForwards(70)
                    .from(c.from)
                    .to(toAddress)
                    .callId(c.callId)
                    .cseq(1)
                    .contact(leg.contact)
                    .header("User-Agent", "umsec load")
                    .body("application/sdp", offer)
                    .build();
            SrtpMasterKey key = ourKey;
            ClientTransaction tx = layer.sendRequest(leg.connection, invite, ResponseListener.IGNORE);
            tx.finalResponse().whenComplete((resp, e) -> answered(c, tx.request(), key, resp, e));
        } catch (Exception e) {
            stats.fail("could not send: " + e.getMessage());
            end(c, null);
        }
    }

    /**
     * The SDP offer (RFC 4566), written directly: one audio stream, G.711, RTCP port, and with SRTP
     * the SDES key (RFC 4568). What {@code SessionDescription.builder()} would write, without
     * building the model for every call.
     */
    private String offer(Leg leg, int rtpPort, int rtcpPort, SrtpMasterKey key) {
        StringBuilder sb = new StringBuilder(320);
        sb.append("v=0\r\no=umsec-load 1 1 IN ")
                .append(leg.addressType)
                .append(' ')
                .append(leg.sdpAddress)
                .append("\r\ns=umsec load\r\nc=IN ")
                .append(leg.addressType)
                .append(' ')
                .append(leg.sdpAddress)
                .append("\r\nt=0 0\r\nm=audio ")
                .append(rtpPort)
                .append(suite != null ? " RTP/SAVP " : " RTP/AVP ")
                .append(payloadType)
                .append("\r\na=rtpmap:")
                .append(payloadType)
                .append(payloadType == G711.PAYLOAD_TYPE_PCMU ? " PCMU/8000" : " PCMA/8000")
                .append("\r\na=rtcp:")
                .append(rtcpPort)
                .append("\r\n");
        if (key != null) {
            sb.append("a=crypto:")
                    .append(SdesSrtp.attribute(1, suite, key).toSdpValue())
                    .append("\r\n");
        }
        return sb.toString();
    }

    private Via via(Leg leg) {
        return Via.of(leg.transport, leg.host, leg.port, layer.newBranch());
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
            c.leg.connection.send(layer.createAck(invite, r));
            c.remoteTo = r.to();
            c.remoteTarget =
                    r.contacts().isEmpty() ? toUri : r.contacts().get(0).uri();
            if (c.stream != null) {
                startMedia(c, ourKey, r);
            }
            c.bye = timers.schedule(() -> hangUp(c), holdNanos);
        } catch (Exception ex) {
            stats.byeProblems
                    .computeIfAbsent("unusable answer: " + rootMessage(ex), k -> new AtomicLong())
                    .incrementAndGet();
            hangUp(c);
        }
    }

    private void startMedia(Call c, SrtpMasterKey ourKey, SipResponse r) throws Exception {
        SessionDescription sdp = SessionDescription.parse(r.body());
        MediaDescription a = sdp.audio().orElseThrow(() -> new IllegalArgumentException("no audio stream"));
        String mediaAddress = a.connection()
                .or(sdp::connection)
                .orElseThrow(() -> new IllegalArgumentException("no connection address"))
                .address();
        int rtcpPort = a.rtcpPort();
        Optional<CryptoAttribute> crypto = Optional.empty();
        for (CryptoAttribute x : a.cryptos()) {
            if (x.knownSuite().isPresent()) {
                crypto = Optional.of(x);
                break;
            }
        }
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
    }

    private void hangUp(Call c) {
        if (c.ended.get()) {
            return;
        }
        if (c.stream != null) {
            c.stream.muted = true; // a gateway stops sending when it hangs up
        }
        try {
            SipRequest bye = SipRequest.builder(SipRequest.BYE, c.remoteTarget)
                    .via(via(c.leg))
                    .maxForwards(70)
                    .from(c.from)
                    .to(c.remoteTo)
                    .callId(c.callId)
                    .cseq(2)
                    .build();
            layer.sendRequest(c.leg.connection, bye, ResponseListener.IGNORE)
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
            c.bye.cancel();
        }
        inFlight.remove(c.callId);
        if (c.stream == null || media == null) {
            if (c.stream != null) {
                c.stream.closeSockets();
            }
            free();
        } else {
            media.stop(c.stream, this::mediaStopped);
        }
    }

    private void mediaStopped(LoadMedia.Stream s) {
        if (s.sent > 0 || s.received > 0 || s.stray > 0) {
            stats.media(s);
        }
        free();
    }

    private void free() {
        if (stats.active.decrementAndGet() == 0) {
            allDone.countDown();
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
        LatencyHistogram setup = s.setup;
        if (setup.count() > 0) {
            out.printf(
                    "  setup latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (INVITE to 200 OK, %d calls)%n",
                    setup.percentile(50) / 1e3,
                    setup.percentile(90) / 1e3,
                    setup.percentile(99) / 1e3,
                    setup.max() / 1e3,
                    setup.count());
        }
        synchronized (s) {
            long n = s.callsWithMedia;
            if (!mediaOn) {
                out.println("  media         none (--media=false: no RTP sent; what the server sent was not read)");
            } else if (n > 0) {
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
                        "                %s sent %d, received %d, rejected %d; send buffer full %d; stray %d (late"
                                + " packets of an earlier call on a reused port)%n",
                        suite != null ? "SRTCP" : "RTCP",
                        s.rtcpSent,
                        s.rtcpReceived,
                        s.rtcpRejected,
                        s.rtpSendDropped,
                        s.stray);
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
        out.println("  steady state  " + steadyLine(attemptingNanos));
        out.flush();
    }

    /**
     * The generator's CPU per call between the end of the warm-up and the last attempted call: what
     * it costs to keep the rate up, without the JVM's start and the JIT compilation of the first
     * seconds. In that window the calls started before it (their media, their BYEs) stand in for the
     * calls it leaves unfinished.
     */
    private String steadyLine(long attemptingNanos) {
        CpuSample a = steadyFrom;
        CpuSample b = steadyTo;
        if (a == null || b == null || b.attempted() - a.attempted() < 1 || a.process() < 0) {
            return String.format(
                    "not measured: calls were attempted for %.1f s, within the %s s warm-up (--warm-up)",
                    attemptingNanos / 1e9, trim(warmUp));
        }
        long n = b.attempted() - a.attempted();
        double window = (b.nanos() - a.nanos()) / 1e9;
        long cpu = b.process() - a.process();
        long io = b.io() - a.io();
        long tm = b.timers() - a.timers();
        long md = b.media() - a.media();
        long other = Math.max(0, cpu - io - tm - md);
        return String.format(
                "%.0f us CPU per call (%d calls in %.1f s after a %s s warm-up, %.1f %% of one core; per call:"
                        + " SIP I/O thread %.0f, pacer and timers thread %.0f, media thread %.0f, JVM (JIT, GC) and"
                        + " the rest %.0f us)",
                cpu / 1e3 / n,
                n,
                window,
                trim(warmUp),
                100.0 * cpu / (b.nanos() - a.nanos()),
                io / 1e3 / n,
                tm / 1e3 / n,
                md / 1e3 / n,
                other / 1e3 / n);
    }

    private static Map<String, Long> sorted(Map<String, AtomicLong> m) {
        Map<String, Long> r = new TreeMap<>();
        m.forEach((k, v) -> r.put(k, v.get()));
        return r;
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
