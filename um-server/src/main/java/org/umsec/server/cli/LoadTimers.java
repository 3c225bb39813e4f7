package org.umsec.server.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.umsec.sip.transaction.TimerScheduler;

/**
 * The clock of {@code umsec load}: one thread and one hashed timer wheel for every timer of a run
 * (the transaction timers of um-sip's {@code TransactionLayer}, each call's hang-up) plus a fixed
 * list of periodic tasks (the pacer, the progress line).
 *
 * <p>A {@link java.util.concurrent.ScheduledThreadPoolExecutor} keeps one heap entry per timer and
 * cancelled ones stay until they are due: at 1,500 calls/s, with a 32 s Timer B per transaction,
 * that is about 100,000 entries, each insertion and removal O(log n), and a wake-up per deadline.
 * Here scheduling and cancelling are O(1) (link and unlink in a bucket of {@value #WHEEL_SLOTS}
 * one-millisecond slots; a timer further out waits its rounds), cancelled timers leave at once, and
 * the thread wakes once per millisecond tick at most, whatever the number of timers (and only every
 * {@value #MAX_SLEEP_TICKS} ticks when no periodic task is due sooner). Timers fire up to
 * {@value #MAX_SLEEP_TICKS} ms late, which is nothing next to SIP's 500 ms T1 or a call's hold time.
 *
 * <p>Tasks run on the wheel's thread and must be short; {@link #schedule} and
 * {@link TimerScheduler.Timeout#cancel} may be called from any thread.
 */
final class LoadTimers implements TimerScheduler, AutoCloseable {

    /** Slots of the wheel, one tick each. */
    static final int WHEEL_SLOTS = 4096;

    private static final long TICK_NANOS = 1_000_000L;
    private static final int MASK = WHEEL_SLOTS - 1;
    /** Longest sleep, in ticks: how late a one-shot timer may fire. */
    static final int MAX_SLEEP_TICKS = 10;

    /** A timer, linked into its slot's list until it fires or is cancelled. */
    private final class Node implements Timeout {
        final Runnable task;
        final long deadlineTick;
        Node prev;
        Node next;
        int slot = -1;

        Node(Runnable task, long deadlineTick) {
            this.task = task;
            this.deadlineTick = deadlineTick;
        }

        @Override
        public void cancel() {
            synchronized (LoadTimers.this) {
                unlink(this);
            }
        }
    }

    /** A task run every {@code periodTicks} ticks. */
    private static final class Periodic {
        final Runnable task;
        final long periodTicks;
        long nextTick;
        volatile boolean cancelled;

        Periodic(Runnable task, long periodTicks, long firstTick) {
            this.task = task;
            this.periodTicks = periodTicks;
            this.nextTick = firstTick;
        }
    }

    private final Node[] heads = new Node[WHEEL_SLOTS];
    private final List<Periodic> periodic = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final long base = System.nanoTime();
    private final Thread thread;
    private final ArrayList<Node> expired = new ArrayList<>();
    /** Last tick processed; written by the wheel's thread under the lock. */
    private long done;

    private int pending;
    private volatile boolean running = true;
    private volatile Throwable failure;

    LoadTimers(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Timeout schedule(Runnable task, Duration delay) {
        return schedule(task, delay.toNanos());
    }

    /** Runs {@code task} once after {@code delayNanos}. */
    Timeout schedule(Runnable task, long delayNanos) {
        long due = (System.nanoTime() - base + Math.max(0, delayNanos) + TICK_NANOS - 1) / TICK_NANOS;
        Node n = new Node(task, due);
        synchronized (this) {
            // never into a slot the wheel has already passed in this round
            long tick = Math.max(due, done + 1);
            int slot = (int) (tick & MASK);
            n.slot = slot;
            Node h = heads[slot];
            n.next = h;
            if (h != null) {
                h.prev = n;
            }
            heads[slot] = n;
            pending++;
        }
        return n;
    }

    /**
     * Runs {@code task} every {@code period} (rounded to whole ticks), first after one period.
     *
     * @return a handle that stops it
     */
    Timeout every(Runnable task, long period, TimeUnit unit) {
        long ticks = Math.max(1, unit.toNanos(period) / TICK_NANOS);
        Periodic p = new Periodic(task, ticks, (System.nanoTime() - base) / TICK_NANOS + ticks);
        periodic.add(p);
        return () -> {
            p.cancelled = true;
            periodic.remove(p);
        };
    }

    /** Timers scheduled and neither fired nor cancelled. */
    synchronized int pending() {
        return pending;
    }

    /** @return what killed a task, if one threw */
    Throwable failure() {
        return failure;
    }

    private void unlink(Node n) {
        if (n.slot < 0) {
            return;
        }
        if (n.prev != null) {
            n.prev.next = n.next;
        } else {
            heads[n.slot] = n.next;
        }
        if (n.next != null) {
            n.next.prev = n.prev;
        }
        n.prev = null;
        n.next = null;
        n.slot = -1;
        pending--;
    }

    private void run() {
        while (running) {
            long tick = (System.nanoTime() - base) / TICK_NANOS;
            synchronized (this) {
                if (tick - done > WHEEL_SLOTS) {
                    done = tick - WHEEL_SLOTS; // a stalled machine: one full revolution catches up
                }
                while (done < tick) {
                    done++;
                    Node n = heads[(int) (done & MASK)];
                    while (n != null) {
                        Node next = n.next;
                        if (n.deadlineTick <= tick) {
                            unlink(n);
                            expired.add(n);
                        }
                        n = next;
                    }
                }
            }
            for (int i = 0; i < expired.size(); i++) {
                runSafely(expired.get(i).task);
            }
            expired.clear();
            for (Periodic p : periodic) {
                if (!p.cancelled && p.nextTick <= tick) {
                    p.nextTick += p.periodTicks;
                    if (p.nextTick <= tick) {
                        p.nextTick = tick + p.periodTicks; // late: do not run it twice in a row
                    }
                    runSafely(p.task);
                }
            }
            // sleep to the next periodic task, or at most MAX_SLEEP_TICKS: a one-shot timer may fire that
            // much late (nothing next to SIP's 500 ms T1 or a call's hold time), and the thread wakes
            // 1,000 times a second only when the pacer asks for it
            long wake = tick + MAX_SLEEP_TICKS;
            for (Periodic p : periodic) {
                wake = Math.min(wake, p.nextTick);
            }
            long sleep = base + Math.max(tick + 1, wake) * TICK_NANOS - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            }
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            if (failure == null) {
                failure = e;
            }
        }
    }

    /** Stops the thread; timers not yet fired never run. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
