package org.umsec.server.media;

import java.util.SplittableRandom;

/**
 * The RTP/RTCP port pairs of one port range that a {@link MediaPlane} hands out: a ring of the pairs that
 * are free as far as this plane knows, least recently used first. {@link #take()} gives the pair at the
 * head; a pair whose sockets closed goes back at the tail ({@link #release}), and so does one that another
 * process turned out to hold (a failed bind). So the plane never tries to bind a pair its own calls hold
 * (with thousands of calls up, those failed binds, each a native exception, used to cluster around the
 * calls' ports), and a pair that a call has just freed is the last one to be used again: a late packet of
 * an ended call (or a stale SRTP stream) lands in a new call only after every other free pair was used.
 *
 * <p>The ring starts as a random permutation of the range, so the ports of the first calls are not
 * predictable from one another, and two processes sharing a range rarely try the same pairs.
 *
 * <p>Thread-safe (open runs on the signalling threads, release on the event loops); the lock is held for a
 * few array operations, never during a bind.
 */
final class PortPairs {

    private final int low;
    private final int[] ring; // free pairs by index (port = low + 2 * index), head first
    private int head;
    private int free;

    /**
     * @param low lowest port, even
     * @param pairs pairs in the range, at least 1
     * @param seed seed of the initial order
     */
    PortPairs(int low, int pairs, long seed) {
        this.low = low;
        this.ring = new int[pairs];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < pairs; i++) { // Fisher-Yates, inside-out
            int j = r.nextInt(i + 1);
            ring[i] = ring[j];
            ring[j] = i;
        }
        this.free = pairs;
    }

    /** @return the number of pairs in the range */
    int pairs() {
        return ring.length;
    }

    /** @return the number of pairs not held by this plane's sessions */
    synchronized int free() {
        return free;
    }

    /** @return the RTP port of the least recently used free pair (now held by the caller), or -1 if none is */
    synchronized int take() {
        if (free == 0) {
            return -1;
        }
        int index = ring[head];
        head = head + 1 == ring.length ? 0 : head + 1;
        free--;
        return low + 2 * index;
    }

    /**
     * Puts a pair taken with {@link #take()} back at the tail: its sockets are closed, or it could not be
     * bound.
     *
     * @param port the pair's RTP port
     */
    synchronized void release(int port) {
        if (free == ring.length) {
            throw new IllegalStateException("port pair " + port + " released twice");
        }
        int tail = head + free;
        ring[tail >= ring.length ? tail - ring.length : tail] = (port - low) / 2;
        free++;
    }
}
