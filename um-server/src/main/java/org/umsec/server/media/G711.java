package org.umsec.server.media;

/**
 * ITU-T G.711 companding: µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8).
 *
 * <p>The arithmetic is that of the ITU-T G.191 Software Tool Library reference ({@code g711.c}):
 * 16-bit linear samples are reduced to 14 bits (µ-law) or 13 bits (A-law), the segment and the
 * mantissa are found, and the code word is complemented (µ-law) or has its even bits toggled
 * (A-law, XOR {@code 0x55}). Decoding returns the middle of the quantisation interval, so the
 * largest µ-law value is ±32124 and the largest A-law value ±32256.
 *
 * <p>All four conversions are table look-ups after class initialisation (2 × 64 KiB + 2 × 256
 * shorts); the methods are thread-safe and allocate nothing.
 *
 * <pre>{@code
 * byte code = G711.linearToUlaw((short) 1000);
 * short back = G711.ulawToLinear(code);   // 988: the centre of the interval holding 1000
 * }</pre>
 */
public final class G711 {

    /** RTP/AVP static payload type of PCMU (RFC 3551 §6). */
    public static final int PAYLOAD_TYPE_PCMU = 0;
    /** RTP/AVP static payload type of PCMA (RFC 3551 §6). */
    public static final int PAYLOAD_TYPE_PCMA = 8;

    private static final short[] ULAW_DECODE = new short[256];
    private static final short[] ALAW_DECODE = new short[256];
    private static final byte[] ULAW_ENCODE = new byte[65536];
    private static final byte[] ALAW_ENCODE = new byte[65536];

    static {
        for (int c = 0; c < 256; c++) {
            ULAW_DECODE[c] = ulawExpand(c);
            ALAW_DECODE[c] = alawExpand(c);
        }
        for (int x = Short.MIN_VALUE; x <= Short.MAX_VALUE; x++) {
            ULAW_ENCODE[x & 0xFFFF] = (byte) ulawCompress(x);
            ALAW_ENCODE[x & 0xFFFF] = (byte) alawCompress(x);
        }
    }

    private G711() {}

    /**
     * Encodes one 16-bit linear sample as µ-law.
     *
     * @param sample the linear sample
     * @return the µ-law code word
     */
    public static byte linearToUlaw(short sample) {
        return ULAW_ENCODE[sample & 0xFFFF];
    }

    /**
     * Decodes one µ-law code word.
     *
     * @param code the code word (all 256 values are valid)
     * @return the 16-bit linear sample at the centre of the code's interval
     */
    public static short ulawToLinear(byte code) {
        return ULAW_DECODE[code & 0xFF];
    }

    /**
     * Encodes one 16-bit linear sample as A-law.
     *
     * @param sample the linear sample
     * @return the A-law code word
     */
    public static byte linearToAlaw(short sample) {
        return ALAW_ENCODE[sample & 0xFFFF];
    }

    /**
     * Decodes one A-law code word.
     *
     * @param code the code word (all 256 values are valid)
     * @return the 16-bit linear sample at the centre of the code's interval
     */
    public static short alawToLinear(byte code) {
        return ALAW_DECODE[code & 0xFF];
    }

    /**
     * Decodes a run of G.711 code words into linear samples.
     *
     * @param payloadType {@link #PAYLOAD_TYPE_PCMU} or {@link #PAYLOAD_TYPE_PCMA}
     * @param src the code words
     * @param off offset of the first code word
     * @param len number of code words
     * @param dst receives {@code len} samples from index {@code dstOff}
     * @param dstOff first index written in {@code dst}
     * @throws IllegalArgumentException if the payload type is neither PCMU nor PCMA
     */
    public static void decode(int payloadType, byte[] src, int off, int len, short[] dst, int dstOff) {
        short[] table = switch (payloadType) {
            case PAYLOAD_TYPE_PCMU -> ULAW_DECODE;
            case PAYLOAD_TYPE_PCMA -> ALAW_DECODE;
            default -> throw new IllegalArgumentException("not a G.711 payload type: " + payloadType);
        };
        for (int i = 0; i < len; i++) {
            dst[dstOff + i] = table[src[off + i] & 0xFF];
        }
    }

    /**
     * Encodes linear samples as G.711 code words.
     *
     * @param payloadType {@link #PAYLOAD_TYPE_PCMU} or {@link #PAYLOAD_TYPE_PCMA}
     * @param src the samples
     * @param off index of the first sample
     * @param len number of samples
     * @param dst receives {@code len} code words from index {@code dstOff}
     * @param dstOff first index written in {@code dst}
     * @throws IllegalArgumentException if the payload type is neither PCMU nor PCMA
     */
    public static void encode(int payloadType, short[] src, int off, int len, byte[] dst, int dstOff) {
        byte[] table = switch (payloadType) {
            case PAYLOAD_TYPE_PCMU -> ULAW_ENCODE;
            case PAYLOAD_TYPE_PCMA -> ALAW_ENCODE;
            default -> throw new IllegalArgumentException("not a G.711 payload type: " + payloadType);
        };
        for (int i = 0; i < len; i++) {
            dst[dstOff + i] = table[src[off + i] & 0xFFFF];
        }
    }

    // G.191 STL ulaw_compress: 14-bit magnitude, bias 33, segment search, complemented code.
    private static int ulawCompress(int x) {
        int absno = x < 0 ? ((~x) >> 2) + 33 : (x >> 2) + 33;
        if (absno > 0x1FFF) {
            absno = 0x1FFF;
        }
        int i = absno >> 6;
        int segno = 1;
        while (i != 0) {
            segno++;
            i >>= 1;
        }
        int highNibble = 0x0008 - segno;
        int lowNibble = 0x000F - ((absno >> segno) & 0x000F);
        int code = (highNibble << 4) | lowNibble;
        if (x >= 0) {
            code |= 0x0080;
        }
        return code;
    }

    // G.191 STL ulaw_expand (14-bit left-justified result, i.e. already 16-bit scaled).
    private static short ulawExpand(int code) {
        int sign = code < 0x80 ? -1 : 1;
        int mantissa = ~code;
        int exponent = (mantissa >> 4) & 0x0007;
        int segment = exponent + 1;
        mantissa &= 0x000F;
        int step = 4 << segment;
        return (short) (sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33));
    }

    // G.191 STL alaw_compress: 12-bit magnitude (1's complement for negatives), even bits toggled.
    private static int alawCompress(int x) {
        int ix = x < 0 ? (~x) >> 4 : x >> 4;
        if (ix > 15) {
            int iexp = 1;
            while (ix > 16 + 15) {
                ix >>= 1;
                iexp++;
            }
            ix -= 16;
            ix += iexp << 4;
        }
        if (x >= 0) {
            ix |= 0x0080;
        }
        return ix ^ 0x0055;
    }

    // G.191 STL alaw_expand.
    private static short alawExpand(int code) {
        int ix = (code ^ 0x0055) & 0x007F;
        int iexp = ix >> 4;
        int mant = ix & 0x000F;
        if (iexp > 0) {
            mant += 16;
        }
        mant = (mant << 4) + 0x0008;
        if (iexp > 1) {
            mant <<= iexp - 1;
        }
        return (short) (code > 127 ? mant : -mant);
    }
}
