package org.umsec.srtp.internal;

/**
 * The AES key expansion (FIPS-197 §5.2), encryption direction only: the round keys w[0 .. 4(Nr+1))
 * as big-endian words, the layout of the JDK's own encryption schedule ({@code AESCrypt.K}).
 *
 * <p>The JDK expands every new key in both directions (the decryption schedule needs InvMixColumns
 * on every round key), allocates and wipes temporaries, and so costs about 0.8 µs per key on the
 * 2-core test host; counter mode needs the encryption schedule alone, which costs a tenth of that.
 * Like the JDK's expansion, SubWord is a table look-up.
 */
final class AesKeySchedule {

    private static final byte[] SBOX = sbox();

    private AesKeySchedule() {}

    /** The S-box from its definition (FIPS-197 §5.1.1): multiplicative inverse, then the affine map. */
    private static byte[] sbox() {
        byte[] s = new byte[256];
        int p = 1;
        int q = 1;
        do {
            // p runs through the powers of the generator 3; q = p^-1.
            p = (p ^ (p << 1) ^ ((p & 0x80) != 0 ? 0x11B : 0)) & 0xFF;
            q ^= q << 1;
            q ^= q << 2;
            q ^= q << 4;
            q &= 0xFF;
            if ((q & 0x80) != 0) {
                q ^= 0x09;
            }
            int x = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4);
            s[p] = (byte) (x ^ 0x63);
        } while (p != 1);
        s[0] = 0x63;
        return s;
    }

    private static int rotl8(int x, int n) {
        return ((x << n) | (x >>> (8 - n))) & 0xFF;
    }

    private static int subWord(int w) {
        final byte[] s = SBOX;
        return (s[w >>> 24] & 0xFF) << 24
                | (s[(w >>> 16) & 0xFF] & 0xFF) << 16
                | (s[(w >>> 8) & 0xFF] & 0xFF) << 8
                | (s[w & 0xFF] & 0xFF);
    }

    /**
     * Expands a 16, 24 or 32 octet key.
     *
     * @param key the AES key
     * @return 44, 52 or 60 round-key words
     */
    static int[] expand(byte[] key) {
        final int nk = key.length >>> 2;
        final int total = 4 * (nk + 7); // 4 (Nr + 1), Nr = Nk + 6
        int[] w = new int[total];
        for (int i = 0; i < nk; i++) {
            int j = i << 2;
            w[i] = (key[j] & 0xFF) << 24 | (key[j + 1] & 0xFF) << 16 | (key[j + 2] & 0xFF) << 8 | (key[j + 3] & 0xFF);
        }
        int rcon = 1;
        for (int i = nk; i < total; i++) {
            int t = w[i - 1];
            if (i % nk == 0) {
                t = subWord((t << 8) | (t >>> 24)) ^ (rcon << 24);
                rcon = (rcon << 1) ^ ((rcon & 0x80) != 0 ? 0x11B : 0);
            } else if (nk > 6 && i % nk == 4) {
                t = subWord(t);
            }
            w[i] = w[i - nk] ^ t;
        }
        return w;
    }
}
