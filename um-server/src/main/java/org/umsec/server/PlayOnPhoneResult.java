package org.umsec.server;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.umsec.core.DialingCheck;
import org.umsec.core.VoipSecurityMode;

/**
 * How a call placed with {@link UmsecServer#playOnPhone(PlayOnPhoneRequest)} went.
 *
 * @param outcome what happened
 * @param detail one sentence for a person or a log: the rule that blocked the number, the gateway's status
 *     and reason phrase, the TLS failure, ...
 * @param check the dialing rules' verdict on the number (R6), which also gives the number dialed
 * @param dialPlan the dial plan the call was checked and placed in
 * @param gateway the gateway it went through; empty when it was blocked before a gateway was chosen
 * @param mode the dial plan's VoIP security mode: mutual TLS and SRTP for Secured, mutual TLS and RTP for
 *     SIPSecured, TCP and RTP for Unsecured
 * @param callId the Call-ID of the INVITE; empty when none was sent
 * @param status the final SIP status of the INVITE, when one arrived
 * @param srtpSuite the SDES suite both directions used, for Secured calls that were answered
 * @param packetsSent RTP (or SRTP) packets of the audio sent
 * @param packetsReceived RTP (or SRTP) packets received from the phone and accepted (authenticated)
 */
public record PlayOnPhoneResult(
        Outcome outcome,
        String detail,
        DialingCheck check,
        String dialPlan,
        Optional<String> gateway,
        VoipSecurityMode mode,
        Optional<String> callId,
        OptionalInt status,
        Optional<String> srtpSuite,
        long packetsSent,
        long packetsReceived) {

    /** What happened to a play-on-phone call. */
    public enum Outcome {
        /** Answered; the whole audio was played and the server hung up (BYE). */
        COMPLETED,
        /** Answered; the called party hung up (BYE) before the audio ended. */
        HUNG_UP,
        /**
         * Not placed: the dialing rules of the dial plan, or the mailbox policy's allowed groups, block the
         * number (R6). Nothing was sent; event 4001 was raised.
         */
        BLOCKED,
        /** The gateway answered the INVITE with a final 3xx-6xx response ({@link #status()}). */
        REFUSED,
        /** Nobody answered within the ring timeout: the INVITE was cancelled (CANCEL, 487). */
        NO_ANSWER,
        /**
         * The call could not be placed or was lost: no connection, the gateway's certificate was refused
         * (wrong identity, untrusted, expired; no INVITE was sent), an answer without usable SDP (the server
         * hung up at once), the connection lost mid-call, no free media port.
         */
        FAILED
    }

    /** Checks for nulls. */
    public PlayOnPhoneResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(dialPlan, "dialPlan");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(srtpSuite, "srtpSuite");
    }

    /** @return whether the called party answered (the outcome is {@link Outcome#COMPLETED} or {@link Outcome#HUNG_UP}) */
    public boolean answered() {
        return outcome == Outcome.COMPLETED || outcome == Outcome.HUNG_UP;
    }
}
