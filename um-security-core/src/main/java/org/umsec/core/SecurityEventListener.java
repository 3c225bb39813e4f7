package org.umsec.core;

/**
 * Receives {@link SecurityEvent}s. Implementations must be thread-safe: events are delivered on the
 * thread that publishes them, which may be a network I/O thread, so a listener should return quickly.
 */
@FunctionalInterface
public interface SecurityEventListener {
    /**
     * Called once per published event.
     *
     * @param event the event, never null
     */
    void onEvent(SecurityEvent event);
}
