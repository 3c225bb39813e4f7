package org.umsec.server.call;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.DialPlan;
import org.umsec.core.DialingCheck;
import org.umsec.core.HostNames;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.SignallingTransport;
import org.umsec.core.UmMailboxPolicy;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.server.PlayOnPhoneRequest;
import org.umsec.server.PlayOnPhoneResult;
import org.umsec.server.PlayOnPhoneResult.Outcome;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.G711;
import org.umsec.server.media.MediaSession;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.dialog.Dialog;
import org.umsec.sip.dialog.DialogBinding;
import org.umsec.sip.dialog.DialogEnd;
import org.umsec.sip.dialog.DialogHandler;
import org.umsec.sip.dialog.DialogLayer;
import org.umsec.sip.sdp.Connection;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.Origin;
import org.umsec.sip.sdp.SdesPolicyException;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transaction.ClientTransaction;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.SipClient;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipPeer;
import org.umsec.sip.transport.TlsHandshakeException;
import org.umsec.sip.transport.TlsSettings;
import org.umsec.sip.transport.TransportConnection;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSuite;

/**
 * Calls the server places through a gateway (play on phone, R6, R18), on um-sip's client transport,
 * transaction and dialog layers and the server's own media session.
 *
 * <ol>
 * <li><b>Dialing restrictions first (R6).</b> The number is checked against the dial plan's dialing rules
 *     ({@link org.umsec.core.DialingRules}) with the dial plan's allowed groups, or the mailbox policy's
 *     when one is named. A blocked number raises {@link SecurityEventType#DIALING_RESTRICTION_BLOCKED}
 *     (4001) naming the group and rule that blocked it, and nothing leaves the server: no connection, no
 *     packet. An allowed number is dialed as the matching rule transforms it.</li>
 * <li><b>The gateway's identity (R18).</b> Secured and SIPSecured plans connect with mutual TLS, presenting
 *     the server's certificate, validating the gateway's chain against the server's store and checking
 *     that the certificate names the gateway's configured FQDN (RFC 5922 §7.2, um-sip's
 *     {@link SipClient}); a refused certificate ends the attempt before any SIP message is sent. Unsecured
 *     plans use TCP to the gateway's address.</li>
 * <li><b>The call.</b> INVITE with an SDP offer (PCMU and PCMA; Secured: {@code RTP/SAVP} with an SDES
 *     key of {@value #SUITE_NAME}, RFC 4568); provisional responses are waited for up to the ring
 *     timeout, then the INVITE is cancelled (RFC 3261 §9.1; a 2xx that crosses the CANCEL is ACKed and
 *     ended with BYE); a 3xx-6xx ends the attempt; a 2xx makes a UAC dialog, gets its ACK, and the audio
 *     is played as G.711 in 20 ms packets (SRTP under the server's key for Secured plans; the phone's key
 *     from the answer protects what it sends). After the last packet, BYE. The phone's BYE ends the call
 *     early; the dialog layer refuses requests from other peers or weaker transports.</li>
 * </ol>
 *
 * <p>Thread-safe. Each call runs on its own thread of a cached pool (signalling waits block it), its media
 * on the shared media scheduler.
 */
public final class OutboundCaller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundCaller.class);
    static final String SUITE_NAME = "AES_CM_128_HMAC_SHA1_80";
    private static final SrtpSuite SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long to wait for the answer to a BYE or for the connection, beyond which the call is given up. */
    private static final Duration SIGNALLING_WAIT = Duration.ofSeconds(10);

    /** The server's mutual-TLS material, opened on first use (the certificate store and its selection). */
    @FunctionalInterface
    public interface TlsSource {
        /**
         * @param c the configuration in force
         * @return our certificate and the validation of peers
         * @throws IOException if no certificate can be had
         */
        TlsSettings tls(ServerConfiguration c) throws IOException;
    }

    private final CallContext ctx;
    private final TlsSource tlsSource;
    private final ExecutorService calls;
    private final DialogLayer dialogs;
    private final TransactionLayer transactions;
    private final java.util.Map<org.umsec.sip.DialogId, Placed> active = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<Placed> placing = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Object clientLock = new Object();
    private SipClient tcpClient;
    private SipClient tlsClient;
    private volatile boolean closed;

    /**
     * @param ctx the server's call context (clock, timers, media scheduler, configuration, events)
     * @param tlsSource the server's TLS settings for mutual TLS to gateways
     */
    public OutboundCaller(CallContext ctx, TlsSource tlsSource) {
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.tlsSource = Objects.requireNonNull(tlsSource, "tlsSource");
        AtomicInteger n = new AtomicInteger();
        this.calls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "umsec-outbound-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dialogs = DialogLayer.builder()
                .handler(new Dialogs())
                .scheduler(ctx.timers())
                .events(ctx.events())
                .clock(ctx.clock())
                .build();
        // Timer B must outlast the longest ring timeout and the CANCEL's 487 after it
        Duration timerB =
                Duration.ofSeconds(PlayOnPhoneRequest.MAX_RING_TIMEOUT_SECONDS).plus(SIGNALLING_WAIT.multipliedBy(2));
        this.transactions = TransactionLayer.builder()
                .handler(dialogs)
                .scheduler(ctx.timers())
                .t1(timerB.dividedBy(64))
                .events(ctx.events())
                .clock(ctx.clock())
                .build();
    }

    /**
     * Places a call: checks the number (R6), then connects, calls and plays the audio.
     *
     * @param request what to call and play
     * @return completes with the outcome; at once for a blocked number
     * @throws IllegalArgumentException if a dial plan, gateway or mailbox policy named does not exist, do not
     *     belong together, or no dial plan can be chosen
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<PlayOnPhoneResult> place(PlayOnPhoneRequest request) {
        if (closed) {
            throw new IllegalStateException("the server is stopped");
        }
        ServerConfiguration cfg = ctx.configuration();
        Route route = route(cfg, request);
        DialingCheck check = route.policy()
                .map(p -> route.plan().dialingRules().check(request.number(), p.allowed()))
                .orElseGet(() -> route.plan().dialingRules().check(request.number()));
        if (!check.allowed()) {
            blocked(route, check);
            return CompletableFuture.completedFuture(new PlayOnPhoneResult(
                    Outcome.BLOCKED,
                    check.reason(),
                    check,
                    route.plan().name(),
                    Optional.empty(),
                    route.plan().mode(),
                    Optional.empty(),
                    OptionalInt.empty(),
                    Optional.empty(),
                    0,
                    0));
        }
        CompletableFuture<PlayOnPhoneResult> result = new CompletableFuture<>();
        Placed call = new Placed(cfg, route, check, request);
        placing.add(call);
        try {
            calls.execute(() -> run(call, check, result));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            placing.remove(call);
            throw new IllegalStateException("the server is stopped");
        }
        return result;
    }

    private void run(Placed call, DialingCheck check, CompletableFuture<PlayOnPhoneResult> result) {
        PlayOnPhoneResult r;
        try {
            r = call.run();
        } catch (RuntimeException e) {
            LOG.warn("Outbound call to {} failed", check.dialedNumber().orElse("?"), e);
            r = call.result(Outcome.FAILED, "internal error: " + e);
            call.cleanUp();
        }
        placing.remove(call);
        result.complete(r);
    }

    private void blocked(Route route, DialingCheck check) {
        DialingCheck.Outcome o = check.outcome(); // the event is logged by the event bus
        SecurityEvent.Builder e = SecurityEvent.builder(SecurityEventType.DIALING_RESTRICTION_BLOCKED, ctx.clock())
                .message(check.reason())
                .field("outcome", o.name())
                .field("number", check.normalisedNumber().orElse(printable(check.number())))
                .field("dialPlan", route.plan().name());
        route.policy().ifPresent(p -> e.field("mailboxPolicy", p.name()));
        check.matchedGroup()
                .ifPresent(
                        g -> e.field("group", g.name()).field("scope", g.scope().label()));
        check.matchedRule().ifPresent(r -> e.field("rule", r.numberMask()));
        ctx.events().onEvent(e.build());
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    /** The dial plan, gateway and mailbox policy of a request (see {@link PlayOnPhoneRequest}). */
    record Route(DialPlan plan, IpGateway gateway, Optional<UmMailboxPolicy> policy) {}

    static Route route(ServerConfiguration cfg, PlayOnPhoneRequest r) {
        Optional<IpGateway> gw = r.gateway()
                .map(name -> cfg.gateways().stream()
                        .filter(g -> g.name().equalsIgnoreCase(name))
                        .findFirst()
                        .orElseThrow(
                                () -> new IllegalArgumentException("no gateway '" + name + "' in the configuration")));
        Optional<UmMailboxPolicy> policy = r.mailboxPolicy()
                .map(name -> cfg.umConfiguration()
                        .mailboxPolicy(name)
                        .orElseThrow(() -> new IllegalArgumentException(
                                "no UM mailbox policy '" + name + "' in the configuration")));
        String planName;
        if (r.dialPlan().isPresent()) {
            planName = r.dialPlan().get();
        } else if (gw.isPresent()) {
            planName = gw.get().dialPlan();
        } else if (policy.isPresent()) {
            planName = policy.get().dialPlan();
        } else {
            List<String> withGateways = cfg.dialPlans().stream()
                    .map(DialPlan::name)
                    .filter(p ->
                            cfg.gateways().stream().anyMatch(g -> g.dialPlan().equalsIgnoreCase(p)))
                    .toList();
            if (withGateways.size() != 1) {
                throw new IllegalArgumentException("name a dial plan: "
                        + (withGateways.isEmpty()
                                ? "no dial plan has a gateway"
                                : "several have gateways " + withGateways));
            }
            planName = withGateways.get(0);
        }
        DialPlan plan = cfg.dialPlan(planName)
                .orElseThrow(
                        () -> new IllegalArgumentException("no dial plan '" + planName + "' in the configuration"));
        IpGateway gateway = gw.orElseGet(() -> cfg.gateways().stream()
                .filter(g -> g.dialPlan().equalsIgnoreCase(plan.name()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("dial plan '" + plan.name() + "' has no gateway")));
        if (!gateway.dialPlan().equalsIgnoreCase(plan.name())) {
            throw new IllegalArgumentException("gateway '" + gateway.name() + "' serves dial plan '"
                    + gateway.dialPlan() + "', not '" + plan.name() + "'");
        }
        if (policy.isPresent() && !policy.get().dialPlan().equalsIgnoreCase(plan.name())) {
            throw new IllegalArgumentException(
                    "UM mailbox policy '" + policy.get().name() + "' belongs to dial plan '"
                            + policy.get().dialPlan() + "', not '" + plan.name() + "'");
        }
        return new Route(plan, gateway, policy);
    }

    private SipClient client(ServerConfiguration cfg, boolean tls) throws IOException {
        synchronized (clientLock) {
            if (closed) {
                throw new IOException("the server is stopped");
            }
            if (tls && tlsClient == null) {
                tlsClient = newClient(tlsSource.tls(cfg));
            } else if (!tls && tcpClient == null) {
                tcpClient = newClient(null);
            }
            return tls ? tlsClient : tcpClient;
        }
    }

    private SipClient newClient(TlsSettings tls) throws IOException {
        SipClient.Builder b = SipClient.builder()
                .handler(new SipMessageHandler() {
                    @Override
                    public void onMessage(TransportConnection connection, SipMessage message) {
                        transactions.onMessage(connection, message);
                    }

                    @Override
                    public void onConnectionClosed(TransportConnection connection) {
                        transactions.connectionClosed(connection);
                        dialogs.connectionClosed(connection);
                    }
                })
                .events(ctx.events())
                .clock(ctx.clock())
                .connectTimeout(SIGNALLING_WAIT)
                .handshakeTimeout(SIGNALLING_WAIT);
        if (tls != null) {
            b.tls(tls);
        }
        return b.build();
    }

    /** Ends every call in progress (BYE) and closes the connections to gateways. */
    @Override
    public void close() {
        closed = true;
        for (Placed p : List.copyOf(placing)) {
            p.hangUp(CallEndReason.SERVER_STOPPING);
        }
        calls.shutdown();
        try {
            calls.awaitTermination(SIGNALLING_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (clientLock) {
            if (tcpClient != null) {
                tcpClient.close();
            }
            if (tlsClient != null) {
                tlsClient.close();
            }
        }
    }

    /** The requests of gateways on our outbound connections. */
    private final class Dialogs implements DialogHandler {
        @Override
        public void onRequest(ServerTransaction tx) {
            // outside a dialog: this connection places calls, it takes none
            tx.respond(tx.createResponse(tx.request().isMethod(SipRequest.OPTIONS) ? 200 : 403)
                    .reason(tx.request().isMethod(SipRequest.OPTIONS) ? "OK" : "Forbidden - outbound connection")
                    .build());
        }

        @Override
        public void onDialogRequest(Dialog dialog, ServerTransaction tx) {
            Placed p = active.get(dialog.id());
            SipRequest req = tx.request();
            if (p != null && (req.isMethod(SipRequest.INVITE) || req.isMethod(SipRequest.UPDATE))) {
                p.reoffer(dialog, tx);
                return;
            }
            tx.respond(tx.createResponse(req.isMethod(SipRequest.OPTIONS) ? 200 : 501)
                    .build());
        }

        @Override
        public void onEnded(Dialog dialog, DialogEnd why) {
            Placed p = active.get(dialog.id());
            if (p != null) {
                p.dialogEnded(why);
            }
        }
    }

    /** One call being placed. */
    private final class Placed {
        final ServerConfiguration cfg;
        final Route route;
        final DialingCheck check;
        final PlayOnPhoneRequest request;
        final VoipSecurityMode mode;
        final CompletableFuture<DialogEnd> remoteEnd = new CompletableFuture<>();
        /** Why this side ends the call before the audio is over: the server stops, the media ended. */
        final CompletableFuture<CallEndReason> localEnd = new CompletableFuture<>();

        volatile ClientTransaction inviteTx;
        final AtomicLong received = new AtomicLong();
        String callId;
        OptionalInt status = OptionalInt.empty();
        Optional<String> suite = Optional.empty();
        TransportConnection conn;
        MediaSession media;
        volatile Dialog dialog;
        String offerSdp;
        long packetsSent;

        Placed(ServerConfiguration cfg, Route route, DialingCheck check, PlayOnPhoneRequest request) {
            this.cfg = cfg;
            this.route = route;
            this.check = check;
            this.request = request;
            this.mode = route.plan().mode();
        }

        PlayOnPhoneResult result(Outcome outcome, String detail) {
            MediaSession m = media;
            return new PlayOnPhoneResult(
                    outcome,
                    detail,
                    check,
                    route.plan().name(),
                    Optional.of(route.gateway().name()),
                    mode,
                    Optional.ofNullable(callId),
                    status,
                    suite,
                    m == null ? packetsSent : m.sentPackets(),
                    received.get());
        }

        PlayOnPhoneResult run() {
            String dialed = check.dialedNumber().orElseThrow();
            IpGateway gw = route.gateway();
            boolean tls = mode.mutualTls();
            String host = tls
                    ? gw.fqdn().orElseThrow()
                    : gw.address()
                            .map(InetAddress::getHostAddress)
                            .orElseGet(() -> gw.fqdn().orElseThrow());
            Optional<InetSocketAddress> to = request.connectTo();
            int port = to.map(InetSocketAddress::getPort).orElse(gw.port());
            SipPeer peer = SipPeer.of(tls ? SignallingTransport.TLS : SignallingTransport.TCP, host, port);
            if (to.isPresent()) {
                peer = peer.connectingTo(to.get().getAddress());
            } else if (gw.address().isPresent()) {
                peer = peer.connectingTo(gw.address().get());
            }
            try {
                conn = client(cfg, tls).connect(peer).get(SIGNALLING_WAIT.toSeconds() * 2, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof TlsHandshakeException t) {
                    return result(
                            Outcome.FAILED,
                            "gateway " + gw.name() + " refused: TLS " + t.reason() + " (its certificate must chain to"
                                    + " a trusted root and name " + host + ", RFC 5922): " + t.getMessage());
                }
                return result(Outcome.FAILED, "cannot connect to gateway " + gw.name() + " (" + peer + "): " + c);
            } catch (TimeoutException e) {
                return result(
                        Outcome.FAILED,
                        "cannot connect to gateway " + gw.name() + ": no answer within "
                                + SIGNALLING_WAIT.toSeconds() * 2 + " s");
            } catch (IOException e) {
                return result(Outcome.FAILED, "cannot call through gateway " + gw.name() + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return result(Outcome.FAILED, "interrupted");
            }
            try {
                media = ctx.mediaPlane()
                        .open(
                                InetAddress.getByName(cfg.mediaBindAddress()),
                                cfg.mediaPortMin(),
                                cfg.mediaPortMax(),
                                ctx.clock());
            } catch (IOException e) {
                return result(Outcome.FAILED, "no media port: " + e.getMessage());
            }
            try {
                return call(dialed, host);
            } finally {
                cleanUp();
            }
        }

        private PlayOnPhoneResult call(String dialed, String host) {
            SrtpMasterKey ourKey = null;
            String ipVer = cfg.mediaAddress().contains(":") ? "IP6" : "IP4";
            MediaDescription.Builder m = MediaDescription.builder(
                            "audio", media.port(), mode.mediaEncrypted() ? "RTP/SAVP" : "RTP/AVP")
                    .rtpFormat(G711.PAYLOAD_TYPE_PCMU, "PCMU/8000")
                    .rtpFormat(G711.PAYLOAD_TYPE_PCMA, "PCMA/8000");
            if (mode.mediaEncrypted()) {
                byte[] k = new byte[SUITE.masterKeyLength()];
                byte[] salt = new byte[SUITE.masterSaltLength()];
                RANDOM.nextBytes(k);
                RANDOM.nextBytes(salt);
                ourKey = SrtpMasterKey.of(k, salt);
                m.crypto(SdesSrtp.attribute(1, SUITE, ourKey));
            }
            String sessionId = SdpNegotiation.newSessionId();
            offerSdp = SessionDescription.builder()
                    .origin(new Origin("umsec", sessionId, "1", "IN", ipVer, cfg.mediaAddress()))
                    .sessionName("umsec play on phone")
                    .connection(new Connection("IN", ipVer, cfg.mediaAddress()))
                    .media(m.build())
                    .build()
                    .toSdp();
            String target = "sip:" + dialed + "@" + (host.contains(":") ? "[" + host + "]" : host) + ";user=phone";
            callId = transactions.newTag() + transactions.newTag() + "@" + cfg.fqdn();
            NameAddress from =
                    NameAddress.of("sip:" + cfg.serverName() + "@" + cfg.fqdn()).withTag(transactions.newTag());
            SipRequest invite = SipRequest.builder(SipRequest.INVITE, target)
                    .via(via())
                    .maxForwards(70)
                    .from(from)
                    .to(NameAddress.of(target))
                    .callId(callId)
                    .cseq(1)
                    .header("Contact", contact())
                    .header("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE")
                    .header("User-Agent", "umsec")
                    .body("application/sdp", offerSdp)
                    .build();
            LOG.info(
                    "Outbound call {}: {} via gateway {} ({}, dial plan {}), {}",
                    callId,
                    dialed,
                    route.gateway().name(),
                    mode.displayName(),
                    route.plan().name(),
                    check.reason());
            ClientTransaction tx = transactions.sendRequest(
                    conn, invite, r -> LOG.debug("Outbound call {}: {} {}", callId, r.status(), r.reasonPhrase()));
            inviteTx = tx;
            SipRequest sent = tx.request();
            java.util.concurrent.atomic.AtomicBoolean rang = new java.util.concurrent.atomic.AtomicBoolean();
            org.umsec.sip.transaction.TimerScheduler.Timeout ring = ctx.timers()
                    .schedule(
                            () -> {
                                rang.set(true);
                                tx.cancel();
                            },
                            request.ringTimeout());
            SipResponse answer;
            try {
                // a gateway that never sends even 100 Trying cannot be cancelled (RFC 3261 §9.1): give up on it
                answer = tx.finalResponse()
                        .get(
                                request.ringTimeout()
                                        .plus(SIGNALLING_WAIT.multipliedBy(2))
                                        .toMillis(),
                                TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return result(
                        Outcome.NO_ANSWER,
                        "no final response within " + request.ringTimeout().toSeconds() + " s and the CANCEL's"
                                + " grace; the gateway never answered");
            } catch (ExecutionException e) {
                return result(
                        Outcome.FAILED,
                        "no final answer to the INVITE: " + e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tx.cancel();
                return result(Outcome.FAILED, "interrupted");
            } finally {
                ring.cancel();
            }
            status = OptionalInt.of(answer.status());
            boolean cancelled = rang.get();
            if (!answer.isSuccess()) {
                if (answer.status() == 487 && cancelled) {
                    return result(
                            Outcome.NO_ANSWER,
                            "no answer within " + request.ringTimeout().toSeconds() + " s; cancelled (487)");
                }
                return result(
                        Outcome.REFUSED,
                        "gateway " + route.gateway().name() + " answered " + answer.status() + " "
                                + answer.reasonPhrase()
                                + answer.header("Warning")
                                        .map(w -> " (" + w + ")")
                                        .orElse(""));
            }
            conn.send(transactions.createAck(sent, answer));
            try {
                dialog = dialogs.createUacDialog(sent, answer, DialogBinding.of(conn, mode));
            } catch (IllegalArgumentException | IllegalStateException e) {
                return result(Outcome.FAILED, "the gateway's 2xx makes no dialog: " + e.getMessage());
            }
            active.put(dialog.id(), this);
            if (cancelled) {
                // RFC 3261 §9.1: a 2xx that crossed our CANCEL is acknowledged and ended
                bye();
                return result(Outcome.NO_ANSWER, "answered after the ring timeout had cancelled it; hung up");
            }
            Optional<String> problem = startMedia(answer, ourKey);
            if (problem.isPresent()) {
                bye();
                return result(Outcome.FAILED, problem.get() + "; hung up");
            }
            LOG.info(
                    "Outbound call {} answered: playing {} s{}",
                    callId,
                    request.audioSamples() / 8000.0,
                    suite.map(s -> " as SRTP " + s).orElse(" as RTP"));
            CompletableFuture<Object> over = CompletableFuture.anyOf(media.promptFinished(), remoteEnd, localEnd);
            try {
                over.get(request.audioSamples() / 8 + SIGNALLING_WAIT.toMillis() * 6, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("Outbound call {}: audio did not finish in time; hanging up", callId);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (remoteEnd.isDone()) {
                DialogEnd why = remoteEnd.join();
                if (why == DialogEnd.BYE) {
                    stopMedia(CallEndReason.CALLER_HUNG_UP);
                    return result(
                            Outcome.HUNG_UP,
                            "the called party hung up after " + media.sentPackets() + " of "
                                    + (request.audioSamples() + 159) / 160 + " packets");
                }
                if (why.needsBye()) {
                    bye();
                }
                stopMedia(CallEndReason.CONNECTION_LOST);
                return result(Outcome.FAILED, "the call ended: " + why);
            }
            if (localEnd.isDone()) {
                CallEndReason why = localEnd.join();
                bye();
                stopMedia(why);
                return result(
                        Outcome.FAILED,
                        "the call was ended by the server (" + why + ") after " + media.sentPackets()
                                + " packets; hung up");
            }
            SipResponse byeAnswer = bye();
            stopMedia(CallEndReason.HANDLER_ENDED);
            return result(
                    Outcome.COMPLETED,
                    "played " + media.sentPackets() + " packets; hung up"
                            + (byeAnswer == null ? " (BYE not answered)" : " (BYE " + byeAnswer.status() + ")"));
        }

        /** Parses the answer and starts the media; returns why the answer is unusable, if it is. */
        private Optional<String> startMedia(SipResponse answer, SrtpMasterKey ourKey) {
            SessionDescription sdp;
            try {
                sdp = SessionDescription.parse(answer.body());
            } catch (SdpParseException e) {
                return Optional.of("the answer has no usable SDP: " + e.getMessage());
            }
            Optional<MediaDescription> audio = sdp.audio();
            if (audio.isEmpty() || audio.get().port() == 0) {
                return Optional.of("the answer has no audio stream");
            }
            MediaDescription a = audio.get();
            Optional<Connection> c = a.connection().or(sdp::connection);
            if (c.isEmpty() || !HostNames.isIpLiteral(c.get().address())) {
                return Optional.of("the answer has no IP address for its media");
            }
            int pt = -1;
            for (String f : a.formats()) {
                if (f.equals("0") || f.equals("8")) {
                    pt = Integer.parseInt(f);
                    break;
                }
            }
            if (pt < 0) {
                return Optional.of("the answer accepts neither PCMU nor PCMA");
            }
            Optional<SrtpPolicy> inbound = Optional.empty();
            Optional<SrtpPolicy> outbound = Optional.empty();
            if (mode.mediaEncrypted()) {
                Optional<CryptoAttribute> theirs = a.cryptos().stream()
                        .filter(x -> x.tag() == 1 && x.suite().equals(SUITE_NAME))
                        .findFirst();
                if (!a.isSecureProfile() || theirs.isEmpty()) {
                    return Optional.of("the answer of Secured dial plan "
                            + route.plan().name() + " has no SDES key for our " + SUITE_NAME + " offer (RFC 4568)");
                }
                try {
                    inbound = Optional.of(SdesSrtp.policy(theirs.get()));
                } catch (SdesPolicyException e) {
                    return Optional.of("the answer's SDES key is unusable: " + e.getMessage());
                }
                outbound =
                        Optional.of(SrtpPolicy.builder(SUITE).masterKey(ourKey).build());
                suite = Optional.of(SUITE_NAME);
            } else if (a.isSecureProfile() || !a.cryptos().isEmpty()) {
                return Optional.of("the answer asks for SRTP, but dial plan "
                        + route.plan().name() + " is " + mode.displayName() + " (RTP)");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(c.get().address()); // an IP literal: no look-up
            } catch (IOException e) {
                return Optional.of("the answer's media address is unusable: " + e.getMessage());
            }
            InetSocketAddress rtpPeer = new InetSocketAddress(address, a.port());
            InetSocketAddress rtcpPeer = new InetSocketAddress(address, a.rtcpPort());
            CallInfo info = new CallInfo(
                    callId,
                    "sip:" + cfg.serverName() + "@" + cfg.fqdn(),
                    "sip:" + check.dialedNumber().orElseThrow(),
                    route.gateway().name(),
                    route.plan().name(),
                    mode,
                    conn.remoteAddress(),
                    rtpPeer,
                    suite,
                    pt,
                    ctx.clock().instant());
            short[] samples = request.audio();
            Duration length = Duration.ofMillis(samples.length / 8).plus(SIGNALLING_WAIT.multipliedBy(3));
            media.start(
                    info,
                    new CallHandler.Call() {
                        @Override
                        public short[] prompt() {
                            return samples;
                        }

                        @Override
                        public void audio(short[] pcm, int off, int len) {
                            received.incrementAndGet();
                        }

                        @Override
                        public void end(CallSummary summary) {}
                    },
                    rtcpPeer,
                    inbound,
                    outbound,
                    length,
                    length,
                    cfg.rtcpInterval(),
                    localEnd::complete);
            return Optional.empty();
        }

        /** A re-INVITE or UPDATE from the phone: a session refresh keeps the session; changes are refused. */
        void reoffer(Dialog d, ServerTransaction tx) {
            SipRequest req = tx.request();
            if (req.body().length == 0) {
                // RFC 3264 §5 (late offer): our offer goes in the 200; the answer comes in the ACK
                d.respond(
                        tx, tx.createResponse(200).header("Contact", contact()).body("application/sdp", offerSdp));
                return;
            }
            d.respond(
                    tx,
                    tx.createResponse(488)
                            .header(
                                    "Warning",
                                    "399 umsec \"mid-call media changes are not supported on outbound calls\""));
        }

        void dialogEnded(DialogEnd why) {
            remoteEnd.complete(why);
        }

        /** Ends the call from our side (server stopping): the call's thread sends BYE. */
        void hangUp(CallEndReason reason) {
            localEnd.complete(reason);
            ClientTransaction tx = inviteTx;
            if (tx != null) {
                tx.cancel(); // still ringing: CANCEL (no effect once answered)
            }
        }

        private SipResponse bye() {
            Dialog d = dialog;
            if (d == null || !conn.isOpen()) {
                return null;
            }
            d.terminate();
            SipRequest bye = d.createRequest(SipRequest.BYE, via());
            try {
                return transactions
                        .sendRequest(conn, bye, r -> {})
                        .finalResponse()
                        .get(SIGNALLING_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.info("Outbound call {}: BYE not answered ({})", callId, e.toString());
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        private void stopMedia(CallEndReason reason) {
            MediaSession m = media;
            if (m != null) {
                m.stop(reason, s -> {});
            }
        }

        void cleanUp() {
            Dialog d = dialog;
            if (d != null) {
                active.remove(d.id(), this);
                d.terminate();
            }
            MediaSession m = media;
            if (m != null) {
                packetsSent = m.sentPackets();
                m.stop(CallEndReason.HANDLER_ENDED, s -> {});
            }
        }

        private Via via() {
            InetSocketAddress a = conn.localAddress();
            return Via.of(conn.transport().name(), host(a.getAddress()), a.getPort(), transactions.newBranch());
        }

        private String contact() {
            InetSocketAddress local = conn.localAddress();
            return "<sip:" + cfg.serverName() + "@" + host(local.getAddress()) + ":" + local.getPort() + ";transport="
                    + (conn.isSecure() ? "tls" : "tcp") + ">";
        }
    }

    private static String host(InetAddress a) {
        String h = a.getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h.toLowerCase(Locale.ROOT);
    }
}
