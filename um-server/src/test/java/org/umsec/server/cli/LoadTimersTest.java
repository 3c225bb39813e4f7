package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.umsec.sip.transaction.TimerScheduler;

/** The timer wheel of {@code umsec load}: order, cancellation, timers beyond one revolution. */
class LoadTimersTest {

    @Test
    void timersFireInDeadlineOrderAndCancelledOnesNever() throws Exception {
        try (LoadTimers t = new LoadTimers("test-timers")) {
            List<String> fired = new CopyOnWriteArrayList<>();
            CountDownLatch last = new CountDownLatch(1);
            t.schedule(() -> fired.add("30ms"), Duration.ofMillis(30));
            TimerScheduler.Timeout cancelled = t.schedule(() -> fired.add("cancelled"), Duration.ofMillis(5));
            t.schedule(() -> fired.add("15ms"), Duration.ofMillis(15));
            t.schedule(() -> fired.add("past"), Duration.ofMillis(-1));
            // beyond one revolution of the wheel: waits its round instead of firing a revolution early
            long beyond = LoadTimers.WHEEL_SLOTS + 20;
            t.schedule(
                    () -> {
                        fired.add("beyond");
                        last.countDown();
                    },
                    Duration.ofMillis(beyond));
            cancelled.cancel();
            cancelled.cancel(); // harmless twice
            assertThat(t.pending()).isEqualTo(4);
            assertThat(last.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(fired).containsExactly("past", "15ms", "30ms", "beyond");
            assertThat(t.pending()).isZero();
            assertThat(t.failure()).isNull();
        }
    }

    @Test
    void periodicTasksRunUntilStoppedAndAFailingTaskIsReported() throws Exception {
        try (LoadTimers t = new LoadTimers("test-timers")) {
            CountDownLatch three = new CountDownLatch(3);
            TimerScheduler.Timeout every = t.every(three::countDown, 2, TimeUnit.MILLISECONDS);
            assertThat(three.await(60, TimeUnit.SECONDS)).isTrue();
            every.cancel();
            CountDownLatch after = new CountDownLatch(1);
            t.schedule(
                    () -> {
                        throw new IllegalStateException("boom");
                    },
                    Duration.ZERO);
            t.schedule(after::countDown, Duration.ofMillis(1));
            assertThat(after.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(t.failure()).hasMessage("boom");
        }
    }
}
