package org.umsec.server.media;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpStatus;

/**
 * The media of one call: an RTP socket (even port) and an RTCP socket (port + 1), plain or SRTP.
 * Receives the caller's audio on its own thread, decodes G.711 and hands it to the call handler;
 * plays the handler's prompt in 20 ms packets and sends RTCP (SR or RR plus SDES) at the configured
 * interval on the shared scheduler.
 *
 * <p>Limits: datagrams larger than {@value #MAX_DATAGRAM} bytes are truncated and so fail
 * parsing; packets from addresses other than the caller's media address are ignored (they cannot
 * inject audio into a plain-RTP call, and with SRTP they would fail authentication anyway).
 * SRTP sessions are thread-confined: one inbound session per socket thread, one outbound session
 * for RTP and one for RTCP, each used by one task at a time.
 */
public final class MediaSession {

    private static final Logger LOG = LoggerFactory.getLogger(MediaSession.class);
    static final int MAX_DATAGRAM = 2048;
    private static final int SAMPLES_PER_PACKET = 160;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Receives the outcome once, when the media ends by itself (timeout, maximum length, handler failure). */
    public interface EndListener {
        /** @param reason why the media ended */
        void mediaEnded(CallEndReason reason);
    }

    private final DatagramSocket rtp;
    private final DatagramSocket rtcp;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final MetricsSink metrics;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicLong rtcpReceived = new AtomicLong();
    private final AtomicLong rtcpSent = new AtomicLong();
    private final long ssrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
    private volatile CallInfo info;
    private volatile CallHandler.Call call;
    private volatile InetSocketAddress peerRtp;
    private volatile InetSocketAddress peerRtcp;
    private volatile Optional<SrtpPolicy> inboundPolicy = Optional.empty();
    private volatile Optional<SrtpPolicy> outboundPolicy = Optional.empty();
    private volatile int telephoneEventType = -1;
    private volatile Duration maxLength;
    private volatile Duration mediaTimeout;
    private volatile EndListener endListener;
    private volatile CallEndReason endReason;
    private volatile long lastSrMiddle;
    private volatile long lastSrArrivalNanos;
    private final RtpReceiveStatistics stats = new RtpReceiveStatistics();
    private volatile long authFailed;
    private volatile long replayed;
    private volatile long otherRejected;
    private volatile long sentPackets;
    private volatile long sentOctets;
    private volatile long sentTimestamp;
    // mid-call changes (renegotiate): picked up by the thread that owns each SRTP session
    private volatile SrtpPolicy nextInboundRtp;
    private volatile SrtpPolicy nextInboundRtcp;
    private volatile int outboundGeneration;
    private volatile Duration keyOverlap = Duration.ZERO;
    private volatile boolean sending = true;
    private volatile int sendPayloadType = -1;
    private Thread rtpThread;
    private Thread rtcpThread;
    private ScheduledFuture<?> rtcpTask;
    private volatile ScheduledFuture<?> promptTask;
    private final java.util.concurrent.CompletableFuture<Void> promptDone =
            new java.util.concurrent.CompletableFuture<>();

    private MediaSession(
            DatagramSocket rtp,
            DatagramSocket rtcp,
            Clock clock,
            ScheduledExecutorService scheduler,
            MetricsSink metrics) {
        this.rtp = rtp;
        this.rtcp = rtcp;
        this.clock = clock;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * Binds an RTP/RTCP port pair (even RTP port) on the given address.
     *
     * @param bind local address
     * @param clock clock for timeouts and time stamps
     * @param scheduler shared scheduler for prompt and RTCP sending
     * @param metrics counters
     * @return the session, not yet started
     * @throws IOException if no port pair could be bound
     */
    public static MediaSession open(
            InetAddress bind, Clock clock, ScheduledExecutorService scheduler, MetricsSink metrics) throws IOException {
        return open(bind, 20000, 39999, clock, scheduler, metrics);
    }

    /**
     * Binds an RTP/RTCP port pair (even RTP port, RTCP on the next) within a port range
     * ({@code media.portRange}). Starts at a random pair and tries every pair of the range once, so an
     * exhausted range is reported, never looped on.
     *
     * @param bind local address
     * @param low lowest port of the range, even
     * @param high highest port of the range, above {@code low}
     * @param clock clock for timeouts and time stamps
     * @param scheduler shared scheduler for prompt and RTCP sending
     * @param metrics counters
     * @return the session, not yet started
     * @throws IOException if no pair in the range could be bound, naming the range
     */
    public static MediaSession open(
            InetAddress bind, int low, int high, Clock clock, ScheduledExecutorService scheduler, MetricsSink metrics)
            throws IOException {
        int pairs = (high - low + 1) / 2;
        if (pairs < 1 || low % 2 != 0) {
            throw new IllegalArgumentException("media port range " + low + "-" + high + " holds no even/odd port pair");
        }
        IOException last = null;
        int first = RANDOM.nextInt(pairs);
        for (int attempt = 0; attempt < pairs; attempt++) {
            int port = low + 2 * ((first + attempt) % pairs);
            DatagramSocket a = null;
            try {
                a = new DatagramSocket(new InetSocketAddress(bind, port));
                DatagramSocket b = new DatagramSocket(new InetSocketAddress(bind, port + 1));
                return new MediaSession(a, b, clock, scheduler, metrics);
            } catch (SocketException e) {
                last = e;
                if (a != null) {
                    a.close();
                }
            }
        }
        throw new IOException("no free RTP/RTCP port pair in " + low + "-" + high, last);
    }

    /** @return the local RTP port (RTCP is this + 1) */
    public int port() {
        return rtp.getLocalPort();
    }

    /**
     * Receives DTMF as RFC 4733 telephone-events of this payload type (negotiated in SDP) and hands the
     * digits to the handler's {@link CallHandler.Call#dtmf}. Call before {@link #start}.
     *
     * @param payloadType the {@code telephone-event/8000} payload type, 0..127
     */
    public void telephoneEvents(int payloadType) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type must be 0..127: " + payloadType);
        }
        this.telephoneEventType = payloadType;
    }

    /**
     * Starts receiving and sending.
     *
     * @param callInfo the call
     * @param handlerCall the handler's media receiver
     * @param rtcpPeer where the caller wants RTCP
     * @param inbound SRTP policy for the caller's packets (their key), if Secured
     * @param outbound SRTP policy for our packets (our key), if Secured
     * @param maxRecording end after this long
     * @param timeout end after this long without media
     * @param rtcpInterval time between RTCP reports
     * @param listener told when the media ends by itself
     */
    public void start(
            CallInfo callInfo,
            CallHandler.Call handlerCall,
            InetSocketAddress rtcpPeer,
            Optional<SrtpPolicy> inbound,
            Optional<SrtpPolicy> outbound,
            Duration maxRecording,
            Duration timeout,
            Duration rtcpInterval,
            EndListener listener) {
        this.info = callInfo;
        this.call = handlerCall;
        this.peerRtp = callInfo.mediaPeer();
        this.peerRtcp = rtcpPeer;
        this.inboundPolicy = inbound;
        this.outboundPolicy = outbound;
        this.maxLength = maxRecording;
        this.mediaTimeout = timeout;
        this.endListener = listener;
        rtpThread = new Thread(this::receiveRtp, "rtp-" + port());
        rtpThread.setDaemon(true);
        rtcpThread = new Thread(this::receiveRtcp, "rtcp-" + port());
        rtcpThread.setDaemon(true);
        rtpThread.start();
        rtcpThread.start();
        startPrompt(handlerCall.prompt());
        rtcpTask = scheduler.scheduleAtFixedRate(
                this::sendRtcp, rtcpInterval.toMillis(), rtcpInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Completes once the handler's prompt has been sent to its last packet (at once for an empty prompt),
     * or when the session stops first. A call the server places (play on phone) hangs up on it.
     *
     * @return the future, completed on the scheduler's thread or the stopping thread
     */
    public java.util.concurrent.CompletableFuture<Void> promptFinished() {
        return promptDone;
    }

    /** @return RTP packets sent so far (the prompt) */
    public long sentPackets() {
        return sentPackets;
    }

    private void startPrompt(short[] prompt) {
        if (prompt.length == 0) {
            promptDone.complete(null);
            return;
        }
        SrtpSession[] tx = {outboundPolicy.map(SrtpSession::outbound).orElse(null)};
        int[] generation = {outboundGeneration};
        int[] seq = {RANDOM.nextInt(0x10000)};
        long[] ts = {RANDOM.nextInt() & 0xFFFF_FFFFL};
        int[] pos = {0};
        byte[] payload = new byte[SAMPLES_PER_PACKET];
        byte[] buf = new byte[RtpPacket.FIXED_HEADER + SAMPLES_PER_PACKET + 64];
        promptTask = scheduler.scheduleAtFixedRate(
                () -> {
                    if (stopped.get() || pos[0] >= prompt.length) {
                        ScheduledFuture<?> self = promptTask;
                        if (self != null) {
                            self.cancel(false); // the prompt is over
                        }
                        promptDone.complete(null);
                        return;
                    }
                    if (generation[0] != outboundGeneration) {
                        generation[0] = outboundGeneration; // re-keyed: new outbound context (RFC 4568 §7.1.4)
                        tx[0] = outboundPolicy.map(SrtpSession::outbound).orElse(null);
                    }
                    int n = Math.min(SAMPLES_PER_PACKET, prompt.length - pos[0]);
                    int pt = sendPayloadType >= 0 ? sendPayloadType : info.payloadType();
                    if (!sending) {
                        pos[0] += n; // on hold: the prompt plays on in silence
                        ts[0] = (ts[0] + n) & 0xFFFF_FFFFL;
                        return;
                    }
                    G711.encode(pt, prompt, pos[0], n, payload, 0);
                    int len = RtpPacket.write(buf, 0, pt, pos[0] == 0, seq[0], ts[0], ssrc, payload, 0, n);
                    if (tx[0] != null) {
                        len = tx[0].protectRtp(buf, 0, len);
                        if (len < 0) {
                            LOG.warn(
                                    "Call {}: SRTP protect failed: {}; greeting stopped",
                                    info.callId(),
                                    SrtpStatus.name(len));
                            pos[0] = prompt.length;
                            return;
                        }
                    }
                    try {
                        rtp.send(new DatagramPacket(buf, len, peerRtp));
                        sentPackets++;
                        sentOctets += n;
                        sentTimestamp = ts[0];
                    } catch (IOException e) {
                        LOG.debug("Call {}: sending prompt failed: {}", info.callId(), e.toString());
                    }
                    pos[0] += n;
                    seq[0] = (seq[0] + 1) & 0xFFFF;
                    ts[0] = (ts[0] + n) & 0xFFFF_FFFFL;
                },
                0,
                20,
                TimeUnit.MILLISECONDS);
    }

    /**
     * An inbound SRTP context that can be replaced mid-call: after a re-key the new context is tried
     * first and the old one still accepted until the overlap ends, then dropped. Thread-confined.
     */
    private final class InboundKeys {
        SrtpSession current;
        SrtpSession old;
        Instant oldUntil = Instant.MIN;

        InboundKeys(Optional<SrtpPolicy> p) {
            current = p.map(SrtpSession::inbound).orElse(null);
        }

        void install(SrtpPolicy p) {
            old = current;
            current = SrtpSession.inbound(p);
            oldUntil = clock.instant().plus(keyOverlap);
        }

        int unprotect(byte[] buf, int len, boolean rtcpPacket) {
            int r = rtcpPacket ? current.unprotectRtcp(buf, 0, len) : current.unprotectRtp(buf, 0, len);
            if (r >= 0 || old == null) {
                return r;
            }
            if (clock.instant().isAfter(oldUntil)) {
                old = null; // the overlap is over: the old key is refused from now on
                return r;
            }
            int o = rtcpPacket ? old.unprotectRtcp(buf, 0, len) : old.unprotectRtp(buf, 0, len);
            return o >= 0 ? o : r;
        }
    }

    private void receiveRtp() {
        InboundKeys keys = new InboundKeys(inboundPolicy);
        byte[] buf = new byte[MAX_DATAGRAM];
        CallHandler.Call handler = call;
        PcmAssembler assembler = new PcmAssembler(handler::audio);
        TelephoneEvents dtmf = new TelephoneEvents();
        int dtmfType = telephoneEventType;
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        Instant started = clock.instant();
        Instant lastMedia = started;
        try {
            rtp.setSoTimeout(100);
            while (!stopped.get()) {
                Instant now = clock.instant();
                if (Duration.between(started, now).compareTo(maxLength) >= 0) {
                    endBySelf(CallEndReason.MAX_LENGTH);
                    return;
                }
                if (Duration.between(lastMedia, now).compareTo(mediaTimeout) >= 0) {
                    endBySelf(CallEndReason.MEDIA_TIMEOUT);
                    return;
                }
                dp.setLength(buf.length);
                try {
                    rtp.receive(dp);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (!fromPeer(dp, peerRtp)) {
                    continue;
                }
                SrtpPolicy next = nextInboundRtp;
                if (next != null) {
                    nextInboundRtp = null;
                    keys.install(next);
                }
                int len = dp.getLength();
                if (keys.current != null) {
                    len = keys.unprotect(buf, len, false);
                    if (len < 0) {
                        countRefusal(len);
                        continue;
                    }
                }
                Optional<RtpPacket> parsed = RtpPacket.parse(buf, 0, len);
                if (parsed.isPresent() && parsed.get().payloadType() == dtmfType) {
                    RtpPacket p = parsed.get();
                    lastMedia = clock.instant();
                    metrics.rtpReceived(1);
                    stats.update(p.sequenceNumber(), p.timestamp(), clock.millis() * 8);
                    // the repeated end packets of an event are dropped by the decoder, whatever their sequence
                    for (TelephoneEvents.Digit d : dtmf.accept(p, buf)) {
                        LOG.debug(
                                "Call {}: DTMF {} ({} ms)",
                                info.callId(),
                                d.digit(),
                                d.duration().toMillis());
                        if (!handler.dtmf(d.digit(), d.duration())) {
                            endBySelf(CallEndReason.HANDLER_ENDED);
                            return;
                        }
                    }
                    continue;
                }
                if (parsed.isEmpty()
                        || (parsed.get().payloadType() != G711.PAYLOAD_TYPE_PCMU
                                && parsed.get().payloadType() != G711.PAYLOAD_TYPE_PCMA)) {
                    otherRejected++;
                    continue; // not RTP, or comfort noise / DTMF events: not recorded
                }
                RtpPacket p = parsed.get();
                lastMedia = clock.instant();
                metrics.rtpReceived(1);
                long arrival = clock.millis() * 8;
                if (!stats.update(p.sequenceNumber(), p.timestamp(), arrival)) {
                    continue; // duplicate or late: already covered by silence
                }
                // gaps filled with silence, never more than the wall clock allows (timestamp-jump floods)
                assembler.accept(p, buf, clock.millis());
            }
        } catch (RecordingLimitException e) {
            if (!stopped.get()) {
                LOG.info("Call {}: {}", info.callId(), e.getMessage());
                endBySelf(CallEndReason.RECORDING_LIMIT);
            }
        } catch (IOException | RuntimeException e) {
            if (!stopped.get()) {
                LOG.warn("Call {}: media ended by error: {}", info.callId(), e.toString());
                endBySelf(CallEndReason.CONNECTION_LOST);
            }
        }
    }

    private void countRefusal(int status) {
        if (status == SrtpStatus.AUTH_FAILED) {
            authFailed++;
        } else if (status == SrtpStatus.REPLAYED || status == SrtpStatus.TOO_OLD) {
            replayed++;
        } else {
            otherRejected++;
        }
        metrics.srtpFailed(SrtpStatus.name(status));
    }

    private void receiveRtcp() {
        InboundKeys keys = new InboundKeys(inboundPolicy);
        byte[] buf = new byte[MAX_DATAGRAM];
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        try {
            rtcp.setSoTimeout(200);
            while (!stopped.get()) {
                dp.setLength(buf.length);
                try {
                    rtcp.receive(dp);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (!fromPeer(dp, peerRtcp) && !fromPeer(dp, peerRtp)) {
                    continue;
                }
                SrtpPolicy next = nextInboundRtcp;
                if (next != null) {
                    nextInboundRtcp = null;
                    keys.install(next);
                }
                int len = dp.getLength();
                if (keys.current != null) {
                    len = keys.unprotect(buf, len, true);
                    if (len < 0) {
                        metrics.srtpFailed("SRTCP_" + SrtpStatus.name(len));
                        continue;
                    }
                }
                long lsr = Rtcp.validate(buf, 0, len);
                if (lsr < 0) {
                    continue;
                }
                if (lsr > 0) {
                    lastSrMiddle = lsr;
                    lastSrArrivalNanos = System.nanoTime();
                }
                rtcpReceived.incrementAndGet();
            }
        } catch (IOException e) {
            if (!stopped.get()) {
                LOG.debug("Call {}: RTCP socket failed: {}", info.callId(), e.toString());
            }
        }
    }

    private SrtpSession rtcpTx;
    private int rtcpTxGeneration;

    private void sendRtcp() {
        if (stopped.get()) {
            return;
        }
        try {
            if (rtcpTxGeneration != outboundGeneration) {
                rtcpTxGeneration = outboundGeneration;
                rtcpTx = null;
            }
            if (rtcpTx == null && outboundPolicy.isPresent()) {
                rtcpTx = SrtpSession.outbound(outboundPolicy.get());
            }
            byte[] b = new byte[256];
            Rtcp.ReportBlock block = null;
            if (stats.received() > 0) {
                long dlsr = lastSrMiddle == 0 ? 0 : (System.nanoTime() - lastSrArrivalNanos) * 65536 / 1_000_000_000L;
                block = new Rtcp.ReportBlock(
                        0,
                        stats.fractionLostAndReset(),
                        stats.lost(),
                        stats.extendedHighestSequence(),
                        stats.jitter(),
                        lastSrMiddle,
                        dlsr);
            }
            int len = Rtcp.write(
                    b,
                    ssrc,
                    clock.instant(),
                    sentTimestamp,
                    sentPackets,
                    sentOctets,
                    block,
                    "umsec@" + info.callId().hashCode());
            if (rtcpTx != null) {
                len = rtcpTx.protectRtcp(b, 0, len);
                if (len < 0) {
                    return;
                }
            }
            rtcp.send(new DatagramPacket(b, len, peerRtcp));
            rtcpSent.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Call {}: sending RTCP failed: {}", info.callId(), e.toString());
        }
    }

    /**
     * Applies a mid-call SDP change (RFC 3264 §8: re-INVITE or UPDATE): the peer's media addresses, the
     * payload type this side sends, whether it sends at all (hold), and for SRTP new keys (RFC 4568
     * §7.1.4). A new inbound key is tried first from the next packet on; packets under the previous
     * inbound key are still accepted for {@code overlap} (they may be in flight), then refused. A new
     * outbound key protects every packet sent from now on.
     *
     * @param rtpPeer where the peer now wants RTP
     * @param rtcpPeer where the peer now wants RTCP
     * @param payloadType the G.711 payload type to send (0 or 8)
     * @param send whether to send media (false while the peer holds the call)
     * @param inbound the peer's new key, or empty to keep the current one
     * @param outbound this side's new key, or empty to keep the current one
     * @param overlap how long packets under the previous inbound key stay acceptable
     */
    public synchronized void renegotiate(
            InetSocketAddress rtpPeer,
            InetSocketAddress rtcpPeer,
            int payloadType,
            boolean send,
            Optional<SrtpPolicy> inbound,
            Optional<SrtpPolicy> outbound,
            Duration overlap) {
        this.peerRtp = rtpPeer;
        this.peerRtcp = rtcpPeer;
        this.sendPayloadType = payloadType;
        this.sending = send;
        this.keyOverlap = overlap;
        if (inbound.isPresent()) {
            nextInboundRtcp = inbound.get();
            nextInboundRtp = inbound.get();
        }
        if (outbound.isPresent()) {
            outboundPolicy = outbound;
            outboundGeneration++;
        }
    }

    private static boolean fromPeer(DatagramPacket dp, InetSocketAddress peer) {
        // Symmetric RTP would learn the port; the server accepts only the address the SDP named.
        return peer != null && dp.getAddress().equals(peer.getAddress());
    }

    private void endBySelf(CallEndReason reason) {
        EndListener l = endListener;
        if (l != null && endReason == null) {
            l.mediaEnded(reason);
        }
    }

    /**
     * Stops the media and hands the summary to the handler. Idempotent; the first reason wins.
     *
     * @param reason why the call ended
     * @param onEnded receives the summary after the handler's {@code end}
     */
    public void stop(CallEndReason reason, Consumer<CallSummary> onEnded) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        endReason = reason;
        stopped.set(true);
        if (promptTask != null) {
            promptTask.cancel(false);
        }
        promptDone.complete(null);
        if (rtcpTask != null) {
            rtcpTask.cancel(false);
        }
        rtp.close();
        rtcp.close();
        Thread self = Thread.currentThread();
        for (Thread t : new Thread[] {rtpThread, rtcpThread}) {
            if (t != null && t != self) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (call == null) {
            return;
        }
        CallSummary s = new CallSummary(
                info,
                reason,
                clock.instant(),
                stats.received(),
                stats.lost(),
                authFailed,
                replayed,
                otherRejected,
                rtcpReceived.get(),
                rtcpSent.get(),
                stats.jitter());
        try {
            call.end(s);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Call {}: handler failed to finish: {}", info.callId(), e.toString());
        }
        onEnded.accept(s);
    }

    /** Closes the sockets of a session that was never started. */
    public void abandon() {
        promptDone.complete(null);
        stopped.set(true);
        ended.set(true);
        rtp.close();
        rtcp.close();
    }
}
