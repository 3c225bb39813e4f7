package org.umsec.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.umsec.sip.transaction.TimerScheduler;

/**
 * A {@link TimerScheduler} whose time moves only when the test says so; safe to schedule on from the
 * server's threads while the test advances it.
 */
final class ManualTimers implements TimerScheduler {
    private long now;
    private final List<Task> tasks = new ArrayList<>();

    private static final class Task {
        final long due;
        final Runnable run;
        volatile boolean cancelled;

        Task(long due, Runnable run) {
            this.due = due;
            this.run = run;
        }
    }

    @Override
    public synchronized Timeout schedule(Runnable task, Duration delay) {
        Task t = new Task(now + delay.toNanos(), task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    /** Moves time forward, running what falls due in order, on the calling thread. */
    void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream()
                        .filter(t -> !t.cancelled && t.due <= target)
                        .min(Comparator.comparingLong(t -> t.due))
                        .orElse(null);
                if (next == null) {
                    now = target;
                    return;
                }
                tasks.remove(next);
                now = next.due;
            }
            next.run.run();
        }
    }
}
