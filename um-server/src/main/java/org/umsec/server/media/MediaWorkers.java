package org.umsec.server.media;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that run the call handlers ({@link org.umsec.server.CallHandler.Call#audio}, {@code dtmf}):
 * decoding and recording, file I/O included, off the network I/O threads. A call stays on one worker, so
 * its handler sees one thread at a time, in order. Workers are started with the first call and stopped by
 * {@link #close()}.
 *
 * <p>A worker does per-call work only for calls that have something for it. The I/O thread that queues a
 * call's media marks the call ready ({@link Task#ready()}: one flag, set once until the worker has served
 * the call); every {@value #TICK_MILLIS} ms the worker serves the calls marked since its last pass (so the
 * I/O threads never signal a worker per packet; a call whose queue is half full wakes it at once,
 * {@link Task#readyNow()}). Silent calls cost nothing per tick: their time limits (media timeout, maximum
 * length) are checked every {@value #CHECK_MILLIS} ms, which is as exact as those limits are.
 */
final class MediaWorkers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MediaWorkers.class);

    /** How often a worker serves the calls marked ready. */
    static final long TICK_MILLIS = 20;

    /** How often a worker checks every call's time limits, media or not. */
    static final long CHECK_MILLIS = 250;

    private static final VarHandle SCHEDULED;
    private static final VarHandle READY;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(Task.class, "scheduled", int.class);
            READY = MethodHandles.lookup().findVarHandle(Worker.class, "readyHead", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * One call as a worker sees it. The producer (the call's I/O thread) publishes a record, then calls
     * {@link #ready()}; the worker clears the mark, then drains. Both put a full fence between their write
     * and their read (Dekker), so a record published while the worker drains is either drained or marks
     * the call again: none waits for the next limit check.
     */
    abstract static class Task {
        private Worker worker; // set before the task is published to a worker (add)
        private Task nextReady; // link on the worker's ready stack; written before the push publishes it
        private int index = -1; // in the worker's list of calls; worker thread only
        private boolean finished; // worker thread only

        @SuppressWarnings("unused") // through SCHEDULED: 1 while on the ready stack
        private volatile int scheduled;

        /**
         * Serves the call: drains what its I/O thread queued and, once that thread is done, finishes it.
         *
         * @return true when the call is finished and leaves the worker
         */
        abstract boolean serve();

        /**
         * {@link #serve()} and the call's time limits; every {@value #CHECK_MILLIS} ms.
         *
         * @return true when the call is finished and leaves the worker
         */
        abstract boolean check();

        /** The workers stop: finish without waiting for more media. */
        abstract void abort();

        /** Something was queued for the worker: it serves the call on its next tick. Any thread. */
        final void ready() {
            VarHandle.fullFence(); // the record published before the mark is read (the worker clears, then drains)
            if ((int) SCHEDULED.getVolatile(this) == 0 && SCHEDULED.compareAndSet(this, 0, 1)) {
                Worker w = worker;
                if (w != null) {
                    w.push(this);
                }
            }
        }

        /** Like {@link #ready()}, and the worker runs now instead of at its next tick. */
        final void readyNow() {
            ready();
            Worker w = worker;
            if (w != null) {
                w.wake();
            }
        }

        /** @return whether the current thread is this call's worker */
        final boolean onOwnWorker() {
            Worker w = worker;
            return w != null && w.thread == Thread.currentThread();
        }
    }

    private final Worker[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean closed;

    MediaWorkers(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("media workers must be at least 1: " + threads);
        }
        workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(name + "-" + (i + 1));
        }
    }

    /** @return whether the current thread is a media worker (it must not wait for a worker) */
    static boolean onWorkerThread() {
        return Thread.currentThread() instanceof WorkerThread;
    }

    private static final class WorkerThread extends Thread {
        WorkerThread(Runnable r, String name) {
            super(r, name);
            setDaemon(true);
        }
    }

    /** @return the number of worker threads */
    int threads() {
        return workers.length;
    }

    /**
     * Hands a call to a worker (round robin).
     *
     * @throws IllegalStateException when the workers are closed
     */
    void add(Task t) {
        if (closed) {
            throw new IllegalStateException("media workers are closed");
        }
        Worker w = workers[Math.floorMod(next.getAndIncrement(), workers.length)];
        t.worker = w;
        w.incoming.add(t);
        w.startOnce();
    }

    /** Stops the workers after one last pass; calls still registered are aborted. */
    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            w.stop();
        }
    }

    private final class Worker implements Runnable {
        final Queue<Task> incoming = new ConcurrentLinkedQueue<>();
        /** Every call of this worker; worker thread only. */
        final List<Task> calls = new ArrayList<>();

        final String name;
        private volatile Thread thread;

        @SuppressWarnings("unused") // through READY: a stack of the calls marked ready, linked by Task.nextReady
        private volatile Task readyHead;

        Worker(String name) {
            this.name = name;
        }

        synchronized void startOnce() {
            if (thread == null && !closed) {
                thread = new WorkerThread(this, name);
                thread.start();
            }
        }

        void stop() {
            Thread t;
            synchronized (this) {
                t = thread;
                if (t == null) {
                    thread = Thread.currentThread(); // never started: nothing to wait for
                    abortAll();
                    return;
                }
            }
            LockSupport.unpark(t);
            if (t != Thread.currentThread()) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        void wake() {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        /**
         * Pushes a marked call (Treiber stack). Only pushes race; the worker takes the whole stack at once, so
         * no ABA. A call is on the stack at most once: its mark is cleared only when the worker takes it.
         */
        void push(Task t) {
            Task head;
            do {
                head = (Task) READY.getVolatile(this);
                t.nextReady = head;
            } while (!READY.compareAndSet(this, head, t));
        }

        @Override
        public void run() {
            long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
            long checkEvery = TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
            long nextCheck = System.nanoTime() + checkEvery;
            while (!closed) {
                pass();
                long now = System.nanoTime();
                if (now - nextCheck >= 0) {
                    checkAll();
                    nextCheck = now + checkEvery;
                }
                LockSupport.parkNanos(this, tick); // or less: wake()
            }
            pass();
            checkAll();
            abortAll();
        }

        /** Serves the calls marked ready since the last pass. */
        private void pass() {
            adoptIncoming();
            Task t = (Task) READY.getAndSet(this, null);
            while (t != null) {
                Task n = t.nextReady; // before the mark is cleared: then a producer may push t again
                t.nextReady = null;
                SCHEDULED.setVolatile(t, 0);
                VarHandle.fullFence(); // the mark cleared before the queue is read (Task: Dekker with ready())
                if (!t.finished) {
                    adopt(t); // marked before this pass found it in incoming
                    run(t, false);
                }
                t = n;
            }
        }

        /** Checks every call's time limits (and serves it, which costs nothing when nothing is queued). */
        private void checkAll() {
            adoptIncoming();
            // downwards: a call that finishes is replaced by the last one, which was already checked
            for (int i = calls.size() - 1; i >= 0; i--) {
                run(calls.get(i), true);
            }
        }

        private void run(Task t, boolean check) {
            boolean done;
            try {
                done = check ? t.check() : t.serve();
            } catch (RuntimeException e) {
                LOG.warn("Media worker: a call failed: {}", e.toString());
                t.abort();
                done = true;
            }
            if (done) {
                remove(t);
            }
        }

        private void adoptIncoming() {
            for (Task t; (t = incoming.poll()) != null; ) {
                adopt(t);
            }
        }

        private void adopt(Task t) {
            if (t.index < 0 && !t.finished) {
                t.index = calls.size();
                calls.add(t);
            }
        }

        /** Removes a finished call in O(1): the last call takes its place. */
        private void remove(Task t) {
            t.finished = true;
            int i = t.index;
            if (i < 0) {
                return;
            }
            t.index = -1;
            Task last = calls.remove(calls.size() - 1);
            if (last != t) {
                calls.set(i, last);
                last.index = i;
            }
        }

        private void abortAll() {
            adoptIncoming();
            for (Task t : calls) {
                t.finished = true;
                t.index = -1;
                t.abort();
            }
            calls.clear();
        }
    }
}
