package org.umsec.server.media;

/** Where a {@link MediaSession} counts what it receives; the server implements it over {@code ServerMetrics}. */
public interface MetricsSink {
    /** @param n RTP packets accepted */
    void rtpReceived(long n);

    /** @param status an SRTP refusal status name */
    void srtpFailed(String status);

    /**
     * Packets (or DTMF key presses) received but not handed to the call handler, because the call's media
     * worker had fallen too far behind (the recording queue was full). The gap is recorded as silence.
     *
     * @param n packets not recorded
     */
    default void recordingDropped(long n) {}

    /**
     * RTP or RTCP packets of this side (greeting, reports) not sent: the socket's send buffer was full (the
     * event loop never waits for it; RTP tolerates loss) or the system refused the send. Default: nothing.
     *
     * @param n packets not sent
     */
    default void packetsNotSent(long n) {}
}
