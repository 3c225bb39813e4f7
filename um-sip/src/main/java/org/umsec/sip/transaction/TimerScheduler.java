package org.umsec.sip.transaction;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Schedules the transaction timers (B, F, H and the application-answer guards). Injected so that tests
 * drive time by hand instead of sleeping; in production adapt a Netty event loop group or any
 * {@link ScheduledExecutorService} with {@link #of(ScheduledExecutorService)}.
 */
@FunctionalInterface
public interface TimerScheduler {
    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    interface Timeout {
        /** Cancels the task if it has not run; harmless afterwards. */
        void cancel();
    }

    /**
     * Runs {@code task} once after {@code delay}.
     *
     * @return a handle to cancel it
     */
    Timeout schedule(Runnable task, Duration delay);

    /** Adapts an executor (a Netty {@code EventLoopGroup} is one). */
    static TimerScheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (task, delay) -> {
            ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        };
    }
}
