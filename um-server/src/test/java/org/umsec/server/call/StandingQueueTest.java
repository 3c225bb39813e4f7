package org.umsec.server.call;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The overload signal on explicit times: a standing queue refuses, a burst or a pause does not. */
class StandingQueueTest {

    static final long MS = 1_000_000L;
    static final long TARGET = 250 * MS;

    @Test
    void aBurstThatDrainsIsNotOverload() {
        StandingQueue q = new StandingQueue();
        long t = 1_000 * MS;
        assertThat(q.overloaded(0, TARGET, t)).isFalse();
        // a pause: requests waited 400 ms, 300 ms, ... but the window they fall in had a short wait too
        assertThat(q.overloaded(400 * MS, TARGET, t + 10 * MS)).isFalse();
        assertThat(q.overloaded(300 * MS, TARGET, t + 20 * MS)).isFalse();
        assertThat(q.overloaded(5 * MS, TARGET, t + 30 * MS)).isFalse();
        // the next window starts with long waits, but the previous one drained
        assertThat(q.overloaded(400 * MS, TARGET, t + 300 * MS)).isFalse();
    }

    @Test
    void aQueueAboveTheTargetForAWholeWindowIsOverload() {
        StandingQueue q = new StandingQueue();
        long t = 1_000 * MS;
        assertThat(q.overloaded(300 * MS, TARGET, t)).isFalse(); // no history yet
        assertThat(q.overloaded(320 * MS, TARGET, t + 100 * MS)).isFalse();
        // a second window, every wait above the target in both
        assertThat(q.overloaded(330 * MS, TARGET, t + 260 * MS)).isTrue();
        assertThat(q.overloaded(310 * MS, TARGET, t + 300 * MS)).isTrue();
        // below the target: taken, and the window's minimum drops, so the next ones are taken too
        assertThat(q.overloaded(100 * MS, TARGET, t + 320 * MS)).isFalse();
        assertThat(q.overloaded(300 * MS, TARGET, t + 340 * MS)).isFalse();
    }

    @Test
    void anIdleGapLeavesNoEvidence() {
        StandingQueue q = new StandingQueue();
        long t = 1_000 * MS;
        q.overloaded(300 * MS, TARGET, t);
        q.overloaded(300 * MS, TARGET, t + 260 * MS);
        assertThat(q.overloaded(300 * MS, TARGET, t + 300 * MS)).isTrue();
        // nothing for seconds, then one long wait: the window before it is not the one just closed
        assertThat(q.overloaded(300 * MS, TARGET, t + 5_000 * MS)).isFalse();
    }
}
