package org.umsec.server;

import java.util.Map;

/**
 * The server's counters as a JMX MXBean, registered under
 * {@code org.umsec:type=UmsecServer,name=<server name>} (see {@link ServerMetrics#OBJECT_NAME_PATTERN}).
 * Read them with {@code jconsole} or any JMX client; {@link #getReport()} gives them as text.
 */
public interface ServerMetricsMXBean {
    /** @return calls accepted since start */
    long getCallsAccepted();

    /** @return calls in progress */
    long getCallsActive();

    /** @return calls rejected since start, by reason */
    Map<String, Long> getCallsRejected();

    /** @return TLS handshakes that failed, by reason */
    Map<String, Long> getHandshakesFailed();

    /** @return SRTP/SRTCP packets refused, by status (AUTH_FAILED, REPLAYED, ...) */
    Map<String, Long> getSrtpPacketsFailed();

    /** @return RTP packets received (accepted) over all calls */
    long getRtpPacketsReceived();

    /**
     * @return packets received but not recorded because a media worker fell behind (its recording queue was
     *     full); the recordings have silence there
     */
    long getMediaPacketsNotRecorded();

    /**
     * @return RTP/RTCP packets of the server (greetings, reports) dropped instead of sent: a socket's send buffer
     *     was full (the media I/O threads never wait for it) or the system refused the send
     */
    long getMediaPacketsNotSent();

    /** @return OPTIONS requests answered */
    long getOptionsAnswered();

    /** @return seconds the latest new INVITE waited for the signalling thread (overload beyond server.maxQueueDelayMillis) */
    double getSipQueueDelaySeconds();

    /** @return security events published, by id */
    Map<String, Long> getEvents();

    /** @return every counter as {@code name value} lines */
    String getReport();
}
