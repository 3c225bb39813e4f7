package org.umsec.core;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
 * <h2>Log flood control</h2>
 * Refusals of peers ({@link SecurityEventType#TLS_HANDSHAKE_FAILED} 3001,
 * {@link SecurityEventType#UNTRUSTED_PEER_REFUSED} 3002) are raised by whoever can reach a
 * listener, so an attacker could otherwise fill the disk or bury other lines. Per event type and
 * peer address (the host of the {@code remote} field), at most {@value #LOG_BURST} such events are
 * logged per {@value #LOG_WINDOW_SECONDS} s window (by event time); the rest are counted and
 * summarised in one line, {@code "N more TLS_HANDSHAKE_FAILED (3001) events from ADDR in the last
 * minute"}, written when the window has passed (on the next event published, or {@link #flushLogSummaries()}).
 * Listeners still receive every event, so every refusal stays countable; {@link #suppressedLogLines()}
 * counts what was not logged line by line. At most {@value #LOG_MAX_TRACKED} addresses are tracked;
 * beyond that, all summaries are written and tracking starts again.
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
    /** Events of one rate-limited type from one address logged line by line per window. */
    public static final int LOG_BURST = 3;
    /** Length of the log rate-limiting window, in seconds. */
    public static final int LOG_WINDOW_SECONDS = 60;
    /** Addresses tracked at once by the log rate limiter. */
    public static final int LOG_MAX_TRACKED = 4096;

    private static final Duration LOG_WINDOW = Duration.ofSeconds(LOG_WINDOW_SECONDS);

    private final Logger logger;
    private final CopyOnWriteArrayList<Entry> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Window> windows = new HashMap<>();
    private long suppressed;
    private Instant lastSweep = Instant.MIN;

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
        for (String line : logLines(e)) {
            logger.log(line == null ? level(e.severity()) : Level.WARNING, line == null ? e.toString() : line);
        }
        for (Entry entry : listeners) {
            try {
                entry.listener.onEvent(e);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (RuntimeException | Error failure) {
                logger.log(
                        Level.ERROR,
                        "Security event listener " + entry.listener + " failed on event " + e.id()
                                + "; other listeners still receive it",
                        failure);
            }
        }
    }

    /**
     * Returns how many rate-limited events were not logged line by line (they were counted in a
     * summary line and still delivered to every listener).
     *
     * @return the count since the bus was created
     */
    public synchronized long suppressedLogLines() {
        return suppressed;
    }

    /** Writes the summary line of every rate-limiting window that suppressed events, now. */
    public void flushLogSummaries() {
        List<String> out = new ArrayList<>();
        synchronized (this) {
            for (Map.Entry<String, Window> w : windows.entrySet()) {
                w.getValue().summary(w.getKey(), out);
            }
            windows.clear();
        }
        for (String line : out) {
            logger.log(Level.WARNING, line);
        }
    }

    /**
     * Decides what to log for one event: a list of lines, where null stands for the event itself.
     */
    private synchronized List<String> logLines(SecurityEvent e) {
        List<String> out = new ArrayList<>(2);
        Instant now = e.time();
        if (now.isAfter(lastSweep.plus(Duration.ofSeconds(1))) || windows.size() >= LOG_MAX_TRACKED) {
            // windows whose minute is over print their summary even when their address went quiet
            lastSweep = now;
            boolean full = windows.size() >= LOG_MAX_TRACKED;
            for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Window> w = it.next();
                if (full || !now.isBefore(w.getValue().start.plus(LOG_WINDOW))) {
                    w.getValue().summary(w.getKey(), out);
                    it.remove();
                }
            }
        }
        SecurityEventType t = e.type();
        if (t != SecurityEventType.TLS_HANDSHAKE_FAILED && t != SecurityEventType.UNTRUSTED_PEER_REFUSED) {
            out.add(null);
            return out;
        }
        String key = t.name() + " (" + t.id() + ") events from "
                + host(e.field("remote").orElse(""));
        Window w = windows.get(key);
        if (w == null) {
            w = new Window(now);
            windows.put(key, w);
        }
        if (w.logged < LOG_BURST) {
            w.logged++;
            out.add(null);
        } else {
            w.suppressed++;
            suppressed++;
        }
        return out;
    }

    /** The address part of a {@code remote} field such as {@code /192.0.2.1:5061} or {@code host/192.0.2.1:5061}. */
    private static String host(String remote) {
        String r = remote.strip();
        int slash = r.lastIndexOf('/');
        if (slash >= 0) {
            r = r.substring(slash + 1);
        }
        int colon = r.lastIndexOf(':');
        if (colon > 0 && r.indexOf('.') >= 0 || colon > 0 && r.startsWith("[")) {
            r = r.substring(0, colon);
        } else if (colon > 0 && r.chars().filter(ch -> ch == ':').count() == 8) {
            r = r.substring(0, colon); // IPv6 without brackets followed by a port
        }
        return r.isEmpty() ? "unknown address" : r;
    }

    private static final class Window {
        final Instant start;
        int logged;
        long suppressed;

        Window(Instant start) {
            this.start = start;
        }

        void summary(String key, List<String> out) {
            if (suppressed > 0) {
                out.add(suppressed + " more " + key + " in the last minute (not logged one by one;"
                        + " listeners received each)");
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
