package org.umsec.server;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The figures of a finished call, handed to {@link CallHandler.Call#end(CallSummary)}.
 *
 * @param info the call
 * @param reason why it ended
 * @param ended when it ended
 * @param packetsReceived RTP packets accepted (after SRTP authentication, when SRTP is used)
 * @param packetsLost RTP packets lost (RFC 3550 A.3: expected − received)
 * @param authenticationFailed SRTP packets that failed authentication (dropped)
 * @param replayed SRTP packets refused as replays or too old (dropped)
 * @param otherRejected packets dropped for other reasons (malformed, unknown payload type)
 * @param rtcpReceived RTCP/SRTCP packets accepted
 * @param rtcpSent RTCP/SRTCP packets sent
 * @param jitter interarrival jitter at the end, in timestamp units (1/8000 s)
 */
public record CallSummary(
        CallInfo info,
        CallEndReason reason,
        Instant ended,
        long packetsReceived,
        long packetsLost,
        long authenticationFailed,
        long replayed,
        long otherRejected,
        long rtcpReceived,
        long rtcpSent,
        long jitter) {

    /** Checks the components. */
    public CallSummary {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(ended, "ended");
    }

    /** @return how long the call lasted */
    public Duration duration() {
        return Duration.between(info.started(), ended);
    }
}
