package org.umsec.sip.dialog;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.sip.DialogId;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.TimerScheduler;

/**
 * One dialog (RFC 3261 §12), at the UAS or, for an INVITE this side sent, at the UAC: its ID (Call-ID, local tag, remote tag), the parties, the remote
 * target and route set, the CSeq numbers in each direction, and the {@link DialogBinding} it was created
 * with. Made by {@link DialogLayer#createDialog} (UAS) or {@link DialogLayer#createUacDialog} (UAC); matched
 * by the layer for every later request.
 *
 * <p>States: {@link State#EARLY} from creation until a 2xx to the INVITE is sent, then
 * {@link State#CONFIRMED}, and {@link State#TERMINATED} once BYE, CANCEL, a lost connection, a timer or
 * the application ended it. A 2xx to an INVITE sent with {@link #respond} is retransmitted from T1,
 * doubling up to T2, until its ACK arrives; after 64·T1 without an ACK the dialog ends with
 * {@link DialogEnd#ACK_TIMEOUT} (RFC 3261 §13.3.1.4).
 *
 * <p>Thread-safe.
 */
public final class Dialog {
    private static final Logger LOG = LoggerFactory.getLogger(Dialog.class);

    /** Dialog states (RFC 3261 §12). */
    public enum State {
        /** Created by an INVITE that has no final response yet. */
        EARLY,
        /** A 2xx was sent. */
        CONFIRMED,
        /** Ended; no request matches it any more. */
        TERMINATED
    }

    private final DialogLayer layer;
    private final DialogId id;
    private final DialogBinding binding;
    private final NameAddress local;
    private final NameAddress remote;
    private final String remoteTarget;
    private final List<NameAddress> routeSet;
    private State state = State.EARLY;
    private long remoteCSeq;
    private long localCSeq;
    private ServerTransaction pendingInvite;
    private final ServerTransaction initialInvite;
    // 2xx retransmission (RFC 3261 §13.3.1.4)
    private SipResponse unacked;
    private long unackedCSeq = -1;
    private Duration retransmitInterval;
    private Duration retransmitElapsed;
    private TimerScheduler.Timeout retransmitTimer;
    // session timer (RFC 4028)
    private Duration sessionInterval;
    private TimerScheduler.Timeout sessionTimer;

    Dialog(DialogLayer layer, ServerTransaction invite, DialogBinding binding) {
        SipRequest req = invite.request();
        this.layer = layer;
        this.binding = binding;
        this.initialInvite = invite;
        this.pendingInvite = invite;
        this.id = new DialogId(req.callId(), invite.localTag(), req.from().tag().orElse(""));
        this.local = req.to().withTag(invite.localTag());
        this.remote = req.from();
        this.remoteTarget = req.contacts().isEmpty()
                ? req.from().uri()
                : req.contacts().get(0).uri();
        this.routeSet = List.copyOf(req.recordRoutes());
        this.remoteCSeq = req.cseq().sequence();
    }

    /** The dialog of an INVITE this side sent, confirmed by its 2xx (RFC 3261 §12.1.2). */
    Dialog(DialogLayer layer, SipRequest invite, SipResponse ok, DialogBinding binding) {
        this.layer = layer;
        this.binding = binding;
        this.initialInvite = null;
        this.pendingInvite = null;
        this.id = DialogId.atUac(ok);
        this.local = invite.from();
        this.remote = ok.to();
        this.remoteTarget = ok.contacts().isEmpty()
                ? invite.requestUri()
                : ok.contacts().get(0).uri();
        // §12.1.2: the route set is the 2xx's Record-Route in reverse order
        List<NameAddress> rr = new java.util.ArrayList<>(ok.recordRoutes());
        java.util.Collections.reverse(rr);
        this.routeSet = List.copyOf(rr);
        this.localCSeq = invite.cseq().sequence();
        this.remoteCSeq = -1; // §12.1.2: empty until the peer's first request
        this.state = State.CONFIRMED;
    }

    /** @return the dialog ID (at the UAS: local tag = To tag, remote tag = From tag) */
    public DialogId id() {
        return id;
    }

    /** @return the connection, peer identity and mode the dialog is bound to */
    public DialogBinding binding() {
        return binding;
    }

    /** @return the current state */
    public synchronized State state() {
        return state;
    }

    /** @return this side's address with the local tag (From of the requests this side sends) */
    public NameAddress localParty() {
        return local;
    }

    /** @return the peer's address with its tag (To of the requests this side sends) */
    public NameAddress remoteParty() {
        return remote;
    }

    /** @return the peer's Contact URI, where this side's in-dialog requests go */
    public String remoteTarget() {
        return remoteTarget;
    }

    /** @return the highest CSeq number the peer used in this dialog */
    public synchronized long remoteCSeq() {
        return remoteCSeq;
    }

    /** @return the session interval negotiated with Session-Expires (RFC 4028), if any */
    public synchronized Optional<Duration> sessionInterval() {
        return Optional.ofNullable(sessionInterval);
    }

    /** @return whether a 2xx to an INVITE is waiting for its ACK */
    public synchronized boolean awaitingAck() {
        return unacked != null;
    }

    /**
     * Answers a request of this dialog: its INVITE, a re-INVITE, UPDATE or another in-dialog request.
     * For a 2xx to INVITE or UPDATE the session-timer headers are added (RFC 4028 §9: Session-Expires
     * with {@code refresher=uac} and {@code Require: timer} when the peer supports timers) and the
     * session timer is (re)started; a 2xx to an INVITE is retransmitted until its ACK. A non-2xx final
     * response to the dialog's own INVITE ends the dialog.
     *
     * @param transaction the request's transaction
     * @param response    the response to send (built from {@code transaction.createResponse})
     * @return whether it was sent: false when the transaction had already completed, for example
     *     because a CANCEL or BYE ended the INVITE first (the dialog is then terminated when it was its
     *     own INVITE) or the dialog has ended
     */
    public boolean respond(ServerTransaction transaction, SipResponse.Builder response) {
        Objects.requireNonNull(transaction, "transaction");
        SipRequest req = transaction.request();
        SipResponse built;
        boolean invite = req.isMethod(SipRequest.INVITE);
        boolean refresh = invite || req.isMethod(SipRequest.UPDATE);
        Duration interval = null;
        synchronized (this) {
            if (state == State.TERMINATED) {
                transaction.tryRespond(transaction.createResponse(481).build());
                return false;
            }
        }
        int status = response.status();
        if (transaction == initialInvite && status > 100 && status < 300) {
            // RFC 3261 §12.1.1: a response that establishes a dialog copies the request's Record-Route, so
            // that the caller's in-dialog requests pass through the same proxies (an edge proxy's dispatcher)
            for (NameAddress rr : req.recordRoutes()) {
                response.recordRoute(rr);
            }
        }
        if (refresh && status >= 200 && status < 300) {
            interval = layer.sessionInterval(req);
            if (interval != null) {
                response.setHeader("Session-Expires", interval.toSeconds() + ";refresher=uac");
                response.setHeader("Require", "timer");
            }
        }
        built = response.build();
        SipResponse kept = invite && status >= 200 && status < 300 ? built.copy() : null;
        boolean success = status >= 200 && status < 300;
        if (success) {
            // timers first: whatever the peer does once it has the 2xx finds them running
            synchronized (this) {
                if (state == State.TERMINATED) {
                    if (kept != null) {
                        kept.release();
                    }
                    built.release();
                    return false;
                }
                if (kept != null) {
                    startRetransmission(kept, req.cseq().sequence());
                }
                if (refresh) {
                    restartSessionTimer(interval);
                }
            }
        }
        boolean sent = transaction.tryRespond(built);
        if (!sent) {
            if (kept != null) {
                synchronized (this) {
                    if (unacked == kept) {
                        stopRetransmission();
                    }
                }
            }
            if (transaction == initialInvite) {
                layer.terminate(this, null);
            }
            return false;
        }
        if (status < 200) {
            return true;
        }
        synchronized (this) {
            if (invite && transaction == pendingInvite) {
                pendingInvite = null;
            }
            if (state == State.TERMINATED) {
                return true;
            }
            if (status >= 300) {
                if (transaction != initialInvite) {
                    return true;
                }
            } else {
                if (state == State.EARLY) {
                    state = State.CONFIRMED;
                }
                return true;
            }
        }
        // a non-2xx final response to the dialog's own INVITE: no dialog (RFC 3261 §12.1)
        layer.terminate(this, null);
        return true;
    }

    /**
     * Builds a request inside this dialog (RFC 3261 §12.2.1.1), such as the BYE that ends it: Request-URI
     * the remote target, From the local party, To the remote party, the next local CSeq, Route the route
     * set. Works on a terminated dialog too (for the BYE after {@link DialogEnd#needsBye()}).
     *
     * @param method the method
     * @param via    the Via of this hop (with a fresh branch)
     * @return the request
     */
    public SipRequest createRequest(String method, Via via) {
        long cseq;
        synchronized (this) {
            cseq = ++localCSeq;
        }
        SipRequest.Builder b = SipRequest.builder(method, remoteTarget)
                .via(via)
                .maxForwards(70)
                .from(local)
                .to(remote)
                .callId(id.callId())
                .cseq(cseq);
        for (NameAddress r : routeSet) {
            b.route(r);
        }
        return b.build();
    }

    /** Ends the dialog from this side (the application sent or will send BYE); no callback follows. */
    public void terminate() {
        layer.terminate(this, null);
    }

    // ---- for the layer ----------------------------------------------------------------------------

    ServerTransaction initialInvite() {
        return initialInvite;
    }

    /**
     * Accepts the CSeq of a new in-dialog request (RFC 3261 §12.2.2).
     *
     * @return false when it is not above the last one (the request gets 500)
     */
    synchronized boolean acceptCSeq(long cseq) {
        if (cseq <= remoteCSeq) {
            return false;
        }
        remoteCSeq = cseq;
        return true;
    }

    /** Registers a re-INVITE; false when another INVITE of this dialog is still unanswered (RFC 3261 §14.2). */
    synchronized boolean beginInvite(ServerTransaction tx) {
        if (pendingInvite != null && !pendingInvite.isCompleted()) {
            return false;
        }
        pendingInvite = tx;
        return true;
    }

    synchronized ServerTransaction pendingInvite() {
        return pendingInvite;
    }

    synchronized void clearPendingInvite(ServerTransaction tx) {
        if (pendingInvite == tx) {
            pendingInvite = null;
        }
    }

    /** @return whether this call moved the dialog to TERMINATED (false when it already was) */
    synchronized boolean markTerminated() {
        if (state == State.TERMINATED) {
            return false;
        }
        state = State.TERMINATED;
        stopRetransmission();
        if (sessionTimer != null) {
            sessionTimer.cancel();
            sessionTimer = null;
        }
        return true;
    }

    /** The ACK for a 2xx arrived; returns whether it acknowledged the 2xx being retransmitted. */
    synchronized boolean acked(long cseq) {
        if (unacked == null || cseq != unackedCSeq) {
            return false;
        }
        stopRetransmission();
        return true;
    }

    private void startRetransmission(SipResponse ok, long cseq) {
        stopRetransmission();
        unacked = ok;
        unackedCSeq = cseq;
        retransmitInterval = layer.t1();
        retransmitElapsed = Duration.ZERO;
        retransmitTimer = layer.scheduler().schedule(this::retransmit, retransmitInterval);
    }

    private void stopRetransmission() {
        if (retransmitTimer != null) {
            retransmitTimer.cancel();
            retransmitTimer = null;
        }
        if (unacked != null) {
            unacked.release();
            unacked = null;
        }
        unackedCSeq = -1;
    }

    private void retransmit() {
        SipResponse again;
        synchronized (this) {
            if (unacked == null || state == State.TERMINATED) {
                return;
            }
            retransmitElapsed = retransmitElapsed.plus(retransmitInterval);
            Duration limit = layer.t1().multipliedBy(64);
            if (retransmitElapsed.compareTo(limit) >= 0) {
                stopRetransmission();
                again = null;
            } else {
                again = unacked.copy();
                Duration next = retransmitInterval.multipliedBy(2);
                if (next.compareTo(layer.t2()) > 0) {
                    next = layer.t2();
                }
                Duration left = limit.minus(retransmitElapsed);
                retransmitInterval = next.compareTo(left) > 0 ? left : next;
                retransmitTimer = layer.scheduler().schedule(this::retransmit, retransmitInterval);
            }
        }
        if (again == null) {
            LOG.info("Dialog {}: no ACK for the 2xx within 64*T1; ending the session", id.callId());
            layer.terminate(this, DialogEnd.ACK_TIMEOUT);
            return;
        }
        binding.connection().send(again);
    }

    private void restartSessionTimer(Duration interval) {
        if (sessionTimer != null) {
            sessionTimer.cancel();
            sessionTimer = null;
        }
        sessionInterval = interval;
        if (interval == null) {
            return;
        }
        // RFC 4028 §10: the side that does not refresh sends BYE before expiry, by min(32 s, interval/3)
        Duration margin = interval.dividedBy(3);
        if (margin.compareTo(Duration.ofSeconds(32)) > 0) {
            margin = Duration.ofSeconds(32);
        }
        sessionTimer = layer.scheduler().schedule(this::sessionExpired, interval.minus(margin));
    }

    private void sessionExpired() {
        synchronized (this) {
            if (state == State.TERMINATED || sessionTimer == null) {
                return;
            }
            sessionTimer = null;
        }
        LOG.info(
                "Dialog {}: session interval {} passed without a refresh; ending the session",
                id.callId(),
                sessionInterval);
        layer.terminate(this, DialogEnd.SESSION_EXPIRED);
    }

    @Override
    public String toString() {
        return "Dialog[" + id.callId() + ", " + state() + ", " + binding.peer() + "]";
    }
}
