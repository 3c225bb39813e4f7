package org.umsec.server.call;

import org.umsec.server.media.MetricsSink;

/** What the call layer counts; the server implements it over its {@code ServerMetrics}. */
public interface CallMetrics extends MetricsSink {
    /** A call was answered 200. */
    void callAccepted();

    /** An accepted call ended. */
    void callEnded();

    /** @param reason why a call was refused ({@code bad-sdp}, {@code too-many-calls}, ...) */
    void callRejected(String reason);

    /** An OPTIONS request was answered 200. */
    void optionsAnswered();
}
