package org.umsec.server.media;

/**
 * Loss and interarrival-jitter accounting for one received RTP stream, as RFC 3550 Appendix A.1
 * (sequence number validation and extended highest sequence) and A.8 (jitter) define them; the
 * figures are those an RTCP receiver report carries.
 *
 * <p>Sequence handling: a jump of more than {@value #MAX_DROPOUT} ahead or
 * {@value #MAX_MISORDER} behind is treated as a restart of the sender, as in RFC 3550 A.1, once two
 * consecutive packets confirm it. Duplicates and late packets are counted as received but do not
 * move the highest sequence number. Not thread-safe: one instance per stream, updated by the thread
 * that receives it.
 */
public final class RtpReceiveStatistics {

    /** Largest forward jump still taken as the same stream (RFC 3550 A.1). */
    public static final int MAX_DROPOUT = 3000;
    /** Largest backward jump taken as reordering (RFC 3550 A.1). */
    public static final int MAX_MISORDER = 100;

    private static final int SEQ_MOD = 1 << 16;

    private boolean started;
    private int maxSeq;
    private long cycles;
    private long baseSeq;
    private int badSeq = -1;
    private long received;
    private long expectedPrior;
    private long receivedPrior;
    private long transit;
    private boolean haveTransit;
    private double jitter;

    /**
     * Records one received packet.
     *
     * @param seq its sequence number, 0..65535
     * @param rtpTimestamp its RTP timestamp
     * @param arrival its arrival time in RTP timestamp units (for example samples at 8 kHz)
     * @return true if the packet is in sequence (new, not a duplicate or late packet)
     */
    public boolean update(int seq, long rtpTimestamp, long arrival) {
        boolean fresh = updateSeq(seq & 0xFFFF);
        received++;
        if (fresh) {
            long t = arrival - rtpTimestamp;
            if (haveTransit) {
                long d = Math.abs(t - transit);
                jitter += (d - jitter) / 16.0;
            }
            transit = t;
            haveTransit = true;
        }
        return fresh;
    }

    private boolean updateSeq(int seq) {
        if (!started) {
            started = true;
            baseSeq = seq;
            maxSeq = seq;
            return true;
        }
        int delta = (seq - maxSeq) & 0xFFFF;
        if (delta == 0) {
            return false;
        }
        if (delta < MAX_DROPOUT) {
            if (seq < maxSeq) {
                cycles += SEQ_MOD;
            }
            maxSeq = seq;
            return true;
        }
        if (delta <= SEQ_MOD - MAX_MISORDER) {
            // A very large jump: accept it as a sender restart only when the next packet follows it.
            if (seq == badSeq) {
                started = true;
                baseSeq = seq;
                maxSeq = seq;
                cycles = 0;
                received = 0;
                expectedPrior = 0;
                receivedPrior = 0;
                badSeq = -1;
                return true;
            }
            badSeq = (seq + 1) & 0xFFFF;
            return false;
        }
        return false; // duplicate or reordered (late) packet
    }

    /** @return packets received, duplicates and late packets included */
    public long received() {
        return received;
    }

    /** @return extended highest sequence number received (cycles × 65536 + highest) */
    public long extendedHighestSequence() {
        return cycles + maxSeq;
    }

    /** @return packets expected from the first to the highest sequence number */
    public long expected() {
        return started ? extendedHighestSequence() - baseSeq + 1 : 0;
    }

    /** @return cumulative number of packets lost (expected − received, never below zero) */
    public long lost() {
        return Math.max(0, expected() - received);
    }

    /** @return interarrival jitter in RTP timestamp units */
    public long jitter() {
        return (long) jitter;
    }

    /**
     * The fraction lost since the previous call, as the 8-bit fixed-point value of an RTCP report
     * block (RFC 3550 §6.4.1 and A.3), and starts a new interval.
     *
     * @return fraction lost × 256, 0..255
     */
    public int fractionLostAndReset() {
        long expected = expected();
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        if (expectedInterval == 0 || lostInterval <= 0) {
            return 0;
        }
        return (int) Math.min(255, (lostInterval << 8) / expectedInterval);
    }
}
