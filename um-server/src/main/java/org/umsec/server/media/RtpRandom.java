package org.umsec.server.media;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The random numbers of one call's media: the RTP/RTCP port pair to try first, the SSRC (RFC 3550 §8.1) and
 * the greeting's first sequence number and RTP timestamp (RFC 3550 §5.1), 128 bits drawn at once per call
 * from a per-thread {@code DRBG} (NIST SP 800-90A Hash_DRBG, seeded once per thread from the system's
 * entropy source).
 *
 * <p>Why a cryptographic generator, but not the shared {@code new SecureRandom()}: RFC 3550 asks for random
 * (not merely distinct) values so that an off-path attacker cannot predict them; on a plain-RTP call they
 * are, with the port, what a blind injector into the phone's stream must guess. {@code ThreadLocalRandom}
 * would make them unique but predictable: its state is a counter behind an invertible mix, so the SSRC
 * any caller sees in our packets gives away the SSRC, sequence numbers and ports of the next calls. The
 * shared {@code NativePRNG}, on the other hand, serialises every call's draws on one lock and reads
 * {@code /dev/urandom} every 32 bytes. A per-thread DRBG needs neither lock nor system call after its
 * seeding; SDES keys do not come from here.
 *
 * <p>Per thread, not thread-safe: {@link #draw()} returns this thread's instance, valid until its next draw.
 */
final class RtpRandom {

    private static final ThreadLocal<RtpRandom> PER_THREAD = ThreadLocal.withInitial(RtpRandom::new);

    private final SecureRandom drbg;
    private final byte[] bits = new byte[16];

    private RtpRandom() {
        try {
            drbg = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK's DRBG is missing", e); // part of every JDK since 9
        }
    }

    /** @return this thread's generator, with 128 fresh bits for one call */
    static RtpRandom draw() {
        RtpRandom r = PER_THREAD.get();
        r.drbg.nextBytes(r.bits);
        return r;
    }

    /** @return a random SSRC, 32 bits */
    long ssrc() {
        return u32(0);
    }

    /** @return a random first RTP timestamp, 32 bits */
    long timestamp() {
        return u32(4);
    }

    /** @return a random first sequence number, 16 bits */
    int sequence() {
        return (int) (u32(8) >>> 16);
    }

    /**
     * @param bound exclusive upper bound, positive
     * @return a number in {@code [0, bound)} (the bias of 32 random bits scaled down is below 2^-16 for
     *     bounds up to 2^16)
     */
    int below(int bound) {
        return (int) ((u32(12) * bound) >>> 32);
    }

    private long u32(int at) {
        byte[] b = bits;
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
