package org.umsec.server;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.umsec.core.VoipSecurityMode;

/**
 * What the server knows about an accepted call when it hands it to a {@link CallHandler}.
 *
 * @param callId the SIP Call-ID
 * @param caller the caller's URI (From)
 * @param callee the called URI (To)
 * @param gateway name of the trusted gateway the call came from
 * @param dialPlan the dial plan that decided the call's mode
 * @param mode the call's VoIP security mode
 * @param signallingPeer the gateway's signalling address
 * @param mediaPeer where the caller's media comes from (SDP)
 * @param srtpSuite the SRTP suite negotiated with SDES, empty for plain RTP
 * @param payloadType the G.711 payload type in use (0 PCMU, 8 PCMA)
 * @param started when the call was answered
 */
public record CallInfo(
        String callId,
        String caller,
        String callee,
        String gateway,
        String dialPlan,
        VoipSecurityMode mode,
        InetSocketAddress signallingPeer,
        InetSocketAddress mediaPeer,
        Optional<String> srtpSuite,
        int payloadType,
        Instant started) {

    /** Checks the components. */
    public CallInfo {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(callee, "callee");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(dialPlan, "dialPlan");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(signallingPeer, "signallingPeer");
        Objects.requireNonNull(mediaPeer, "mediaPeer");
        Objects.requireNonNull(srtpSuite, "srtpSuite");
        Objects.requireNonNull(started, "started");
    }
}
