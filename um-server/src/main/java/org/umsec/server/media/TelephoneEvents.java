package org.umsec.server.media;

import java.time.Duration;
import java.util.List;

/**
 * DTMF digits received as RFC 4733 telephone-events: the RTP payload type negotiated as
 * {@code telephone-event/8000}, one event per key press, decoded into {@link Digit}s with their durations.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |   RFC 4733 §2.3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>All packets of one event carry the RTP timestamp of its start (§2.3.1) and a growing duration; the
 * last ones have the E bit set, and the sender repeats that final packet (§2.5.1.4, usually three times).
 * A digit is reported once, when its first end packet arrives; the repeats, and any packet of an event
 * already reported, are dropped (the last {@value #REMEMBERED} ended events are remembered). An event whose
 * end packets were all lost is reported, with the longest duration seen, when the next event starts.
 * Events other than the sixteen DTMF ones (0-9, *, #, A-D; RFC 4733 §3.2), such as flash (16), and
 * payloads shorter than four octets are ignored. Not thread-safe: one instance per received stream.
 */
public final class TelephoneEvents {

    /** Size of a telephone-event payload. */
    public static final int PAYLOAD_LENGTH = 4;
    /** How many ended events are remembered to drop their repeated end packets. */
    static final int REMEMBERED = 4;

    private static final String DIGITS = "0123456789*#ABCD";

    /**
     * A key the caller pressed.
     *
     * @param digit {@code 0-9}, {@code *}, {@code #} or {@code A-D}
     * @param duration how long it was pressed (the event's duration field, at 8 kHz)
     */
    public record Digit(char digit, Duration duration) {}

    private long current = -1;
    private int currentEvent;
    private int currentDuration;
    private final long[] ended = new long[REMEMBERED];
    private int endedNext;

    /** A decoder with no event in progress. */
    public TelephoneEvents() {
        java.util.Arrays.fill(ended, -1);
    }

    /**
     * Reads one telephone-event packet.
     *
     * @param packet the parsed RTP packet (its payload type is the negotiated telephone-event one)
     * @param buf the array it was parsed from
     * @return the digits this packet completes: usually none, one at the end of a key press, two when a
     *     key press whose end was lost is followed by a single-packet event
     */
    public List<Digit> accept(RtpPacket packet, byte[] buf) {
        if (packet.payloadLength() < PAYLOAD_LENGTH) {
            return List.of();
        }
        int p = packet.payloadOffset();
        int event = buf[p] & 0xFF;
        boolean end = (buf[p + 1] & 0x80) != 0;
        int duration = ((buf[p + 2] & 0xFF) << 8) | (buf[p + 3] & 0xFF);
        long ts = packet.timestamp();
        if (event >= DIGITS.length() || wasEnded(ts)) {
            return List.of();
        }
        Digit lost = null;
        if (ts != current) {
            if (current >= 0) {
                lost = digit(currentEvent, currentDuration); // its end packets never came
                remember(current);
            }
            current = ts;
            currentEvent = event;
            currentDuration = 0;
        }
        currentDuration = Math.max(currentDuration, duration);
        if (!end) {
            return lost == null ? List.of() : List.of(lost);
        }
        Digit done = digit(currentEvent, currentDuration);
        remember(current);
        current = -1;
        return lost == null ? List.of(done) : List.of(lost, done);
    }

    private static Digit digit(int event, int durationSamples) {
        return new Digit(DIGITS.charAt(event), Duration.ofNanos(durationSamples * 125_000L));
    }

    private boolean wasEnded(long ts) {
        for (long e : ended) {
            if (e == ts) {
                return true;
            }
        }
        return false;
    }

    private void remember(long ts) {
        ended[endedNext] = ts;
        endedNext = (endedNext + 1) % REMEMBERED;
    }

    /**
     * The event number of a DTMF key (RFC 4733 §3.2).
     *
     * @param digit {@code 0-9}, {@code *}, {@code #}, {@code A-D}
     * @return 0..15
     * @throws IllegalArgumentException for any other character
     */
    public static int event(char digit) {
        int e = DIGITS.indexOf(Character.toUpperCase(digit));
        if (e < 0) {
            throw new IllegalArgumentException("not a DTMF digit: " + digit);
        }
        return e;
    }

    /**
     * Writes a telephone-event payload (for senders: the test gateway, {@code umsec call --dtmf}).
     *
     * @param buf the array
     * @param off where the payload goes
     * @param event 0..255
     * @param end the E bit: the last packet(s) of the event
     * @param volume 0..63, in -dBm0
     * @param duration 0..65535 timestamp units since the event's start
     * @return {@value #PAYLOAD_LENGTH}
     */
    public static int write(byte[] buf, int off, int event, boolean end, int volume, int duration) {
        buf[off] = (byte) event;
        buf[off + 1] = (byte) ((end ? 0x80 : 0) | (volume & 0x3F));
        buf[off + 2] = (byte) (duration >> 8);
        buf[off + 3] = (byte) duration;
        return PAYLOAD_LENGTH;
    }
}
