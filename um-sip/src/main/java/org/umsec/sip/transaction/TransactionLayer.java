package org.umsec.sip.transaction;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.sip.DialogId;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipParseException;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.codec.SipDecodeError;

/**
 * SIP transactions for reliable transports (RFC 3261 §17 with the reliable-transport simplifications:
 * no retransmissions, Timers G, E, I, J, K and D are zero), independent of the transport: the transport
 * hands every decoded message to {@link #onMessage(SipConnection, SipMessage)} and the layer sends
 * through {@link SipConnection#send(SipMessage)}.
 *
 * <h2>Server side</h2>
 * <ul>
 * <li>INVITE: 100 Trying at once, then the application's provisional and final responses; after a non-2xx
 *     final response the transaction waits for the ACK (same branch, matched here and not shown to the
 *     application) for at most Timer H = 64·T1; a 2xx ends the transaction and the ACK for it goes to
 *     {@link SipRequestHandler#onAck}.</li>
 * <li>CANCEL: matched to its INVITE by branch; answered 200 and the INVITE 487 (RFC 3261 §9.2), or 481
 *     when there is no such INVITE.</li>
 * <li>Other methods (OPTIONS, BYE, ...): final response ends the transaction.</li>
 * <li>Guards: an INVITE the application leaves unanswered for {@link Builder#inviteAnswerTimeout} gets
 *     408; other requests are dropped after 64·T1 (the client has given up); at most
 *     {@link Builder#maxServerTransactions} live transactions (default {@value #DEFAULT_MAX_SERVER_TRANSACTIONS}),
 *     beyond which requests get 503 so a flood cannot grow the tables without bound; and at most
 *     {@link Builder#maxServerTransactionsPerPeer} in progress (no final response yet) per peer address
 *     (default {@value #DEFAULT_MAX_SERVER_TRANSACTIONS_PER_PEER}), beyond which that peer's requests get 503 with
 *     Retry-After and a {@link SecurityEventType#PEER_LIMIT_REACHED} event (at most one per peer per
 *     second; the count of refused requests is in the event), so one trusted peer cannot take the whole
 *     table (R28).</li>
 * </ul>
 * Transactions are keyed by branch, sent-by and method (RFC 3261 §17.2.3), with the RFC 2543 fallback
 * key (Call-ID, CSeq, From tag, sent-by) for branches without the magic cookie.
 *
 * <h2>Client side</h2>
 * {@link #sendRequest(SipConnection, SipRequest, ResponseListener)} starts a client transaction with Timer B
 * (INVITE) or F (others) of 64·T1, matches responses by branch and CSeq method (RFC 3261 §17.1.3), sends the
 * ACK for non-2xx INVITE responses and supports CANCEL.
 *
 * <h2>Ownership and threads</h2>
 * {@code onMessage} takes ownership of the decoded message and releases it; what the application receives
 * are heap copies that need no release. All methods are thread-safe; callbacks run on the calling (I/O)
 * thread.
 */
public final class TransactionLayer {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionLayer.class);

    /** RFC 3261 T1 (round-trip estimate), default 500 ms. */
    public static final Duration DEFAULT_T1 = Duration.ofMillis(500);
    /** Default limit of live server transactions. */
    public static final int DEFAULT_MAX_SERVER_TRANSACTIONS = 10_000;
    /** Default cap on live server transactions of one peer address. */
    public static final int DEFAULT_MAX_SERVER_TRANSACTIONS_PER_PEER = 1_000;
    /** Default time the application has to answer an INVITE before the layer sends 408. */
    public static final Duration DEFAULT_INVITE_ANSWER_TIMEOUT = Duration.ofMinutes(3);

    private final SipRequestHandler handler;
    private final TimerScheduler scheduler;
    private final Duration timer64T1;
    private final Duration inviteAnswerTimeout;
    private final int maxServerTransactions;
    private final boolean sendTrying;
    private final Duration tryingDelay;
    private final SecureRandom random;
    private final Map<String, ServerTx> servers = new ConcurrentHashMap<>();
    private final Map<String, ClientTx> clients = new ConcurrentHashMap<>();
    private final int maxPerPeer;
    private final SecurityEventListener events;
    private final Clock clock;
    private final Map<InetAddress, AtomicInteger> perPeer = new ConcurrentHashMap<>();
    private final Map<InetAddress, long[]> refusedPerPeer = new ConcurrentHashMap<>();
    /** To tag of every {@link #refuseStatelessly} response: the ACKs that carry it are absorbed. */
    private final String statelessTag;

    private TransactionLayer(Builder b) {
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.timer64T1 = b.t1.multipliedBy(64);
        this.inviteAnswerTimeout = b.inviteAnswerTimeout;
        this.maxServerTransactions = b.maxServerTransactions;
        this.sendTrying = b.sendTrying;
        this.tryingDelay = b.tryingDelay;
        this.random = b.random;
        this.maxPerPeer = b.maxPerPeer;
        this.events = b.events;
        this.clock = b.clock;
        this.statelessTag = "sl" + newTag();
    }

    /** A builder; handler and scheduler are required. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- ids -----------------------------------------------------------------------------------------

    /** A fresh RFC 3261 branch: the magic cookie and 64 random bits. */
    public String newBranch() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return Via.MAGIC_COOKIE + HexFormat.of().formatHex(b);
    }

    /** A fresh tag (48 random bits, hex). */
    public String newTag() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Number of live server transactions. */
    public int serverTransactionCount() {
        return servers.size();
    }

    /** Number of live client transactions. */
    public int clientTransactionCount() {
        return clients.size();
    }

    // ---- inbound -------------------------------------------------------------------------------------

    /**
     * Handles a decoded message from a connection; releases it.
     *
     * @param connection where it came from
     * @param message    a request or response (ownership passes to the layer)
     */
    public void onMessage(SipConnection connection, SipMessage message) {
        if (isStatelessAck(message)) {
            message.release(); // the ACK of a refusal sent without a transaction: nothing to match (§17.2.1)
            return;
        }
        SipMessage copy;
        try {
            copy = message.copy();
        } finally {
            message.release();
        }
        try {
            if (copy.isRequest()) {
                onRequest(connection, (SipRequest) copy);
            } else {
                onResponse((SipResponse) copy);
            }
        } catch (SipParseException e) {
            // Only reachable when the decoder's validation was switched off.
            LOG.debug("dropping malformed message from {}: {}", connection.remoteAddress(), e.getMessage());
        }
    }

    /**
     * Refuses a request without creating a transaction or anything else that lasts: RFC 3261 §8.2.7
     * stateless UAS behaviour, for load shedding, where a transaction per refused request would be the
     * very work the server cannot afford. The response copies the request's Via, From, To, Call-ID and
     * CSeq, adds a To tag when the request has none (the same tag for every such refusal of this layer) and
     * {@code Retry-After}; the peer's ACK for it (RFC 3261 §17.1.1.3) carries that tag and is dropped by
     * {@link #onMessage} before anything else looks at it. An ACK is never answered; a request whose
     * response cannot be built (it cannot be: the decoder has checked its headers) is only released.
     *
     * @param connection where the request came from
     * @param message the request, owned by the layer from now on (released here)
     * @param status a final status, 300..699
     * @param reason the reason phrase
     * @param retryAfterSeconds the Retry-After value in seconds, or a negative number for none
     * @throws IllegalArgumentException if status is not a final non-2xx status
     */
    public void refuseStatelessly(
            SipConnection connection, SipMessage message, int status, String reason, long retryAfterSeconds) {
        if (status < 300 || status > 699) {
            message.release();
            throw new IllegalArgumentException("a refusal needs a final status 300..699: " + status);
        }
        SipResponse response = null;
        try {
            if (message instanceof SipRequest req && !req.isMethod(SipRequest.ACK)) {
                SipResponse.Builder b = req.createResponse(status).reason(reason);
                if (req.to().tag().isEmpty()) {
                    b.toTag(statelessTag);
                }
                if (retryAfterSeconds >= 0) {
                    b.header("Retry-After", Long.toString(retryAfterSeconds));
                }
                response = b.build();
            }
        } catch (SipParseException | IllegalArgumentException e) {
            LOG.debug("no stateless response to a request from {}: {}", connection.remoteAddress(), e.toString());
        } finally {
            message.release();
        }
        if (response != null) {
            connection.send(response);
        }
    }

    private boolean isStatelessAck(SipMessage m) {
        try {
            return m instanceof SipRequest r
                    && r.isMethod(SipRequest.ACK)
                    && r.to().tag().filter(statelessTag::equals).isPresent();
        } catch (SipParseException e) {
            return false; // only with validation off: left to the usual path, which drops it
        }
    }

    /**
     * Answers a message the decoder rejected, when it was a request with a routable Via.
     *
     * @return whether the transport must now close the connection
     */
    public boolean onDecodeError(SipConnection connection, SipDecodeError error) {
        error.errorResponse().ifPresent(connection::send);
        return error.closeConnection();
    }

    /** The connection closed: pending client transactions fail, server transactions on it end. */
    public void connectionClosed(SipConnection connection) {
        for (ClientTx tx : clients.values()) {
            if (tx.connection == connection) {
                tx.fail(new IOException("connection to " + connection.remoteAddress() + " closed"));
            }
        }
        for (ServerTx tx : servers.values()) {
            if (tx.connection == connection) {
                tx.terminate();
            }
        }
    }

    private static String serverKey(SipRequest r, String method) {
        Via top = r.topVia();
        String sentBy = top.host().toLowerCase(Locale.ROOT) + ":" + top.port();
        if (top.hasRfc3261Branch()) {
            return top.branch().orElseThrow() + "|" + sentBy + "|" + method;
        }
        return "2543|" + r.callId() + "|" + r.cseq().sequence() + "|"
                + r.from().tag().orElse("") + "|" + sentBy + "|" + method;
    }

    private void onRequest(SipConnection conn, SipRequest req) {
        String method = req.method();
        if (method.equals(SipRequest.ACK)) {
            ServerTx tx = servers.get(serverKey(req, SipRequest.INVITE));
            if (tx != null) {
                tx.onAck();
            } else {
                handler.onAck(req, conn);
            }
            return;
        }
        if (method.equals(SipRequest.CANCEL)) {
            onCancel(conn, req);
            return;
        }
        String key = serverKey(req, method);
        if (servers.size() >= maxServerTransactions) {
            LOG.warn(
                    "server transaction limit {} reached; answering 503 to {}",
                    maxServerTransactions,
                    conn.remoteAddress());
            conn.send(req.createResponse(503).header("Retry-After", "5").build());
            return;
        }
        InetAddress peer = peerOf(conn);
        AtomicInteger mine = peer == null ? null : perPeer.computeIfAbsent(peer, k -> new AtomicInteger());
        if (mine != null && mine.incrementAndGet() > maxPerPeer) {
            mine.decrementAndGet();
            peerLimitReached(conn, peer, req);
            return;
        }
        ServerTx tx = new ServerTx(this, key, req, conn);
        tx.peer = peer;
        if (servers.putIfAbsent(key, tx) != null) {
            releasePeer(peer);
            LOG.debug("request retransmission or merge for {} ignored", key);
            return;
        }
        if (tx.invite && sendTrying && !tryingDelay.isZero()) {
            tx.startTryingTimer(tryingDelay); // 100 only if no response comes first (RFC 3261 §17.2.1)
        } else {
            if (tx.invite && sendTrying) {
                conn.send(req.createResponse(100).build());
            }
            tx.startGuard(tx.invite ? inviteAnswerTimeout : timer64T1);
        }
        try {
            handler.onRequest(tx);
        } catch (RuntimeException e) {
            LOG.warn("request handler failed on {} {}", method, req.requestUri(), e);
            if (!tx.isCompleted()) {
                tx.respondQuietly(tx.createResponse(500).build());
            }
        }
    }

    private static InetAddress peerOf(SipConnection conn) {
        InetSocketAddress a = conn.remoteAddress();
        return a == null ? null : a.getAddress();
    }

    private void releasePeer(InetAddress peer) {
        if (peer != null) {
            perPeer.computeIfPresent(peer, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    private void peerLimitReached(SipConnection conn, InetAddress peer, SipRequest req) {
        conn.send(req.createResponse(503)
                .reason("Service Unavailable (too many transactions from this peer)")
                .header("Retry-After", "5")
                .build());
        // one event per peer per second, carrying how many requests were refused since the last one
        long now = clock.millis();
        if (refusedPerPeer.size() > 10_000) {
            refusedPerPeer.clear();
        }
        long[] state = refusedPerPeer.computeIfAbsent(peer, k -> new long[] {Long.MIN_VALUE, 0});
        long refused;
        synchronized (state) {
            state[1]++;
            if (state[0] != Long.MIN_VALUE && now - state[0] < 1000) {
                return;
            }
            state[0] = now;
            refused = state[1];
            state[1] = 0;
        }
        LOG.warn(
                "peer {} reached its limit of {} server transactions; answering 503",
                peer.getHostAddress(),
                maxPerPeer);
        if (events != null) {
            try {
                events.onEvent(SecurityEvent.builder(SecurityEventType.PEER_LIMIT_REACHED, clock)
                        .message("peer " + peer.getHostAddress() + " reached its limit of " + maxPerPeer
                                + " server transactions; requests answered 503")
                        .field("resource", "serverTransactions")
                        .field("limit", maxPerPeer)
                        .field("remote", String.valueOf(conn.remoteAddress()))
                        .field("refused", refused)
                        .build());
            } catch (RuntimeException e) {
                LOG.warn("security event listener failed", e);
            }
        }
    }

    private void onCancel(SipConnection conn, SipRequest cancel) {
        ServerTx invite = servers.get(serverKey(cancel, SipRequest.INVITE));
        if (invite == null) {
            conn.send(cancel.createResponse(481).toTag(newTag()).build());
            return;
        }
        SipResponse.Builder ok = cancel.createResponse(200);
        if (cancel.to().tag().isEmpty()) {
            ok.toTag(invite.localTag);
        }
        conn.send(ok.build());
        if (invite.respondQuietly(invite.createResponse(487).build())) {
            try {
                handler.onCancelled(invite);
            } catch (RuntimeException e) {
                LOG.warn("onCancelled handler failed", e);
            }
        }
    }

    private void onResponse(SipResponse resp) {
        Via top = resp.topVia();
        String key = top.branch().orElse("") + "|" + resp.cseq().method();
        ClientTx tx = clients.get(key);
        if (tx == null) {
            LOG.debug("stray response {} for {}", resp.status(), key);
            return;
        }
        tx.onResponse(resp);
    }

    // ---- outbound ------------------------------------------------------------------------------------

    /**
     * Sends a request in a new client transaction.
     *
     * @param connection where to send
     * @param request    the request; its top Via must carry an RFC 3261 branch ({@link #newBranch()});
     *                   ownership passes to the layer
     * @param listener   receives every response (may be {@link ResponseListener#IGNORE})
     * @return the transaction
     * @throws IllegalArgumentException for ACK (not a transaction), a branch without magic cookie, or a
     *                                  branch already in use
     */
    public ClientTransaction sendRequest(SipConnection connection, SipRequest request, ResponseListener listener) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(listener, "listener");
        if (request.isMethod(SipRequest.ACK)) {
            request.release();
            throw new IllegalArgumentException("ACK is sent outside transactions: use SipConnection.send");
        }
        Via top = request.topVia();
        if (!top.hasRfc3261Branch()) {
            request.release();
            throw new IllegalArgumentException("top Via needs a branch starting with " + Via.MAGIC_COOKIE);
        }
        SipRequest kept = request.copy();
        ClientTx tx = new ClientTx(this, kept, connection, listener);
        if (clients.putIfAbsent(tx.key, tx) != null) {
            request.release();
            throw new IllegalArgumentException("branch already in use: " + tx.branch);
        }
        tx.timer = scheduler.schedule(tx::timeout, timer64T1);
        connection.send(request);
        return tx;
    }

    /**
     * Builds the ACK for a 2xx response to an INVITE (RFC 3261 §13.2.2.4): sent to the remote target
     * (the 2xx's Contact) with a new branch, the route set from Record-Route in reverse, and CSeq
     * number of the INVITE. Send it with {@link SipConnection#send(SipMessage)}.
     */
    public SipRequest createAck(SipRequest invite, SipResponse ok) {
        List<NameAddress> contacts = ok.contacts();
        String target =
                contacts.isEmpty() ? invite.requestUri() : contacts.get(0).uri();
        Via top = invite.topVia();
        SipRequest.Builder b = SipRequest.builder(SipRequest.ACK, target)
                .via(new Via(top.protocol(), top.transport(), top.host(), top.port(), Map.of("branch", newBranch())))
                .from(invite.from())
                .to(ok.to())
                .callId(invite.callId())
                .cseq(invite.cseq().sequence());
        List<NameAddress> rr = ok.recordRoutes();
        for (int i = rr.size() - 1; i >= 0; i--) {
            b.route(rr.get(i));
        }
        return b.build();
    }

    static SipRequest nonSuccessAck(SipRequest invite, SipResponse resp) {
        SipRequest.Builder b = SipRequest.builder(SipRequest.ACK, invite.requestUri())
                .header("Via", invite.topVia().toString())
                .from(invite.from())
                .to(resp.to())
                .callId(invite.callId())
                .cseq(invite.cseq().sequence());
        for (NameAddress r : invite.routes()) {
            b.route(r);
        }
        return b.build();
    }

    static SipRequest cancelFor(SipRequest invite) {
        SipRequest.Builder b = SipRequest.builder(SipRequest.CANCEL, invite.requestUri())
                .header("Via", invite.topVia().toString())
                .from(invite.from())
                .to(invite.to())
                .callId(invite.callId())
                .cseq(invite.cseq().sequence());
        for (NameAddress r : invite.routes()) {
            b.route(r);
        }
        return b.build();
    }

    // ---- server transaction --------------------------------------------------------------------------

    private static final int PROCEEDING = 1;
    private static final int COMPLETED = 2;
    private static final int TERMINATED = 3;

    static final class ServerTx implements ServerTransaction {
        final TransactionLayer layer;
        final String key;
        final SipRequest request;
        final SipConnection connection;
        final boolean invite;
        final String localTag;
        private int state = PROCEEDING;
        private boolean finalSent;
        private boolean provisionalSent;
        private TimerScheduler.Timeout timer;
        private InetAddress peer;

        /** @return the peer address still counted against its share, once; null afterwards */
        synchronized InetAddress takePeer() {
            InetAddress p = peer;
            peer = null;
            return p;
        }

        ServerTx(TransactionLayer layer, String key, SipRequest request, SipConnection connection) {
            this.layer = layer;
            this.key = key;
            this.request = request;
            this.connection = connection;
            this.invite = request.isMethod(SipRequest.INVITE);
            this.localTag = request.to().tag().orElseGet(layer::newTag);
        }

        synchronized void startGuard(Duration d) {
            timer = layer.scheduler.schedule(this::guardExpired, d);
        }

        /** The first stage of an INVITE's guard: 100 Trying when nothing was sent by then, then the guard. */
        synchronized void startTryingTimer(Duration d) {
            timer = layer.scheduler.schedule(this::tryingDue, d);
        }

        private void tryingDue() {
            synchronized (this) {
                if (finalSent || state == TERMINATED) {
                    return;
                }
                Duration rest = layer.inviteAnswerTimeout.minus(layer.tryingDelay);
                timer = layer.scheduler.schedule(this::guardExpired, rest.isNegative() ? Duration.ZERO : rest);
                if (!provisionalSent) {
                    provisionalSent = true;
                    // under the lock: a final response decided after this goes out after the 100
                    connection.send(request.createResponse(100).build());
                }
            }
        }

        private void guardExpired() {
            if (invite) {
                if (respondQuietly(createResponse(408).build())) {
                    LOG.warn("INVITE {} not answered by the application in time; sent 408", request.callId());
                }
            } else {
                synchronized (this) {
                    if (finalSent) {
                        return;
                    }
                }
                LOG.warn("{} {} not answered by the application in time; dropped", request.method(), request.callId());
                terminate();
            }
        }

        @Override
        public SipRequest request() {
            return request;
        }

        @Override
        public SipConnection connection() {
            return connection;
        }

        @Override
        public String localTag() {
            return localTag;
        }

        @Override
        public SipResponse.Builder createResponse(int status) {
            SipResponse.Builder b = request.createResponse(status);
            if (status > 100 && request.to().tag().isEmpty()) {
                b.toTag(localTag);
            }
            return b;
        }

        @Override
        public synchronized boolean isCompleted() {
            return finalSent || state == TERMINATED;
        }

        @Override
        public Optional<DialogId> dialogId() {
            return Optional.of(new DialogId(
                    request.callId(), localTag, request.from().tag().orElse("")));
        }

        @Override
        public void respond(SipResponse response) {
            if (!respondQuietly(response)) {
                throw new IllegalStateException(
                        "transaction already completed: " + request.method() + " " + request.callId());
            }
        }

        @Override
        public boolean tryRespond(SipResponse response) {
            return respondQuietly(response);
        }

        /** Sends unless completed; returns whether it was sent. */
        boolean respondQuietly(SipResponse response) {
            boolean terminate = false;
            synchronized (this) {
                if (finalSent || state == TERMINATED) {
                    response.release();
                    return false;
                }
                if (response.status() < 200) {
                    provisionalSent = true;
                }
                if (response.status() >= 200) {
                    finalSent = true;
                    cancelTimer();
                    // the peer's share counts requests in progress; a finished one waiting for its ACK does not
                    layer.releasePeer(takePeer());
                    if (invite && !response.isSuccess()) {
                        state = COMPLETED;
                        // Timer H: wait this long for the ACK (RFC 3261 §17.2.1).
                        timer = layer.scheduler.schedule(this::ackTimeout, layer.timer64T1);
                    } else {
                        terminate = true;
                    }
                }
            }
            if (terminate) {
                terminate(); // first: once the peer has the response, the transaction is gone from the table
            }
            connection.send(response);
            return true;
        }

        private void ackTimeout() {
            LOG.debug("Timer H fired for {}: no ACK", key);
            terminate();
        }

        void onAck() {
            synchronized (this) {
                if (state != COMPLETED) {
                    return;
                }
            }
            terminate(); // Confirmed, then Timer I = 0 on reliable transports
        }

        void terminate() {
            synchronized (this) {
                state = TERMINATED;
                cancelTimer();
            }
            if (layer.servers.remove(key, this)) {
                layer.releasePeer(takePeer());
            }
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }
    }

    // ---- client transaction --------------------------------------------------------------------------

    static final class ClientTx implements ClientTransaction {
        final TransactionLayer layer;
        final SipRequest request;
        final SipConnection connection;
        final ResponseListener listener;
        final String branch;
        final String key;
        final boolean invite;
        final CompletableFuture<SipResponse> future = new CompletableFuture<>();
        TimerScheduler.Timeout timer;
        private boolean provisional;
        private boolean done;
        private boolean cancelPending;
        private boolean cancelSent;

        ClientTx(TransactionLayer layer, SipRequest request, SipConnection connection, ResponseListener listener) {
            this.layer = layer;
            this.request = request;
            this.connection = connection;
            this.listener = listener;
            this.branch = request.topVia().branch().orElseThrow();
            this.key = branch + "|" + request.cseq().method();
            this.invite = request.isMethod(SipRequest.INVITE);
        }

        @Override
        public SipRequest request() {
            return request;
        }

        @Override
        public String branch() {
            return branch;
        }

        @Override
        public CompletableFuture<SipResponse> finalResponse() {
            return future;
        }

        void onResponse(SipResponse resp) {
            boolean sendCancel = false;
            boolean fin = resp.status() >= 200;
            synchronized (this) {
                if (done) {
                    if (!(invite && resp.isSuccess())) {
                        return; // a late duplicate; 2xx retransmissions still reach the application
                    }
                } else if (fin) {
                    done = true;
                    if (timer != null) {
                        timer.cancel();
                    }
                } else {
                    provisional = true;
                    if (cancelPending && !cancelSent) {
                        cancelSent = true;
                        sendCancel = true;
                    }
                }
            }
            if (fin) {
                layer.clients.remove(key, this);
                if (invite && !resp.isSuccess()) {
                    connection.send(nonSuccessAck(request, resp)); // RFC 3261 §17.1.1.3; Timer D = 0
                }
            }
            try {
                listener.onResponse(resp);
            } catch (RuntimeException e) {
                LOG.warn("response listener failed", e);
            }
            if (fin) {
                future.complete(resp);
            }
            if (sendCancel) {
                sendCancel();
            }
        }

        private void sendCancel() {
            try {
                layer.sendRequest(connection, cancelFor(request), ResponseListener.IGNORE);
            } catch (IllegalArgumentException e) {
                LOG.debug("CANCEL for {} not sent: {}", branch, e.getMessage());
            }
        }

        void timeout() {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            layer.clients.remove(key, this);
            future.completeExceptionally(new TransactionTimeoutException((invite ? "Timer B" : "Timer F")
                    + " fired: no final response to " + request.method() + " " + request.requestUri()));
        }

        void fail(Throwable t) {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                if (timer != null) {
                    timer.cancel();
                }
            }
            layer.clients.remove(key, this);
            future.completeExceptionally(t);
        }

        @Override
        public boolean cancel() {
            if (!invite) {
                return false;
            }
            boolean now;
            synchronized (this) {
                if (done || cancelSent || cancelPending) {
                    return !done;
                }
                cancelPending = true;
                now = provisional;
                if (now) {
                    cancelSent = true;
                }
            }
            if (now) {
                sendCancel();
            }
            return true;
        }
    }

    // ---- builder -------------------------------------------------------------------------------------

    /** Builder for {@link TransactionLayer}. */
    public static final class Builder {
        private SipRequestHandler handler;
        private TimerScheduler scheduler;
        private Duration t1 = DEFAULT_T1;
        private Duration inviteAnswerTimeout = DEFAULT_INVITE_ANSWER_TIMEOUT;
        private int maxServerTransactions = DEFAULT_MAX_SERVER_TRANSACTIONS;
        private int maxPerPeer = DEFAULT_MAX_SERVER_TRANSACTIONS_PER_PEER;
        private SecurityEventListener events;
        private Clock clock = Clock.systemUTC();
        private boolean sendTrying = true;
        private Duration tryingDelay = Duration.ZERO;
        private SecureRandom random = new SecureRandom();

        private Builder() {}

        /** The application (required). */
        public Builder handler(SipRequestHandler h) {
            handler = Objects.requireNonNull(h, "handler");
            return this;
        }

        /** Timer scheduler (required); see {@link TimerScheduler#of}. */
        public Builder scheduler(TimerScheduler s) {
            scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /** T1 (default 500 ms); Timers B, F and H are 64·T1. */
        public Builder t1(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("T1 must be positive");
            }
            t1 = d;
            return this;
        }

        /** How long an INVITE may stay unanswered before the layer sends 408 (default 3 minutes). */
        public Builder inviteAnswerTimeout(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            inviteAnswerTimeout = d;
            return this;
        }

        /** Most live server transactions before answering 503 (default 10000). */
        public Builder maxServerTransactions(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("must be positive: " + n);
            }
            maxServerTransactions = n;
            return this;
        }

        /**
         * Most server transactions in progress (no final response yet) of one peer (remote address)
         * before its requests get 503 with
         * Retry-After and a {@link SecurityEventType#PEER_LIMIT_REACHED} event (default
         * {@value TransactionLayer#DEFAULT_MAX_SERVER_TRANSACTIONS_PER_PEER}).
         *
         * @param n the cap, at least 1
         * @return this
         */
        public Builder maxServerTransactionsPerPeer(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("must be positive: " + n);
            }
            maxPerPeer = n;
            return this;
        }

        /**
         * @param listener receives {@link SecurityEventType#PEER_LIMIT_REACHED} (default none: logged only)
         * @return this
         */
        public Builder events(SecurityEventListener listener) {
            events = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @param c clock for event times and the event rate limit (default system UTC)
         * @return this
         */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Whether INVITEs get 100 Trying at once (default true). */
        public Builder sendTrying(boolean b) {
            sendTrying = b;
            return this;
        }

        /**
         * Sends an INVITE's 100 Trying only when neither a provisional nor a final response has gone out
         * this long after the layer took the INVITE (RFC 3261 §17.2.1 requires the 100 unless the TU answers
         * within 200 ms). A server that answers at once saves a response per call; default zero: the 100
         * goes out at once.
         *
         * @param d the delay, 0..1 s
         * @return this
         */
        public Builder tryingDelay(Duration d) {
            if (d.isNegative() || d.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("trying delay must be 0..1 s: " + d);
            }
            tryingDelay = d;
            return this;
        }

        /** Randomness for tags and branches (default a new {@link SecureRandom}). */
        public Builder random(SecureRandom r) {
            random = Objects.requireNonNull(r, "random");
            return this;
        }

        /** The layer. */
        public TransactionLayer build() {
            return new TransactionLayer(this);
        }
    }
}
