package org.umsec.sip.transport.internal;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.Severity;
import org.umsec.core.TrustList;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.TlsEngine;

/**
 * What every connection of one server or client shares: the application handler, the event sink,
 * the clock, the trust list and trust manager, and the dispatch settings. Immutable.
 *
 * @param handler receives messages
 * @param events receives security events, or null
 * @param clock for event times
 * @param trustList server side: the current trust list; client side: null
 * @param trustManager the TLS trust manager, or null without TLS
 * @param engine the TLS engine in use (resolved), or null without TLS
 * @param handlerExecutor runs the handler, or null for the I/O thread
 * @param maxPendingMessages per-connection backlog at which reading pauses (with an executor)
 * @param blocking runs blocking checks (trusted source address: may resolve names)
 */
public record Endpoint(SipMessageHandler handler, SecurityEventListener events, Clock clock,
        Supplier<TrustList> trustList, PeerTrustManager trustManager, TlsEngine engine, Executor handlerExecutor,
        int maxPendingMessages, Executor blocking) {
    private static final Logger LOG = LoggerFactory.getLogger("org.umsec.sip.transport.events");

    /**
     * Hands an event to the listener (or logs it when there is none); a throwing listener is logged.
     *
     * @param e the event
     */
    public void publish(SecurityEvent e) {
        if (events != null) {
            // the listener (normally the core's SecurityEventBus) logs it
            LOG.debug("{}", e);
        } else if (e.severity() == Severity.INFO) {
            LOG.info("{}", e);
        } else {
            LOG.warn("{}", e);
        }
        if (events != null) {
            try {
                events.onEvent(e);
            } catch (RuntimeException ex) {
                LOG.warn("security event listener failed on {}", e, ex);
            }
        }
    }
}
