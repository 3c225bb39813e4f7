package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The media workers serve a call only when its producer marked it ready, check every call's limits at a
 * coarse cadence, and lose no record in the hand-off (mark, then drain) however the two threads interleave.
 */
class MediaWorkersTest {

    /** Counts what the worker does with it; a producer thread feeds its queue. */
    static final class Counted extends MediaWorkers.Task implements RecordingQueue.Consumer {
        final RecordingQueue queue = new RecordingQueue();
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger checked = new AtomicInteger();
        final AtomicLong records = new AtomicLong();
        final AtomicInteger finished = new AtomicInteger();
        volatile boolean producerDone;
        volatile long lastTimestamp = -1;
        volatile boolean outOfOrder;

        @Override
        boolean serve() {
            served.incrementAndGet();
            return drainAndMaybeFinish();
        }

        @Override
        boolean check() {
            checked.incrementAndGet();
            return drainAndMaybeFinish();
        }

        private boolean drainAndMaybeFinish() {
            boolean last = producerDone;
            queue.drain(this);
            if (last) {
                finished.incrementAndGet();
                return true;
            }
            return false;
        }

        @Override
        void abort() {}

        @Override
        public void audio(int payloadType, long timestamp, long arrivalMillis, byte[] buf, int off, int len) {
            if (timestamp != lastTimestamp + 1) {
                outOfOrder = true;
            }
            lastTimestamp = timestamp;
            records.incrementAndGet();
        }

        @Override
        public void dtmf(char digit, int durationMillis) {}
    }

    @Test
    void aCallWithNothingQueuedIsOnlyCheckedNotServedEveryTick() throws Exception {
        try (MediaWorkers w = new MediaWorkers(1, "test-worker")) {
            Counted idle = new Counted();
            Counted busy = new Counted();
            w.add(idle);
            w.add(busy);
            busy.queue.offerAudio(0, 0, 0, new byte[160], 0, 160);
            busy.ready();
            MediaPlaneTest.await("the busy call served", () -> busy.records.get() == 1);
            MediaPlaneTest.await("three limit checks", () -> idle.checked.get() >= 3 && busy.checked.get() >= 3);
            // 3 checks are at least 500 ms, 25 ticks: the idle call was never served outside its checks,
            // the busy one once for its mark
            assertThat(idle.served.get()).isZero();
            assertThat(busy.served.get()).isOne();
            busy.producerDone = true;
            busy.ready();
            MediaPlaneTest.await("the busy call finished", () -> busy.finished.get() == 1);
            idle.producerDone = true;
            idle.ready();
            MediaPlaneTest.await("the idle call finished", () -> idle.finished.get() == 1);
        }
    }

    @Test
    void everyRecordReachesTheWorkerInOrderWhateverTheInterleavingOfMarkAndDrain() throws Exception {
        int calls = 4;
        int perCall = 200_000;
        try (MediaWorkers w = new MediaWorkers(2, "test-worker")) {
            List<Counted> tasks = new ArrayList<>();
            List<Thread> producers = new ArrayList<>();
            byte[] payload = new byte[160];
            for (int c = 0; c < calls; c++) {
                Counted t = new Counted();
                tasks.add(t);
                w.add(t);
                Thread p = new Thread(() -> {
                    for (int i = 0; i < perCall; ) {
                        if (t.queue.offerAudio(0, i, 0, payload, 0, payload.length)) {
                            i++;
                            if (t.queue.pastHalf()) {
                                t.readyNow();
                            } else {
                                t.ready();
                            }
                        } else {
                            Thread.onSpinWait(); // full: the worker is behind (a test producer may wait)
                        }
                    }
                    t.producerDone = true;
                    t.readyNow();
                });
                producers.add(p);
                p.start();
            }
            for (Thread p : producers) {
                p.join();
            }
            for (Counted t : tasks) {
                MediaPlaneTest.await("call finished", () -> t.finished.get() == 1);
                assertThat(t.records.get()).isEqualTo(perCall);
                assertThat(t.outOfOrder).isFalse();
            }
        }
    }
}
