package org.umsec.core;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Delivers {@link SecurityEvent}s to registered listeners and to the {@code org.umsec.events}
 * {@link System.Logger} (R7). Applications register a listener to forward events to monitoring;
 * umsec modules publish to the bus (the bus is itself a {@link SecurityEventListener}, so it can be
 * passed wherever a listener is expected).
 *
 * <p>Thread-safe. Listeners run on the publishing thread, in registration order. A listener that
 * throws is logged and skipped; the remaining listeners still receive the event, so one broken
 * monitoring hook cannot hide a security event from the others. Registration and removal during
 * delivery are safe; a listener added during delivery sees the next event.
 *
 * <pre>{@code
 * SecurityEventBus bus = new SecurityEventBus();
 * try (SecurityEventBus.Registration r = bus.register(e -> alerts.send(e.toString()))) {
 *     bus.publish(SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_SECURED, clock).build());
 * }
 * }</pre>
 */
public final class SecurityEventBus implements SecurityEventListener {
    /** The name of the logger every event is written to. */
    public static final String LOGGER_NAME = "org.umsec.events";

    private final Logger logger;
    private final CopyOnWriteArrayList<Entry> listeners = new CopyOnWriteArrayList<>();

    /** Creates a bus that logs each event to the {@value #LOGGER_NAME} system logger. */
    public SecurityEventBus() {
        this(System.getLogger(LOGGER_NAME));
    }

    /**
     * Creates a bus that logs each event to the given logger.
     *
     * @param logger the logger
     * @throws NullPointerException if {@code logger} is null
     */
    public SecurityEventBus(Logger logger) {
        this.logger = Objects.requireNonNull(logger, "logger must not be null");
    }

    /**
     * Registers a listener. Registering the same listener twice delivers each event to it twice,
     * once per registration.
     *
     * @param l the listener
     * @return a handle whose {@link Registration#close()} removes this registration (idempotent)
     * @throws NullPointerException if {@code l} is null
     */
    public Registration register(SecurityEventListener l) {
        Entry e = new Entry(Objects.requireNonNull(l, "listener must not be null"));
        listeners.add(e);
        return e;
    }

    /**
     * Returns how many registrations are active.
     *
     * @return the number of registered listeners
     */
    public int listenerCount() {
        return listeners.size();
    }

    /**
     * Logs the event and delivers it to every registered listener. Never throws because of a
     * listener: a {@link RuntimeException} or non-fatal {@link Error} from a listener is logged at
     * {@code ERROR} and the next listener is called. Only {@link VirtualMachineError}s propagate.
     *
     * @param e the event
     * @throws NullPointerException if {@code e} is null
     */
    public void publish(SecurityEvent e) {
        Objects.requireNonNull(e, "event must not be null");
        logger.log(level(e.severity()), e.toString());
        for (Entry entry : listeners) {
            try {
                entry.listener.onEvent(e);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (RuntimeException | Error failure) {
                logger.log(Level.ERROR, "Security event listener " + entry.listener + " failed on event "
                        + e.id() + "; other listeners still receive it", failure);
            }
        }
    }

    /**
     * Same as {@link #publish(SecurityEvent)}.
     *
     * @param e the event
     */
    @Override
    public void onEvent(SecurityEvent e) {
        publish(e);
    }

    private static Level level(Severity s) {
        switch (s) {
            case ERROR:
                return Level.ERROR;
            case WARNING:
                return Level.WARNING;
            default:
                return Level.INFO;
        }
    }

    /** A listener registration; closing it unregisters the listener. */
    public interface Registration extends AutoCloseable {
        /** Unregisters the listener. Calling it again has no effect. */
        @Override
        void close();
    }

    private final class Entry implements Registration {
        private final SecurityEventListener listener;

        Entry(SecurityEventListener listener) {
            this.listener = listener;
        }

        @Override
        public void close() {
            listeners.remove(this);
        }
    }
}
