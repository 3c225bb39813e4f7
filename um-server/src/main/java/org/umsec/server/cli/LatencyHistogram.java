package org.umsec.server.cli;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-size histogram of latencies in microseconds for {@code umsec load}: recording is one array
 * increment, whatever the number of calls, and the memory is fixed ({@value #BUCKETS} counters).
 *
 * <p>Log-linear buckets: exact below {@value #LINEAR} µs, then {@value #SUB} buckets per power of
 * two, so a percentile is read to within 1/{@value #SUB} (1.6 %) of the recorded value, up to about
 * 2^40 µs (12 days). The exact maximum is kept apart. Thread-safe.
 */
final class LatencyHistogram {

    static final int LINEAR = 128;
    static final int SUB = 64;
    private static final int SUB_SHIFT = 6; // log2(SUB)
    private static final int MAGNITUDES = 34;
    static final int BUCKETS = LINEAR + MAGNITUDES * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();

    static int bucket(long micros) {
        if (micros < LINEAR) {
            return (int) Math.max(0, micros);
        }
        int m = 63 - Long.numberOfLeadingZeros(micros) - SUB_SHIFT; // >= 1 here
        int sub = (int) (micros >>> m); // SUB..2*SUB-1
        int i = LINEAR + (m - 1) * SUB + (sub - SUB);
        return Math.min(i, BUCKETS - 1);
    }

    /** The largest value that falls in bucket {@code i}. */
    static long upperBound(int i) {
        if (i < LINEAR) {
            return i;
        }
        int m = (i - LINEAR) / SUB + 1;
        int sub = (i - LINEAR) % SUB + SUB;
        return ((long) (sub + 1) << m) - 1;
    }

    void record(long micros) {
        counts.incrementAndGet(bucket(micros));
        total.incrementAndGet();
        max.accumulateAndGet(micros, Math::max);
    }

    long count() {
        return total.get();
    }

    long max() {
        return max.get();
    }

    /**
     * The value at or below which {@code p} percent of the recordings fall (nearest rank), as the
     * upper bound of its bucket, never more than the maximum recorded.
     */
    long percentile(double p) {
        long n = total.get();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(upperBound(i), max.get());
            }
        }
        return max.get();
    }
}
