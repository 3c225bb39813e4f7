package org.umsec.sip.dialog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.sip.DialogId;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.SipRequestHandler;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;

/**
 * The dialog layer (RFC 3261 §12–§14, RFC 4028 session timers) between the
 * {@link TransactionLayer} and the application: install it as the transaction layer's
 * {@link SipRequestHandler} and give it the application's {@link DialogHandler}. Dialogs are made for
 * INVITEs received ({@link #createDialog}, UAS) and for INVITEs this side sent ({@link #createUacDialog},
 * UAC, such as a call the server places through a gateway); both are matched and bound alike.
 *
 * <h2>Matching</h2>
 * Dialogs are keyed by Call-ID, local tag and remote tag ({@link DialogId}) and bound to the
 * connection, peer identity and security mode they were created with ({@link DialogBinding}). A request
 * with a To tag is answered by the layer, and never reaches the application, when
 * <ul>
 * <li>it matches no dialog: 481 (a Call-ID alone, or a Call-ID and a guessed tag, matches nothing);</li>
 * <li>it matches a dialog but comes over plain TCP while the dialog was made over TLS (or its mode needs
 *     mutual TLS), or from another peer identity: 403;</li>
 * <li>its CSeq is not above the last one of the dialog: 500 (RFC 3261 §12.2.2);</li>
 * <li>it is an INVITE while another INVITE of the dialog is unanswered: 500 with Retry-After (§14.2);</li>
 * <li>it carries Session-Expires below {@link Builder#minSessionExpires} (default
 *     {@value #DEFAULT_MIN_SE_SECONDS} s): 422 with Min-SE (RFC 4028 §8.1).</li>
 * </ul>
 * An initial INVITE whose Call-ID belongs to a live dialog of another peer identity or a weaker transport
 * gets 403 (someone is trying to join a call whose Call-ID it learnt). Every refusal publishes
 * {@link SecurityEventType#DIALOG_REQUEST_REFUSED} with the reason ({@code no-dialog},
 * {@code weaker-transport}, {@code other-peer}, {@code call-id-in-use}); ACKs that fail the same checks are
 * dropped with the event.
 *
 * <h2>What the layer does itself</h2>
 * BYE: 200, a pending INVITE of the dialog gets 487, the dialog ends ({@link DialogEnd#BYE}), also in the
 * early state. CANCEL (answered by the transaction layer): an early dialog ends ({@link DialogEnd#CANCELLED});
 * the application's later answer finds {@link Dialog#respond} returning false, whichever of CANCEL and 200
 * came first. 2xx retransmission until ACK with an ACK timeout of 64·T1 ({@link DialogEnd#ACK_TIMEOUT}),
 * session expiry ({@link DialogEnd#SESSION_EXPIRED}) and the loss of the connection
 * ({@link DialogEnd#CONNECTION_CLOSED}) end dialogs with a callback.
 *
 * <pre>{@code
 * DialogLayer dialogs = DialogLayer.builder().handler(app).scheduler(timers).events(bus).build();
 * TransactionLayer transactions = TransactionLayer.builder().handler(dialogs).scheduler(timers).build();
 * // in app.onRequest(tx) for an INVITE:
 * Dialog d = dialogs.createDialog(tx, DialogBinding.of(tx.connection(), VoipSecurityMode.SECURED));
 * if (!d.respond(tx, tx.createResponse(200).body("application/sdp", answer))) { ... cancelled: clean up ... }
 * }</pre>
 *
 * <p>Thread-safe; callbacks run on the thread that delivered the message or fired the timer.
 */
public final class DialogLayer implements SipRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DialogLayer.class);

    /** Default and smallest allowed Min-SE, seconds (RFC 4028 §4). */
    public static final int DEFAULT_MIN_SE_SECONDS = 90;
    /** Default T2, the cap of the 2xx retransmission interval (RFC 3261 §17.1.2.2). */
    public static final Duration DEFAULT_T2 = Duration.ofSeconds(4);

    private final DialogHandler handler;
    private final TimerScheduler scheduler;
    private final Duration t1;
    private final Duration t2;
    private final int minSe;
    private final Duration defaultSessionInterval;
    private final SecurityEventListener events;
    private final Clock clock;
    private final PeerIdentity peerIdentity;
    private final Map<DialogId, Dialog> dialogs = new ConcurrentHashMap<>();
    private final Map<String, List<Dialog>> byCallId = new ConcurrentHashMap<>();

    private DialogLayer(Builder b) {
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.t1 = b.t1;
        this.t2 = b.t2;
        this.minSe = b.minSe;
        this.defaultSessionInterval = b.defaultSessionInterval;
        this.events = b.events;
        this.clock = b.clock;
        this.peerIdentity = b.peerIdentity;
    }

    /** @return a builder; handler and scheduler are required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the number of live dialogs */
    public int dialogCount() {
        return dialogs.size();
    }

    /** @return the live dialog with this ID, if any */
    public Optional<Dialog> dialog(DialogId id) {
        return Optional.ofNullable(dialogs.get(id));
    }

    /**
     * Creates the (early) dialog of an initial INVITE; the application then answers through
     * {@link Dialog#respond}. If the INVITE was already cancelled the dialog is returned terminated and
     * {@code respond} returns false.
     *
     * @param invite  the INVITE's transaction (no To tag)
     * @param binding what the dialog is bound to; its connection must be the INVITE's
     * @return the dialog
     * @throws IllegalArgumentException when the request is not an initial INVITE or the binding is for
     *                                  another connection
     * @throws IllegalStateException    when a dialog with this ID exists
     */
    public Dialog createDialog(ServerTransaction invite, DialogBinding binding) {
        SipRequest req = invite.request();
        if (!req.isMethod(SipRequest.INVITE) || req.to().tag().isPresent()) {
            throw new IllegalArgumentException("not an initial INVITE: " + req.method());
        }
        if (binding.connection() != invite.connection()) {
            throw new IllegalArgumentException("binding is for another connection");
        }
        Dialog d = new Dialog(this, invite, binding);
        if (dialogs.putIfAbsent(d.id(), d) != null) {
            throw new IllegalStateException("dialog exists: " + d.id());
        }
        byCallId.compute(d.id().callId(), (k, list) -> {
            List<Dialog> l = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
            l.add(d);
            return List.copyOf(l);
        });
        if (invite.isCompleted()) {
            terminate(d, null); // a CANCEL won the race before the dialog existed
        }
        return d;
    }

    /**
     * Creates the dialog of an INVITE this side sent, once its 2xx arrived (RFC 3261 §12.1.2): local tag
     * the INVITE's From tag, remote tag the 2xx's To tag, remote target the 2xx's Contact, route set its
     * Record-Route reversed, local CSeq the INVITE's. The dialog is {@link Dialog.State#CONFIRMED} and
     * bound like a UAS dialog: the peer's BYE (answered 200 here, then {@link DialogHandler#onEnded} with
     * {@link DialogEnd#BYE}), re-INVITE or UPDATE must come from the same peer identity over a transport at
     * least as strong, with a growing CSeq; anything else is refused as described above. Send the ACK with
     * {@link TransactionLayer#createAck} and later requests (the BYE) with {@link Dialog#createRequest}.
     *
     * @param invite  the INVITE as sent
     * @param ok      its 2xx response, with a To tag
     * @param binding the connection the INVITE went out on, the peer identity and the mode
     * @return the confirmed dialog
     * @throws IllegalArgumentException when {@code invite} is not an INVITE, {@code ok} not a 2xx with a To tag
     *                                  for it, or the binding is for another connection than the INVITE's
     * @throws IllegalStateException    when a dialog with this ID exists
     */
    public Dialog createUacDialog(SipRequest invite, SipResponse ok, DialogBinding binding) {
        Objects.requireNonNull(binding, "binding");
        if (!invite.isMethod(SipRequest.INVITE) || invite.to().tag().isPresent()) {
            throw new IllegalArgumentException("not an initial INVITE: " + invite.method());
        }
        if (!ok.isSuccess()
                || ok.to().tag().isEmpty()
                || !ok.callId().equals(invite.callId())
                || !ok.from().tag().equals(invite.from().tag())) {
            throw new IllegalArgumentException("not a 2xx with a To tag for this INVITE: " + ok.status());
        }
        Dialog d = new Dialog(this, invite, ok, binding);
        if (dialogs.putIfAbsent(d.id(), d) != null) {
            throw new IllegalStateException("dialog exists: " + d.id());
        }
        byCallId.compute(d.id().callId(), (k, list) -> {
            List<Dialog> l = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
            l.add(d);
            return List.copyOf(l);
        });
        return d;
    }

    // ---- SipRequestHandler -----------------------------------------------------------------------

    @Override
    public void onRequest(ServerTransaction tx) {
        SipRequest req = tx.request();
        SipConnection conn = tx.connection();
        if (req.to().tag().isEmpty()) {
            if (req.isMethod(SipRequest.INVITE)) {
                List<Dialog> live = byCallId.getOrDefault(req.callId(), List.of());
                String from = live.isEmpty() ? null : identity(req, conn);
                for (Dialog d : live) {
                    String why = d.binding().refusal(conn, from);
                    if (why != null) {
                        refuse(tx, 403, "Forbidden - Call-ID in use", "call-id-in-use", d);
                        return;
                    }
                }
            } else if (needsDialog(req.method())) {
                refuse(tx, 481, null, "no-dialog", null);
                return;
            }
            if (rejectShortSession(tx)) {
                return;
            }
            handler.onRequest(tx);
            return;
        }
        Dialog d = dialogs.get(DialogId.atUas(req));
        if (d == null) {
            refuse(tx, 481, null, "no-dialog", null);
            return;
        }
        String why = d.binding().refusal(conn, identity(req, conn));
        if (why != null) {
            refuse(tx, 403, "Forbidden - not this dialog's peer", why, d);
            return;
        }
        if (!d.acceptCSeq(req.cseq().sequence())) {
            tx.respond(tx.createResponse(500)
                    .reason("Server Internal Error - CSeq out of order")
                    .build());
            return;
        }
        switch (req.method()) {
            case SipRequest.BYE -> bye(d, tx);
            case SipRequest.INVITE -> {
                if (rejectShortSession(tx)) {
                    return;
                }
                if (!d.beginInvite(tx)) {
                    // RFC 3261 §14.2: a second INVITE before the first was answered
                    tx.respond(tx.createResponse(500)
                            .header(
                                    "Retry-After",
                                    Integer.toString(ThreadLocalRandom.current().nextInt(11)))
                            .build());
                    return;
                }
                handler.onDialogRequest(d, tx);
            }
            case SipRequest.UPDATE -> {
                if (rejectShortSession(tx)) {
                    return;
                }
                handler.onDialogRequest(d, tx);
            }
            default -> handler.onDialogRequest(d, tx);
        }
    }

    private static boolean needsDialog(String method) {
        return method.equals(SipRequest.BYE)
                || method.equals(SipRequest.UPDATE)
                || method.equals(SipRequest.INFO)
                || method.equals(SipRequest.PRACK)
                || method.equals(SipRequest.NOTIFY)
                || method.equals(SipRequest.REFER);
    }

    private void bye(Dialog d, ServerTransaction tx) {
        // the dialog ends before the 200 leaves, so that nothing the peer does after the 200 (closing
        // the connection) can end it for another reason first
        ServerTransaction pending = d.pendingInvite();
        boolean ended = detach(d);
        tx.respond(tx.createResponse(200).build());
        if (pending != null) {
            // RFC 3261 §15.1.2: pending requests of the dialog get 487
            pending.tryRespond(pending.createResponse(487).build());
        }
        if (ended) {
            notifyEnded(d, DialogEnd.BYE);
        }
    }

    @Override
    public void onAck(SipRequest ack, SipConnection connection) {
        Optional<String> tag = ack.to().tag();
        Dialog d = tag.isEmpty() ? null : dialogs.get(DialogId.atUas(ack));
        if (d == null) {
            LOG.debug("ACK for no dialog ({}) from {} dropped", ack.callId(), connection.remoteAddress());
            return;
        }
        String why = d.binding().refusal(connection, identity(ack, connection));
        if (why != null) {
            publish(connection, ack.method(), ack.callId(), why, d);
            return;
        }
        if (d.acked(ack.cseq().sequence())) {
            try {
                handler.onAck(d, ack);
            } catch (RuntimeException e) {
                LOG.warn("onAck handler failed", e);
            }
        }
    }

    @Override
    public void onCancelled(ServerTransaction invite) {
        for (Dialog d : byCallId.getOrDefault(invite.request().callId(), List.of())) {
            if (d.initialInvite() == invite) {
                terminate(d, DialogEnd.CANCELLED);
                return;
            }
            if (d.pendingInvite() == invite) {
                d.clearPendingInvite(invite); // a cancelled re-INVITE leaves the dialog as it was
                return;
            }
        }
        handler.onCancelled(invite);
    }

    /**
     * The transport closed a connection: the dialogs bound to it end with
     * {@link DialogEnd#CONNECTION_CLOSED}.
     */
    public void connectionClosed(SipConnection connection) {
        for (Dialog d : List.copyOf(dialogs.values())) {
            if (d.binding().connection() == connection) {
                terminate(d, DialogEnd.CONNECTION_CLOSED);
            }
        }
    }

    // ---- internals -------------------------------------------------------------------------------

    /** The sender's identity by the application's rule; a failing or null answer is an identity of its own. */
    private String identity(SipRequest req, SipConnection conn) {
        try {
            String id = peerIdentity.identify(req, conn);
            return id != null ? id : "unidentified";
        } catch (RuntimeException e) {
            LOG.warn("peer identity rule failed for {}: {}", conn.remoteAddress(), e.toString());
            return "unidentified";
        }
    }

    void terminate(Dialog d, DialogEnd why) {
        if (detach(d) && why != null) {
            notifyEnded(d, why);
        }
    }

    /** Marks the dialog terminated and forgets it; false when it already was. */
    private boolean detach(Dialog d) {
        if (!d.markTerminated()) {
            return false;
        }
        dialogs.remove(d.id(), d);
        byCallId.computeIfPresent(d.id().callId(), (k, list) -> {
            List<Dialog> l = new ArrayList<>(list);
            l.remove(d);
            return l.isEmpty() ? null : List.copyOf(l);
        });
        return true;
    }

    private void notifyEnded(Dialog d, DialogEnd why) {
        try {
            handler.onEnded(d, why);
        } catch (RuntimeException e) {
            LOG.warn("onEnded handler failed for {}", d, e);
        }
    }

    /**
     * The session interval to grant a refresh request, or null for none (RFC 4028 §9). This side never
     * refreshes (it sends no re-INVITE or UPDATE), so a timer runs only with a peer that supports timers
     * and refreshes itself ({@code refresher=uac}); without {@code Supported: timer} there is none.
     */
    Duration sessionInterval(SipRequest req) {
        if (!supportsTimer(req)) {
            return null;
        }
        OptionalSe se = OptionalSe.of(req);
        if (se.seconds > 0) {
            return Duration.ofSeconds(Math.max(se.seconds, minSe));
        }
        if (defaultSessionInterval != null) {
            return defaultSessionInterval;
        }
        return null;
    }

    private static boolean supportsTimer(SipRequest req) {
        for (String v : req.headers().values("Supported")) {
            if (v.equalsIgnoreCase("timer")) {
                return true;
            }
        }
        for (String v : req.headers().values("k")) {
            if (v.equalsIgnoreCase("timer")) {
                return true;
            }
        }
        return false;
    }

    private boolean rejectShortSession(ServerTransaction tx) {
        SipRequest req = tx.request();
        if (!req.isMethod(SipRequest.INVITE) && !req.isMethod(SipRequest.UPDATE)) {
            return false;
        }
        OptionalSe se = OptionalSe.of(req);
        if (se.seconds < 0) {
            tx.respond(tx.createResponse(400)
                    .reason("Bad Request - malformed Session-Expires")
                    .build());
            return true;
        }
        if (se.seconds > 0 && se.seconds < minSe) {
            tx.respond(tx.createResponse(422)
                    .header("Min-SE", Integer.toString(minSe))
                    .build());
            return true;
        }
        return false;
    }

    /** Session-Expires delta-seconds: 0 when absent, -1 when malformed. */
    private record OptionalSe(long seconds) {
        static OptionalSe of(SipRequest req) {
            Optional<String> v = req.header("Session-Expires").or(() -> req.header("x"));
            if (v.isEmpty()) {
                return new OptionalSe(0);
            }
            String s = v.get();
            int semi = s.indexOf(';');
            String num = (semi < 0 ? s : s.substring(0, semi)).strip();
            if (num.isEmpty() || num.length() > 10 || !num.chars().allMatch(Character::isDigit)) {
                return new OptionalSe(-1);
            }
            long n = Long.parseLong(num);
            return new OptionalSe(n == 0 ? -1 : Math.min(n, 86_400L));
        }
    }

    private void refuse(ServerTransaction tx, int status, String reason, String why, Dialog matched) {
        SipRequest req = tx.request();
        publish(tx.connection(), req.method(), req.callId(), why, matched);
        var b = tx.createResponse(status);
        if (reason != null) {
            b.reason(reason);
        }
        tx.respond(b.build());
    }

    private void publish(SipConnection conn, String method, String callId, String why, Dialog matched) {
        LOG.warn("{} for Call-ID {} from {} refused: {}", method, printable(callId), conn.remoteAddress(), why);
        if (events == null) {
            return;
        }
        SecurityEvent.Builder e = SecurityEvent.builder(SecurityEventType.DIALOG_REQUEST_REFUSED, clock)
                .message("In-dialog " + method + " refused: " + why)
                .field("peer", conn.remoteAddress())
                .field("peerIdentity", DialogBinding.peerOf(conn))
                .field("method", method)
                .field("callId", printable(callId))
                .field("reason", why)
                .field("transport", conn.isSecure() ? "TLS" : "TCP");
        if (matched != null) {
            e.field("dialogPeer", matched.binding().peer())
                    .field("dialogMode", matched.binding().mode());
        }
        try {
            events.onEvent(e.build());
        } catch (RuntimeException ex) {
            LOG.warn("event listener failed", ex);
        }
    }

    /** Peer-supplied text with control characters escaped, for logs and events. */
    static String printable(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    Duration t1() {
        return t1;
    }

    Duration t2() {
        return t2;
    }

    TimerScheduler scheduler() {
        return scheduler;
    }

    /** Builder for {@link DialogLayer}. Not thread-safe. */
    public static final class Builder {
        private DialogHandler handler;
        private TimerScheduler scheduler;
        private Duration t1 = TransactionLayer.DEFAULT_T1;
        private Duration t2 = DEFAULT_T2;
        private int minSe = DEFAULT_MIN_SE_SECONDS;
        private Duration defaultSessionInterval;
        private SecurityEventListener events;
        private Clock clock = Clock.systemUTC();
        private PeerIdentity peerIdentity = PeerIdentity.TRANSPORT;

        private Builder() {}

        /**
         * @param p how the sender of an in-dialog request (and of an initial INVITE reusing a live Call-ID)
         *     is identified (default {@link PeerIdentity#TRANSPORT}: what the transport proved); must agree
         *     with the peer of the {@link DialogBinding}s the application creates
         * @return this
         */
        public Builder peerIdentity(PeerIdentity p) {
            peerIdentity = Objects.requireNonNull(p, "peerIdentity");
            return this;
        }

        /** @param h the application (required) @return this */
        public Builder handler(DialogHandler h) {
            handler = Objects.requireNonNull(h, "handler");
            return this;
        }

        /** @param s timers for 2xx retransmission and session expiry (required) @return this */
        public Builder scheduler(TimerScheduler s) {
            scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /**
         * @param d T1 (default 500 ms): first 2xx retransmission interval; the ACK timeout is 64·T1
         * @return this
         */
        public Builder t1(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("T1 must be positive");
            }
            t1 = d;
            return this;
        }

        /** @param d T2 (default 4 s): cap of the 2xx retransmission interval @return this */
        public Builder t2(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("T2 must be positive");
            }
            t2 = d;
            return this;
        }

        /**
         * @param seconds the smallest session interval accepted (default and minimum
         *                {@value #DEFAULT_MIN_SE_SECONDS}); shorter Session-Expires get 422 (RFC 4028 §8.1)
         * @return this
         */
        public Builder minSessionExpires(int seconds) {
            if (seconds < DEFAULT_MIN_SE_SECONDS) {
                throw new IllegalArgumentException("Min-SE must be at least 90 s (RFC 4028 §4): " + seconds);
            }
            minSe = seconds;
            return this;
        }

        /**
         * @param d the session interval the UAS asks for when the peer supports timers but proposed none
         *          (default none: no session timer then)
         * @return this
         */
        public Builder defaultSessionInterval(Duration d) {
            if (d.toSeconds() < DEFAULT_MIN_SE_SECONDS) {
                throw new IllegalArgumentException("session interval below 90 s: " + d);
            }
            defaultSessionInterval = d;
            return this;
        }

        /** @param l receives {@link SecurityEventType#DIALOG_REQUEST_REFUSED} (default: logged only) @return this */
        public Builder events(SecurityEventListener l) {
            events = Objects.requireNonNull(l, "listener");
            return this;
        }

        /** @param c clock for event times (default system UTC) @return this */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** @return the layer */
        public DialogLayer build() {
            return new DialogLayer(this);
        }
    }
}
