package org.umsec.server.call;

import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.media.MetricsSink;

/** What the call layer counts; the server implements it over its {@code ServerMetrics}. */
public interface CallMetrics extends MetricsSink {
    /** @param mode the VoIP security mode of the call's dial plan; a call was answered 200 */
    void callAccepted(VoipSecurityMode mode);

    /** @param reason why it ended; an accepted call ended */
    void callEnded(CallEndReason reason);

    /** @param reason why a call was refused ({@code bad-sdp}, {@code too-many-calls}, ...) */
    void callRejected(String reason);

    /** An OPTIONS request was answered 200. */
    void optionsAnswered();

    /**
     * How long the latest new INVITE waited for the signalling thread (the overload signal). Default:
     * nothing.
     *
     * @param nanos the wait
     */
    default void inviteQueueDelay(long nanos) {}
}
