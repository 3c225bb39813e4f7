package org.umsec.server.internal;

/** Where the server's internals count what happens; implemented over {@code ServerMetrics}. */
public interface MetricsSink {
    /** @param n RTP packets accepted */
    void rtpReceived(long n);

    /** @param status an SRTP refusal status name */
    void srtpFailed(String status);
}
