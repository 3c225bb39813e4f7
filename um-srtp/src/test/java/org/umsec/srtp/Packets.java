package org.umsec.srtp;

import java.util.Random;

/** Builds RTP and RTCP packets for tests. */
final class Packets {
    private Packets() {}

    /**
     * An RTP packet: version 2, {@code csrcs} CSRCs, an optional one-byte-header extension of
     * {@code extWords} words, {@code payload} random octets.
     */
    static byte[] rtp(Random rnd, int ssrc, int seq, int csrcs, int extWords, boolean ext, int payload) {
        int len = 12 + 4 * csrcs + (ext ? 4 + 4 * extWords : 0) + payload;
        byte[] p = new byte[len];
        rnd.nextBytes(p);
        p[0] = (byte) (0x80 | (ext ? 0x10 : 0) | csrcs);
        p[1] = (byte) (p[1] & 0x7f | (rnd.nextBoolean() ? 0x80 : 0));
        p[2] = (byte) (seq >>> 8);
        p[3] = (byte) seq;
        p[8] = (byte) (ssrc >>> 24);
        p[9] = (byte) (ssrc >>> 16);
        p[10] = (byte) (ssrc >>> 8);
        p[11] = (byte) ssrc;
        if (ext) {
            int h = 12 + 4 * csrcs;
            p[h] = (byte) 0xBE;
            p[h + 1] = (byte) 0xDE;
            p[h + 2] = (byte) (extWords >>> 8);
            p[h + 3] = (byte) extWords;
        }
        return p;
    }

    /** A random RTP packet shape. */
    static byte[] randomRtp(Random rnd, int ssrc, int seq) {
        boolean ext = rnd.nextInt(4) == 0;
        return rtp(
                rnd,
                ssrc,
                seq,
                rnd.nextInt(4) == 0 ? rnd.nextInt(16) : 0,
                ext ? rnd.nextInt(4) : 0,
                ext,
                rnd.nextInt(1300));
    }

    /** An RTCP sender report with {@code extra} random octets after it (compound tail). */
    static byte[] rtcp(Random rnd, int ssrc, int extra) {
        byte[] p = new byte[28 + extra];
        rnd.nextBytes(p);
        p[0] = (byte) 0x80;
        p[1] = (byte) 200;
        p[2] = 0;
        p[3] = 6;
        p[4] = (byte) (ssrc >>> 24);
        p[5] = (byte) (ssrc >>> 16);
        p[6] = (byte) (ssrc >>> 8);
        p[7] = (byte) ssrc;
        return p;
    }

    static SrtpPolicy policy(SrtpSuite suite, Random rnd) {
        byte[] key = new byte[suite.masterKeyLength()];
        byte[] salt = new byte[suite.masterSaltLength()];
        rnd.nextBytes(key);
        rnd.nextBytes(salt);
        return SrtpPolicy.builder(suite).masterKey(key, salt).build();
    }
}
