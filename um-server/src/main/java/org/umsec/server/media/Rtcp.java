package org.umsec.server.media;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * RTCP compound packets the server sends (RFC 3550 §6.4: SR or RR with one report block, then SDES
 * with a CNAME, as §6.1 requires of every compound packet) and the little it reads from received
 * ones (the NTP time of a sender report, for LSR/DLSR).
 */
final class Rtcp {

    static final int SR = 200;
    static final int RR = 201;
    static final int SDES = 202;
    private static final long NTP_EPOCH_OFFSET = 2_208_988_800L;

    private Rtcp() {}

    /** Report-block values about the stream we receive. */
    record ReportBlock(
            long sourceSsrc,
            int fractionLost,
            long cumulativeLost,
            long extendedHighest,
            long jitter,
            long lastSr,
            long delaySinceLastSr) {}

    /**
     * Writes SR (when {@code sentPackets > 0}) or RR, plus SDES CNAME.
     *
     * @return the length written
     */
    static int write(
            byte[] b,
            long ssrc,
            Instant now,
            long rtpTimestamp,
            long sentPackets,
            long sentOctets,
            ReportBlock block,
            String cname) {
        int p = 0;
        int rc = block == null ? 0 : 1;
        if (sentPackets > 0) {
            int words = 6 + 6 * rc; // length in 32-bit words minus one
            b[p++] = (byte) (0x80 | rc);
            b[p++] = (byte) SR;
            p = u16(b, p, words);
            p = u32(b, p, ssrc);
            long sec = now.getEpochSecond() + NTP_EPOCH_OFFSET;
            long frac = ((long) now.getNano() << 32) / 1_000_000_000L;
            p = u32(b, p, sec);
            p = u32(b, p, frac);
            p = u32(b, p, rtpTimestamp);
            p = u32(b, p, sentPackets);
            p = u32(b, p, sentOctets);
        } else {
            b[p++] = (byte) (0x80 | rc);
            b[p++] = (byte) RR;
            p = u16(b, p, 1 + 6 * rc);
            p = u32(b, p, ssrc);
        }
        if (block != null) {
            p = u32(b, p, block.sourceSsrc());
            b[p++] = (byte) block.fractionLost();
            long lost = Math.min(block.cumulativeLost(), 0x7F_FFFF);
            b[p++] = (byte) (lost >> 16);
            b[p++] = (byte) (lost >> 8);
            b[p++] = (byte) lost;
            p = u32(b, p, block.extendedHighest());
            p = u32(b, p, block.jitter());
            p = u32(b, p, block.lastSr());
            p = u32(b, p, block.delaySinceLastSr());
        }
        byte[] name = cname.getBytes(StandardCharsets.US_ASCII);
        int nameLen = Math.min(name.length, 255);
        int itemBytes = 4 + 2 + nameLen + 1; // SSRC, type+len, text, END
        int padded = (itemBytes + 3) & ~3;
        b[p++] = (byte) 0x81;
        b[p++] = (byte) SDES;
        p = u16(b, p, padded / 4);
        p = u32(b, p, ssrc);
        b[p++] = 1; // CNAME
        b[p++] = (byte) nameLen;
        System.arraycopy(name, 0, b, p, nameLen);
        p += nameLen;
        int zeros = padded - (6 + nameLen); // END item plus padding, at least one byte
        for (int i = 0; i < zeros; i++) {
            b[p++] = 0;
        }
        return p;
    }

    /**
     * Validates a (decrypted) compound RTCP packet: version 2, first packet SR or RR, lengths that
     * add up exactly (RFC 3550 A.2).
     *
     * @return the middle 32 bits of the first SR's NTP time stamp, 0 if there is no SR, -1 if invalid
     */
    static long validate(byte[] b, int off, int len) {
        if (len < 8) {
            return -1;
        }
        int first = b[off + 1] & 0xFF;
        if (first != SR && first != RR) {
            return -1;
        }
        long lsr = 0;
        int p = off;
        int end = off + len;
        while (p < end) {
            if (p + 4 > end || ((b[p] & 0xC0) != 0x80)) {
                return -1;
            }
            int pt = b[p + 1] & 0xFF;
            int words = ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            int size = 4 * (words + 1);
            if (p + size > end) {
                return -1;
            }
            if (pt == SR && lsr == 0 && size >= 28) {
                lsr = ((b[p + 10] & 0xFFL) << 24)
                        | ((b[p + 11] & 0xFFL) << 16)
                        | ((b[p + 12] & 0xFFL) << 8)
                        | (b[p + 13] & 0xFFL);
            }
            p += size;
        }
        return p == end ? lsr : -1;
    }

    private static int u16(byte[] b, int p, int v) {
        b[p] = (byte) (v >> 8);
        b[p + 1] = (byte) v;
        return p + 2;
    }

    private static int u32(byte[] b, int p, long v) {
        b[p] = (byte) (v >> 24);
        b[p + 1] = (byte) (v >> 16);
        b[p + 2] = (byte) (v >> 8);
        b[p + 3] = (byte) v;
        return p + 4;
    }
}
