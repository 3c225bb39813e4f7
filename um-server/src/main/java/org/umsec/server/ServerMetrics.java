package org.umsec.server;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.umsec.core.VoipSecurityMode;

/**
 * Counters an operator reads without a debugger: calls accepted and rejected by reason, TLS
 * handshakes failed by reason, SRTP packets refused by reason. Exposed over JMX as
 * {@value #OBJECT_NAME_PATTERN} (the server registers it on start and unregisters it on stop) and
 * printed as text by {@link #getReport()}. Thread-safe.
 */
public final class ServerMetrics implements ServerMetricsMXBean {

    /** JMX object name pattern; {@code %s} is the server name. */
    public static final String OBJECT_NAME_PATTERN = "org.umsec:type=UmsecServer,name=%s";

    private final LongAdder accepted = new LongAdder();
    private final LongAdder active = new LongAdder();
    private final LongAdder rtpReceived = new LongAdder();
    private final LongAdder notRecorded = new LongAdder();
    private final LongAdder notSent = new LongAdder();
    private final LongAdder options = new LongAdder();
    private volatile long inviteQueueDelayNanos;
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> handshakes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> srtp = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
    private final Map<VoipSecurityMode, LongAdder> acceptedByMode = new EnumMap<>(VoipSecurityMode.class);
    private final Map<CallEndReason, LongAdder> endedByReason = new EnumMap<>(CallEndReason.class);

    /** Makes a set of counters, all zero. */
    public ServerMetrics() {
        // every key up front: the maps are read without locks afterwards, and a scrape sees zeros
        for (VoipSecurityMode m : VoipSecurityMode.values()) {
            acceptedByMode.put(m, new LongAdder());
        }
        for (CallEndReason r : CallEndReason.values()) {
            endedByReason.put(r, new LongAdder());
        }
    }

    void callAccepted(VoipSecurityMode mode) {
        accepted.increment();
        active.increment();
        acceptedByMode.get(mode).increment();
    }

    void callEnded(CallEndReason reason) {
        active.decrement();
        endedByReason.get(reason).increment();
    }

    void callRejected(String reason) {
        rejected.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    void handshakeFailed(String reason) {
        handshakes.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    void srtpFailed(String status, long n) {
        if (n > 0) {
            srtp.computeIfAbsent(status, k -> new LongAdder()).add(n);
        }
    }

    void rtpReceived(long n) {
        rtpReceived.add(n);
    }

    void recordingDropped(long n) {
        notRecorded.add(n);
    }

    void packetsNotSent(long n) {
        notSent.add(n);
    }

    void optionsAnswered() {
        options.increment();
    }

    void inviteQueueDelay(long nanos) {
        inviteQueueDelayNanos = nanos;
    }

    void event(int id) {
        events.computeIfAbsent(Integer.toString(id), k -> new LongAdder()).increment();
    }

    @Override
    public long getCallsAccepted() {
        return accepted.sum();
    }

    @Override
    public long getCallsActive() {
        return active.sum();
    }

    @Override
    public Map<String, Long> getCallsRejected() {
        return snapshot(rejected);
    }

    @Override
    public Map<String, Long> getHandshakesFailed() {
        return snapshot(handshakes);
    }

    @Override
    public Map<String, Long> getSrtpPacketsFailed() {
        return snapshot(srtp);
    }

    @Override
    public long getRtpPacketsReceived() {
        return rtpReceived.sum();
    }

    @Override
    public long getMediaPacketsNotRecorded() {
        return notRecorded.sum();
    }

    @Override
    public long getMediaPacketsNotSent() {
        return notSent.sum();
    }

    @Override
    public long getOptionsAnswered() {
        return options.sum();
    }

    /**
     * How long the latest new INVITE waited for the signalling thread after it was read: near zero below
     * capacity, growing towards {@code server.maxQueueDelayMillis} as the server fills up; beyond it new
     * INVITEs are refused with 503 ({@code calls_rejected{reason="overload"}}).
     */
    @Override
    public double getSipQueueDelaySeconds() {
        return inviteQueueDelayNanos / 1e9;
    }

    @Override
    public Map<String, Long> getEvents() {
        return snapshot(events);
    }

    /** @return calls accepted since start, by the VoIP security mode of their dial plan (every mode present) */
    public Map<VoipSecurityMode, Long> callsAcceptedByMode() {
        Map<VoipSecurityMode, Long> out = new EnumMap<>(VoipSecurityMode.class);
        acceptedByMode.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** @return calls ended since start, by why they ended (every reason present) */
    public Map<CallEndReason, Long> callsEndedByReason() {
        Map<CallEndReason, Long> out = new EnumMap<>(CallEndReason.class);
        endedByReason.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /**
     * The non-zero figures on one line, {@code name=value} separated by spaces, for a log record
     * (a multi-line block breaks line-oriented log collectors).
     *
     * @return the figures on one line
     */
    public String summaryLine() {
        StringBuilder sb = new StringBuilder();
        sb.append("calls.accepted=")
                .append(getCallsAccepted())
                .append(" calls.active=")
                .append(getCallsActive());
        callsAcceptedByMode().forEach((k, v) -> nonZero(sb, "calls.accepted." + k.displayName(), v));
        callsEndedByReason()
                .forEach((k, v) -> nonZero(sb, "calls.ended." + k.name().toLowerCase(java.util.Locale.ROOT), v));
        getCallsRejected().forEach((k, v) -> nonZero(sb, "calls.rejected." + k, v));
        getHandshakesFailed().forEach((k, v) -> nonZero(sb, "tls.handshakes.failed." + k, v));
        getSrtpPacketsFailed().forEach((k, v) -> nonZero(sb, "srtp.failed." + k, v));
        sb.append(" rtp.received=").append(getRtpPacketsReceived());
        nonZero(sb, "media.not.recorded", getMediaPacketsNotRecorded());
        nonZero(sb, "media.not.sent", getMediaPacketsNotSent());
        sb.append(" sip.options.answered=").append(getOptionsAnswered());
        sb.append(" sip.queue.delay.ms=").append(inviteQueueDelayNanos / 1_000_000);
        getEvents().forEach((k, v) -> nonZero(sb, "events." + k, v));
        return sb.toString();
    }

    private static void nonZero(StringBuilder sb, String name, long v) {
        if (v != 0) {
            sb.append(' ').append(name).append('=').append(v);
        }
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public String getReport() {
        StringBuilder sb = new StringBuilder();
        sb.append("calls.accepted ").append(getCallsAccepted()).append('\n');
        sb.append("calls.active ").append(getCallsActive()).append('\n');
        getCallsRejected()
                .forEach((k, v) -> sb.append("calls.rejected.")
                        .append(k)
                        .append(' ')
                        .append(v)
                        .append('\n'));
        getHandshakesFailed()
                .forEach((k, v) -> sb.append("tls.handshakes.failed.")
                        .append(k)
                        .append(' ')
                        .append(v)
                        .append('\n'));
        getSrtpPacketsFailed()
                .forEach((k, v) -> sb.append("srtp.failed.")
                        .append(k)
                        .append(' ')
                        .append(v)
                        .append('\n'));
        sb.append("rtp.received ").append(getRtpPacketsReceived()).append('\n');
        sb.append("media.not.recorded ").append(getMediaPacketsNotRecorded()).append('\n');
        sb.append("media.not.sent ").append(getMediaPacketsNotSent()).append('\n');
        sb.append("sip.options.answered ").append(getOptionsAnswered()).append('\n');
        getEvents()
                .forEach((k, v) ->
                        sb.append("events.").append(k).append(' ').append(v).append('\n'));
        return sb.toString();
    }

    @Override
    public String toString() {
        return getReport();
    }
}
