package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The SRTP key derivation function: AES-CM as a PRF keyed with the master key (RFC 3711 §4.3.1,
 * §4.3.3; RFC 6188 §3 for AES-192/256), with key derivation rate 0.
 *
 * <p>For label l the PRF input is x = (l || 0^48) XOR master_salt, a 112-bit value; the output is
 * the AES-CM keystream for IV x * 2^16, truncated to the wanted length. A 96-bit master salt (the
 * AEAD suites, RFC 7714 §11 and errata 4938) is first extended with two zero octets.
 *
 * <p>Creating a KDF only copies the master key and salt. The keystream comes from one
 * {@link AesCtr} per thread, re-keyed with this master key on each {@link #derive} (on the direct
 * path an encryption key schedule of about 80 ns): a session then pays neither a JCE provider
 * look-up nor a cipher of its own for keys it derives once. A KDF may be used from
 * any thread, one derivation at a time per thread. The thread's PRF keeps the expanded master key
 * of its last derivation until the next one, as the {@code SrtpPolicy} keeps the master key itself.
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

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** The PRF of this thread, keyed with whichever master key it derived for last. */
    private static final ThreadLocal<AesCtr> PRF = ThreadLocal.withInitial(() -> new AesCtr(new byte[16]));

    private final byte[] masterKey;
    /** The master salt as the high 112 bits of a counter block: octets 0..7 and 8..15. */
    private final long saltHi;

    private final long saltLo;

    /**
     * Creates the KDF for a master key and salt.
     *
     * @param masterKey 16, 24 or 32 octets
     * @param masterSalt 14 octets, or 12 (zero-extended to 14)
     * @throws IllegalArgumentException if a length is wrong
     */
    public Kdf(byte[] masterKey, byte[] masterSalt) {
        if (masterKey.length != 16 && masterKey.length != 24 && masterKey.length != 32) {
            throw new IllegalArgumentException("AES key must be 16, 24 or 32 octets: " + masterKey.length);
        }
        if (masterSalt.length != 14 && masterSalt.length != 12) {
            throw new IllegalArgumentException("master salt must be 12 or 14 octets: " + masterSalt.length);
        }
        this.masterKey = masterKey.clone();
        byte[] block = new byte[16];
        System.arraycopy(masterSalt, 0, block, 0, masterSalt.length);
        this.saltHi = (long) LONG_BE.get(block, 0);
        this.saltLo = (long) LONG_BE.get(block, 8);
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
        // The label sits in octet 7 of x (RFC 3711 §4.3.1: key_id = label || r, r = 0 at rate 0);
        // block j of the keystream has counter x * 2^16 + j, and the low 16 bits of x * 2^16 are 0.
        byte[] out = new byte[length];
        AesCtr prf = PRF.get();
        prf.rekey(masterKey);
        prf.start(saltHi ^ (label & 0xFF), saltLo);
        prf.apply(out, 0, length);
        return out;
    }
}
