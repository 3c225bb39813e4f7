package org.umsec.sip.sdp;

/**
 * The numbers an SDP body carries, checked where they are parsed: each must be plain ASCII digits (no sign,
 * no spaces, no leading {@code +} that {@link Integer#parseInt} would take) and inside its range, or parsing
 * fails with an {@link SdpParseException} naming the field, the value and the range. A peer that writes
 * {@code a=rtcp:70000} or {@code m=audio 99999} gets a clean refusal instead of an unchecked exception deep
 * in call setup. Stateless.
 */
final class SdpNumbers {
    /** Highest transport port. */
    static final int MAX_PORT = 65535;
    /** Highest RTP payload type (RFC 3550 §5.1: 7 bits). */
    static final int MAX_PAYLOAD_TYPE = 127;
    /** Highest RTP clock rate accepted in {@code a=rtpmap}, in Hz (audio and video use at most 192000, 90000). */
    static final long MAX_CLOCK_RATE = 1_000_000;
    /** Most channels accepted in {@code a=rtpmap} encoding parameters. */
    static final long MAX_CHANNELS = 64;
    /** Longest decimal number read, in digits; more is refused before any arithmetic. */
    private static final int MAX_DIGITS = 20;

    private SdpNumbers() {}

    /**
     * Parses an unsigned decimal number in {@code min..max}.
     *
     * @param text  the digits
     * @param min   smallest value
     * @param max   largest value
     * @param what  the field, for the message (such as {@code a=rtcp port})
     * @return the value
     * @throws SdpParseException when not digits only, or out of range
     */
    static long number(String text, long min, long max, String what) throws SdpParseException {
        if (text.isEmpty() || text.length() > MAX_DIGITS) {
            throw new SdpParseException(
                    what + " must be a number " + min + ".." + max + ", was '" + shorten(text) + "'");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new SdpParseException(
                        what + " must be a number " + min + ".." + max + ", was '" + shorten(text) + "'");
            }
        }
        int z = 0;
        while (z < text.length() - 1 && text.charAt(z) == '0') {
            z++;
        }
        long v;
        try {
            v = Long.parseLong(text.substring(z));
        } catch (NumberFormatException e) {
            throw new SdpParseException(what + " " + shorten(text) + " is out of range " + min + ".." + max);
        }
        if (v < min || v > max) {
            throw new SdpParseException(what + " " + v + " is out of range " + min + ".." + max);
        }
        return v;
    }

    /**
     * Checks an unsigned decimal that is only carried, never computed with (such as the {@code o=} session id,
     * which may use all 64 bits unsigned): 1 to 20 ASCII digits.
     *
     * @throws SdpParseException when not digits only, or longer than 20 digits
     */
    static void digits(String text, String what) throws SdpParseException {
        if (text.isEmpty() || text.length() > MAX_DIGITS || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SdpParseException(
                    what + " must be a number of 1 to " + MAX_DIGITS + " digits, was '" + shorten(text) + "'");
        }
    }

    /** A transport port, 0..65535. */
    static int port(String text, String what) throws SdpParseException {
        return (int) number(text, 0, MAX_PORT, what);
    }

    /** An RTP payload type, 0..127. */
    static int payloadType(String text, String what) throws SdpParseException {
        return (int) number(text, 0, MAX_PAYLOAD_TYPE, what);
    }

    /**
     * A positive decimal with an optional fraction ({@code 20}, {@code 0.125}), in {@code (0, max]}, as in
     * {@code a=ptime}.
     */
    static double positiveDecimal(String text, double max, String what) throws SdpParseException {
        if (!text.matches("[0-9]{1,9}(\\.[0-9]{1,9})?")) {
            throw new SdpParseException(what + " must be a positive number, was '" + shorten(text) + "'");
        }
        double v = Double.parseDouble(text);
        if (v <= 0 || v > max) {
            throw new SdpParseException(what + " " + text + " is out of range (0, " + (long) max + "]");
        }
        return v;
    }

    /** Cuts a peer-supplied value for a message: at most 24 characters, controls shown as {@code ?}. */
    static String shorten(String s) {
        String t = s.length() > 24 ? s.substring(0, 24) + "..." : s;
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return sb.toString();
    }
}
