package org.umsec.sip.codec;

import java.util.Random;

/**
 * Seeded random loops for property tests. Each run picks a fresh base seed (or the one given as
 * {@code -Dumsec.seed=<seed>}); a failing try rethrows with its seed in the message so the case can be replayed.
 */
final class Seeded {

    /** One try of a property, given its own random source. */
    @FunctionalInterface
    interface Property {
        /**
         * Checks the property once.
         *
         * @param random this try's source, seeded from the reported seed
         * @throws Exception any failure
         */
        void check(Random random) throws Exception;
    }

    private Seeded() {}

    /**
     * Runs {@code property} {@code tries} times, or once with the seed given in {@code umsec.seed}.
     *
     * @param tries how many seeds to try
     * @param property the property
     */
    static void run(int tries, Property property) {
        String fixed = System.getProperty("umsec.seed");
        long base = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
        int n = fixed != null ? 1 : tries;
        for (int i = 0; i < n; i++) {
            long seed = base + i;
            try {
                property.check(new Random(seed));
            } catch (Throwable t) {
                AssertionError e = new AssertionError(
                        "property failed with seed " + seed + " (replay with -Dumsec.seed=" + seed + "): " + t, t);
                System.err.println(e.getMessage());
                throw e;
            }
        }
    }
}
