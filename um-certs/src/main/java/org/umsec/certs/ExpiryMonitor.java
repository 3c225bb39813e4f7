package org.umsec.certs;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;

/**
 * Raises the expiry events of R11 for the certificate in use: one
 * {@link SecurityEventType#CERTIFICATE_EXPIRING} when {@value #DEFAULT_WARNING_DAYS} days are left,
 * then one a day until expiry, then one {@link SecurityEventType#CERTIFICATE_EXPIRED} a day after it.
 * Days are counted in 24-hour periods anchored at the certificate's notAfter: the warning for "k
 * days left" belongs to the period {@code [notAfter - k days, notAfter - (k-1) days)}. A period
 * yields at most one event however often {@link #check()} runs; a missed period (the scheduler was
 * down) is not replayed, the current one is raised. Tracking a different certificate resets the
 * schedule.
 *
 * <p>There is no timer inside: call {@link #check()} from a scheduler (hourly is plenty); tests
 * drive it with a movable clock.
 *
 * <pre>{@code
 * ExpiryMonitor monitor = new ExpiryMonitor(clock, bus);
 * AutoCloseable following = monitor.follow(provider);   // tracks whatever the provider uses
 * scheduler.scheduleAtFixedRate(monitor::check, 0, 1, TimeUnit.HOURS);
 * }</pre>
 *
 * <p>Thread-safe (methods synchronise).
 */
public final class ExpiryMonitor {
    /** Days before expiry of the first warning. */
    public static final int DEFAULT_WARNING_DAYS = 30;

    private static final Duration DAY = Duration.ofDays(1);

    private final Clock clock;
    private final SecurityEventListener events;
    private final int warningDays;
    private CertificateInfo tracked;
    private long lastPeriod = Long.MIN_VALUE;

    /**
     * A monitor with the document's 30-day warning.
     *
     * @param clock the clock
     * @param events receives the events
     */
    public ExpiryMonitor(Clock clock, SecurityEventListener events) {
        this(clock, events, DEFAULT_WARNING_DAYS);
    }

    /**
     * @param clock the clock
     * @param events receives the events
     * @param warningDays days before expiry of the first warning, at least 1
     */
    public ExpiryMonitor(Clock clock, SecurityEventListener events, int warningDays) {
        if (warningDays < 1) {
            throw new IllegalArgumentException("warningDays must be >= 1: " + warningDays);
        }
        this.clock = Objects.requireNonNull(clock);
        this.events = Objects.requireNonNull(events);
        this.warningDays = warningDays;
    }

    /**
     * Watches a certificate. The same certificate again changes nothing; another one resets the
     * schedule.
     *
     * @param certificate the certificate in use
     */
    public synchronized void track(X509Certificate certificate) {
        CertificateInfo info = CertificateInfo.of(certificate);
        if (tracked != null && tracked.equals(info)) {
            return;
        }
        tracked = info;
        lastPeriod = Long.MIN_VALUE;
    }

    /**
     * Tracks the provider's current certificate now and after every change.
     *
     * @param provider the provider
     * @return stops following (the last tracked certificate stays tracked)
     */
    public AutoCloseable follow(CertificateProvider provider) {
        AutoCloseable registration =
                provider.addListener(sel -> track(sel.certificate().certificate()));
        provider.current().ifPresent(sel -> track(sel.certificate().certificate()));
        return registration;
    }

    /** @return the certificate watched, if any */
    public synchronized Optional<CertificateInfo> tracked() {
        return Optional.ofNullable(tracked);
    }

    /**
     * Raises the event due now, if any, and returns it.
     *
     * @return the event published, empty when none is due
     */
    public synchronized Optional<SecurityEvent> check() {
        if (tracked == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Instant notAfter = tracked.notAfter();
        Instant warnFrom = notAfter.minus(DAY.multipliedBy(warningDays));
        if (now.isBefore(warnFrom)) {
            return Optional.empty();
        }
        // period index: 0 .. warningDays-1 before expiry, warningDays + n for the n-th day after
        long period;
        boolean expired = !now.isBefore(notAfter);
        if (expired) {
            period = warningDays + Duration.between(notAfter, now).dividedBy(DAY);
        } else {
            period = Duration.between(warnFrom, now).dividedBy(DAY);
        }
        if (period <= lastPeriod) {
            return Optional.empty();
        }
        lastPeriod = period;
        SecurityEvent e;
        if (expired) {
            long days = period - warningDays;
            e = SecurityEvent.builder(SecurityEventType.CERTIFICATE_EXPIRED, clock)
                    .message("certificate in use expired " + (days == 0 ? "today" : days + " day(s) ago") + ": "
                            + tracked.subject().getName())
                    .field("daysSinceExpiry", days)
                    .field("notAfter", notAfter)
                    .field("issuer", tracked.issuer().getName())
                    .field("serial", tracked.serialNumberHex())
                    .field("thumbprint", tracked.sha1Thumbprint())
                    .build();
        } else {
            long daysLeft = warningDays - period;
            e = SecurityEvent.builder(SecurityEventType.CERTIFICATE_EXPIRING, clock)
                    .message("certificate in use expires in " + daysLeft + " day(s): "
                            + tracked.subject().getName())
                    .field("daysLeft", daysLeft)
                    .field("notAfter", notAfter)
                    .field("issuer", tracked.issuer().getName())
                    .field("serial", tracked.serialNumberHex())
                    .field("thumbprint", tracked.sha1Thumbprint())
                    .build();
        }
        events.onEvent(e);
        return Optional.of(e);
    }
}
