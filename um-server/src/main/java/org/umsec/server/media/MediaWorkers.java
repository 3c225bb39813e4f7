package org.umsec.server.media;

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
 * decoding and recording, file I/O included, off the network I/O threads. Each worker wakes every
 * {@value #TICK_MILLIS} ms (earlier when a call's queue is half full) and serves its calls in turn, so the
 * I/O threads never signal a worker per packet: it drains a call's {@link RecordingQueue} into
 * its handler and checks the call's time limits. A call stays on one worker, so its handler sees one
 * thread at a time, in order. Workers are started with the first call and stopped by {@link #close()}.
 */
final class MediaWorkers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MediaWorkers.class);

    /** How often a worker serves its calls. */
    static final long TICK_MILLIS = 20;

    /** One call as a worker sees it. */
    interface Task {
        /**
         * Drains and checks the call; called every tick on the call's worker.
         *
         * @return true when the call is finished and leaves the worker
         */
        boolean tick();

        /** The workers stop: finish without waiting for more media. */
        void abort();
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
     * @return wakes the call's worker before its next tick (a producer whose queue fills up calls it)
     * @throws IllegalStateException when the workers are closed
     */
    Runnable add(Task t) {
        if (closed) {
            throw new IllegalStateException("media workers are closed");
        }
        Worker w = workers[Math.floorMod(next.getAndIncrement(), workers.length)];
        w.incoming.add(t);
        w.startOnce();
        return w::wake;
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
        final List<Task> tasks = new ArrayList<>();
        final String name;
        private volatile Thread thread;

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

        @Override
        public void run() {
            long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
            while (!closed) {
                pass();
                LockSupport.parkNanos(this, tick); // or less: wake()
            }
            pass();
            abortAll();
        }

        private void pass() {
            for (Task t; (t = incoming.poll()) != null; ) {
                tasks.add(t);
            }
            int live = 0;
            for (int i = 0; i < tasks.size(); i++) {
                Task t = tasks.get(i);
                boolean done;
                try {
                    done = t.tick();
                } catch (RuntimeException e) {
                    LOG.warn("Media worker: a call failed: {}", e.toString());
                    t.abort();
                    done = true;
                }
                if (!done) {
                    tasks.set(live++, t);
                }
            }
            for (int i = tasks.size() - 1; i >= live; i--) {
                tasks.remove(i);
            }
        }

        private void abortAll() {
            for (Task t; (t = incoming.poll()) != null; ) {
                tasks.add(t);
            }
            for (Task t : tasks) {
                t.abort();
            }
            tasks.clear();
        }
    }
}
