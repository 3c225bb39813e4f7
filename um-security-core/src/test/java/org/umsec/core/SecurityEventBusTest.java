package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.System.Logger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SecurityEventBusTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);
    private final RecordingLogger log = new RecordingLogger();
    private final SecurityEventBus bus = new SecurityEventBus(log);

    private SecurityEvent event(SecurityEventType t) {
        return SecurityEvent.builder(t, clock).build();
    }

    @Test
    void throwingListenerDoesNotStopOthers() {
        List<String> got = new ArrayList<>();
        bus.register(e -> got.add("first"));
        bus.register(e -> {
            throw new IllegalStateException("boom");
        });
        bus.register(e -> {
            throw new AssertionError("assert");
        });
        bus.register(e -> got.add("last"));
        bus.publish(event(SecurityEventType.SERVICE_STARTED_SECURED));
        assertThat(got).containsExactly("first", "last");
        assertThat(log.lines).hasSize(3);
        assertThat(log.lines.get(0))
                .isEqualTo("INFO [1112 SERVICE_STARTED_SECURED INFO] Service started in secured mode");
        assertThat(log.lines.get(1))
                .startsWith("ERROR Security event listener")
                .contains("failed on event 1112")
                .endsWith("thrown=boom");
        assertThat(log.lines.get(2)).endsWith("thrown=assert");
    }

    /**
     * Attack (issue 9 item 4): one address hammering the listener used to write one log line per
     * refusal. Lines are now limited per type and address per minute and summarised, while every
     * event still reaches the listeners.
     */
    @Test
    void repeatedRefusalsFromOneAddressAreSummarisedInTheLogButAllDelivered() {
        List<SecurityEvent> got = new ArrayList<>();
        bus.register(got::add);
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        for (int i = 0; i < 100; i++) {
            bus.publish(SecurityEvent.builder(
                            SecurityEventType.UNTRUSTED_PEER_REFUSED,
                            Clock.fixed(start.plusMillis(i * 100L), ZoneOffset.UTC))
                    .field("remote", "/192.0.2.66:" + (40000 + i))
                    .build());
        }
        // another address is not affected by the first one's flood, nor are other event types
        bus.publish(SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, clock)
                .field("remote", "/192.0.2.67:5060")
                .build());
        bus.publish(event(SecurityEventType.CERTIFICATE_IN_USE));
        assertThat(got).hasSize(102);
        assertThat(log.lines).hasSize(SecurityEventBus.LOG_BURST + 2);
        assertThat(bus.suppressedLogLines()).isEqualTo(100 - SecurityEventBus.LOG_BURST);

        // a minute later the summary is written before the next line
        bus.publish(SecurityEvent.builder(
                        SecurityEventType.UNTRUSTED_PEER_REFUSED, Clock.fixed(start.plusSeconds(61), ZoneOffset.UTC))
                .field("remote", "/192.0.2.66:1")
                .build());
        assertThat(log.lines)
                .anyMatch(l -> l.equals("WARNING " + (100 - SecurityEventBus.LOG_BURST)
                        + " more UNTRUSTED_PEER_REFUSED (3002) events from 192.0.2.66 in the last minute"
                        + " (not logged one by one; listeners received each)"));
        assertThat(log.lines.get(log.lines.size() - 1)).startsWith("WARNING [3002 UNTRUSTED_PEER_REFUSED");
        assertThat(got).hasSize(103);
    }

    @Test
    void closeUnregistersOnlyThatRegistration() throws Exception {
        List<SecurityEvent> a = new ArrayList<>();
        List<SecurityEvent> b = new ArrayList<>();
        SecurityEventBus.Registration ra = bus.register(a::add);
        AutoCloseable rb = bus.register(b::add);
        bus.onEvent(event(SecurityEventType.CERTIFICATE_EXPIRED));
        rb.close();
        bus.publish(event(SecurityEventType.CERTIFICATE_EXPIRING));
        ra.close();
        ra.close();
        bus.publish(event(SecurityEventType.CERTIFICATE_IN_USE));
        assertThat(a)
                .extracting(SecurityEvent::type)
                .containsExactly(SecurityEventType.CERTIFICATE_EXPIRED, SecurityEventType.CERTIFICATE_EXPIRING);
        assertThat(b).extracting(SecurityEvent::type).containsExactly(SecurityEventType.CERTIFICATE_EXPIRED);
        assertThat(bus.listenerCount()).isZero();
        assertThat(log.lines)
                .containsExactly(
                        "ERROR [2005 CERTIFICATE_EXPIRED ERROR] Certificate expired",
                        "WARNING [2004 CERTIFICATE_EXPIRING WARNING] Certificate about to expire",
                        "INFO [2001 CERTIFICATE_IN_USE INFO] Certificate in use");
    }

    @Test
    void sameListenerTwiceIsDeliveredTwice() {
        List<SecurityEvent> a = new ArrayList<>();
        SecurityEventListener l = a::add;
        bus.register(l);
        SecurityEventBus.Registration r2 = bus.register(l);
        bus.publish(event(SecurityEventType.CERTIFICATE_IN_USE));
        r2.close();
        bus.publish(event(SecurityEventType.CERTIFICATE_IN_USE));
        assertThat(a).hasSize(3);
    }

    @Test
    void listenerMayUnregisterItselfDuringDelivery() {
        List<String> got = new ArrayList<>();
        SecurityEventBus.Registration[] self = new SecurityEventBus.Registration[1];
        self[0] = bus.register(e -> {
            got.add("once");
            self[0].close();
        });
        bus.register(e -> got.add("always"));
        bus.publish(event(SecurityEventType.CERTIFICATE_IN_USE));
        bus.publish(event(SecurityEventType.CERTIFICATE_IN_USE));
        assertThat(got).containsExactly("once", "always", "always");
    }

    @Test
    void concurrentPublishersDeliverEveryEventToEveryEarlierListener() throws Exception {
        java.util.concurrent.atomic.AtomicInteger a = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger b = new java.util.concurrent.atomic.AtomicInteger();
        bus.register(e -> a.incrementAndGet());
        bus.register(e -> {
            throw new IllegalStateException("always fails");
        });
        bus.register(e -> b.incrementAndGet());
        int threads = 4;
        int perThread = 500;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        bus.publish(event(SecurityEventType.UNTRUSTED_PEER_REFUSED));
                        bus.register(e -> {}).close();
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(a.get()).isEqualTo(threads * perThread);
        assertThat(b.get()).isEqualTo(threads * perThread);
        assertThat(bus.listenerCount()).isEqualTo(3);
    }

    @Test
    void rejectsNulls() {
        assertThatThrownBy(() -> bus.register(null)).hasMessage("listener must not be null");
        assertThatThrownBy(() -> bus.publish(null)).hasMessage("event must not be null");
        assertThatThrownBy(() -> new SecurityEventBus(null)).hasMessage("logger must not be null");
    }

    @Test
    void defaultBusLogsToEventsLogger() {
        SecurityEventBus d = new SecurityEventBus();
        List<SecurityEvent> got = new ArrayList<>();
        d.register(got::add);
        d.publish(event(SecurityEventType.CONFIGURATION_APPLIED));
        assertThat(got).hasSize(1);
        assertThat(SecurityEventBus.LOGGER_NAME).isEqualTo("org.umsec.events");
    }

    /** Records what the bus logs. */
    static final class RecordingLogger implements Logger {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg + " thrown=" + thrown.getMessage());
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }

        @Override
        public void log(Level level, Supplier<String> msgSupplier) {
            lines.add(level + " " + msgSupplier.get());
        }
    }
}
