package org.umsec.server.media;

/**
 * Where a {@link MediaSession} counts what happens to its packets; the server implements it over its
 * {@code ServerMetrics}. Public because {@link MediaSession#open} takes it (an exported signature must
 * not name a type of a non-exported package).
 */
public interface MetricsSink {
    /** @param n RTP packets accepted */
    void rtpReceived(long n);

    /** @param status an SRTP refusal status name */
    void srtpFailed(String status);
}
