package org.umsec.server.media;

import java.util.Optional;

/**
 * An RTP packet header read from, or written into, a byte array (RFC 3550 §5.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers (CC × 32)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | header extension (if X): profile(16) length(16, in words) ... |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | payload ...                          | padding (if P) | count |
 * </pre>
 *
 * <p>{@link #parse} never throws on bad input: a datagram that is not a well-formed RTP packet
 * (wrong version, lengths that run past the end, a padding count larger than the payload, an RTCP
 * packet type) yields {@link Optional#empty()}. Instances are immutable and refer to the offsets of
 * the array they were parsed from; they do not copy it.
 *
 * @param payloadType payload type, 0..127
 * @param marker marker bit
 * @param sequenceNumber sequence number, 0..65535
 * @param timestamp RTP timestamp, unsigned 32 bits in a long
 * @param ssrc synchronisation source, unsigned 32 bits in a long
 * @param payloadOffset offset of the payload in the parsed array
 * @param payloadLength length of the payload (padding removed)
 */
public record RtpPacket(
        int payloadType,
        boolean marker,
        int sequenceNumber,
        long timestamp,
        long ssrc,
        int payloadOffset,
        int payloadLength) {

    /** Length of the fixed header. */
    public static final int FIXED_HEADER = 12;

    /**
     * Parses an RTP header.
     *
     * @param buf the datagram
     * @param off its first byte
     * @param len its length
     * @return the header, or empty when the bytes are not an RTP packet
     */
    public static Optional<RtpPacket> parse(byte[] buf, int off, int len) {
        long bounds = bounds(buf, off, len);
        if (bounds < 0) {
            return Optional.empty();
        }
        int b1 = buf[off + 1] & 0xFF;
        int seq = ((buf[off + 2] & 0xFF) << 8) | (buf[off + 3] & 0xFF);
        return Optional.of(new RtpPacket(
                b1 & 0x7F,
                (b1 & 0x80) != 0,
                seq,
                readU32(buf, off + 4),
                readU32(buf, off + 8),
                (int) (bounds >>> 32),
                (int) bounds));
    }

    /**
     * Checks an RTP header as {@link #parse} does, without allocating: the per-packet path of the server.
     *
     * @param buf the datagram
     * @param off its first byte
     * @param len its length
     * @return the payload's offset in {@code buf} in the high 32 bits and its length (padding removed) in the
     *     low 32 bits, or -1 when the bytes are not an RTP packet
     */
    static long bounds(byte[] buf, int off, int len) {
        if (len < FIXED_HEADER || off < 0 || off + len > buf.length) {
            return -1;
        }
        int b0 = buf[off] & 0xFF;
        int b1 = buf[off + 1] & 0xFF;
        if ((b0 >> 6) != 2) {
            return -1;
        }
        // RFC 5761 §4: payload types 64..95 (with the marker) collide with RTCP packet types 192..223.
        if (b1 >= 192 && b1 <= 223) {
            return -1;
        }
        int cc = b0 & 0x0F;
        int pos = FIXED_HEADER + 4 * cc;
        if (pos > len) {
            return -1;
        }
        if ((b0 & 0x10) != 0) {
            if (pos + 4 > len) {
                return -1;
            }
            int words = ((buf[off + pos + 2] & 0xFF) << 8) | (buf[off + pos + 3] & 0xFF);
            pos += 4 + 4 * words;
            if (pos > len) {
                return -1;
            }
        }
        int end = len;
        if ((b0 & 0x20) != 0) {
            int pad = buf[off + len - 1] & 0xFF;
            if (pad == 0 || end - pad < pos) {
                return -1;
            }
            end -= pad;
        }
        return ((long) (off + pos) << 32) | (end - pos);
    }

    /**
     * Writes a 12-byte header (no CSRC, no extension, no padding) followed by a payload.
     *
     * @param dst the destination; needs {@code 12 + payloadLen} bytes from {@code dstOff}
     * @param dstOff where the packet starts
     * @param payloadType 0..127
     * @param marker the marker bit
     * @param seq sequence number (low 16 bits used)
     * @param timestamp RTP timestamp (low 32 bits used)
     * @param ssrc SSRC (low 32 bits used)
     * @param payload payload bytes
     * @param payloadOff first payload byte
     * @param payloadLen payload length
     * @return the packet length
     * @throws IllegalArgumentException if the payload type is out of range
     */
    public static int write(
            byte[] dst,
            int dstOff,
            int payloadType,
            boolean marker,
            int seq,
            long timestamp,
            long ssrc,
            byte[] payload,
            int payloadOff,
            int payloadLen) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type must be 0..127, was " + payloadType);
        }
        dst[dstOff] = (byte) 0x80;
        dst[dstOff + 1] = (byte) ((marker ? 0x80 : 0) | payloadType);
        dst[dstOff + 2] = (byte) (seq >> 8);
        dst[dstOff + 3] = (byte) seq;
        writeU32(dst, dstOff + 4, timestamp);
        writeU32(dst, dstOff + 8, ssrc);
        System.arraycopy(payload, payloadOff, dst, dstOff + FIXED_HEADER, payloadLen);
        return FIXED_HEADER + payloadLen;
    }

    static long readU32(byte[] b, int i) {
        return ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    static void writeU32(byte[] b, int i, long v) {
        b[i] = (byte) (v >> 24);
        b[i + 1] = (byte) (v >> 16);
        b[i + 2] = (byte) (v >> 8);
        b[i + 3] = (byte) v;
    }
}
