package org.umsec.server.media;

/** Where a {@link MediaSession} counts what it receives; the server implements it over {@code ServerMetrics}. */
public interface MetricsSink {
    /** @param n RTP packets accepted */
    void rtpReceived(long n);

    /** @param status an SRTP refusal status name */
    void srtpFailed(String status);
}
