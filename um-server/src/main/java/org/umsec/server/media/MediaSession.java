package org.umsec.server.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
 * The media of one call: an RTP channel (even port) and an RTCP channel (port + 1), plain or SRTP, on one
 * event loop of the shared {@link MediaPlane}. On that loop, with no thread of its own, a session receives
 * the caller's packets, checks their source, unprotects SRTP in place, keeps the RTP statistics, decodes
 * RFC 4733 telephone-events, and queues the G.711 payloads and key presses for its media worker, which
 * decodes them and hands them to the call handler (the recording) off the I/O threads. The loop's send timer
 * ({@link SendWheel}) also plays the handler's prompt in 20 ms packets and sends RTCP (SR or RR plus SDES)
 * at the configured interval, randomised (RFC 3550 §6.3.1). Packets go straight to the socket; one that finds
 * the socket's send buffer full is dropped and counted ({@link MetricsSink#packetsNotSent}), never waited on.
 *
 * <p>Limits: datagrams larger than {@value #MAX_DATAGRAM} bytes are truncated and so fail parsing; packets
 * from addresses other than the caller's media address are ignored (they cannot inject audio into a
 * plain-RTP call, and with SRTP they would fail authentication anyway). When the worker falls behind by
 * more than the hand-off ring holds ({@link RecordingQueue#CAPACITY} octets, about 1.7 s), packets are not
 * recorded; they are counted ({@link MetricsSink#recordingDropped}) and the gap is filled with silence,
 * and the I/O thread never waits. SRTP sessions are confined to the call's event loop.
 */
public final class MediaSession {

    private static final Logger LOG = LoggerFactory.getLogger(MediaSession.class);
    static final int MAX_DATAGRAM = 2048;
    private static final int SAMPLES_PER_PACKET = 160;
    private static final long STOP_WAIT_SECONDS = 10;

    /** Receives the outcome once, when the media ends by itself (timeout, maximum length, handler failure). */
    public interface EndListener {
        /** @param reason why the media ended */
        void mediaEnded(CallEndReason reason);
    }

    private final MediaPlane plane;
    private final EventLoop loop;
    private final MediaPlane.LoopScratch scratch;
    private final Clock clock;
    private final MetricsSink metrics;
    private final AtomicReference<Ending> ending = new AtomicReference<>();
    private final AtomicBoolean selfEnded = new AtomicBoolean();
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final CompletableFuture<CallSummary> result = new CompletableFuture<>();
    private final long ssrc;
    private final int firstSeq;
    private final long firstTs;
    private final RtpReceiveStatistics stats = new RtpReceiveStatistics();
    private final TelephoneEvents dtmf = new TelephoneEvents();
    private Channel rtp;
    private Channel rtcp;
    private DatagramOut rtpOut;
    private DatagramOut rtcpOut;
    private int port;
    private volatile boolean stopped;
    private volatile boolean started;
    private volatile CallInfo info;
    private volatile CallHandler.Call call;
    private volatile InetSocketAddress peerRtp;
    private volatile InetSocketAddress peerRtcp;
    private volatile Optional<SrtpPolicy> outboundPolicy = Optional.empty();
    private volatile int telephoneEventType = -1;
    private volatile long startedMillis;
    private volatile long maxLengthMillis;
    private volatile long timeoutMillis;
    private volatile long lastMediaMillis;
    private volatile EndListener endListener;
    private String cname = "umsec";
    // event-loop state: the loop writes, a worker or the stopping thread reads after the hand-off
    private volatile long lastSrMiddle;
    private volatile long lastSrArrivalNanos;
    private volatile long rtcpReceived;
    private volatile long rtcpSent;
    private volatile long authFailed;
    private volatile long replayed;
    private volatile long otherRejected;
    private volatile long recordingDropped;
    private volatile long sentPackets;
    private volatile long sentOctets;
    private volatile long sentTimestamp;
    private volatile long notSent;
    private volatile InboundKeys rtpKeys;
    private volatile InboundKeys rtcpKeys;
    // mid-call changes (renegotiate): picked up on the event loop, which owns the SRTP sessions
    private volatile SrtpPolicy nextInboundRtp;
    private volatile SrtpPolicy nextInboundRtcp;
    private volatile int outboundGeneration;
    private volatile long keyOverlapMillis;
    private volatile boolean sending = true;
    private volatile int sendPayloadType = -1;
    // greeting (event loop)
    private short[] prompt = new short[0];
    private int promptPos;
    private int promptSeq;
    private long promptTs;
    private boolean promptOver;
    // our SRTP/SRTCP context (event loop): one session for the SSRC's RTP and RTCP (RFC 3711 §3.2)
    private SrtpSession tx;
    private int txGeneration;
    private final java.util.concurrent.CompletableFuture<Void> promptDone =
            new java.util.concurrent.CompletableFuture<>();
    // RTCP sending (event loop)
    private long rtcpIntervalNanos;
    private long nextRtcpNanos;
    // media worker
    private final RecordingQueue queue = new RecordingQueue();
    private final Recorder recorder = new Recorder();
    private volatile boolean producerDone;

    /**
     * @param random this call's random bits: SSRC, the greeting's first sequence number and RTP timestamp
     *     (RFC 3550 §5.1, §8.1)
     */
    MediaSession(
            MediaPlane plane,
            EventLoop loop,
            MediaPlane.LoopScratch scratch,
            Clock clock,
            MetricsSink metrics,
            RtpRandom random) {
        this.plane = plane;
        this.loop = loop;
        this.scratch = scratch;
        this.clock = clock;
        this.metrics = metrics;
        this.ssrc = random.ssrc();
        this.firstSeq = random.sequence();
        this.firstTs = random.timestamp();
    }

    void bound(Channel rtpChannel, DatagramOut rtpSend, Channel rtcpChannel, DatagramOut rtcpSend, int rtpPort) {
        this.rtp = rtpChannel;
        this.rtcp = rtcpChannel;
        this.port = rtpPort;
        sendThrough(rtpSend, rtcpSend);
    }

    /** Replaces the send side of the sockets (tests: a socket whose send buffer is full); before {@link #start}. */
    void sendThrough(DatagramOut rtpSend, DatagramOut rtcpSend) {
        this.rtpOut = rtpSend;
        this.rtcpOut = rtcpSend;
    }

    ChannelHandler rtpHandler() {
        return new Receiver(false);
    }

    ChannelHandler rtcpHandler() {
        return new Receiver(true);
    }

    /**
     * Completes once the handler's prompt has been sent to its last packet (at once for an empty prompt),
     * or when the session stops first. A call the server places (play on phone) hangs up on it.
     *
     * @return the future, completed on the event loop or the stopping thread
     */
    public java.util.concurrent.CompletableFuture<Void> promptFinished() {
        return promptDone;
    }

    /** @return RTP packets sent so far (the prompt) */
    public long sentPackets() {
        return sentPackets;
    }

    /** @return RTP and RTCP packets dropped so far because the socket's send buffer was full or the send failed */
    long notSent() {
        return notSent;
    }

    /** @return the local RTP port (RTCP is this + 1) */
    public int port() {
        return port;
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
        this.outboundPolicy = outbound;
        this.maxLengthMillis = maxRecording.toMillis();
        this.timeoutMillis = timeout.toMillis();
        this.endListener = listener;
        this.cname = "umsec@" + callInfo.callId().hashCode();
        int generation = outboundGeneration;
        short[] samples = handlerCall.prompt();
        recorder.assembler = new PcmAssembler(handlerCall::audio);
        long now = clock.millis();
        startedMillis = now;
        lastMediaMillis = now;
        long interval = rtcpInterval.toMillis();
        started = true;
        plane.serve(recorder);
        loop.execute(() -> {
            if (stopped) {
                return;
            }
            // key derivation here, not on the signalling thread, which serves the connection's other calls
            rtpKeys = new InboundKeys(inbound);
            rtcpKeys = new InboundKeys(inbound);
            tx = outbound.map(SrtpSession::outbound).orElse(null);
            txGeneration = generation;
            rtp.config().setAutoRead(true);
            rtcp.config().setAutoRead(true);
            if (samples.length > 0) {
                prompt = samples;
                promptSeq = firstSeq;
                promptTs = firstTs;
            } else {
                promptDone.complete(null);
            }
            rtcpIntervalNanos = TimeUnit.MILLISECONDS.toNanos(interval);
            nextRtcpNanos = System.nanoTime() + rtcpDelay();
            scratch.wheel.add(this); // first greeting packet within one packet time, then one every 20 ms
        });
    }

    // ---- event loop: receiving -------------------------------------------------------------------

    /** Reads one channel's datagrams on the event loop; each is released here. */
    private final class Receiver extends ChannelInboundHandlerAdapter {
        private final boolean control;

        Receiver(boolean control) {
            this.control = control;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof DatagramPacket p)) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            try {
                if (control) {
                    onRtcp(p.content(), p.sender());
                } else {
                    onRtp(p.content(), p.sender());
                }
            } catch (RuntimeException e) {
                LOG.warn("Call {}: media packet failed: {}", callId(), e.toString());
            } finally {
                p.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP port unreachable on a send: the caller may come back; never close the call's socket here
            LOG.debug("Call {}: {} socket: {}", callId(), control ? "RTCP" : "RTP", cause.toString());
        }
    }

    /**
     * One received RTP datagram (event loop): source check, SRTP, statistics, DTMF, hand-off to the worker.
     * Allocates nothing for G.711 packets.
     */
    void onRtp(ByteBuf content, InetSocketAddress sender) {
        if (stopped || !fromPeer(sender, peerRtp)) {
            return;
        }
        byte[] buf = scratch.rx;
        int len = Math.min(content.readableBytes(), buf.length);
        content.getBytes(content.readerIndex(), buf, 0, len);
        InboundKeys keys = rtpKeys;
        if (keys == null) {
            return; // not started yet
        }
        SrtpPolicy next = nextInboundRtp;
        if (next != null) {
            nextInboundRtp = null;
            keys.install(next);
        }
        if (keys.current != null) {
            len = keys.unprotect(buf, len, false);
            if (len < 0) {
                countRefusal(len);
                return;
            }
        }
        long bounds = RtpPacket.bounds(buf, 0, len);
        if (bounds < 0) {
            otherRejected++;
            return; // not RTP
        }
        int pt = buf[1] & 0x7F;
        int seq = ((buf[2] & 0xFF) << 8) | (buf[3] & 0xFF);
        long ts = RtpPacket.readU32(buf, 4);
        long now = clock.millis();
        if (pt == telephoneEventType) {
            lastMediaMillis = now;
            metrics.rtpReceived(1);
            stats.update(seq, ts, now * 8);
            telephoneEvent(buf, len);
            return;
        }
        if (pt != G711.PAYLOAD_TYPE_PCMU && pt != G711.PAYLOAD_TYPE_PCMA) {
            otherRejected++;
            return; // comfort noise, other codecs: not recorded
        }
        lastMediaMillis = now;
        metrics.rtpReceived(1);
        if (!stats.update(seq, ts, now * 8)) {
            return; // duplicate or late: already covered by silence
        }
        if (!queue.offerAudio(pt, ts, now, buf, (int) (bounds >>> 32), (int) bounds)) {
            dropped();
        } else if (queue.pastHalf()) {
            recorder.readyNow(); // a burst: do not wait for the worker's next tick
        } else {
            recorder.ready();
        }
    }

    /** A telephone-event packet: the repeated end packets of an event are dropped by the decoder. */
    private void telephoneEvent(byte[] buf, int len) {
        Optional<RtpPacket> p = RtpPacket.parse(buf, 0, len);
        if (p.isEmpty()) {
            return;
        }
        for (TelephoneEvents.Digit d : dtmf.accept(p.get(), buf)) {
            LOG.debug(
                    "Call {}: DTMF {} ({} ms)",
                    callId(),
                    d.digit(),
                    d.duration().toMillis());
            if (!queue.offerDtmf(
                    d.digit(), (int) Math.min(Integer.MAX_VALUE, d.duration().toMillis()))) {
                dropped();
            } else {
                recorder.ready();
            }
        }
    }

    private void dropped() {
        recordingDropped++;
        metrics.recordingDropped(1);
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

    /** One received RTCP datagram (event loop). */
    void onRtcp(ByteBuf content, InetSocketAddress sender) {
        if (stopped || (!fromPeer(sender, peerRtcp) && !fromPeer(sender, peerRtp))) {
            return;
        }
        InboundKeys keys = rtcpKeys;
        if (keys == null) {
            return;
        }
        byte[] buf = scratch.rx;
        int len = Math.min(content.readableBytes(), buf.length);
        content.getBytes(content.readerIndex(), buf, 0, len);
        SrtpPolicy next = nextInboundRtcp;
        if (next != null) {
            nextInboundRtcp = null;
            keys.install(next);
        }
        if (keys.current != null) {
            len = keys.unprotect(buf, len, true);
            if (len < 0) {
                metrics.srtpFailed(srtcpStatus(len));
                return;
            }
        }
        long lsr = Rtcp.validate(buf, 0, len);
        if (lsr < 0) {
            return;
        }
        if (lsr > 0) {
            lastSrMiddle = lsr;
            lastSrArrivalNanos = System.nanoTime();
        }
        rtcpReceived++;
    }

    private static final String[] SRTCP_STATUS = new String[16];

    static {
        for (int i = 1; i < SRTCP_STATUS.length; i++) {
            SRTCP_STATUS[i] = "SRTCP_" + SrtpStatus.name(-i);
        }
    }

    private static String srtcpStatus(int status) {
        return -status < SRTCP_STATUS.length ? SRTCP_STATUS[-status] : "SRTCP_" + SrtpStatus.name(status);
    }

    /**
     * An inbound SRTP context that can be replaced mid-call: after a re-key the new context is tried
     * first and the old one still accepted until the overlap ends, then dropped. Confined to the event loop.
     */
    private final class InboundKeys {
        SrtpSession current;
        SrtpSession old;
        long oldUntil = Long.MIN_VALUE;

        InboundKeys(Optional<SrtpPolicy> p) {
            current = p.map(SrtpSession::inbound).orElse(null);
        }

        void install(SrtpPolicy p) {
            old = current;
            current = SrtpSession.inbound(p);
            oldUntil = clock.millis() + keyOverlapMillis;
        }

        int unprotect(byte[] buf, int len, boolean rtcpPacket) {
            int r = rtcpPacket ? current.unprotectRtcp(buf, 0, len) : current.unprotectRtp(buf, 0, len);
            if (r >= 0 || old == null) {
                return r;
            }
            if (clock.millis() > oldUntil) {
                old = null; // the overlap is over: the old key is refused from now on
                return r;
            }
            int o = rtcpPacket ? old.unprotectRtcp(buf, 0, len) : old.unprotectRtp(buf, 0, len);
            return o >= 0 ? o : r;
        }
    }

    // ---- event loop: sending ---------------------------------------------------------------------

    /**
     * The loop's send timer ({@link SendWheel}) visits a started session every 20 ms: the next greeting packet
     * while the prompt lasts, an RTCP report when one is due.
     *
     * @param nowNanos the tick's {@link System#nanoTime()}
     * @return false once the session is stopped: it leaves the timer, and nothing is sent for it any more
     */
    boolean onTick(long nowNanos) {
        if (stopped) {
            promptDone.complete(null);
            return false;
        }
        if (promptPos < prompt.length) {
            try {
                sendPrompt();
            } catch (RuntimeException e) {
                LOG.warn("Call {}: greeting stopped: {}", callId(), e.toString());
                promptPos = prompt.length;
            }
        } else if (!promptOver) {
            promptOver = true; // one packet time after the last packet, as a player would finish it
            promptDone.complete(null);
        }
        if (nowNanos - nextRtcpNanos >= 0) {
            nextRtcpNanos = nowNanos + rtcpDelay();
            sendRtcp();
        }
        return true;
    }

    /**
     * The time to the next RTCP report: the configured interval times a random factor in [0.5, 1.5), so that
     * the reports of calls set up together do not stay in step (RFC 3550 §6.3.1, §6.3.5).
     */
    private long rtcpDelay() {
        return rtcpIntervalNanos / 2 + (long) (ThreadLocalRandom.current().nextDouble() * rtcpIntervalNanos);
    }

    /** @return the SRTP context for what this side sends, new after a re-key (RFC 4568 §7.1.4); null: plain RTP */
    private SrtpSession outboundKeys() {
        int generation = outboundGeneration; // read before the policy: renegotiate writes the policy first
        if (txGeneration != generation) {
            txGeneration = generation;
            tx = outboundPolicy.map(SrtpSession::outbound).orElse(null);
        }
        return tx;
    }

    /** One 20 ms greeting packet (event loop, every 20 ms until the prompt is over). */
    private void sendPrompt() {
        int n = Math.min(SAMPLES_PER_PACKET, prompt.length - promptPos);
        int pt = sendPayloadType >= 0 ? sendPayloadType : info.payloadType();
        if (!sending) {
            promptPos += n; // on hold: the prompt plays on in silence
            promptTs = (promptTs + n) & 0xFFFF_FFFFL;
            return;
        }
        byte[] payload = scratch.payload;
        byte[] buf = scratch.tx;
        G711.encode(pt, prompt, promptPos, n, payload, 0);
        int len = RtpPacket.write(buf, 0, pt, promptPos == 0, promptSeq, promptTs, ssrc, payload, 0, n);
        SrtpSession keys = outboundKeys();
        if (keys != null) {
            len = keys.protectRtp(buf, 0, len);
            if (len < 0) {
                LOG.warn("Call {}: SRTP protect failed: {}; greeting stopped", callId(), SrtpStatus.name(len));
                promptPos = prompt.length;
                return;
            }
        }
        if (send(rtpOut, buf, len, peerRtp)) {
            sentPackets++;
            sentOctets += n;
        }
        sentTimestamp = promptTs;
        promptPos += n;
        promptSeq = (promptSeq + 1) & 0xFFFF;
        promptTs = (promptTs + n) & 0xFFFF_FFFFL;
    }

    /** An RTCP report (event loop, every {@code rtcpInterval}, randomised). */
    private void sendRtcp() {
        try {
            byte[] b = scratch.tx;
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
            int len = Rtcp.write(b, ssrc, clock.instant(), sentTimestamp, sentPackets, sentOctets, block, cname);
            SrtpSession keys = outboundKeys();
            if (keys != null) {
                len = keys.protectRtcp(b, 0, len);
                if (len < 0) {
                    return;
                }
            }
            if (send(rtcpOut, b, len, peerRtcp)) {
                rtcpSent++;
            }
        } catch (RuntimeException e) {
            LOG.debug("Call {}: sending RTCP failed: {}", callId(), e.toString());
        }
    }

    /**
     * Copies a packet into the loop's direct buffer and writes it to the socket (event loop). A packet that
     * finds the send buffer full, or that the system refuses, is dropped and counted; nothing waits.
     *
     * @return whether the packet was sent
     */
    private boolean send(DatagramOut out, byte[] buf, int len, InetSocketAddress to) {
        if (to == null || !out.isOpen()) {
            return false;
        }
        ByteBuffer direct = scratch.direct;
        direct.clear().put(0, buf, 0, len); // absolute: bounded by the limit, which a NIO send moved
        try {
            if (out.send(direct, len, to)) {
                return true;
            }
        } catch (IOException e) {
            // e.g. no route to the caller: RTP is best effort, the caller may come back
            LOG.debug("Call {}: sending to {} failed: {}", callId(), to, e.toString());
        }
        notSent++; // written on this loop only
        metrics.packetsNotSent(1);
        return false;
    }

    // ---- signalling threads ----------------------------------------------------------------------

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
        this.keyOverlapMillis = overlap.toMillis();
        if (inbound.isPresent()) {
            nextInboundRtcp = inbound.get();
            nextInboundRtp = inbound.get();
        }
        if (outbound.isPresent()) {
            outboundPolicy = outbound;
            outboundGeneration++;
        }
    }

    private static boolean fromPeer(InetSocketAddress sender, InetSocketAddress peer) {
        // Symmetric RTP would learn the port; the server accepts only the address the SDP named.
        return peer != null && sender != null && sender.getAddress().equals(peer.getAddress());
    }

    private void endBySelf(CallEndReason reason) {
        EndListener l = endListener;
        if (l != null && ending.get() == null && selfEnded.compareAndSet(false, true)) {
            l.mediaEnded(reason);
        }
    }

    private String callId() {
        CallInfo i = info;
        return i == null ? "(not started)" : i.callId();
    }

    /**
     * Stops the media without waiting for it: the sockets are closed on the call's event loop, the call's
     * media worker hands every packet received before to the handler, and then the handler's {@code end}
     * (for a recording: the file closed, forced to disk and its metadata written) runs on {@code ender}. No
     * thread waits for any of this. Idempotent: the first reason wins, and every call returns the same stage.
     * With epoll the ports are free again when the stage completes; with NIO the JDK frees them when the
     * loop's selector next runs, which the end waits for once (milliseconds).
     *
     * @param reason why the call ended
     * @param ender runs the handler's {@code end} (blocking file I/O); when it refuses the task (it is shut
     *     down), the end runs on the media worker instead, so no recording is lost
     * @return completes with the summary after the handler's {@code end} returned (or failed: logged); with
     *     null at once for a session that was never started (no handler, nothing to summarise)
     */
    public CompletionStage<CallSummary> stopAsync(CallEndReason reason, Executor ender) {
        Objects.requireNonNull(ender, "ender");
        if (begin(reason, ender)) {
            scheduleClose();
            if (!started) {
                result.complete(null);
            } else if (recorder.orphaned) {
                finish(); // the workers are gone: nobody else will
            }
        }
        return result;
    }

    /**
     * Stops the media and hands the summary to the handler, waiting for it: {@link #stopAsync} with the
     * handler's {@code end} run on the calling thread. Idempotent; the first reason wins (a later call returns
     * at once). Returns after the sockets are closed and every packet received before was handed to the
     * handler, then its {@code end}. With epoll the ports are free again when it returns; with NIO the JDK
     * frees them when the loop's selector next runs, which this waits for once (milliseconds). A media worker
     * that does not finish within {@value #STOP_WAIT_SECONDS} s (a handler stuck in {@code audio}) is logged
     * and the call ended without it.
     *
     * @param reason why the call ended
     * @param onEnded receives the summary after the handler's {@code end} (not called for a session that was
     *     never started)
     */
    public void stop(CallEndReason reason, Consumer<CallSummary> onEnded) {
        if (!started || recorder.onOwnWorker() || plane.detachedWorkers()) {
            stopHere(reason, onEnded);
            return;
        }
        HandOff handOff = new HandOff();
        if (!begin(reason, handOff)) {
            return;
        }
        scheduleClose();
        if (recorder.orphaned) {
            finish();
        }
        Runnable end = handOff.await(STOP_WAIT_SECONDS);
        if (end == null) {
            LOG.warn(
                    "Call {}: its media worker did not finish within {} s; ending it anyway",
                    callId(),
                    STOP_WAIT_SECONDS);
            finish(); // unless the worker is finishing it this very moment: then its hand-off follows at once
            end = handOff.await(STOP_WAIT_SECONDS);
        }
        if (end != null) {
            end.run();
            onEnded.accept(result.join());
        }
    }

    /**
     * The blocking stop where no worker can be waited for: the call's own worker (a handler that ends its
     * call), a plane whose worker side the caller runs ({@link #workerTick}), a session never started.
     */
    private void stopHere(CallEndReason reason, Consumer<CallSummary> onEnded) {
        if (!begin(reason, Runnable::run)) {
            return;
        }
        closeAndWait();
        if (!started) {
            result.complete(null);
            return;
        }
        recorder.drainInline(); // after the close on the loop: nothing more is queued
        finish(); // the handler's end runs here
        CallSummary s = result.getNow(null);
        if (s != null) {
            onEnded.accept(s);
        }
    }

    /** Why and where a call ends; set once, by the first stop. */
    private record Ending(CallEndReason reason, Executor ender) {}

    private boolean begin(CallEndReason reason, Executor ender) {
        if (!ending.compareAndSet(null, new Ending(reason, ender))) {
            return false;
        }
        stopped = true;
        promptDone.complete(null);
        return true;
    }

    /**
     * Builds the summary and hands the handler's {@code end} to the ender; once per call. Called by the worker
     * once the event loop is done with the call and the queue is drained, or when the call ends without it.
     */
    private void finish() {
        Ending e = ending.get();
        if (e == null || !finishing.compareAndSet(false, true)) {
            return;
        }
        if (recordingDropped > 0) {
            LOG.warn(
                    "Call {}: {} packets were not recorded: the media workers fell behind (recording queue full)",
                    callId(),
                    recordingDropped);
        }
        CallSummary s = new CallSummary(
                info,
                e.reason(),
                clock.instant(),
                stats.received(),
                stats.lost(),
                authFailed,
                replayed,
                otherRejected,
                rtcpReceived,
                rtcpSent,
                stats.jitter());
        Runnable end = () -> {
            try {
                call.end(s);
            } catch (IOException | RuntimeException x) {
                LOG.warn("Call {}: handler failed to finish: {}", callId(), x.toString());
            } finally {
                result.complete(s);
            }
        };
        try {
            e.ender().execute(end);
        } catch (RejectedExecutionException x) {
            end.run(); // the ender is shut down (server stopping): finish here rather than lose the recording
        }
    }

    /** Hands the handler's {@code end} from the thread that finishes the call to the one waiting in stop. */
    private static final class HandOff implements Executor {
        private final CompletableFuture<Runnable> task = new CompletableFuture<>();

        @Override
        public void execute(Runnable r) {
            task.complete(r);
        }

        /** @return the end to run, or null when it did not come in time */
        Runnable await(long seconds) {
            try {
                return task.get(seconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return task.getNow(null);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e); // never completed exceptionally
            }
        }
    }

    /**
     * Runs the worker side once on the calling thread: hands the queued packets to the handler and checks the
     * time limits. Only for a plane built with {@link MediaPlane.Builder#detachedWorkers()} (benchmarks).
     *
     * @return true once the session is finished
     */
    boolean workerTick() {
        return recorder.check();
    }

    /** Event loop: cancels the timers and closes both channels. */
    private void closeChannels() {
        // the send timer drops the session at its next visit (stopped is set): nothing is sent after this
        if (rtp != null) {
            rtp.close();
        }
        if (rtcp != null) {
            rtcp.close();
        }
    }

    /** The event loop is done with the call: its worker drains what is left and finishes it. */
    private void producerFinished() {
        producerDone = true; // after this, the loop hands nothing more to the worker
        recorder.readyNow();
    }

    /** Closes the channels on the event loop without waiting; then the worker finishes the call. */
    private void scheduleClose() {
        Runnable close = () -> {
            closeChannels();
            if (plane.nativeTransport()) {
                producerFinished();
            } else {
                // NIO: the JDK releases a closed channel's port when the selector next runs. A task scheduled
                // from a task runs only after the loop's next select, so the call ends with its ports free.
                try {
                    loop.schedule(this::producerFinished, 0, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    producerFinished(); // the loop is shutting down
                }
            }
        };
        try {
            if (loop.inEventLoop()) {
                close.run();
            } else {
                loop.execute(close);
            }
        } catch (RejectedExecutionException e) {
            // the plane is shutting down: its loops close the channels anyway
            closeChannels();
            producerFinished();
        }
    }

    /** Closes the channels on the event loop and waits for it (and with NIO for the port's release). */
    private void closeAndWait() {
        Runnable close = () -> {
            closeChannels();
            producerFinished();
        };
        if (loop.inEventLoop()) {
            close.run();
            return;
        }
        try {
            loop.submit(close).awaitUninterruptibly(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            if (!plane.nativeTransport()) {
                // NIO: the JDK releases a closed channel's port when the selector next runs; let it run once
                loop.submit(() -> {}).awaitUninterruptibly(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (RejectedExecutionException e) {
            close.run(); // the plane is shutting down: its loops close the channels anyway
        }
    }

    /** Closes the sockets of a session that was never started, and waits for it. */
    public void abandon() {
        if (begin(CallEndReason.SETUP_FAILED, Runnable::run)) {
            closeAndWait();
            result.complete(null);
        }
    }

    // ---- media worker ----------------------------------------------------------------------------

    /**
     * The worker's side of the session: drains the hand-off ring into the handler when the loop marked it
     * ready, checks the time limits, and finishes the call once the loop is done with it.
     */
    private final class Recorder extends MediaWorkers.Task implements RecordingQueue.Consumer {
        PcmAssembler assembler;
        private boolean handlerDone;
        /** The workers stopped (or failed) while the call was up: its stop must not wait for them. */
        volatile boolean orphaned;

        @Override
        boolean serve() {
            boolean last = producerDone; // read first: every record published before it is drained below
            queue.drain(this);
            if (last) {
                finish();
                return true;
            }
            return false;
        }

        @Override
        boolean check() {
            if (serve()) {
                return true;
            }
            if (!stopped && !selfEnded.get()) {
                long now = clock.millis();
                if (now - startedMillis >= maxLengthMillis) {
                    endBySelf(CallEndReason.MAX_LENGTH);
                } else if (now - lastMediaMillis >= timeoutMillis) {
                    endBySelf(CallEndReason.MEDIA_TIMEOUT);
                }
            }
            return false;
        }

        @Override
        void abort() {
            orphaned = true;
            finish(); // a call being stopped ends without its worker; one still up ends at its stop
        }

        void drainInline() {
            queue.drain(this);
        }

        @Override
        public void audio(int payloadType, long timestamp, long arrivalMillis, byte[] buf, int off, int len) {
            if (handlerDone) {
                return;
            }
            try {
                // gaps filled with silence, never more than the wall clock allows (timestamp-jump floods)
                assembler.accept(payloadType, timestamp, buf, off, len, arrivalMillis);
            } catch (RecordingLimitException e) {
                handlerDone = true;
                if (!stopped) {
                    LOG.info("Call {}: {}", callId(), e.getMessage());
                    endBySelf(CallEndReason.RECORDING_LIMIT);
                }
            } catch (IOException | RuntimeException e) {
                failed(e);
            }
        }

        @Override
        public void dtmf(char digit, int durationMillis) {
            if (handlerDone) {
                return;
            }
            try {
                if (!call.dtmf(digit, Duration.ofMillis(durationMillis))) {
                    handlerDone = true;
                    endBySelf(CallEndReason.HANDLER_ENDED);
                }
            } catch (IOException | RuntimeException e) {
                failed(e);
            }
        }

        private void failed(Exception e) {
            handlerDone = true;
            if (!stopped) {
                LOG.warn("Call {}: media ended by error: {}", callId(), e.toString());
                endBySelf(CallEndReason.CONNECTION_LOST);
            }
        }
    }
}
