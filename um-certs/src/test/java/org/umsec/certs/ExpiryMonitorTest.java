package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;

class ExpiryMonitorTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final Instant EXPIRY = NOW.plus(Duration.ofDays(45)).plus(Duration.ofHours(5));

    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Exp", clock);
    final TestEvents events = new TestEvents();
    final ExpiryMonitor monitor = new ExpiryMonitor(clock, events);

    @Test
    void nothingBeforeTheMonthOrWithoutCertificate() {
        assertThat(monitor.check()).isEmpty();
        monitor.track(pki.leaf("e.test").validUntil(EXPIRY).build().certificate());
        clock.set(EXPIRY.minus(Duration.ofDays(30)).minusSeconds(1));
        assertThat(monitor.check()).isEmpty();
        assertThat(events.all).isEmpty();
    }

    @Test
    void scheduleHourByHourAroundTheThirtyDayMarkAndExpiry() {
        monitor.track(pki.leaf("e.test").validUntil(EXPIRY).build().certificate());
        clock.set(EXPIRY.minus(Duration.ofDays(32)));
        List<Instant> times = new ArrayList<>();
        // a scheduler calling every hour from 32 days before to 3 days after expiry
        while (clock.instant().isBefore(EXPIRY.plus(Duration.ofDays(3)))) {
            Optional<SecurityEvent> e = monitor.check();
            e.ifPresent(ev -> times.add(ev.time()));
            clock.advance(Duration.ofHours(1));
        }
        List<SecurityEvent> expiring = events.of(SecurityEventType.CERTIFICATE_EXPIRING);
        List<SecurityEvent> expired = events.of(SecurityEventType.CERTIFICATE_EXPIRED);
        // exactly one a day: 30 warnings (30..1 days left), then one per day after expiry (days 0, 1, 2)
        assertThat(expiring).hasSize(30);
        assertThat(expired).hasSize(3);
        assertThat(expiring.get(0).time()).isEqualTo(EXPIRY.minus(Duration.ofDays(30)));
        assertThat(expiring.get(0).field("daysLeft")).contains("30");
        assertThat(expiring.get(29).field("daysLeft")).contains("1");
        assertThat(expiring.get(29).time()).isEqualTo(EXPIRY.minus(Duration.ofDays(1)));
        assertThat(expired.get(0).time()).isEqualTo(EXPIRY);
        assertThat(expired.get(0).field("daysSinceExpiry")).contains("0");
        assertThat(expired.get(2).field("daysSinceExpiry")).contains("2");
        assertThat(expired.get(0).severity()).isEqualTo(org.umsec.core.Severity.ERROR);
        for (int i = 1; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i))).isEqualTo(Duration.ofDays(1));
        }
        assertThat(expiring.get(0).field("thumbprint"))
                .contains(monitor.tracked().orElseThrow().sha1Thumbprint());
    }

    @Test
    void exactBoundaries() {
        monitor.track(pki.leaf("e.test").validUntil(EXPIRY).build().certificate());
        clock.set(EXPIRY.minus(Duration.ofDays(30)));
        assertThat(monitor.check())
                .get()
                .extracting(SecurityEvent::type)
                .isEqualTo(SecurityEventType.CERTIFICATE_EXPIRING);
        assertThat(monitor.check()).isEmpty();
        clock.set(EXPIRY.minus(Duration.ofDays(29)).minusNanos(1));
        assertThat(monitor.check()).isEmpty();
        clock.set(EXPIRY.minus(Duration.ofDays(29)));
        assertThat(monitor.check())
                .get()
                .satisfies(e -> assertThat(e.field("daysLeft")).contains("29"));
        clock.set(EXPIRY.minusNanos(1));
        assertThat(monitor.check())
                .get()
                .satisfies(e -> assertThat(e.field("daysLeft")).contains("1"));
        clock.set(EXPIRY);
        assertThat(monitor.check())
                .get()
                .extracting(SecurityEvent::type)
                .isEqualTo(SecurityEventType.CERTIFICATE_EXPIRED);
        assertThat(monitor.check()).isEmpty();
    }

    @Test
    void missedDaysAreNotReplayed() {
        monitor.track(pki.leaf("e.test").validUntil(EXPIRY).build().certificate());
        clock.set(EXPIRY.minus(Duration.ofDays(30)));
        monitor.check();
        clock.set(EXPIRY.minus(Duration.ofDays(10)));
        assertThat(monitor.check())
                .get()
                .satisfies(e -> assertThat(e.field("daysLeft")).contains("10"));
        assertThat(monitor.check()).isEmpty();
        assertThat(events.all).hasSize(2);
    }

    @Test
    void newCertificateResetsTheSchedule() {
        var first = pki.leaf("e.test").validUntil(EXPIRY).build().certificate();
        monitor.track(first);
        clock.set(EXPIRY.minus(Duration.ofDays(5)));
        assertThat(monitor.check()).isPresent();
        monitor.track(first); // same certificate: no reset
        assertThat(monitor.check()).isEmpty();

        var renewed = pki.leaf("e.test")
                .validUntil(EXPIRY.plus(Duration.ofDays(365)))
                .build()
                .certificate();
        monitor.track(renewed);
        assertThat(monitor.check()).isEmpty();
        clock.set(EXPIRY.plus(Duration.ofDays(335)));
        assertThat(monitor.check()).get().satisfies(e -> {
            assertThat(e.field("daysLeft")).contains("30");
            assertThat(e.field("thumbprint"))
                    .contains(CertificateInfo.of(renewed).sha1Thumbprint());
        });
        // back to the old certificate: its schedule starts over too
        monitor.track(first);
        assertThat(monitor.check())
                .get()
                .extracting(SecurityEvent::type)
                .isEqualTo(SecurityEventType.CERTIFICATE_EXPIRED);
    }

    @Test
    void customWarningPeriod() {
        ExpiryMonitor week = new ExpiryMonitor(clock, events, 7);
        week.track(pki.leaf("e.test").validUntil(EXPIRY).build().certificate());
        clock.set(EXPIRY.minus(Duration.ofDays(8)));
        assertThat(week.check()).isEmpty();
        clock.set(EXPIRY.minus(Duration.ofDays(7)));
        assertThat(week.check())
                .get()
                .satisfies(e -> assertThat(e.field("daysLeft")).contains("7"));
    }
}
