package org.umsec.server.call;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.server.call.GatewayRouting.Route;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.MediaSession;
import org.umsec.sip.DialogId;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipParseException;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.dialog.Dialog;
import org.umsec.sip.dialog.DialogBinding;
import org.umsec.sip.dialog.DialogEnd;
import org.umsec.sip.dialog.DialogHandler;
import org.umsec.sip.dialog.DialogLayer;
import org.umsec.sip.transaction.ResponseListener;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.TransportConnection;

/**
 * The SIP application of the server, on um-sip's dialog layer. The transport has already refused
 * untrusted TLS peers, untrusted TCP sources and SDES keys over TCP (R5, R17, R19); the dialog layer has
 * refused in-dialog requests that match no dialog or come from another peer or a weaker transport. This
 * class decides which gateway a peer is and whether its dial plan's mode allows the call (R1, R2),
 * admits the call within the server's and the gateway's limits, answers with SDP (and the server's own
 * SDES keys), sets up the media, applies mid-call offers (hold, codec change, re-keying) and ends calls.
 *
 * <p>A new call is built completely (dialog, media sockets, the handler's recording, the answer) before it
 * is registered and answered; any failure on the way undoes every step and answers 500. Limits: at most
 * {@value ServerConfiguration#MAX_CALLS} calls in progress, at most {@code server.callsPerGateway} per
 * gateway; more get 503 with Retry-After and event {@link SecurityEventType#CALL_LIMIT_REACHED}.
 *
 * <p>Overload (beyond the server's capacity, issue 13): {@link #shed} refuses a new INVITE with 503 and
 * Retry-After {@value #OVERLOAD_RETRY_AFTER_SECONDS} before the transaction layer sees it, when new INVITEs
 * have waited longer than {@code server.maxQueueDelayMillis} for the signalling thread for that long (a
 * standing queue, not a burst: {@code StandingQueue}) or when
 * {@code server.maxSetupsInProgress} answered calls still await their ACK. Nothing is built for such a
 * request (no transaction, dialog, media or recording) and nothing is logged per request; event
 * {@link SecurityEventType#SERVER_OVERLOADED} (at most one a second, with the count) and the
 * {@code overload} reason of the rejected-calls metric report it. Requests of calls already taken (ACK,
 * BYE, re-INVITE) are never shed, so the calls admitted complete: completed calls per second stay near
 * capacity however many more are offered, instead of every call being answered too late.
 *
 * <p>Thread-safe. Wire it as:
 * <pre>{@code
 * CallController calls = new CallController(context);
 * TransactionLayer tl = TransactionLayer.builder().handler(calls.dialogs()).scheduler(context.timers()).build();
 * calls.attach(tl);
 * }</pre>
 */
public final class CallController implements DialogHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CallController.class);
    private static final String ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE";
    private static final int MAX_DETAIL = 200;
    /** Retry-After of the 503 to a new INVITE refused because the server is overloaded. */
    static final int OVERLOAD_RETRY_AFTER_SECONDS = 2;
    /** Least time between two {@link SecurityEventType#SERVER_OVERLOADED} events. */
    private static final long OVERLOAD_EVENT_INTERVAL_MILLIS = 1000;

    private final CallContext ctx;
    private final DialogLayer dialogs;
    private final Admission admission = new Admission(ServerConfiguration.MAX_CALLS);
    private final ConcurrentHashMap<DialogId, ActiveCall> calls = new ConcurrentHashMap<>();
    private volatile TransactionLayer layer;
    private volatile GatewayRouting routing;
    /** Calls answered with 200 OK whose ACK has not arrived yet (server.maxSetupsInProgress). */
    private final AtomicInteger awaitingAck = new AtomicInteger();

    /** Calls ended whose handler's end has not completed yet (UmsecServer.stop waits for them). */
    private final AtomicInteger endsInProgress = new AtomicInteger();

    private final StandingQueue queue = new StandingQueue();
    /** INVITEs shed since the last SERVER_OVERLOADED event. */
    private final AtomicLong shedSinceEvent = new AtomicLong();

    private final Object overloadEventLock = new Object();
    private long lastOverloadEvent = Long.MIN_VALUE;

    /**
     * @param context the server's parts; the ACK timeout of the configuration in force now sets T1
     *     (64·T1 = ACK timeout, RFC 3261 §13.3.1.4)
     */
    public CallController(CallContext context) {
        this.ctx = context;
        Duration t1 = context.configuration().ackTimeout().dividedBy(64);
        if (t1.isZero()) {
            t1 = Duration.ofMillis(1);
        }
        this.dialogs = DialogLayer.builder()
                .handler(this)
                .scheduler(context.timers())
                .events(context.events())
                .clock(context.clock())
                .t1(t1)
                .t2(t1.multipliedBy(8))
                .peerIdentity(this::dialogPeer)
                .build();
    }

    /**
     * The dialog layer's rule for who sent an in-dialog request: the asserted gateway behind a configured
     * edge proxy, the connection's proven peer otherwise ({@link EdgeAssertion}).
     */
    private String dialogPeer(SipRequest req, SipConnection c) {
        TransportConnection conn = (TransportConnection) c;
        EdgeAssertion.Sender sender = sender(req, conn);
        if (sender.kind() == EdgeAssertion.Kind.IGNORED && req.to().tag().isPresent()) {
            ignored(req, conn, sender); // out-of-dialog requests are reported by onRequest
        }
        return sender.dialogPeer(conn);
    }

    private EdgeAssertion.Sender sender(SipRequest req, TransportConnection conn) {
        return EdgeAssertion.of(req, conn, ctx.configuration().edgeProxies());
    }

    /** @return the dialog layer to install as the transaction layer's request handler */
    public DialogLayer dialogs() {
        return dialogs;
    }

    /** @param l the transaction layer this controller answers through (used for the BYEs it sends) */
    public void attach(TransactionLayer l) {
        this.layer = l;
    }

    /** @return calls in progress */
    public int activeCalls() {
        return calls.size();
    }

    /** @return calls answered with 200 OK whose ACK has not arrived yet */
    public int setupsInProgress() {
        return awaitingAck.get();
    }

    /** @return call slots taken (calls in progress plus calls being set up) */
    int slotsInUse() {
        return admission.inUse();
    }

    /**
     * A signalling connection closed: its dialogs end and so its calls (the peer vanished), their
     * recordings kept.
     *
     * @param connection the connection
     */
    public void connectionClosed(SipConnection connection) {
        dialogs.connectionClosed(connection);
    }

    /**
     * Ends every call with BYE.
     *
     * @param reason why
     */
    public void endAll(CallEndReason reason) {
        for (ActiveCall c : new ArrayList<>(calls.values())) {
            end(c, reason, true);
        }
    }

    /** A call in progress: its dialog, gateway, media, slot and the SDP state of the session. */
    private static final class ActiveCall {
        final Dialog dialog;
        final TransportConnection conn;
        final Route route;
        final CallInfo info;
        final MediaSession media;
        final Admission.Slot slot;
        final String sessionId = SdpNegotiation.newSessionId();
        volatile SdpNegotiation.Media session;
        volatile String answerSdp;
        long sdpVersion = 1;
        /** CSeq of a re-INVITE without SDP answered with our offer: its ACK carries the answer (RFC 3264 §5). */
        long lateOfferCSeq = -1;

        boolean ended;
        boolean accepted;
        /** Counted in {@code awaitingAck}: answered, no ACK yet. */
        boolean awaitingAck;

        boolean acked;

        ActiveCall(
                Dialog dialog,
                TransportConnection conn,
                Route route,
                CallInfo info,
                MediaSession media,
                Admission.Slot slot,
                SdpNegotiation.Media session) {
            this.dialog = dialog;
            this.conn = conn;
            this.route = route;
            this.info = info;
            this.media = media;
            this.slot = slot;
            this.session = session;
        }
    }

    private GatewayRouting routing(ServerConfiguration c) {
        GatewayRouting r = routing;
        if (r == null || !r.isFor(c)) {
            r = new GatewayRouting(c);
            routing = r;
        }
        return r;
    }

    // ---- DialogHandler ---------------------------------------------------------------------------

    @Override
    public void onRequest(ServerTransaction tx) {
        TransportConnection conn = (TransportConnection) tx.connection();
        EdgeAssertion.Sender sender = sender(tx.request(), conn);
        if (sender.kind() == EdgeAssertion.Kind.IGNORED) {
            ignored(tx.request(), conn, sender);
        }
        switch (tx.request().method()) {
            case SipRequest.OPTIONS -> options(tx, conn, sender);
            case SipRequest.INVITE -> invite(tx, conn, sender);
            default -> tx.respond(tx.createResponse(405).header("Allow", ALLOW).build());
        }
    }

    /**
     * Load shedding, called for every message a connection delivers before the transaction layer sees
     * it: a new INVITE (no To tag) that waited longer than {@code server.maxQueueDelayMillis} for the
     * signalling thread while the queue has stood above that for as long ({@code StandingQueue}), or that
     * arrives while {@code server.maxSetupsInProgress} answered calls await their
     * ACK, is answered 503 with Retry-After at once, without a transaction (the layer's
     * {@link TransactionLayer#refuseStatelessly}), and counted. Every other message is left alone.
     *
     * @param conn the connection it came from
     * @param message the message; released here when refused, untouched otherwise
     * @param queuedNanos how long it waited for the signalling thread
     * @return whether the message was refused (and released)
     */
    public boolean shed(TransportConnection conn, SipMessage message, long queuedNanos) {
        if (!(message instanceof SipRequest r) || !r.isMethod(SipRequest.INVITE)) {
            return false;
        }
        try {
            if (r.to().tag().isPresent()) {
                return false; // a re-INVITE of a call already taken
            }
        } catch (SipParseException e) {
            return false; // only with validation off; the transaction layer drops it
        }
        ctx.metrics().inviteQueueDelay(queuedNanos);
        ServerConfiguration cfg = ctx.configuration();
        TransactionLayer l = layer;
        String why;
        if (queue.overloaded(queuedNanos, cfg.maxQueueDelay().toNanos(), System.nanoTime())) {
            why = "queue-delay";
        } else if (awaitingAck.get() >= cfg.maxSetupsInProgress()) {
            why = "setups-in-progress";
        } else {
            return false;
        }
        if (l == null) {
            return false;
        }
        ctx.metrics().callRejected("overload");
        l.refuseStatelessly(
                conn, message, 503, "Service Unavailable - server overloaded", OVERLOAD_RETRY_AFTER_SECONDS);
        overloaded(conn, why, queuedNanos, cfg);
        return true;
    }

    /** Event 3101, at most one a second, carrying how many INVITEs were shed since the previous one. */
    private void overloaded(TransportConnection conn, String why, long queuedNanos, ServerConfiguration cfg) {
        shedSinceEvent.incrementAndGet();
        long now = ctx.clock().millis();
        long refused;
        synchronized (overloadEventLock) {
            if (lastOverloadEvent != Long.MIN_VALUE && now - lastOverloadEvent < OVERLOAD_EVENT_INTERVAL_MILLIS) {
                return;
            }
            lastOverloadEvent = now;
            refused = shedSinceEvent.getAndSet(0);
        }
        publish(SecurityEvent.builder(SecurityEventType.SERVER_OVERLOADED, ctx.clock())
                .message("New calls refused with 503: server overloaded ("
                        + (why.equals("queue-delay")
                                ? "INVITE waited " + queuedNanos / 1_000_000 + " ms, server.maxQueueDelayMillis "
                                        + cfg.maxQueueDelay().toMillis()
                                : awaitingAck.get() + " answered calls await their ACK, server.maxSetupsInProgress "
                                        + cfg.maxSetupsInProgress())
                        + ")")
                .field("reason", why)
                .field("peer", conn.remoteAddress())
                .field("refused", refused)
                .field("queueDelayMillis", queuedNanos / 1_000_000)
                .field("maxQueueDelayMillis", cfg.maxQueueDelay().toMillis())
                .field("setupsInProgress", awaitingAck.get())
                .field("maxSetupsInProgress", cfg.maxSetupsInProgress())
                .field("retryAfter", OVERLOAD_RETRY_AFTER_SECONDS)
                .build());
    }

    @Override
    public void onDialogRequest(Dialog dialog, ServerTransaction tx) {
        ActiveCall c = calls.get(dialog.id());
        String method = tx.request().method();
        if (c == null) {
            dialog.respond(tx, tx.createResponse(481));
            return;
        }
        switch (method) {
            case SipRequest.INVITE, SipRequest.UPDATE -> modify(c, tx);
            case SipRequest.OPTIONS -> dialog.respond(tx, tx.createResponse(200).header("Allow", ALLOW));
            default -> dialog.respond(tx, tx.createResponse(405).header("Allow", ALLOW));
        }
    }

    /**
     * The ACK of a 2xx. After a re-INVITE without SDP it carries the caller's answer to the server's offer
     * (RFC 3264 §5): applied like a re-offer (address, ports, direction, the caller's SDES key); an ACK
     * without a usable answer ends the call with BYE ({@link CallEndReason#BAD_SDP_ANSWER}).
     */
    @Override
    public void onAck(Dialog dialog, SipRequest ack) {
        ActiveCall c = calls.get(dialog.id());
        if (c == null) {
            return;
        }
        SdpNegotiation.Media current;
        synchronized (c) {
            c.acked = true;
            if (c.awaitingAck) {
                c.awaitingAck = false;
                awaitingAck.decrementAndGet();
            }
            if (c.ended || c.lateOfferCSeq != ack.cseq().sequence()) {
                return; // the ACK of a 2xx that carried an answer: nothing to negotiate
            }
            c.lateOfferCSeq = -1;
            current = c.session;
        }
        SdpNegotiation.Outcome o = SdpNegotiation.acceptAnswer(ack, c.route.mode(), current);
        if (o.refusal() != null) {
            LOG.info(
                    "Call {}: the ACK's answer to the server's offer is unusable ({}); ending the call",
                    sanitise(ack.callId()),
                    sanitise(o.refusal().detail()));
            end(c, CallEndReason.BAD_SDP_ANSWER, true); // ending waits for nothing (stopAsync)
            return;
        }
        SdpNegotiation.Media m = o.media();
        synchronized (c) {
            if (c.ended) {
                return;
            }
            c.session = m;
        }
        c.media.renegotiate(
                m.rtpPeer(),
                m.rtcpPeer(),
                m.payloadType(),
                m.sending(),
                m.rekeyed() ? m.keys().map(SdpNegotiation.Keys::inbound) : Optional.empty(),
                Optional.empty(), // the server's key was offered unchanged
                ctx.keyOverlap());
        if (m.rekeyed()) {
            publish(SecurityEvent.builder(SecurityEventType.SRTP_REKEYED, ctx.clock())
                    .message("SDES key of the caller changed by the answer in an ACK (late offer)")
                    .field("callId", sanitise(ack.callId()))
                    .field("gateway", c.route.gateway())
                    .field("suite", m.keys().orElseThrow().suite().sdesName())
                    .field("overlap", ctx.keyOverlap())
                    .build());
        }
        LOG.info(
                "Call {}: answer in the ACK applied (late offer): {}{}",
                sanitise(ack.callId()),
                m.direction().attributeName(),
                m.rekeyed() ? ", new SRTP key of the caller" : "");
    }

    @Override
    public void onEnded(Dialog dialog, DialogEnd why) {
        ActiveCall c = calls.get(dialog.id());
        if (c == null) {
            return; // not registered yet: the INVITE's own thread sees the ended dialog and cleans up
        }
        switch (why) {
            case BYE -> end(c, CallEndReason.CALLER_HUNG_UP, false);
            case CANCELLED -> end(c, CallEndReason.CANCELLED, false);
            case CONNECTION_CLOSED -> end(c, CallEndReason.CONNECTION_LOST, false);
            case ACK_TIMEOUT -> end(c, CallEndReason.NO_ACK, true);
            case SESSION_EXPIRED -> end(c, CallEndReason.SESSION_EXPIRED, true);
            default -> end(c, CallEndReason.CONNECTION_LOST, false);
        }
    }

    // ---- requests --------------------------------------------------------------------------------

    private void options(ServerTransaction tx, TransportConnection conn, EdgeAssertion.Sender sender) {
        switch (sender.kind()) {
            case PROXY -> {} // the edge proxy's own probe (dispatcher): it is trusted, answer it
            case ASSERTED, MALFORMED -> {
                if (route(tx, conn, ctx.configuration(), sender).isEmpty()) {
                    return;
                }
            }
            default -> {
                if (routing(ctx.configuration()).candidates(conn).isEmpty()) {
                    refuseUntrusted(tx, conn);
                    return;
                }
            }
        }
        ctx.metrics().optionsAnswered();
        tx.respond(tx.createResponse(200)
                .header("Allow", ALLOW)
                .header("Accept", "application/sdp")
                .header("Supported", "timer")
                .header("Server", "umsec")
                .header("Contact", contact(conn))
                .build());
    }

    private void refuseUntrusted(ServerTransaction tx, TransportConnection conn) {
        ctx.metrics().callRejected("untrusted-peer");
        publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, ctx.clock())
                .message("Request from a peer that is not a trusted gateway refused")
                .field("peer", conn.remoteAddress())
                .field("method", tx.request().method())
                .field("transport", conn.transport())
                .field(
                        "identities",
                        conn.tls()
                                .map(t -> t.peerIdentity().presentedIdentities())
                                .orElse(List.of()))
                .build());
        tx.respond(tx.createResponse(403)
                .reason("Forbidden - not a trusted gateway")
                .build());
        // R5: the server talks only to trusted gateways; do not keep the connection of anyone else
        conn.close();
    }

    /** An initial INVITE: admission, routing, SDP answer, media setup, in this order. */
    private void invite(ServerTransaction tx, TransportConnection conn, EdgeAssertion.Sender sender) {
        if (ctx.stopping()) {
            tx.respond(tx.createResponse(503)
                    .reason("Service Unavailable - stopping")
                    .build());
            return;
        }
        ServerConfiguration cfg = ctx.configuration();
        Optional<Route> route = route(tx, conn, cfg, sender);
        if (route.isEmpty()) {
            return;
        }
        Route r = route.get();
        Optional<String> unavailable = ctx.handler().unavailable(); // e.g. disk below voicemail.minFreeBytes
        if (unavailable.isPresent()) {
            ctx.metrics().callRejected("handler-unavailable");
            tx.respond(
                    withReason(tx.createResponse(503), "Service Unavailable - " + unavailable.get(), unavailable.get())
                            .header("Retry-After", "60")
                            .build());
            return;
        }
        SdpNegotiation.Outcome offer = SdpNegotiation.negotiate(tx.request(), r.mode(), r.dialPlan(), Optional.empty());
        if (offer.refusal() != null) {
            refuse(tx, conn, r, offer.refusal());
            return;
        }
        Admission.Decision slot = admission.take(r.gateway(), cfg.callsPerGateway());
        if (slot.slot() == null) {
            refuseLimit(tx, conn, r, slot.refusal(), cfg);
            return;
        }
        setUp(tx, conn, cfg, r, offer.media(), slot.slot(), sender);
    }

    /**
     * Routing: which gateway this is, and whether the transport fits its dial plan's mode (R1, R2). Behind
     * an edge proxy the asserted gateway is routed as if it had connected itself over the proxy's mutual
     * TLS connection: it must be a gateway of a SIPSecured or Secured dial plan (the TLS listener's trust
     * list, R26); anything else is refused with 403 and event 3202, and the proxy's connection, which
     * carries other gateways' calls, stays open.
     */
    private Optional<Route> route(
            ServerTransaction tx, TransportConnection conn, ServerConfiguration cfg, EdgeAssertion.Sender sender) {
        switch (sender.kind()) {
            case PROXY -> {
                refuseAssertion(
                        tx,
                        conn,
                        sender,
                        "no-assertion",
                        "the edge proxy named no gateway (" + EdgeAssertion.HEADER + ") and is not a gateway itself");
                return Optional.empty();
            }
            case MALFORMED -> {
                refuseAssertion(tx, conn, sender, "malformed", sender.detail());
                return Optional.empty();
            }
            case ASSERTED -> {
                List<Route> asserted = routing(cfg).asserted(sender.gateway());
                if (asserted.isEmpty()) {
                    refuseAssertion(tx, conn, sender, "unknown-gateway", "no gateway has the FQDN " + sender.gateway());
                    return Optional.empty();
                }
                Optional<Route> secured =
                        asserted.stream().filter(g -> g.mode().mutualTls()).findFirst();
                if (secured.isEmpty()) {
                    Route g = asserted.get(0);
                    refuseAssertion(
                            tx,
                            conn,
                            sender,
                            "wrong-mode",
                            "gateway " + g.gateway() + " is on dial plan " + g.dialPlan() + " ("
                                    + g.mode().displayName()
                                    + "), whose calls come over TCP, not through an edge proxy");
                }
                return secured;
            }
            default -> {
                // a direct peer (an ignored assertion changes nothing): judged by its connection below
            }
        }
        List<Route> candidates = routing(cfg).candidates(conn);
        if (candidates.isEmpty()) {
            refuseUntrusted(tx, conn);
            return Optional.empty();
        }
        Optional<Route> match = candidates.stream()
                .filter(g -> g.mode().mutualTls() == conn.isSecure())
                .findFirst();
        if (match.isEmpty()) {
            Route g = candidates.get(0);
            String why = "dial plan " + g.dialPlan() + " is " + g.mode().displayName() + " and needs SIP over "
                    + (g.mode().mutualTls()
                            ? "mutual TLS (port " + ctx.tlsPort() + ")"
                            : "TCP (port " + ctx.tcpPort() + ")");
            refuse(tx, conn, g, new SdpNegotiation.Refusal("wrong-transport", 403, why, true));
        }
        return match;
    }

    /** Media setup: builds the whole call, then registers and answers it; undoes everything on failure. */
    private void setUp(
            ServerTransaction tx,
            TransportConnection conn,
            ServerConfiguration cfg,
            Route r,
            SdpNegotiation.Media m,
            Admission.Slot slot,
            EdgeAssertion.Sender sender) {
        SipRequest req = tx.request();
        Dialog dialog = null;
        MediaSession media = null;
        CallHandler.Call handlerCall = null;
        CallInfo info = null;
        ActiveCall call = null;
        try {
            dialog = dialogs.createDialog(tx, DialogBinding.of(conn, sender.dialogPeer(conn), r.mode()));
            media = ctx.mediaPlane()
                    .open(
                            InetAddress.getByName(cfg.mediaBindAddress()),
                            cfg.mediaPortMin(),
                            cfg.mediaPortMax(),
                            ctx.clock());
            info = new CallInfo(
                    req.callId(),
                    req.from().uri(),
                    req.to().uri(),
                    r.gateway(),
                    r.dialPlan(),
                    r.mode(),
                    conn.remoteAddress(),
                    m.rtpPeer(),
                    m.keys().map(k -> k.suite().sdesName()),
                    m.payloadType(),
                    ctx.clock().instant());
            m.telephoneEvent().ifPresent(media::telephoneEvents); // RFC 4733 digits, when offered
            handlerCall = ctx.handler().answer(info);
            call = new ActiveCall(dialog, conn, r, info, media, slot, m);
            call.answerSdp =
                    SdpNegotiation.answer(cfg.mediaAddress(), media.port(), m, call.sessionId, call.sdpVersion);
            SipResponse.Builder ok = tx.createResponse(200)
                    .header("Contact", contact(conn))
                    .header("Allow", ALLOW)
                    .header("Supported", "timer")
                    .header("Server", "umsec")
                    .body("application/sdp", call.answerSdp);
            ActiveCall started = call;
            media.start(
                    info,
                    handlerCall,
                    m.rtcpPeer(),
                    m.keys().map(SdpNegotiation.Keys::inbound),
                    m.keys().map(SdpNegotiation.Keys::outbound),
                    cfg.maxRecording(),
                    cfg.mediaTimeout(),
                    cfg.rtcpInterval(),
                    reason -> end(started, reason, true));
            handlerCall = null; // the media session owns it now
            if (!m.sending()) {
                media.renegotiate(
                        m.rtpPeer(),
                        m.rtcpPeer(),
                        m.payloadType(),
                        false,
                        Optional.empty(),
                        Optional.empty(),
                        Duration.ZERO);
            }
            calls.put(dialog.id(), call);
            if (!dialog.respond(tx, ok)) {
                LOG.info("Call {}: cancelled by the caller while it was being answered", req.callId());
                ctx.metrics().callRejected("cancelled");
                end(call, CallEndReason.CANCELLED, false);
                return;
            }
            synchronized (call) {
                if (!call.ended) {
                    call.accepted = true;
                    ctx.metrics().callAccepted(r.mode());
                    if (!call.acked) {
                        call.awaitingAck = true;
                        awaitingAck.incrementAndGet();
                    }
                }
            }
            // per-call lines are DEBUG: slf4j-simple writes synchronously, and every call has its .json
            LOG.debug(
                    "Call {} from {} via gateway {} accepted: dial plan {}, {}{}, {}",
                    req.callId(),
                    req.from().uri(),
                    r.gateway(),
                    r.dialPlan(),
                    r.mode().displayName(),
                    m.keys().map(k -> " " + k.suite().sdesName()).orElse(""),
                    m.payloadType() == 0 ? "PCMU" : "PCMA");
            if (!conn.isOpen()) {
                end(call, CallEndReason.CONNECTION_LOST, false);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Call {}: setup failed: {}", req.callId(), e.toString());
            if (call != null && handlerCall == null) {
                end(call, CallEndReason.SETUP_FAILED, false); // media started: end() undoes it all
            } else {
                if (handlerCall != null) {
                    finishHandler(handlerCall, info);
                }
                if (media != null) {
                    media.abandon();
                }
                if (dialog != null) {
                    dialog.terminate();
                }
                slot.release();
            }
            if (media == null && handlerCall == null && info == null && e instanceof IOException) {
                // the configured range (media.portRange) is used up: refuse new calls until ports free up
                String range = cfg.mediaPortMin() + "-" + cfg.mediaPortMax();
                ctx.events()
                        .onEvent(SecurityEvent.builder(SecurityEventType.MEDIA_PORTS_EXHAUSTED, ctx.clock())
                                .message("Call refused: no free RTP/RTCP port pair in media.portRange " + range)
                                .field("callId", req.callId())
                                .field("peer", conn.remoteAddress())
                                .field("portRange", range)
                                .field("activeCalls", calls.size())
                                .build());
                ctx.metrics().callRejected("no-media-port");
                tx.tryRespond(withReason(
                                tx.createResponse(503),
                                "Service Unavailable - no media port available",
                                "no media port available")
                        .header("Retry-After", "5")
                        .build());
                return;
            }
            String reason = media == null && e instanceof IOException
                    ? "no-media-port"
                    : handlerCall != null || info != null ? "handler-failed" : "setup-failed";
            ctx.metrics().callRejected(reason);
            tx.tryRespond(withReason(
                            tx.createResponse(500),
                            "Server Internal Error",
                            media == null ? "no media port available" : "the call could not be taken")
                    .build());
        }
    }

    private void finishHandler(CallHandler.Call handlerCall, CallInfo info) {
        try {
            handlerCall.end(new CallSummary(
                    info, CallEndReason.SETUP_FAILED, ctx.clock().instant(), 0, 0, 0, 0, 0, 0, 0, 0));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Call {}: handler failed to finish: {}", info.callId(), e.toString());
        }
    }

    /**
     * A re-INVITE or UPDATE (RFC 3264 §8, RFC 3311): a new offer changes hold, codec, media address or
     * SDES keys; without an offer it is a session refresh (RFC 4028) answered with the session as it is.
     * A refused offer leaves the session as it was (488).
     */
    private void modify(ActiveCall c, ServerTransaction tx) {
        SipRequest req = tx.request();
        Dialog d = c.dialog;
        if (req.contentLength() == 0) {
            SipResponse.Builder ok = tx.createResponse(200)
                    .header("Contact", contact(c.conn))
                    .header("Allow", ALLOW)
                    .header("Supported", "timer");
            if (req.isMethod(SipRequest.INVITE)) {
                // RFC 3264 §5, §8: our current session description is the offer (unchanged, so the same
                // o= version); the caller's answer comes in the ACK (onAck)
                synchronized (c) {
                    ok.body("application/sdp", c.answerSdp);
                    c.lateOfferCSeq = req.cseq().sequence();
                }
            }
            d.respond(tx, ok);
            return;
        }
        SdpNegotiation.Outcome o = SdpNegotiation.negotiate(req, c.route.mode(), c.route.dialPlan(), c.session.keys());
        if (o.refusal() != null) {
            SdpNegotiation.Refusal f = o.refusal();
            LOG.info("Call {}: mid-call offer refused with {}: {}", req.callId(), f.status(), sanitise(f.detail()));
            d.respond(tx, withReason(tx.createResponse(f.status()), "Not Acceptable Here", f.detail()));
            return;
        }
        SdpNegotiation.Media m = o.media();
        String sdp;
        synchronized (c) {
            if (c.ended) {
                d.respond(tx, tx.createResponse(481));
                return;
            }
            c.sdpVersion++;
            sdp = SdpNegotiation.answer(
                    ctx.configuration().mediaAddress(), c.media.port(), m, c.sessionId, c.sdpVersion);
            c.session = m;
            c.answerSdp = sdp;
        }
        c.media.renegotiate(
                m.rtpPeer(),
                m.rtcpPeer(),
                m.payloadType(),
                m.sending(),
                m.rekeyed() ? m.keys().map(SdpNegotiation.Keys::inbound) : Optional.empty(),
                m.rekeyed() ? m.keys().map(SdpNegotiation.Keys::outbound) : Optional.empty(),
                ctx.keyOverlap());
        if (m.rekeyed()) {
            publish(SecurityEvent.builder(SecurityEventType.SRTP_REKEYED, ctx.clock())
                    .message("SDES keys of a call changed by " + req.method())
                    .field("callId", sanitise(req.callId()))
                    .field("gateway", c.route.gateway())
                    .field("suite", m.keys().orElseThrow().suite().sdesName())
                    .field("overlap", ctx.keyOverlap())
                    .build());
        }
        LOG.info(
                "Call {}: {} applied: {}, {}{}",
                req.callId(),
                req.method(),
                m.direction().attributeName(),
                m.payloadType() == 0 ? "PCMU" : "PCMA",
                m.rekeyed() ? ", new SRTP keys" : "");
        d.respond(
                tx,
                tx.createResponse(200)
                        .header("Contact", contact(c.conn))
                        .header("Allow", ALLOW)
                        .header("Supported", "timer")
                        .body("application/sdp", sdp));
    }

    // ---- refusals --------------------------------------------------------------------------------

    private void refuse(ServerTransaction tx, TransportConnection conn, Route r, SdpNegotiation.Refusal f) {
        String detail = sanitise(f.detail());
        if (f.wrongMode()) {
            publish(SecurityEvent.builder(SecurityEventType.CALL_REJECTED_WRONG_MODE, ctx.clock())
                    .message("Call rejected: " + detail)
                    .field("peer", conn.remoteAddress())
                    .field("gateway", r.gateway())
                    .field("dialPlan", r.dialPlan())
                    .field("reason", f.reason())
                    .field("callId", sanitise(tx.request().callId()))
                    .build());
        }
        ctx.metrics().callRejected(f.reason());
        LOG.info(
                "Call {} from {} rejected with {}: {}",
                sanitise(tx.request().callId()),
                conn.remoteAddress(),
                f.status(),
                detail);
        String phrase = f.status() == 403 ? "Forbidden - " + detail : "Not Acceptable Here";
        tx.respond(withReason(tx.createResponse(f.status()), phrase, detail).build());
    }

    /** A configured edge proxy's assertion that is not accepted: 403 and event 3202; the connection stays. */
    private void refuseAssertion(
            ServerTransaction tx, TransportConnection conn, EdgeAssertion.Sender sender, String reason, String detail) {
        String clean = sanitise(detail);
        ctx.metrics().callRejected("edge-assertion-refused");
        publish(SecurityEvent.builder(SecurityEventType.EDGE_ASSERTION_REFUSED, ctx.clock())
                .message("Request through edge proxy " + sender.proxy() + " refused: " + clean)
                .field("peer", conn.remoteAddress())
                .field("edgeProxy", sender.proxy())
                .field("assertedGateway", sender.gateway() == null ? "" : sender.gateway())
                .field("reason", reason)
                .field("method", tx.request().method())
                .field("callId", sanitise(tx.request().callId()))
                .build());
        LOG.info(
                "{} {} through edge proxy {} refused with 403: {}",
                tx.request().method(),
                sanitise(tx.request().callId()),
                sender.proxy(),
                clean);
        tx.respond(withReason(tx.createResponse(403), "Forbidden - " + clean, clean)
                .build());
    }

    /** A gateway assertion from a peer that is not a configured edge proxy: ignored, reported (3201). */
    private void ignored(SipRequest req, TransportConnection conn, EdgeAssertion.Sender sender) {
        publish(SecurityEvent.builder(SecurityEventType.EDGE_ASSERTION_IGNORED, ctx.clock())
                .message(EdgeAssertion.HEADER + " ignored: " + sender.detail())
                .field("peer", conn.remoteAddress())
                .field("peerIdentity", DialogBinding.peerOf(conn))
                .field("transport", conn.transport())
                .field("method", req.method())
                .field("callId", sanitise(req.callId()))
                .build());
    }

    private void refuseLimit(
            ServerTransaction tx, TransportConnection conn, Route r, Admission.Refusal why, ServerConfiguration cfg) {
        boolean gateway = why == Admission.Refusal.GATEWAY_FULL;
        int limit = gateway ? cfg.callsPerGateway() : ServerConfiguration.MAX_CALLS;
        String detail = gateway
                ? "gateway " + r.gateway() + " has " + limit + " calls in progress (server.callsPerGateway)"
                : limit + " calls in progress";
        ctx.metrics().callRejected(gateway ? "gateway-call-limit" : "too-many-calls");
        publish(SecurityEvent.builder(SecurityEventType.CALL_LIMIT_REACHED, ctx.clock())
                .message("Call refused: " + detail)
                .field("peer", conn.remoteAddress())
                .field("gateway", r.gateway())
                .field("limit", limit)
                .field("scope", gateway ? "gateway" : "server")
                .field("callId", sanitise(tx.request().callId()))
                .build());
        tx.respond(withReason(tx.createResponse(503), "Service Unavailable - " + detail, detail)
                .header("Retry-After", "5")
                .build());
    }

    /**
     * Sets the reason phrase and the Warning and Reason headers from text that may come from the peer (an
     * SDP parser's message quotes the offer): control characters, quotes and backslashes are replaced
     * and the text is cut, so a response can always be built (issue 9 item 5: CR/LF in a reason turned a
     * 488 into a 500).
     */
    static SipResponse.Builder withReason(SipResponse.Builder b, String phrase, String detail) {
        String quoted = "\"" + sanitise(detail).replace('"', '\'').replace('\\', '/') + "\"";
        return b.reason(sanitise(phrase))
                .header("Warning", "399 umsec " + quoted)
                .header("Reason", "SIP;cause=" + b.status() + ";text=" + quoted);
    }

    /** @return the text with every control character replaced by a space, at most 200 characters */
    static String sanitise(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_DETAIL));
        for (int i = 0; i < s.length() && b.length() < MAX_DETAIL; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7F || Character.isISOControl(c) ? ' ' : c);
        }
        return b.toString();
    }

    private void publish(SecurityEvent e) {
        try {
            ctx.events().onEvent(e);
        } catch (RuntimeException ex) {
            LOG.warn("event listener failed", ex);
        }
    }

    // ---- ending ----------------------------------------------------------------------------------

    private void end(ActiveCall c, CallEndReason reason, boolean sendBye) {
        boolean counted;
        synchronized (c) {
            if (c.ended) {
                return;
            }
            c.ended = true;
            counted = c.accepted;
            if (c.awaitingAck) {
                c.awaitingAck = false;
                awaitingAck.decrementAndGet();
            }
        }
        calls.remove(c.dialog.id(), c);
        c.dialog.terminate();
        c.slot.release();
        TransactionLayer l = layer;
        if (sendBye && l != null && c.conn.isOpen()) {
            InetSocketAddress local = c.conn.localAddress();
            SipRequest bye = c
                    .dialog
                    .createRequest(
                            SipRequest.BYE,
                            Via.of(c.conn.transport().name(), host(local.getAddress()), local.getPort(), l.newBranch()))
                    // RFC 3326: tells the caller why the server hung up (MAX_LENGTH, MEDIA_TIMEOUT, ...)
                    .toBuilder()
                    .header("Reason", "SIP;cause=200;text=\"" + reason.name() + "\"")
                    .build();
            try {
                l.sendRequest(c.conn, bye, ResponseListener.IGNORE);
            } catch (IllegalArgumentException e) {
                LOG.debug("Call {}: BYE not sent: {}", c.info.callId(), e.toString());
            }
        }
        // Nothing here waits: the media's event loop closes the sockets, its worker drains the queue, and the
        // handler's end (recording closed and forced to disk, metadata written) runs on the call-end threads.
        endsInProgress.incrementAndGet();
        c.media.stopAsync(reason, ctx.callEnder()).whenComplete((s, failure) -> {
            try {
                if (s != null) {
                    ended(c, reason, counted, s);
                }
            } finally {
                endsInProgress.decrementAndGet(); // last: a stopping server sees the call counted
            }
        });
    }

    private void ended(ActiveCall c, CallEndReason reason, boolean counted, CallSummary s) {
        if (counted) {
            ctx.metrics().callEnded(reason);
        }
        LOG.debug(
                "Call {} ended ({}): {} packets, {} lost, {} failed authentication, {} replayed, {} s",
                c.info.callId(),
                reason,
                s.packetsReceived(),
                s.packetsLost(),
                s.authenticationFailed(),
                s.replayed(),
                s.duration().toSeconds());
    }

    /**
     * @return calls ended whose media is still being finished (queue drained, recording closed and forced to
     *     disk): the server waits for them to reach 0 before it stops
     */
    public int endsInProgress() {
        return endsInProgress.get();
    }

    private static String host(InetAddress a) {
        String h = a.getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    private static String contact(TransportConnection c) {
        InetSocketAddress local = c.localAddress();
        return "<sip:umsec@" + host(local.getAddress()) + ":" + local.getPort() + ";transport="
                + (c.isSecure() ? "tls" : "tcp") + ">";
    }
}
