package org.umsec.sip.transport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.PeerRole;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.SignallingTransport;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.codec.SipDecodeError;
import org.umsec.sip.codec.SipKeepAlive;
import org.umsec.sip.sdp.SdesTransportGuard;
import org.umsec.sip.transport.HandshakeFailureReason;
import org.umsec.sip.transport.SipPeer;
import org.umsec.sip.transport.TlsHandshakeException;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;

/**
 * The last handler of a SIP connection's pipeline and the connection seen by the application: runs
 * the checks that follow the TLS handshake, refuses untrusted TCP sources with 403 and closes them,
 * closes TCP peers that are not trusted within the pre-authentication deadline, answers RFC 5626
 * keep-alives only once the peer is trusted, refuses SDES keys on TCP with 488, answers decoder
 * errors, dispatches messages in order, pauses reading while the application or the peer falls
 * behind, and closes the connection when a re-check finds its peer no longer trusted.
 *
 * <p>State is confined to the channel's event loop, except the dispatch queue and the futures.
 */
public final class SipChannel extends ChannelDuplexHandler implements TransportConnection {
    private static final Logger LOG = LoggerFactory.getLogger(SipChannel.class);
    private static final int PAUSE_SOURCE_CHECK = 1;
    private static final int PAUSE_BACKLOG = 2;
    private static final int PAUSE_UNWRITABLE = 4;

    private final Endpoint ep;
    private final SignallingTransport transport;
    private final boolean inbound;
    private final SipPeer peer;
    private final long id;
    private final CompletableFuture<TransportConnection> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /**
     * Messages waiting for the handler executor, by lane (a hash of the Call-ID picks the lane; one lane
     * unless {@code handlerLanes} asks for more): each lane is drained in order by at most one task.
     */
    private final Lane[] lanes;
    /** Messages waiting in every lane together (reading pauses at {@code maxPendingMessages}). */
    private final AtomicInteger pending = new AtomicInteger();

    private volatile boolean backlogPaused;
    private volatile TlsSessionInfo tls;
    private volatile Channel channel;
    private int pause;
    private boolean sourceTrusted = true;
    private boolean sourceChecked = true;
    private String sourceEntry;
    private ScheduledFuture<?> preAuth;
    private boolean untrustedReported;
    private boolean received;

    /**
     * @param ep shared settings
     * @param transport TCP or TLS
     * @param inbound accepted by a server (true) or dialled by a client (false)
     * @param peer client side: the peer dialled; server side: null
     * @param id the connection id (for the trace and logs)
     */
    public SipChannel(Endpoint ep, SignallingTransport transport, boolean inbound, SipPeer peer, long id) {
        this.ep = ep;
        this.transport = transport;
        this.inbound = inbound;
        this.peer = peer;
        this.id = id;
        this.lanes = new Lane[Math.max(1, ep.handlerLanes())];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane();
        }
    }

    /** @return the connection id */
    public long id() {
        return id;
    }

    /** @return completes with this connection when it is usable (after TLS checks), fails otherwise */
    public CompletableFuture<TransportConnection> ready() {
        return ready;
    }

    // ---- TransportConnection ----

    @Override
    public SignallingTransport transport() {
        return transport;
    }

    @Override
    public boolean isInbound() {
        return inbound;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        Channel ch = channel;
        return ch == null ? null : (InetSocketAddress) ch.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel ch = channel;
        return ch == null ? null : (InetSocketAddress) ch.localAddress();
    }

    @Override
    public Optional<TlsSessionInfo> tls() {
        return Optional.ofNullable(tls);
    }

    @Override
    public void send(SipMessage message) {
        sendAsync(message).whenComplete((v, err) -> {
            if (err != null) {
                LOG.debug("send on {} failed: {}", this, err.toString());
            }
        });
    }

    @Override
    public CompletableFuture<Void> sendAsync(SipMessage message) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Channel ch = channel;
        if (transport == SignallingTransport.TCP && SdesTransportGuard.carriesSdesKeys(message)) {
            sdesRefused(message, "outbound");
            ReferenceCountUtil.release(message);
            f.completeExceptionally(
                    new IllegalStateException("SDES keys (a=crypto) are never sent over TCP; use TLS (R19)"));
            return f;
        }
        if (ch == null) {
            ReferenceCountUtil.release(message);
            f.completeExceptionally(new IllegalStateException("connection not open"));
            return f;
        }
        ch.writeAndFlush(message).addListener(w -> {
            if (w.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(w.cause());
            }
        });
        return f;
    }

    @Override
    public boolean isOpen() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    @Override
    public CompletableFuture<Void> close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
        return closed;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    @Override
    public String toString() {
        return "#" + id + " " + transport + (inbound ? " from " : " to ") + remoteAddress()
                + (peer == null ? "" : " (" + peer.host() + ")");
    }

    // ---- pipeline ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        channel = ch;
        if (inbound && transport == SignallingTransport.TCP && ep.tcpTrust() != null) {
            // R5/R26: decide once per connection whether the source is a trusted gateway's; the check
            // may wait for a (cached, bounded) name lookup, so reading waits and the I/O thread does not.
            // Until trusted, the peer has the pre-authentication deadline to send a complete request.
            setPaused(ctx, PAUSE_SOURCE_CHECK, true);
            sourceTrusted = false;
            sourceChecked = false;
            preAuth = ch.eventLoop()
                    .schedule(() -> preAuthExpired(ctx), ep.preAuthTimeout().toMillis(), TimeUnit.MILLISECONDS);
            InetAddress source = ((InetSocketAddress) ch.remoteAddress()).getAddress();
            ep.sources().match(ep.tcpTrust().get(), source).whenComplete((entry, err) -> {
                try {
                    ch.eventLoop().execute(() -> sourceDecided(ctx, err == null ? entry : null));
                } catch (RejectedExecutionException e) {
                    ch.close();
                }
            });
        }
        if (transport == SignallingTransport.TCP) {
            ready.complete(this);
        }
        super.channelActive(ctx);
    }

    private void sourceDecided(ChannelHandlerContext ctx, String entry) {
        sourceChecked = true;
        sourceTrusted = entry != null;
        sourceEntry = entry;
        if (sourceTrusted && preAuth != null) {
            preAuth.cancel(false);
        }
        // an untrusted source is read too: its first request is answered 403, then the connection closes
        setPaused(ctx, PAUSE_SOURCE_CHECK, false);
    }

    private void preAuthExpired(ChannelHandlerContext ctx) {
        if (sourceTrusted || !ctx.channel().isActive()) {
            return;
        }
        String remote = String.valueOf(ctx.channel().remoteAddress());
        if (!untrustedReported) {
            untrustedReported = true;
            ep.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, ep.clock())
                    .message("closed SIP over TCP from " + remote + ": "
                            + (sourceChecked
                                    ? "source address is not a trusted gateway's and"
                                    : "source address check unfinished and")
                            + " no complete request within "
                            + ep.preAuthTimeout().toMillis() + " ms")
                    .field("transport", "TCP")
                    .field("remote", remote)
                    .field(
                            "identities",
                            List.of(((InetSocketAddress) ctx.channel().remoteAddress())
                                    .getAddress()
                                    .getHostAddress()))
                    .field("reason", "pre-authentication deadline")
                    .build());
        }
        ctx.close();
    }

    /** @return whether the peer has been authenticated (TCP: trusted source; TLS: handshake and checks done) */
    private boolean peerTrusted() {
        if (!inbound) {
            return true;
        }
        return transport == SignallingTransport.TLS ? tls != null : sourceChecked && sourceTrusted;
    }

    /**
     * Re-checks an established inbound connection against the current trust lists and peer validator
     * (trust list update, new CRLs, removed roots); closes it with an event when the peer is no
     * longer trusted. Runs the certificate validation on the calling thread; call it off the I/O
     * threads.
     *
     * @return completes with true when the connection is being closed because of the re-check
     */
    public CompletableFuture<Boolean> revalidate() {
        Channel ch = channel;
        if (!inbound || ch == null || !ch.isActive()) {
            return CompletableFuture.completedFuture(false);
        }
        if (transport == SignallingTransport.TLS) {
            TlsSessionInfo t = tls;
            if (t == null || ep.trustManager() == null) {
                // still handshaking: it is checked against the current state when it completes
                return CompletableFuture.completedFuture(false);
            }
            PeerCheck c = ep.trustManager()
                    .check(t.peerCertificates().toArray(new X509Certificate[0]), PeerRole.CLIENT, null);
            if (c.accepted()) {
                return CompletableFuture.completedFuture(false);
            }
            ch.eventLoop().execute(() -> noLongerTrusted(ch, c.reason().name(), c.detail(), c.identities()));
            return CompletableFuture.completedFuture(true);
        }
        if (ep.tcpTrust() == null) {
            return CompletableFuture.completedFuture(false);
        }
        InetAddress source = ((InetSocketAddress) ch.remoteAddress()).getAddress();
        return ep.sources().match(ep.tcpTrust().get(), source).thenApply(entry -> {
            if (entry != null) {
                return false;
            }
            ch.eventLoop().execute(() -> {
                if (sourceChecked && sourceTrusted) {
                    sourceTrusted = false;
                    noLongerTrusted(
                            ch,
                            "SOURCE_NOT_TRUSTED",
                            "source address no longer on the TCP trust list",
                            List.of(source.getHostAddress()));
                }
            });
            return true;
        });
    }

    private void noLongerTrusted(Channel ch, String reason, String detail, List<String> identities) {
        if (!ch.isActive()) {
            return;
        }
        String remote = String.valueOf(ch.remoteAddress());
        ep.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, ep.clock())
                .message("closed established " + transport + " connection from " + remote + ": peer no longer trusted ("
                        + reason + ")")
                .field("transport", transport.name())
                .field("remote", remote)
                .field("reason", reason)
                .field("detail", LogText.escape(detail))
                .field("identities", identities)
                .field("phase", "established")
                .build());
        ch.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (preAuth != null) {
            preAuth.cancel(false);
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null && ep.trustManager() != null) {
            ep.trustManager().take(ssl.engine());
        }
        ready.completeExceptionally(new java.nio.channels.ClosedChannelException());
        closed.complete(null);
        try {
            ep.handler().onConnectionClosed(this);
        } catch (RuntimeException e) {
            LOG.warn("SIP message handler failed on close of {}", this, e);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // A server stops reading the requests of a peer that does not read its responses (so that peer
        // cannot make it buffer without bound). A client never stops reading on that account: it must go on
        // taking the responses that free the server, or two ends that both wait to write would wait forever
        // (seen with 12,000 calls in flight on one connection: both receive queues full, neither reading).
        if (inbound) {
            setPaused(ctx, PAUSE_UNWRITABLE, !ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    private void setPaused(ChannelHandlerContext ctx, int reason, boolean on) {
        int before = pause;
        pause = on ? pause | reason : pause & ~reason;
        if ((before == 0) != (pause == 0)) {
            ctx.channel().config().setAutoRead(pause == 0);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (hs.isSuccess()) {
                handshakeDone(ctx, ssl);
            } else {
                handshakeFailed(ctx, ssl, hs.cause());
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            LOG.debug("closing idle connection {}", this);
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void handshakeDone(ChannelHandlerContext ctx, SslHandler ssl) {
        SSLEngine engine = ssl.engine();
        SSLSession session = engine.getSession();
        PeerCheck check = ep.trustManager().take(engine);
        List<X509Certificate> chain;
        try {
            chain = Certificates.x509(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            chain = List.of();
        }
        PeerRole role = inbound ? PeerRole.CLIENT : PeerRole.SERVER;
        // the trust manager runs in every full handshake; no outcome means the session was resumed
        boolean resumed = check == null;
        if (check == null || !check.accepted()) {
            // Abbreviated (resumed) handshake: the trust manager did not run; check the chain now so
            // that revocation, rotation of roots and trust-list changes still apply.
            check = ep.trustManager()
                    .check(chain.toArray(new X509Certificate[0]), role, peer == null ? null : peer.host());
        } else if (inbound && ep.trustManager().matchIdentity(check.identity()).isEmpty()) {
            // The trust list changed during the handshake; R17 is decided on the current one.
            check = new PeerCheck(
                    HandshakeFailureReason.IDENTITY_NOT_TRUSTED,
                    "no identity of the certificate is on the" + " trust list: " + check.identities(),
                    check.peer(),
                    check.identity(),
                    null);
        }
        if (!check.accepted()) {
            // a refused peer must not come back on this session without a full handshake
            session.invalidate();
            refuse(ctx, check, null, resumed);
            return;
        }
        String sni = null;
        if (inbound && session instanceof ExtendedSSLSession ext) {
            try {
                for (SNIServerName n : ext.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        sni = h.getAsciiName();
                    }
                }
            } catch (UnsupportedOperationException e) {
                sni = null;
            }
        }
        if (ep.keyLog() != null) {
            ep.keyLog().record(engine);
        }
        tls = new TlsSessionInfo(
                session.getProtocol(),
                session.getCipherSuite(),
                ep.engine(),
                chain,
                check.identity(),
                check.trustedAs(),
                sni,
                resumed);
        if (LOG.isDebugEnabled()) {
            LOG.debug("TLS connection {} established: {}", this, LogText.escape(tls.toString()));
        }
        ready.complete(this);
    }

    private void handshakeFailed(ChannelHandlerContext ctx, SslHandler ssl, Throwable cause) {
        PeerCheck check = ssl == null ? null : ep.trustManager().take(ssl.engine());
        if (check == null || check.accepted()) {
            check = new PeerCheck(
                    HandshakeFailures.classify(cause),
                    HandshakeFailures.detail(cause),
                    check == null ? null : check.peer(),
                    check == null ? null : check.identity(),
                    null);
        }
        refuse(ctx, check, cause, false);
    }

    private void refuse(ChannelHandlerContext ctx, PeerCheck check, Throwable cause, boolean resumed) {
        HandshakeFailureReason reason = check.reason();
        String remote = String.valueOf(ctx.channel().remoteAddress());
        SecurityEvent.Builder e = SecurityEvent.builder(SecurityEventType.TLS_HANDSHAKE_FAILED, ep.clock())
                .message("mutual TLS " + (inbound ? "with client " : "with server ") + remote + " failed: " + reason)
                .field("reason", reason)
                .field("role", inbound ? "server" : "client")
                .field("remote", remote)
                .field("detail", LogText.escape(check.detail()))
                .field("engine", ep.engine());
        if (resumed) {
            // the session resumed, and the peer checked again on it failed
            e.field("resumed", true);
        }
        if (peer != null) {
            e.field("dialled", peer.host());
        }
        if (check.peer() != null) {
            e.field("peerCertificate", check.peerSummary());
            e.field("identities", check.identities());
        }
        ep.publish(e.build());
        if (inbound && reason == HandshakeFailureReason.IDENTITY_NOT_TRUSTED) {
            ep.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, ep.clock())
                    .message("refused TLS peer " + remote + ": certificate identities " + check.identities()
                            + " are not on the trust list")
                    .field("transport", "TLS")
                    .field("remote", remote)
                    .field("identities", check.identities())
                    .field("peerCertificate", check.peerSummary())
                    .build());
        }
        ready.completeExceptionally(
                new TlsHandshakeException(reason, LogText.escape(check.detail()), check.peerSummary(), cause));
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SipMessage m) {
            received = true;
            onMessage(ctx, m);
        } else if (msg instanceof SipDecodeError err) {
            received = true;
            LOG.debug("{}: {}", this, LogText.escape(String.valueOf(err)));
            Optional<SipResponse> r = err.errorResponse();
            boolean close = err.closeConnection() || !peerTrusted();
            if (r.isPresent()) {
                if (close) {
                    ctx.writeAndFlush(r.get()).addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.writeAndFlush(r.get());
                }
            } else if (close) {
                ctx.close();
            }
        } else if (msg instanceof SipKeepAlive k) {
            LOG.trace("{}: keep-alive {}", this, msg);
            // RFC 5626 §3.5.1 pong, but only to a trusted peer: an unknown peer gets nothing that
            // would let it keep a connection alive (the client side's decoder answers by itself)
            if (inbound && k == SipKeepAlive.PING && ep.answerKeepAlives() && peerTrusted()) {
                ctx.writeAndFlush(SipKeepAlive.PONG);
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onMessage(ChannelHandlerContext ctx, SipMessage m) {
        if (!sourceTrusted) {
            refuseUntrustedSource(ctx, m);
            ReferenceCountUtil.release(m);
            return;
        }
        if (preAuth != null) {
            preAuth.cancel(false);
        }
        if (transport == SignallingTransport.TCP && SdesTransportGuard.carriesSdesKeys(m)) {
            sdesRefused(m, "inbound");
            if (m instanceof SipRequest req && !req.isMethod(SipRequest.ACK)) {
                ctx.writeAndFlush(req.createResponse(488)
                        .reason("Not Acceptable Here (SDES keys refused over TCP, use TLS)")
                        .build());
            }
            ReferenceCountUtil.release(m);
            return;
        }
        dispatch(ctx, m);
    }

    private void refuseUntrustedSource(ChannelHandlerContext ctx, SipMessage m) {
        String remote = String.valueOf(ctx.channel().remoteAddress());
        if (!untrustedReported) {
            untrustedReported = true;
            ep.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, ep.clock())
                    .message("refused SIP over TCP from " + remote + ": source address is not a trusted gateway's")
                    .field("transport", "TCP")
                    .field("remote", remote)
                    .field(
                            "identities",
                            List.of(((InetSocketAddress) ctx.channel().remoteAddress())
                                    .getAddress()
                                    .getHostAddress()))
                    .field("first", describe(m))
                    .build());
        }
        // R26: answer, then close; an untrusted peer does not keep a slot of the connection table
        if (m instanceof SipRequest req && !req.isMethod(SipRequest.ACK)) {
            try {
                ctx.writeAndFlush(req.createResponse(403)
                                .reason("Forbidden (source address not trusted)")
                                .build())
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            } catch (IllegalArgumentException e) {
                LOG.debug("cannot build 403 for {}", this, e);
            }
        }
        ctx.close();
    }

    private void sdesRefused(SipMessage m, String direction) {
        Channel ch = channel;
        String remote = ch == null ? "" : String.valueOf(ch.remoteAddress());
        ep.publish(SecurityEvent.builder(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT, ep.clock())
                .message("SDES keys (a=crypto) " + direction + " over TCP refused; they travel over TLS only (R19)")
                .field("direction", direction)
                .field("transport", "TCP")
                .field("remote", remote)
                .field("message", describe(m))
                .build());
    }

    private static String describe(SipMessage m) {
        try {
            String callId = LogText.escape(m.headers().get("Call-ID").orElse(""));
            if (m instanceof SipRequest r) {
                return LogText.escape(r.method()) + " Call-ID " + callId;
            }
            return ((SipResponse) m).status() + " Call-ID " + callId;
        } catch (RuntimeException e) {
            return m.isRequest() ? "request" : "response";
        }
    }

    private void dispatch(ChannelHandlerContext ctx, SipMessage m) {
        Executor ex = ep.handlerExecutor();
        if (ex == null) {
            invoke(m, 0);
            return;
        }
        Lane lane = lanes.length == 1 ? lanes[0] : lanes[laneOf(m, lanes.length)];
        lane.backlog.add(new Queued(m, System.nanoTime()));
        int n = pending.incrementAndGet();
        if (n >= ep.maxPendingMessages() && !backlogPaused) {
            backlogPaused = true;
            setPaused(ctx, PAUSE_BACKLOG, true);
            // the lanes may have drained below the low mark while the flag was not yet set, and so not asked
            // for a resume: look once more (the drains read the flag after their decrement, this reads the
            // count after setting the flag, so one of the two sees the other)
            resumeIfDrained(ctx);
        }
        if (lane.queued.incrementAndGet() == 1) {
            try {
                ex.execute(() -> drain(ctx, lane));
            } catch (RejectedExecutionException e) {
                LOG.warn("handler executor refused work; closing {}", this);
                Queued q;
                while ((q = lane.backlog.poll()) != null) {
                    ReferenceCountUtil.release(q.message);
                    pending.decrementAndGet();
                }
                lane.queued.set(0);
                ctx.close();
            }
        }
    }

    /**
     * The lane of a message: a hash of its Call-ID, so that one call's messages are handled in order
     * while other calls of the connection go on in parallel; the first lane without a usable Call-ID.
     */
    public static int laneOf(SipMessage m, int lanes) {
        String callId;
        try {
            callId = m.callId();
        } catch (RuntimeException e) {
            return 0; // no Call-ID (validation off): the transaction layer refuses it in lane 0
        }
        int h = callId.hashCode() * 0x9E3779B9; // Fibonacci hashing: spreads Call-IDs that differ in one place
        return Math.floorMod(h ^ (h >>> 16), lanes);
    }

    private void drain(ChannelHandlerContext ctx, Lane lane) {
        int low = ep.maxPendingMessages() / 2;
        while (true) {
            Queued q = lane.backlog.poll();
            if (q != null) {
                invoke(q.message, System.nanoTime() - q.queuedAt);
            }
            int left = pending.decrementAndGet();
            if (backlogPaused && left <= low) {
                // the pause is decided on the event loop only (a drain that cleared the flag here could race
                // with a new pause there and leave reading paused with nothing left to drain)
                ctx.channel().eventLoop().execute(() -> resumeIfDrained(ctx));
            }
            if (lane.queued.decrementAndGet() <= 0) {
                return;
            }
        }
    }

    /** Event loop: reading resumes once the backlog is at or below half of {@code maxPendingMessages}. */
    private void resumeIfDrained(ChannelHandlerContext ctx) {
        if (backlogPaused && pending.get() <= ep.maxPendingMessages() / 2) {
            backlogPaused = false;
            setPaused(ctx, PAUSE_BACKLOG, false);
        }
    }

    /** One lane of the dispatch: its waiting messages and how many (the drain task runs while above 0). */
    private static final class Lane {
        final Queue<Queued> backlog = new ConcurrentLinkedQueue<>();
        final AtomicInteger queued = new AtomicInteger();
    }

    private void invoke(SipMessage m, long queuedNanos) {
        try {
            // the handler owns the message from here on
            ep.handler().onMessage(this, m, queuedNanos);
        } catch (RuntimeException e) {
            LOG.warn("SIP message handler failed on a message from {}", this, e);
        }
    }

    /** A message in the backlog and when it was queued (the handler learns how long it waited). */
    private static final class Queued {
        final SipMessage message;
        final long queuedAt;

        Queued(SipMessage message, long queuedAt) {
            this.message = message;
            this.queuedAt = queuedAt;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!inbound
                && transport == SignallingTransport.TLS
                && !received
                && tls != null
                && cause instanceof SSLException) {
            // TLS 1.3: the server checks our certificate after our side completed; its refusal arrives now.
            HandshakeFailureReason reason = HandshakeFailures.classify(cause);
            ep.publish(SecurityEvent.builder(SecurityEventType.TLS_HANDSHAKE_FAILED, ep.clock())
                    .message("server " + ctx.channel().remoteAddress() + " refused our certificate: " + reason)
                    .field("reason", reason)
                    .field("role", "client")
                    .field("remote", String.valueOf(ctx.channel().remoteAddress()))
                    .field("dialled", peer == null ? "" : peer.host())
                    .field("detail", HandshakeFailures.detail(cause))
                    .field("engine", ep.engine())
                    .build());
        } else {
            LOG.debug("closing {} after {}", this, cause.toString());
        }
        ctx.close();
    }
}
