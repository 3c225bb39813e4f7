package org.umsec.sip.transport.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventBus;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.TrustList;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.TlsEngine;

/**
 * What every connection of one server or client shares: the application handler, the event sink,
 * the clock, the trust lists and trust manager, the dispatch settings and the trace. Immutable.
 *
 * @param handler receives messages
 * @param events receives security events, or null (then a private bus logs them, rate-limited)
 * @param clock for event times
 * @param tcpTrust server side: the current trust list of the TCP listener (source addresses); client side: null
 * @param sources server side: the cached, non-blocking source-address check; client side: null
 * @param trustManager the TLS trust manager, or null without TLS
 * @param engine the TLS engine in use (resolved), or null without TLS
 * @param handlerExecutor runs the handler, or null for the I/O thread
 * @param maxPendingMessages per-connection backlog at which reading pauses (with an executor)
 * @param handlerLanes lanes per connection by Call-ID (with an executor; 1 = the connection in order)
 * @param preAuthTimeout server side: time an unauthenticated TCP peer has for its first request; null on a client
 * @param answerKeepAlives whether RFC 5626 pings are answered (server side: only once the peer is trusted)
 * @param trace the SIP message trace
 * @param keyLog server side: the TLS key log, or null
 */
public record Endpoint(
        SipMessageHandler handler,
        SecurityEventListener events,
        Clock clock,
        Supplier<TrustList> tcpTrust,
        SourceTrust sources,
        PeerTrustManager trustManager,
        TlsEngine engine,
        Executor handlerExecutor,
        int maxPendingMessages,
        int handlerLanes,
        Duration preAuthTimeout,
        boolean answerKeepAlives,
        SipTrace trace,
        KeyLog keyLog) {
    private static final Logger LOG = LoggerFactory.getLogger("org.umsec.sip.transport.events");
    private static final SecurityEventBus FALLBACK = new SecurityEventBus();

    /**
     * Hands an event to the listener, or, when there is none, to a bus that logs it (repeated
     * refusals from one address rate-limited); a throwing listener is logged.
     *
     * @param e the event
     */
    public void publish(SecurityEvent e) {
        if (events == null) {
            FALLBACK.publish(e);
            return;
        }
        // the listener (normally the core's SecurityEventBus) logs it
        LOG.debug("{}", e);
        try {
            events.onEvent(e);
        } catch (RuntimeException ex) {
            LOG.warn("security event listener failed on {}", e, ex);
        }
    }
}
