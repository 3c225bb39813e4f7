package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fixed histogram of {@code umsec load}'s setup latencies against exact percentiles. */
class LatencyHistogramTest {

    @Test
    void everyValueFallsInABucketWhoseBoundsContainIt() {
        for (long v = 0; v < 1 << 20; v = v < 300 ? v + 1 : v + v / 7) {
            int b = LatencyHistogram.bucket(v);
            assertThat(LatencyHistogram.upperBound(b)).as("value %d", v).isGreaterThanOrEqualTo(v);
            if (b > 0) {
                assertThat(LatencyHistogram.upperBound(b - 1)).as("value %d", v).isLessThan(v);
            }
        }
        assertThat(LatencyHistogram.bucket(-5)).isZero();
        assertThat(LatencyHistogram.bucket(Long.MAX_VALUE)).isEqualTo(LatencyHistogram.BUCKETS - 1);
    }

    @Test
    void percentilesAreWithinOneSixtyFourthOfTheExactOnes() {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        LatencyHistogram h = new LatencyHistogram();
        long[] values = new long[20_000];
        for (int i = 0; i < values.length; i++) {
            // setup latencies from 50 us to about 30 s, skewed towards the short ones
            values[i] = (long) Math.exp(r.nextDouble(Math.log(50), Math.log(30_000_000)));
            h.record(values[i]);
        }
        Arrays.sort(values);
        for (double p : new double[] {50, 90, 99, 100}) {
            long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
            assertThat((double) h.percentile(p))
                    .as("p%s, seed %d", p, seed)
                    .isBetween((double) exact, exact * (1 + 1.0 / LatencyHistogram.SUB));
        }
        assertThat(h.max()).isEqualTo(values[values.length - 1]);
        assertThat(h.count()).isEqualTo(values.length);
        assertThat(new LatencyHistogram().percentile(50)).isZero();
    }
}
