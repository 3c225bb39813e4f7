package org.umsec.sip.transaction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A {@link TimerScheduler} whose time only moves when the test says so. */
final class ManualScheduler implements TimerScheduler {
    private long now;
    private final List<Task> tasks = new ArrayList<>();

    private static final class Task {
        final long due;
        final Runnable run;
        boolean cancelled;

        Task(long due, Runnable run) {
            this.due = due;
            this.run = run;
        }
    }

    @Override
    public synchronized Timeout schedule(Runnable task, Duration delay) {
        Task t = new Task(now + delay.toMillis(), task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    /** Moves time forward, running what falls due in order. */
    void advance(Duration d) {
        long target = now + d.toMillis();
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

    synchronized long pending() {
        return tasks.stream().filter(t -> !t.cancelled).count();
    }
}
