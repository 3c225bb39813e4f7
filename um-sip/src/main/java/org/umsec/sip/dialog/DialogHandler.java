package org.umsec.sip.dialog;

import org.umsec.sip.SipRequest;
import org.umsec.sip.transaction.ServerTransaction;

/**
 * The application behind a {@link DialogLayer}. Requests reach it only after the layer matched them: a
 * request that claims a dialog (has a To tag) but matches none, or matches one from another peer or over
 * a weaker transport, is answered by the layer (481 or 403) and never reaches the application.
 *
 * <p>Callbacks run on the thread that delivered the message or fired the timer; do not block in them.
 */
public interface DialogHandler {
    /**
     * A request outside any dialog: a new INVITE (create its dialog with
     * {@link DialogLayer#createDialog}), OPTIONS and so on. The application must send a final response.
     */
    void onRequest(ServerTransaction transaction);

    /**
     * A request inside a dialog that passed the checks (binding, CSeq order): re-INVITE, UPDATE, INFO,
     * OPTIONS. BYE and CANCEL are handled by the layer. Answer INVITE and UPDATE with
     * {@link Dialog#respond}, which adds the session-timer headers and retransmits 2xx until the ACK.
     */
    void onDialogRequest(Dialog dialog, ServerTransaction transaction);

    /** The ACK for a 2xx of this dialog (RFC 3261 §13.3.1.4). Default: ignored. */
    default void onAck(Dialog dialog, SipRequest ack) {}

    /**
     * The dialog ended without the application ending it; it is no longer matched. When
     * {@link DialogEnd#needsBye()} the application should send BYE.
     */
    void onEnded(Dialog dialog, DialogEnd why);

    /**
     * An INVITE was cancelled before the application created its dialog (the layer already answered 487).
     * Default: ignored.
     */
    default void onCancelled(ServerTransaction invite) {}
}
