package org.umsec.certs.internal;

/** Upper-case hexadecimal without separators, the way Windows shows thumbprints. */
public final class Hex {
    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    private Hex() {}

    /**
     * Encodes bytes as upper-case hex.
     *
     * @param bytes the bytes
     * @return two characters per byte
     */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = DIGITS[bytes[i] & 0xF];
        }
        return new String(out);
    }
}
