package org.umsec.srtp.replay;

/**
 * A sliding replay window over packet indices (RFC 3711 §3.3.2).
 *
 * <p>The window remembers the highest index accepted so far and which of the {@link #size()}
 * indices at and below it were seen. An index above the highest is new; one inside the window is
 * new unless its bit is set; one below the window is rejected as too old because it can no longer
 * be checked. The window blocks replay attacks: an attacker who records an authentic packet cannot
 * make the receiver process it twice.
 *
 * <p>Use it in two steps, as RFC 3711 requires: {@link #check(long)} before authentication, and
 * {@link #commit(long)} only after the packet authenticated, so that forged packets never move the
 * window. The size is a power of two between {@value #MIN_SIZE} and {@value #MAX_SIZE}
 * (default {@value #DEFAULT_SIZE}, the RFC 3711 minimum); larger windows tolerate more reordering.
 * Allocation happens only in the constructor. Not thread-safe.
 *
 * <pre>{@code
 * ReplayWindow window = new ReplayWindow(128);
 * if (window.check(index) == ReplayWindow.NEW && authenticate(packet)) {
 *   window.commit(index);
 * }
 * }</pre>
 */
public final class ReplayWindow {

    /** Smallest window size (RFC 3711 §3.3.2 requires at least 64). */
    public static final int MIN_SIZE = 64;
    /** Default window size. */
    public static final int DEFAULT_SIZE = 64;
    /** Largest window size. */
    public static final int MAX_SIZE = 32768;

    /** {@link #check(long)} result: the index was not seen and may be accepted. */
    public static final int NEW = 0;
    /** {@link #check(long)} result: the index was already committed. */
    public static final int REPLAYED = 1;
    /** {@link #check(long)} result: the index is below the window. */
    public static final int TOO_OLD = 2;

    private final long[] bits;
    private final int size;
    private long highest = -1;

    /**
     * Creates an empty window.
     *
     * @param size number of indices tracked, a power of two in [{@value #MIN_SIZE},
     *     {@value #MAX_SIZE}]
     * @throws IllegalArgumentException if {@code size} is out of range or not a power of two
     */
    public ReplayWindow(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException(
                    "replay window size must be a power of two in [" + MIN_SIZE + ", " + MAX_SIZE + "]: " + size);
        }
        this.size = size;
        this.bits = new long[size >>> 6];
    }

    /** The number of indices the window tracks. */
    public int size() {
        return size;
    }

    /** The highest committed index, or -1 if nothing was committed. */
    public long highest() {
        return highest;
    }

    /**
     * Checks an index without changing the window.
     *
     * @param index a non-negative packet index
     * @return {@link #NEW}, {@link #REPLAYED} or {@link #TOO_OLD}
     */
    public int check(long index) {
        if (index > highest) {
            return NEW;
        }
        if (highest - index >= size) {
            return TOO_OLD;
        }
        int bit = (int) index & (size - 1);
        return (bits[bit >>> 6] & (1L << bit)) != 0 ? REPLAYED : NEW;
    }

    /**
     * Records an index as received, sliding the window forward if it is the new highest. Call only
     * after {@link #check(long)} returned {@link #NEW} and the packet authenticated; committing an
     * index below the window is ignored.
     *
     * @param index a non-negative packet index
     */
    public void commit(long index) {
        if (index > highest) {
            long advance = highest < 0 ? size : index - highest;
            if (advance >= size) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                // Clear the slots of the indices (highest, index) skipped over, one at a time for small
                // steps (the common case is advance == 1).
                for (long i = highest + 1; i < index; i++) {
                    int b = (int) i & (size - 1);
                    bits[b >>> 6] &= ~(1L << b);
                }
            }
            highest = index;
        } else if (highest - index >= size) {
            return;
        }
        int bit = (int) index & (size - 1);
        bits[bit >>> 6] |= 1L << bit;
    }

    /** Forgets everything, as after construction. */
    public void reset() {
        java.util.Arrays.fill(bits, 0L);
        highest = -1;
    }
}
