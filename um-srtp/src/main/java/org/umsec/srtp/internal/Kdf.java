package org.umsec.srtp.internal;

/**
 * The SRTP key derivation function: AES-CM as a PRF keyed with the master key (RFC 3711 §4.3.1,
 * §4.3.3; RFC 6188 §3 for AES-192/256), with key derivation rate 0.
 *
 * <p>For label l the PRF input is x = (l || 0^48) XOR master_salt, a 112-bit value; the output is
 * the AES-CM keystream for IV x * 2^16, truncated to the wanted length. A 96-bit master salt (the
 * AEAD suites, RFC 7714 §11 and errata 4938) is first extended with two zero octets.
 */
public final class Kdf implements KeyDerivation {

    /** SRTP encryption key label. */
    public static final int SRTP_ENCRYPTION = 0x00;
    /** SRTP authentication key label. */
    public static final int SRTP_AUTHENTICATION = 0x01;
    /** SRTP salt label. */
    public static final int SRTP_SALT = 0x02;
    /** SRTCP encryption key label. */
    public static final int SRTCP_ENCRYPTION = 0x03;
    /** SRTCP authentication key label. */
    public static final int SRTCP_AUTHENTICATION = 0x04;
    /** SRTCP salt label. */
    public static final int SRTCP_SALT = 0x05;

    private final Aes prf;
    private final byte[] salt = new byte[14];

    /**
     * Creates the KDF for a master key and salt.
     *
     * @param masterKey 16, 24 or 32 octets
     * @param masterSalt 14 octets, or 12 (zero-extended to 14)
     */
    public Kdf(byte[] masterKey, byte[] masterSalt) {
        if (masterSalt.length != 14 && masterSalt.length != 12) {
            throw new IllegalArgumentException("master salt must be 12 or 14 octets: " + masterSalt.length);
        }
        prf = new Aes(masterKey);
        System.arraycopy(masterSalt, 0, salt, 0, masterSalt.length);
    }

    /**
     * Derives {@code length} octets for {@code label}.
     *
     * @param label one of the label constants (0..255)
     * @param length octets wanted
     * @return a new array with the derived key material
     */
    @Override
    public byte[] derive(int label, int length) {
        int blocks = (length + 15) >>> 4;
        byte[] counters = new byte[blocks * 16];
        for (int b = 0; b < blocks; b++) {
            int o = b * 16;
            System.arraycopy(salt, 0, counters, o, 14);
            counters[o + 7] ^= (byte) label;
            counters[o + 14] = (byte) (b >>> 8);
            counters[o + 15] = (byte) b;
        }
        byte[] stream = new byte[blocks * 16];
        prf.encryptBlocks(counters, 0, counters.length, stream, 0);
        return java.util.Arrays.copyOf(stream, length);
    }
}
