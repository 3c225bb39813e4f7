package org.umsec.sip.sdp;

import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;

/**
 * Enforces R19 / RFC 4568 §8.3: SDES keys ({@code a=crypto}) travel only over TLS. A message carrying SDP
 * with crypto attributes that arrives on (or is about to be sent over) a transport that is not TLS is
 * refused and a {@link SecurityEventType#SDES_REFUSED_INSECURE_TRANSPORT} event is published. The keys
 * seen on the plain connection must be considered disclosed; the caller answers a request with
 * 488 Not Acceptable Here and does not use them.
 *
 * <p>The check is conservative: a body that mentions {@code a=crypto} but does not parse as SDP is refused
 * as well. Thread-safe.
 */
public final class SdesTransportGuard {
    private final SecurityEventListener events;
    private final Clock clock;

    /**
     * @param events where the refusal event goes
     * @param clock  time source for events
     */
    public SdesTransportGuard(SecurityEventListener events, Clock clock) {
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Whether the message has an SDP body (or any body naming {@code a=crypto}) carrying SDES keys. */
    public static boolean carriesSdesKeys(SipMessage message) {
        if (message.contentLength() == 0) {
            return false;
        }
        String body = message.bodyText();
        if (!body.contains("a=crypto")) {
            return false;
        }
        String type = message.contentType().orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("application/sdp")) {
            try {
                return SessionDescription.parse(body).hasSdesKeys();
            } catch (SdpParseException e) {
                return true;
            }
        }
        return true;
    }

    /**
     * Checks a message against its transport.
     *
     * @param message the SIP message
     * @param overTls whether the connection is TLS
     * @param peer    peer description for the event (address or certificate name)
     * @return true when allowed; false when refused (the event has been published)
     */
    public boolean permits(SipMessage message, boolean overTls, String peer) {
        if (overTls || !carriesSdesKeys(message)) {
            return true;
        }
        SecurityEvent.Builder e = SecurityEvent.builder(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT, clock)
                .message("SDES keys (a=crypto) refused on a transport that is not TLS")
                .field("peer", peer)
                .field("callId", safeCallId(message));
        if (message instanceof SipRequest) {
            e.field("method", ((SipRequest) message).method());
        }
        events.onEvent(e.build());
        return false;
    }

    private static String safeCallId(SipMessage m) {
        try {
            return m.callId();
        } catch (RuntimeException e) {
            return "";
        }
    }
}
