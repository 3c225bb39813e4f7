package org.umsec.server.media;

import java.io.IOException;
import java.util.Objects;

/**
 * Turns the G.711 packets of one received RTP stream into continuous 16-bit PCM, shared by the server's
 * recorder ({@link MediaSession}) and {@code umsec srtp decrypt}: each packet is decoded, and a gap in the
 * RTP timestamps (lost packets, silence suppression) is filled with silence so that the audio keeps its
 * timing.
 *
 * <p>Limits, and the attack each blocks:
 * <ul>
 *   <li>A gap longer than {@value #MAX_GAP_SAMPLES} samples (2 s at 8 kHz) is not filled: a timestamp jump
 *       (a new talk spurt after a long pause, a sender restart) just continues.
 *   <li>Never more audio than the wall clock allows: at most the time elapsed since the first packet
 *       ({@code arrivalMillis}, from the caller's clock) plus {@value #JITTER_ALLOWANCE_SAMPLES} samples
 *       (0.5 s) of jitter. A sender that advances its timestamps faster than real time (12,000 packets in
 *       2.6 s, each jumping 2 s, used to produce a 379 MB WAV) or floods packets gets only what real time
 *       allows; the rest is counted in {@link #samplesDropped()}. Silence is dropped before real audio.
 * </ul>
 * Duplicates and reordering are the caller's to filter ({@link RtpReceiveStatistics#update}). Not
 * thread-safe: one assembler per stream, used by one thread at a time (the server's: the call's media worker).
 *
 * <pre>{@code
 * PcmAssembler pcm = new PcmAssembler(wav::write);
 * pcm.accept(packet, buf, clock.millis());
 * }</pre>
 */
public final class PcmAssembler {

    /** Longest timestamp gap filled with silence, in samples (2 s at 8 kHz). */
    public static final int MAX_GAP_SAMPLES = 16_000;
    /** Audio allowed beyond the elapsed wall-clock time, in samples (0.5 s at 8 kHz): network jitter. */
    public static final int JITTER_ALLOWANCE_SAMPLES = 4_000;

    private static final int SAMPLE_RATE = 8000;
    private static final int CHUNK = 160;

    /** Receives the PCM. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param samples 8 kHz 16-bit samples
         * @param off first sample
         * @param len number of samples
         * @throws IOException to stop (passed on by {@link #accept})
         */
        void pcm(short[] samples, int off, int len) throws IOException;
    }

    private final Sink sink;
    private final short[] pcm = new short[MediaSession.MAX_DATAGRAM];
    private final short[] silence = new short[CHUNK];
    private long firstArrival = Long.MIN_VALUE;
    private long expectedTs = -1;
    private long written;
    private long silenceWritten;
    private long dropped;

    /** @param sink where the PCM goes */
    public PcmAssembler(Sink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Decodes one in-order packet and writes it, after the silence of any gap before it, within the
     * wall-clock budget.
     *
     * @param packet the parsed packet (payload type 0 or 8)
     * @param buf the buffer it was parsed from
     * @param arrivalMillis when it arrived, in milliseconds of a monotonic-enough clock
     * @return the samples written for this packet (silence included)
     * @throws IOException when the sink fails
     */
    public int accept(RtpPacket packet, byte[] buf, long arrivalMillis) throws IOException {
        return accept(
                packet.payloadType(),
                packet.timestamp(),
                buf,
                packet.payloadOffset(),
                packet.payloadLength(),
                arrivalMillis);
    }

    /**
     * As {@link #accept(RtpPacket, byte[], long)}, from the header fields: the server's per-packet path.
     *
     * @param payloadType 0 (PCMU) or 8 (PCMA)
     * @param timestamp the packet's RTP timestamp
     * @param buf the array holding the payload
     * @param payloadOffset first payload byte
     * @param payloadLength payload length (padding removed)
     * @param arrivalMillis when it arrived, in milliseconds of a monotonic-enough clock
     * @return the samples written for this packet (silence included)
     * @throws IOException when the sink fails
     */
    public int accept(
            int payloadType, long timestamp, byte[] buf, int payloadOffset, int payloadLength, long arrivalMillis)
            throws IOException {
        if (firstArrival == Long.MIN_VALUE) {
            firstArrival = arrivalMillis;
        }
        long elapsed = Math.max(0, arrivalMillis - firstArrival);
        long budget = elapsed * (SAMPLE_RATE / 1000) + JITTER_ALLOWANCE_SAMPLES - written;
        int n = Math.min(payloadLength, pcm.length);
        long gap = 0;
        if (expectedTs >= 0) {
            long g = (timestamp - expectedTs) & 0xFFFF_FFFFL;
            if (g > 0 && g <= MAX_GAP_SAMPLES) {
                gap = g;
            }
        }
        expectedTs = (timestamp + n) & 0xFFFF_FFFFL;
        long fill = Math.max(0, Math.min(gap, budget - n));
        int audio = (int) Math.max(0, Math.min(n, budget - fill));
        dropped += (gap - fill) + (n - audio);
        for (long left = fill; left > 0; left -= CHUNK) {
            sink.pcm(silence, 0, (int) Math.min(left, CHUNK));
        }
        silenceWritten += fill;
        written += fill;
        if (audio > 0) {
            G711.decode(payloadType, buf, payloadOffset, audio, pcm, 0);
            sink.pcm(pcm, 0, audio);
            written += audio;
        }
        return (int) fill + audio;
    }

    /** @return samples written so far, silence included */
    public long samplesWritten() {
        return written;
    }

    /** @return samples of silence written for gaps */
    public long silenceWritten() {
        return silenceWritten;
    }

    /** @return samples (audio or gap silence) not written because they were ahead of the wall clock */
    public long samplesDropped() {
        return dropped;
    }
}
