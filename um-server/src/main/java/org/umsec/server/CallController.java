package org.umsec.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.CertificateIdentity;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.internal.MediaSession;
import org.umsec.server.internal.MetricsSink;
import org.umsec.server.internal.Sdes;
import org.umsec.sip.NameAddress;
import org.umsec.sip.ServerTransaction;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipRequestHandler;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.sdp.Connection;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.MediaDirection;
import org.umsec.sip.sdp.Origin;
import org.umsec.sip.sdp.SdesNegotiator;
import org.umsec.sip.sdp.SdpAttribute;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transaction.ResponseListener;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSuite;

/**
 * The SIP application of the server, behind um-sip's transport and transaction layer. The transport
 * has already refused untrusted TLS peers, untrusted TCP sources and SDES keys over TCP (R5, R17,
 * R19); this class decides which gateway a peer is, whether its dial plan's mode allows the call
 * (R1, R2), answers with SDP (and the server's own SDES keys), and tears calls down.
 */
final class CallController implements SipRequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CallController.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS";
    /** Most calls in progress at once; more are answered 503 (each call holds two sockets and two threads). */
    static final int MAX_CALLS = 1000;

    private final UmsecServer server;
    private final MetricsSink sink;
    private final ConcurrentHashMap<String, ActiveCall> calls = new ConcurrentHashMap<>();
    private volatile TransactionLayer layer;
    private volatile Routing routing;

    CallController(UmsecServer server, MetricsSink sink) {
        this.server = server;
        this.sink = sink;
    }

    /** @param l the transaction layer this controller answers through (used for the BYEs it sends) */
    void attach(TransactionLayer l) {
        this.layer = l;
    }

    int activeCalls() {
        return calls.size();
    }

    /** A call in progress. */
    private static final class ActiveCall {
        final String callId;
        final TransportConnection conn;
        final NameAddress remote;
        final NameAddress local;
        final String remoteTarget;
        final String answerSdp;
        final MediaSession media;
        final AtomicBoolean ended = new AtomicBoolean();
        volatile boolean confirmed;
        volatile ScheduledFuture<?> ackTimer;

        ActiveCall(String callId, TransportConnection conn, NameAddress remote, NameAddress local, String remoteTarget,
                String answerSdp, MediaSession media) {
            this.callId = callId;
            this.conn = conn;
            this.remote = remote;
            this.local = local;
            this.remoteTarget = remoteTarget;
            this.answerSdp = answerSdp;
            this.media = media;
        }
    }

    /** Which gateways a peer may be, for one configuration (per-gateway trust lists, built once). */
    private static final class Routing {
        final ServerConfiguration config;
        final Map<ServerConfiguration.Gateway, TrustList> lists = new IdentityHashMap<>();

        Routing(ServerConfiguration config) {
            this.config = config;
            for (ServerConfiguration.Gateway g : config.gateways()) {
                TrustList.Builder b = TrustList.builder();
                g.fqdn().ifPresent(b::add);
                g.address().ifPresent(b::add);
                lists.put(g, b.build());
            }
        }

        List<ServerConfiguration.Gateway> candidates(TransportConnection c) {
            Optional<CertificateIdentity> identity = c.tls().map(TlsSessionInfo::peerIdentity);
            List<ServerConfiguration.Gateway> out = new ArrayList<>();
            for (ServerConfiguration.Gateway g : config.gateways()) {
                TrustList t = lists.get(g);
                boolean match = c.isSecure() ? identity.isPresent() && t.matchCertificate(identity.get()).isPresent()
                        : t.isTrustedAddress(c.remoteAddress().getAddress());
                if (match) {
                    out.add(g);
                }
            }
            return out;
        }
    }

    private Routing routing() {
        ServerConfiguration c = server.configuration();
        Routing r = routing;
        if (r == null || r.config != c) {
            r = new Routing(c);
            routing = r;
        }
        return r;
    }

    // ---- transaction layer callbacks -----------------------------------------------------------

    @Override
    public void onRequest(ServerTransaction tx) {
        SipRequest req = tx.request();
        TransportConnection conn = (TransportConnection) tx.connection();
        switch (req.method()) {
            case SipRequest.OPTIONS -> options(tx, conn);
            case SipRequest.INVITE -> invite(tx, conn);
            case SipRequest.BYE -> bye(tx);
            default -> tx.respond(tx.createResponse(405).header("Allow", ALLOW).build());
        }
    }

    @Override
    public void onAck(SipRequest ack, SipConnection connection) {
        ActiveCall c = calls.get(ack.callId());
        if (c != null) {
            c.confirmed = true;
            ScheduledFuture<?> t = c.ackTimer;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    /**
     * A signalling connection closed: its calls are ended (the peer vanished), their recordings kept.
     *
     * @param conn the connection
     */
    void connectionClosed(SipConnection conn) {
        for (ActiveCall c : calls.values()) {
            if (c.conn == conn) {
                end(c, CallEndReason.CONNECTION_LOST, false);
            }
        }
    }

    // ---- requests ------------------------------------------------------------------------------

    private void options(ServerTransaction tx, TransportConnection conn) {
        if (routing().candidates(conn).isEmpty()) {
            refuseUntrusted(tx, conn);
            return;
        }
        server.metrics().optionsAnswered();
        tx.respond(tx.createResponse(200).header("Allow", ALLOW).header("Accept", "application/sdp")
                .header("Server", "umsec").header("Contact", contact(conn)).build());
    }

    private void refuseUntrusted(ServerTransaction tx, TransportConnection conn) {
        server.metrics().callRejected("untrusted-peer");
        server.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, server.clock())
                .message("Request from a peer that is not a trusted gateway refused").field("peer", conn.remoteAddress())
                .field("method", tx.request().method()).field("transport", conn.transport())
                .field("identities", conn.tls().map(t -> t.peerIdentity().presentedIdentities()).orElse(List.of()))
                .build());
        tx.respond(tx.createResponse(403).reason("Forbidden - not a trusted gateway").build());
        // R5: the server talks only to trusted gateways; do not keep the connection of anyone else
        conn.close();
    }

    private void invite(ServerTransaction tx, TransportConnection conn) {
        SipRequest req = tx.request();
        ActiveCall existing = calls.get(req.callId());
        if (existing != null) {
            // a re-INVITE: the session is unchanged, answer with the same SDP
            tx.respond(tx.createResponse(200).header("Contact", contact(conn)).header("Allow", ALLOW)
                    .body("application/sdp", existing.answerSdp).build());
            return;
        }
        if (server.stopping()) {
            tx.respond(tx.createResponse(503).reason("Service Unavailable - stopping").build());
            return;
        }
        if (calls.size() >= MAX_CALLS) {
            server.metrics().callRejected("too-many-calls");
            tx.respond(tx.createResponse(503).reason("Service Unavailable - " + MAX_CALLS + " calls in progress")
                    .header("Retry-After", "5").build());
            return;
        }
        ServerConfiguration cfg = server.configuration();
        List<ServerConfiguration.Gateway> candidates = routing().candidates(conn);
        if (candidates.isEmpty()) {
            refuseUntrusted(tx, conn);
            return;
        }
        Optional<ServerConfiguration.Gateway> match = candidates.stream()
                .filter(g -> UmsecServer.modeOf(cfg, g).mutualTls() == conn.isSecure()).findFirst();
        if (match.isEmpty()) {
            ServerConfiguration.Gateway g = candidates.get(0);
            VoipSecurityMode mode = UmsecServer.modeOf(cfg, g);
            String why = "dial plan " + g.dialPlan() + " is " + mode.displayName() + " and needs SIP over "
                    + (mode.mutualTls() ? "mutual TLS (port " + server.tlsPort() + ")" : "TCP (port " + server.tcpPort() + ")");
            rejectWrongMode(tx, conn, g, "wrong-transport", 403, "Forbidden - " + why, why);
            return;
        }
        ServerConfiguration.Gateway gateway = match.get();
        VoipSecurityMode mode = UmsecServer.modeOf(cfg, gateway);
        boolean sdp = req.contentType().map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/sdp")).orElse(false);
        if (!sdp || req.contentLength() == 0) {
            reject(tx, conn, "no-sdp-offer", 488, "Not Acceptable Here", "an SDP offer is required");
            return;
        }
        SessionDescription offer;
        try {
            offer = SessionDescription.parse(req.body());
        } catch (SdpParseException e) {
            reject(tx, conn, "bad-sdp", 488, "Not Acceptable Here", "bad SDP: " + e.getMessage());
            return;
        }
        Optional<MediaDescription> audioSection = offer.audio();
        if (audioSection.isEmpty()) {
            reject(tx, conn, "bad-sdp", 488, "Not Acceptable Here", "the offer has no audio stream");
            return;
        }
        MediaDescription audio = audioSection.get();
        Optional<Connection> connection = audio.connection().or(offer::connection);
        if (connection.isEmpty()) {
            reject(tx, conn, "bad-sdp", 488, "Not Acceptable Here", "the offer has no connection address");
            return;
        }
        Optional<Integer> pt = audio.formats().stream().filter(f -> f.equals("0") || f.equals("8"))
                .map(Integer::valueOf).findFirst();
        if (pt.isEmpty()) {
            reject(tx, conn, "no-common-codec", 488, "Not Acceptable Here", "G.711 (PCMU or PCMA) is required");
            return;
        }
        // SDES keys over plain TCP never get here: um-sip's transport answers them 488 (R19).
        boolean savp = audio.isSecureProfile();
        Optional<SrtpPolicy> inbound = Optional.empty();
        Optional<SrtpPolicy> outbound = Optional.empty();
        CryptoAttribute cryptoAnswer = null;
        String profile = "RTP/AVP";
        Optional<String> suiteName = Optional.empty();
        if (mode.mediaEncrypted()) {
            // session parameters (UNENCRYPTED_SRTCP, KDR, ...) change the media protection: not accepted
            List<CryptoAttribute> plainLines = audio.cryptos().stream().filter(c -> c.sessionParams().isEmpty()).toList();
            Optional<SdesNegotiator.Selection> sel = SdesNegotiator.answer(plainLines, Sdes.SUPPORTED, RANDOM);
            if (sel.isEmpty()) {
                String why = audio.cryptos().isEmpty() ? "no a=crypto attribute in the offer"
                        : "no usable a=crypto: " + audio.cryptos().stream().map(c -> c.suite() + " (" + Sdes.problem(c)
                                + ")").toList();
                rejectWrongMode(tx, conn, gateway, "no-sdes-crypto", 488, "Not Acceptable Here",
                        "dial plan " + gateway.dialPlan() + " is Secured and requires SRTP keyed with SDES: " + why);
                return;
            }
            SrtpSuite suite = SrtpSuite.fromSdesName(sel.get().suite().suiteName()).orElseThrow();
            try {
                inbound = Optional.of(SrtpPolicy.builder(suite).masterKey(Sdes.masterKey(sel.get().offered(), suite)).build());
            } catch (IllegalArgumentException e) {
                rejectWrongMode(tx, conn, gateway, "no-sdes-crypto", 488, "Not Acceptable Here",
                        "unusable SDES key: " + e.getMessage());
                return;
            }
            outbound = Optional.of(SrtpPolicy.builder(suite).masterKey(Sdes.masterKey(sel.get().answer(), suite)).build());
            cryptoAnswer = sel.get().answer();
            profile = savp ? audio.proto() : "RTP/SAVP";
            suiteName = Optional.of(suite.sdesName());
        } else if (savp) {
            rejectWrongMode(tx, conn, gateway, "srtp-not-allowed", 488, "Not Acceptable Here",
                    "dial plan " + gateway.dialPlan() + " is " + mode.displayName() + ": media is plain RTP");
            return;
        }
        InetSocketAddress mediaPeer;
        int rtcpPort;
        try {
            mediaPeer = new InetSocketAddress(InetAddress.getByName(ipLiteral(connection.get().address())), audio.port());
            rtcpPort = audio.attributeValues("rtcp").stream().findFirst().map(v -> Integer.parseInt(v.split(" ")[0]))
                    .orElse(audio.port() + 1);
        } catch (IOException | NumberFormatException e) {
            reject(tx, conn, "bad-sdp", 488, "Not Acceptable Here", "connection address or RTCP port is not usable");
            return;
        }
        MediaSession media;
        try {
            media = MediaSession.open(InetAddress.getByName(cfg.bindAddress()), server.clock(), server.scheduler(), sink);
        } catch (IOException e) {
            LOG.warn("Call {}: no media port: {}", req.callId(), e.toString());
            reject(tx, conn, "no-media-port", 500, "Server Internal Error", "no media port available");
            return;
        }
        String caller = req.from().uri();
        CallInfo info = new CallInfo(req.callId(), caller, req.to().uri(), gateway.name(), gateway.dialPlan(), mode,
                conn.remoteAddress(), mediaPeer, suiteName, pt.get(), server.clock().instant());
        CallHandler.Call handlerCall;
        try {
            handlerCall = server.handler().answer(info);
        } catch (IOException | RuntimeException e) {
            media.abandon();
            LOG.warn("Call {}: handler refused: {}", req.callId(), e.toString());
            reject(tx, conn, "handler-failed", 500, "Server Internal Error", "the call could not be taken");
            return;
        }
        String answerSdp = answer(cfg.mediaAddress(), media.port(), profile, pt.get(), cryptoAnswer);
        SipResponse ok = tx.createResponse(200).header("Contact", contact(conn)).header("Allow", ALLOW)
                .header("Server", "umsec").body("application/sdp", answerSdp).build();
        String target = req.contacts().isEmpty() ? caller : req.contacts().get(0).uri();
        ActiveCall call = new ActiveCall(req.callId(), conn, req.from(), ok.to(), target, answerSdp, media);
        calls.put(call.callId, call);
        server.metrics().callAccepted(mode);
        LOG.info("Call {} from {} via gateway {} accepted: dial plan {}, {}{}, {}", call.callId, caller, gateway.name(),
                gateway.dialPlan(), mode.displayName(), suiteName.map(s -> " " + s).orElse(""),
                pt.get() == 0 ? "PCMU" : "PCMA");
        media.start(info, handlerCall, new InetSocketAddress(mediaPeer.getAddress(), rtcpPort), inbound, outbound,
                cfg.maxRecording(), cfg.mediaTimeout(), cfg.rtcpInterval(), reason -> end(call, reason, true));
        call.ackTimer = server.scheduler().schedule(() -> {
            if (!call.confirmed) {
                LOG.info("Call {}: no ACK within {}; ending it", call.callId, cfg.ackTimeout());
                end(call, CallEndReason.NO_ACK, true);
            }
        }, cfg.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
        tx.respond(ok);
        if (!conn.isOpen()) {
            end(call, CallEndReason.CONNECTION_LOST, false);
        }
    }

    private static String ipLiteral(String address) {
        return address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    }

    private static String answer(String address, int port, String profile, int payloadType, CryptoAttribute crypto) {
        String ipVer = address.contains(":") ? "IP6" : "IP4";
        String id = Long.toString(Math.abs(RANDOM.nextLong() % 1_000_000_000L));
        MediaDescription.Builder m = MediaDescription.builder("audio", port, profile)
                .rtpFormat(payloadType, payloadType == 0 ? "PCMU/8000" : "PCMA/8000")
                .attribute(new SdpAttribute("rtcp", Integer.toString(port + 1))).direction(MediaDirection.SENDRECV);
        if (crypto != null) {
            m.crypto(crypto);
        }
        return SessionDescription.builder().origin(new Origin("umsec", id, id, "IN", ipVer, address))
                .sessionName("umsec").connection(new Connection("IN", ipVer, address)).media(m.build()).build().toSdp();
    }

    private void reject(ServerTransaction tx, TransportConnection conn, String reason, int status, String phrase,
            String detail) {
        server.metrics().callRejected(reason);
        LOG.info("Call {} from {} rejected with {}: {}", tx.request().callId(), conn.remoteAddress(), status, detail);
        String quoted = "\"" + detail.replace('"', '\'').replace('\\', '/') + "\"";
        tx.respond(tx.createResponse(status).reason(phrase).header("Warning", "399 umsec " + quoted)
                .header("Reason", "SIP;cause=" + status + ";text=" + quoted).build());
    }

    private void rejectWrongMode(ServerTransaction tx, TransportConnection conn, ServerConfiguration.Gateway g,
            String reason, int status, String phrase, String detail) {
        server.publish(SecurityEvent.builder(SecurityEventType.CALL_REJECTED_WRONG_MODE, server.clock())
                .message("Call rejected: " + detail).field("peer", conn.remoteAddress()).field("gateway", g.name())
                .field("dialPlan", g.dialPlan()).field("reason", reason).field("callId", tx.request().callId()).build());
        reject(tx, conn, reason, status, phrase, detail);
    }

    private void bye(ServerTransaction tx) {
        ActiveCall c = calls.get(tx.request().callId());
        if (c == null) {
            tx.respond(tx.createResponse(481).build());
            return;
        }
        tx.respond(tx.createResponse(200).build());
        end(c, CallEndReason.CALLER_HUNG_UP, false);
    }

    private void end(ActiveCall c, CallEndReason reason, boolean sendBye) {
        if (!c.ended.compareAndSet(false, true)) {
            return;
        }
        calls.remove(c.callId, c);
        ScheduledFuture<?> t = c.ackTimer;
        if (t != null) {
            t.cancel(false);
        }
        TransactionLayer l = layer;
        if (sendBye && l != null && c.conn.isOpen()) {
            InetSocketAddress local = c.conn.localAddress();
            SipRequest bye = SipRequest.builder(SipRequest.BYE, c.remoteTarget)
                    .via(Via.of(c.conn.transport().name(), host(local.getAddress()), local.getPort(), l.newBranch()))
                    .maxForwards(70).from(c.local).to(c.remote).callId(c.callId).cseq(1)
                    // RFC 3326: tells the caller why the server hung up (MAX_LENGTH, MEDIA_TIMEOUT, ...)
                    .header("Reason", "SIP;cause=200;text=\"" + reason.name() + "\"").build();
            try {
                l.sendRequest(c.conn, bye, ResponseListener.IGNORE);
            } catch (IllegalArgumentException e) {
                LOG.debug("Call {}: BYE not sent: {}", c.callId, e.toString());
            }
        }
        // Stopping media joins its threads and flushes the recording to disk: never on the signalling
        // thread, which must go on serving the other calls of its connection.
        Runnable finish = () -> c.media.stop(reason, s -> {
            server.metrics().callEnded(reason);
            LOG.info("Call {} ended ({}): {} packets, {} lost, {} failed authentication, {} replayed, {} s", c.callId,
                    reason, s.packetsReceived(), s.packetsLost(), s.authenticationFailed(), s.replayed(),
                    s.duration().toSeconds());
        });
        try {
            server.callEnder().execute(finish);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            finish.run(); // the server is stopping: finish here rather than lose the recording
        }
    }

    void endAll(CallEndReason reason) {
        for (ActiveCall c : new ArrayList<>(calls.values())) {
            end(c, reason, true);
        }
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
