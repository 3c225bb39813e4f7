package org.umsec.certs.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A clock tests move by hand, for time-driven behaviour (expiry events, validity) without sleeping.
 * Thread-safe. For tests and labs only.
 *
 * <pre>{@code
 * MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
 * clock.advance(Duration.ofDays(1));
 * }</pre>
 */
public final class MutableClock extends Clock {
    private volatile Instant now;
    private final ZoneId zone;

    private MutableClock(Instant now, ZoneId zone) {
        this.now = Objects.requireNonNull(now);
        this.zone = zone;
    }

    /**
     * @param start the initial instant
     * @return a UTC clock standing at {@code start}
     */
    public static MutableClock at(Instant start) {
        return new MutableClock(start, ZoneOffset.UTC);
    }

    /**
     * @param instant the new current instant
     */
    public void set(Instant instant) {
        this.now = Objects.requireNonNull(instant);
    }

    /**
     * @param d how far to move (may be negative)
     * @return the new current instant
     */
    public synchronized Instant advance(Duration d) {
        now = now.plus(d);
        return now;
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /**
     * A fixed view in another zone: later moves of this clock are not seen by the returned one.
     *
     * @param z the zone
     * @return a clock with the same current instant in zone {@code z}
     */
    @Override
    public Clock withZone(ZoneId z) {
        return Clock.fixed(now, z);
    }

    @Override
    public Instant instant() {
        return now;
    }
}
