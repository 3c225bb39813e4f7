package org.umsec.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateValidationException;
import org.umsec.core.CertificateIdentity;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.internal.MediaSession;
import org.umsec.server.internal.MetricsSink;
import org.umsec.server.internal.Sdp;
import org.umsec.server.internal.SipMessage;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSuite;

/**
 * The SIP side of the server: one instance serves every connection. Decides who may call (R5,
 * R17), in which mode (R1, R2), answers with SDP (and SDES keys, R19), and tears calls down.
 */
final class CallController {

    private static final Logger LOG = LoggerFactory.getLogger(CallController.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS";
    /** Most calls in progress at once; more are answered 503 (each call holds two sockets and two threads). */
    static final int MAX_CALLS = 1000;
    /** A connection with no message for this long is closed. */
    static final int IDLE_TIMEOUT_MS = 300_000;

    private final UmsecServer server;
    private final MetricsSink sink;
    private final ConcurrentHashMap<String, ActiveCall> calls = new ConcurrentHashMap<>();
    private volatile Routing routing;

    CallController(UmsecServer server, MetricsSink sink) {
        this.server = server;
        this.sink = sink;
    }

    int activeCalls() {
        return calls.size();
    }

    /** A signalling connection. */
    private static final class Conn {
        final Socket socket;
        final boolean secure;
        final InetSocketAddress peer;
        final CertificateIdentity identity;
        final OutputStream out;

        Conn(Socket socket, boolean secure, CertificateIdentity identity) throws IOException {
            this.socket = socket;
            this.secure = secure;
            this.peer = (InetSocketAddress) socket.getRemoteSocketAddress();
            this.identity = identity;
            this.out = socket.getOutputStream();
        }

        synchronized void send(SipMessage m) throws IOException {
            out.write(m.encode());
            out.flush();
        }

        String via() {
            return "SIP/2.0/" + (secure ? "TLS" : "TCP") + " " + hostPort(socket.getLocalAddress(), socket.getLocalPort());
        }
    }

    private static String hostPort(InetAddress a, int port) {
        String h = a.getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    /** A call in progress. */
    private static final class ActiveCall {
        final String callId;
        final Conn conn;
        final String remoteFrom;
        final String localTo;
        final String remoteTarget;
        final String inviteCSeq;
        final SipMessage answer;
        final MediaSession media;
        final AtomicBoolean ended = new AtomicBoolean();
        volatile boolean confirmed;
        volatile ScheduledFuture<?> ackTimer;

        ActiveCall(String callId, Conn conn, String remoteFrom, String localTo, String remoteTarget, String inviteCSeq,
                SipMessage answer, MediaSession media) {
            this.callId = callId;
            this.conn = conn;
            this.remoteFrom = remoteFrom;
            this.localTo = localTo;
            this.remoteTarget = remoteTarget;
            this.inviteCSeq = inviteCSeq;
            this.answer = answer;
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

        List<ServerConfiguration.Gateway> candidates(Conn c) {
            List<ServerConfiguration.Gateway> out = new ArrayList<>();
            for (ServerConfiguration.Gateway g : config.gateways()) {
                TrustList t = lists.get(g);
                boolean match = c.secure ? t.matchCertificate(c.identity).isPresent()
                        : t.isTrustedAddress(c.peer.getAddress());
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

    // ---- connections ---------------------------------------------------------------------------

    void serve(Socket s, boolean secure) {
        CertificateIdentity identity = null;
        InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
        if (secure) {
            SSLSocket ssl = (SSLSocket) s;
            try {
                ssl.setSoTimeout((int) UmsecServer.HANDSHAKE_TIMEOUT.toMillis());
                ssl.startHandshake();
                Certificate[] chain = ssl.getSession().getPeerCertificates();
                identity = CertificateInfo.of((X509Certificate) chain[0]).identity();
            } catch (IOException e) {
                handshakeFailed(peer, e);
                return;
            }
            // R17: a chain that verifies is not enough; the identity must be on the trusted list.
            if (server.configuration().trustList().matchCertificate(identity).isEmpty()) {
                server.metrics().callRejected("untrusted-peer");
                server.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, server.clock())
                        .message("Peer certificate identity is not on the trusted gateway list; connection closed")
                        .field("peer", peer).field("identities", identity.presentedIdentities())
                        .field("transport", "TLS").build());
                return;
            }
        }
        Conn conn;
        try {
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            conn = new Conn(s, secure, identity);
        } catch (IOException e) {
            return;
        }
        try (InputStream in = new java.io.BufferedInputStream(s.getInputStream())) {
            while (!s.isClosed()) {
                Optional<SipMessage> m;
                try {
                    m = SipMessage.read(in);
                } catch (SipMessage.SipFormatException e) {
                    LOG.info("Malformed SIP from {}: {}; closing the connection", peer, e.getMessage());
                    break;
                }
                if (m.isEmpty()) {
                    break;
                }
                if (m.get().isRequest()) {
                    handle(conn, m.get());
                }
            }
        } catch (SocketTimeoutException e) {
            LOG.debug("Connection from {} idle; closing", peer);
        } catch (IOException e) {
            LOG.debug("Connection from {} ended: {}", peer, e.toString());
        } finally {
            for (ActiveCall c : calls.values()) {
                if (c.conn == conn) {
                    end(c, CallEndReason.CONNECTION_LOST, false);
                }
            }
        }
    }

    private void handshakeFailed(InetSocketAddress peer, IOException e) {
        String reason = classify(e);
        server.metrics().handshakeFailed(reason);
        server.publish(SecurityEvent.builder(SecurityEventType.TLS_HANDSHAKE_FAILED, server.clock())
                .message("Mutual TLS negotiation with " + peer + " failed: " + reason).field("peer", peer)
                .field("reason", reason).field("detail", String.valueOf(e.getMessage())).build());
    }

    static String classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateValidationException v) {
                return "peer-certificate-" + v.failure().name().toLowerCase(Locale.ROOT).replace('_', '-');
            }
            if (t instanceof SocketTimeoutException) {
                return "timeout";
            }
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("empty client certificate") || m.contains("certificate_required")) {
            return "no-client-certificate";
        }
        if (m.contains("pkix") || m.contains("certificate_unknown") || m.contains("certification path")
                || m.contains("bad_certificate") || m.contains("unknown_ca")) {
            return "untrusted-certificate";
        }
        if (m.contains("protocol_version") || m.contains("protocol is disabled") || m.contains("no appropriate protocol")) {
            return "protocol-version";
        }
        if (m.contains("cipher suites in common") || m.contains("handshake_failure")) {
            return "no-common-cipher";
        }
        if (m.contains("plaintext") || m.contains("unrecognized ssl message") || m.contains("unsupported or unrecognized")) {
            return "not-tls";
        }
        if (e instanceof EOFException || m.contains("remote host terminated") || m.contains("connection reset")) {
            return "peer-closed";
        }
        return "other";
    }

    // ---- requests ------------------------------------------------------------------------------

    private void handle(Conn conn, SipMessage req) throws IOException {
        for (String h : new String[] {"Via", "From", "To", "Call-ID", "CSeq"}) {
            if (req.header(h).isEmpty()) {
                if (!req.method().equals("ACK")) {
                    conn.send(SipMessage.responseTo(req, 400, "Missing " + h));
                }
                return;
            }
        }
        switch (req.method()) {
            case "OPTIONS" -> options(conn, req);
            case "INVITE" -> invite(conn, req);
            case "ACK" -> ack(req);
            case "BYE" -> bye(conn, req);
            case "CANCEL" -> conn.send(SipMessage.responseTo(req, calls.containsKey(req.callId()) ? 200 : 481,
                    calls.containsKey(req.callId()) ? "OK" : "Call/Transaction Does Not Exist"));
            default -> conn.send(SipMessage.responseTo(req, 405, "Method Not Allowed").add("Allow", ALLOW));
        }
    }

    private void options(Conn conn, SipMessage req) throws IOException {
        if (routing().candidates(conn).isEmpty()) {
            refuseUntrusted(conn, req);
            return;
        }
        server.metrics().optionsAnswered();
        conn.send(withTag(SipMessage.responseTo(req, 200, "OK"), randomHex(6)).add("Allow", ALLOW)
                .add("Accept", "application/sdp").add("Server", "umsec").add("Contact", contact(conn)));
    }

    private void refuseUntrusted(Conn conn, SipMessage req) throws IOException {
        server.metrics().callRejected("untrusted-peer");
        server.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, server.clock())
                .message("Request from a peer that is not a trusted gateway refused").field("peer", conn.peer)
                .field("method", req.method()).field("transport", conn.secure ? "TLS" : "TCP")
                .field("identities", conn.identity == null ? "" : conn.identity.presentedIdentities()).build());
        conn.send(SipMessage.responseTo(req, 403, "Forbidden - not a trusted gateway"));
        // R5: the server talks only to trusted gateways; do not keep the connection of anyone else
        UmsecServer.closeQuietly(conn.socket);
    }

    private void invite(Conn conn, SipMessage req) throws IOException {
        ActiveCall existing = calls.get(req.callId());
        if (existing != null) {
            // a retransmission or re-INVITE: the session is unchanged, answer as before
            existing.conn.send(existing.answer);
            return;
        }
        if (server.stopping()) {
            conn.send(SipMessage.responseTo(req, 503, "Service Unavailable - stopping"));
            return;
        }
        if (calls.size() >= MAX_CALLS) {
            server.metrics().callRejected("too-many-calls");
            conn.send(SipMessage.responseTo(req, 503, "Service Unavailable - " + MAX_CALLS + " calls in progress")
                    .add("Retry-After", "5"));
            return;
        }
        ServerConfiguration cfg = server.configuration();
        List<ServerConfiguration.Gateway> candidates = routing().candidates(conn);
        if (candidates.isEmpty()) {
            refuseUntrusted(conn, req);
            return;
        }
        Optional<ServerConfiguration.Gateway> match = candidates.stream()
                .filter(g -> UmsecServer.modeOf(cfg, g).mutualTls() == conn.secure).findFirst();
        if (match.isEmpty()) {
            ServerConfiguration.Gateway g = candidates.get(0);
            VoipSecurityMode mode = UmsecServer.modeOf(cfg, g);
            String why = "dial plan " + g.dialPlan() + " is " + mode.displayName() + " and needs SIP over "
                    + (mode.mutualTls() ? "mutual TLS (port " + server.tlsPort() + ")" : "TCP (port " + server.tcpPort() + ")");
            rejectWrongMode(conn, req, g, "wrong-transport", 403, "Forbidden - " + why, why);
            return;
        }
        ServerConfiguration.Gateway gateway = match.get();
        VoipSecurityMode mode = UmsecServer.modeOf(cfg, gateway);
        boolean sdp = req.header("Content-Type").map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/sdp"))
                .orElse(false);
        if (!sdp || req.body().length == 0) {
            reject(conn, req, "no-sdp-offer", 488, "Not Acceptable Here", "an SDP offer is required");
            return;
        }
        Sdp.Result parsed = Sdp.parse(req.bodyText());
        if (parsed.offer().isEmpty()) {
            reject(conn, req, "bad-sdp", 488, "Not Acceptable Here", parsed.error().orElse("bad SDP"));
            return;
        }
        Sdp.Offer offer = parsed.offer().get();
        Optional<Integer> pt = offer.payloadTypes().stream().filter(p -> p == 0 || p == 8).findFirst();
        if (pt.isEmpty()) {
            reject(conn, req, "no-common-codec", 488, "Not Acceptable Here", "G.711 (PCMU or PCMA) is required");
            return;
        }
        boolean savp = offer.profile().toUpperCase(Locale.ROOT).contains("SAVP");
        if (!offer.cryptos().isEmpty() && !conn.secure) {
            // R19: keys sent over plain TCP are known to anyone on the path; never use them.
            server.publish(SecurityEvent.builder(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT, server.clock())
                    .message("SDES keys offered over unencrypted SIP were not used").field("peer", conn.peer)
                    .field("callId", req.callId()).build());
            if (savp) {
                reject(conn, req, "sdes-over-tcp", 488, "Not Acceptable Here",
                        "SRTP keys over unencrypted SIP refused; use SIP over TLS (R19)");
                return;
            }
        }
        Optional<SrtpPolicy> inbound = Optional.empty();
        Optional<SrtpPolicy> outbound = Optional.empty();
        String cryptoAnswer = null;
        String profile = "RTP/AVP";
        Optional<String> suiteName = Optional.empty();
        if (mode.mediaEncrypted()) {
            Optional<Sdp.Crypto> usable = offer.cryptos().stream().filter(c -> c.key().isPresent()).findFirst();
            if (usable.isEmpty()) {
                String why = offer.cryptos().isEmpty() ? "no a=crypto attribute in the offer"
                        : "no usable a=crypto: " + offer.cryptos().stream().map(c -> c.suiteName() + " ("
                                + c.problem().orElse("?") + ")").toList();
                rejectWrongMode(conn, req, gateway, "no-sdes-crypto", 488, "Not Acceptable Here",
                        "dial plan " + gateway.dialPlan() + " is Secured and requires SRTP keyed with SDES: " + why);
                return;
            }
            Sdp.Crypto c = usable.get();
            SrtpSuite suite = c.suite().orElseThrow();
            byte[] key = new byte[suite.masterKeyLength()];
            byte[] salt = new byte[suite.masterSaltLength()];
            RANDOM.nextBytes(key);
            RANDOM.nextBytes(salt);
            SrtpMasterKey ours = SrtpMasterKey.of(key, salt);
            inbound = Optional.of(SrtpPolicy.builder(suite).masterKey(c.key().get()).build());
            outbound = Optional.of(SrtpPolicy.builder(suite).masterKey(ours).build());
            cryptoAnswer = Sdp.cryptoAttribute(c.tag(), suite, ours);
            profile = savp ? offer.profile() : "RTP/SAVP";
            suiteName = Optional.of(suite.sdesName());
        } else if (savp) {
            rejectWrongMode(conn, req, gateway, "srtp-not-allowed", 488, "Not Acceptable Here",
                    "dial plan " + gateway.dialPlan() + " is " + mode.displayName() + ": media is plain RTP");
            return;
        }
        InetSocketAddress mediaPeer;
        try {
            mediaPeer = new InetSocketAddress(InetAddress.getByName(offer.address()), offer.port());
        } catch (IOException e) {
            reject(conn, req, "bad-sdp", 488, "Not Acceptable Here", "connection address is not an IP address");
            return;
        }
        MediaSession media = MediaSession.open(InetAddress.getByName(cfg.bindAddress()), server.clock(),
                server.scheduler(), sink);
        String from = req.header("From").orElseThrow();
        String caller = SipMessage.uri(from);
        CallInfo info = new CallInfo(req.callId(), caller, SipMessage.uri(req.header("To").orElseThrow()),
                gateway.name(), gateway.dialPlan(), mode, conn.peer, mediaPeer, suiteName, pt.get(),
                server.clock().instant());
        CallHandler.Call handlerCall;
        try {
            handlerCall = server.handler().answer(info);
        } catch (IOException | RuntimeException e) {
            media.abandon();
            LOG.warn("Call {}: handler refused: {}", req.callId(), e.toString());
            reject(conn, req, "handler-failed", 500, "Server Internal Error", "the call could not be taken");
            return;
        }
        String localTag = randomHex(8);
        SipMessage ok = withTag(SipMessage.responseTo(req, 200, "OK"), localTag).add("Contact", contact(conn))
                .add("Allow", ALLOW).add("Server", "umsec")
                .withBody("application/sdp", Sdp.answer(Math.abs(RANDOM.nextLong() % 1_000_000_000L),
                        cfg.mediaAddress(), media.port(), profile, pt.get(), cryptoAnswer));
        String target = req.header("Contact").map(SipMessage::uri).orElse(caller);
        ActiveCall call = new ActiveCall(req.callId(), conn, from, ok.header("To").orElseThrow(), target,
                req.header("CSeq").orElseThrow(), ok, media);
        calls.put(call.callId, call);
        server.metrics().callAccepted();
        LOG.info("Call {} from {} via gateway {} accepted: dial plan {}, {}{}, {}", call.callId, caller, gateway.name(),
                gateway.dialPlan(), mode.displayName(), suiteName.map(s -> " " + s).orElse(""),
                pt.get() == 0 ? "PCMU" : "PCMA");
        media.start(info, handlerCall, new InetSocketAddress(mediaPeer.getAddress(), offer.rtcpPort()), inbound, outbound,
                cfg.maxRecording(), cfg.mediaTimeout(), cfg.rtcpInterval(), reason -> end(call, reason, true));
        call.ackTimer = server.scheduler().schedule(() -> {
            if (!call.confirmed) {
                LOG.info("Call {}: no ACK within {}; ending it", call.callId, cfg.ackTimeout());
                end(call, CallEndReason.NO_ACK, true);
            }
        }, cfg.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            conn.send(ok);
        } catch (IOException e) {
            end(call, CallEndReason.CONNECTION_LOST, false);
            throw e;
        }
    }

    private void reject(Conn conn, SipMessage req, String reason, int status, String phrase, String detail)
            throws IOException {
        server.metrics().callRejected(reason);
        LOG.info("Call {} from {} rejected with {}: {}", req.callId(), conn.peer, status, detail);
        conn.send(withTag(SipMessage.responseTo(req, status, phrase), randomHex(6))
                .add("Warning", "399 umsec \"" + detail.replace('"', '\'') + "\"")
                .add("Reason", "SIP;cause=" + status + ";text=\"" + detail.replace('"', '\'') + "\""));
    }

    private void rejectWrongMode(Conn conn, SipMessage req, ServerConfiguration.Gateway g, String reason, int status,
            String phrase, String detail) throws IOException {
        server.publish(SecurityEvent.builder(SecurityEventType.CALL_REJECTED_WRONG_MODE, server.clock())
                .message("Call rejected: " + detail).field("peer", conn.peer).field("gateway", g.name())
                .field("dialPlan", g.dialPlan()).field("reason", reason).field("callId", req.callId()).build());
        reject(conn, req, reason, status, phrase, detail);
    }

    private void ack(SipMessage req) {
        ActiveCall c = calls.get(req.callId());
        if (c != null && req.cseqMethod().equals("ACK")) {
            c.confirmed = true;
            ScheduledFuture<?> t = c.ackTimer;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    private void bye(Conn conn, SipMessage req) throws IOException {
        ActiveCall c = calls.get(req.callId());
        if (c == null) {
            conn.send(SipMessage.responseTo(req, 481, "Call/Transaction Does Not Exist"));
            return;
        }
        conn.send(SipMessage.responseTo(req, 200, "OK"));
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
        if (sendBye) {
            SipMessage bye = SipMessage.request("BYE", c.remoteTarget)
                    .add("Via", c.conn.via() + ";branch=z9hG4bK" + randomHex(8)).add("Max-Forwards", "70")
                    .add("From", c.localTo).add("To", c.remoteFrom).add("Call-ID", c.callId).add("CSeq", "1 BYE");
            try {
                c.conn.send(bye);
            } catch (IOException e) {
                LOG.debug("Call {}: BYE not sent: {}", c.callId, e.toString());
            }
        }
        // Stopping media joins its threads and flushes the recording to disk: never on the signalling
        // thread, which must go on serving the other calls of its connection.
        Runnable finish = () -> c.media.stop(reason, s -> {
            server.metrics().callEnded();
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

    private static SipMessage withTag(SipMessage m, String tag) {
        String to = m.header("To").orElse("");
        if (SipMessage.tag(to).isEmpty()) {
            m.set("To", to + ";tag=" + tag);
        }
        return m;
    }

    private static String contact(Conn c) {
        return "<sip:umsec@" + hostPort(c.socket.getLocalAddress(), c.socket.getLocalPort()) + ";transport="
                + (c.secure ? "tls" : "tcp") + ">";
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
