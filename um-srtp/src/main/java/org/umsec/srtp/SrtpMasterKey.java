package org.umsec.srtp;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A master key, its master salt and, optionally, its master key identifier (MKI), as carried by an
 * SDES {@code inline:} key parameter (RFC 4568 §6.1). Immutable; arrays are copied in and out.
 *
 * <p>The MKI lets a receiver pick among several master keys per packet (RFC 3711 §3.1), for
 * example during re-keying: every packet then carries the MKI of the key that protected it.
 */
public final class SrtpMasterKey {

    /** Longest MKI accepted, in octets (RFC 4568 allows 1 to 128). */
    public static final int MAX_MKI_LENGTH = 128;

    private final byte[] key;
    private final byte[] salt;
    private final byte[] mki;

    private SrtpMasterKey(byte[] key, byte[] salt, byte[] mki) {
        this.key = key;
        this.salt = salt;
        this.mki = mki;
    }

    /**
     * A master key without MKI.
     *
     * @param key the master key (16, 24 or 32 octets according to the suite)
     * @param salt the master salt (14 octets, or 12 for the AEAD suites)
     * @return the key
     */
    public static SrtpMasterKey of(byte[] key, byte[] salt) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(salt, "salt");
        return new SrtpMasterKey(key.clone(), salt.clone(), null);
    }

    /**
     * A master key with an MKI.
     *
     * @param key the master key
     * @param salt the master salt
     * @param mki the identifier, 1 to {@value #MAX_MKI_LENGTH} octets; all keys of a policy must use
     *     the same MKI length
     * @return the key
     * @throws IllegalArgumentException if the MKI length is out of range
     */
    public static SrtpMasterKey of(byte[] key, byte[] salt, byte[] mki) {
        Objects.requireNonNull(mki, "mki");
        if (mki.length < 1 || mki.length > MAX_MKI_LENGTH) {
            throw new IllegalArgumentException("MKI length must be 1.." + MAX_MKI_LENGTH + " octets: " + mki.length);
        }
        SrtpMasterKey plain = of(key, salt);
        return new SrtpMasterKey(plain.key, plain.salt, mki.clone());
    }

    /**
     * A master key with an MKI given as in SDES: an integer value encoded big-endian in
     * {@code length} octets (RFC 4568 §6.1, {@code "|1:4"} is value 1 in 4 octets).
     *
     * @param key the master key
     * @param salt the master salt
     * @param mkiValue the MKI value, non-negative and representable in {@code mkiLength} octets
     * @param mkiLength the MKI length in octets, 1 to 8
     * @return the key
     * @throws IllegalArgumentException if the value does not fit or the length is out of range
     */
    public static SrtpMasterKey of(byte[] key, byte[] salt, long mkiValue, int mkiLength) {
        if (mkiLength < 1 || mkiLength > 8) {
            throw new IllegalArgumentException("MKI length must be 1..8 octets here: " + mkiLength);
        }
        if (mkiValue < 0 || (mkiLength < 8 && (mkiValue >>> (8 * mkiLength)) != 0)) {
            throw new IllegalArgumentException("MKI value " + mkiValue + " does not fit in " + mkiLength + " octets");
        }
        byte[] mki = new byte[mkiLength];
        for (int i = 0; i < mkiLength; i++) {
            mki[mkiLength - 1 - i] = (byte) (mkiValue >>> (8 * i));
        }
        return of(key, salt, mki);
    }

    /** The master key (a copy). */
    public byte[] key() {
        return key.clone();
    }

    /** The master salt (a copy). */
    public byte[] salt() {
        return salt.clone();
    }

    /** The MKI (a copy), or {@code null} if none. */
    byte[] mki() {
        return mki == null ? null : mki.clone();
    }

    /** The MKI (a copy), if any. */
    public Optional<byte[]> mkiBytes() {
        return Optional.ofNullable(mki());
    }

    /** MKI length in octets, 0 if none. */
    public int mkiLength() {
        return mki == null ? 0 : mki.length;
    }

    /** Key material is not printed. */
    @Override
    public String toString() {
        return "SrtpMasterKey[key=" + key.length + " octets, salt=" + salt.length + " octets, mki="
                + (mki == null ? "none" : mki.length + " octets") + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SrtpMasterKey)) {
            return false;
        }
        SrtpMasterKey other = (SrtpMasterKey) o;
        return Arrays.equals(key, other.key) && Arrays.equals(salt, other.salt) && Arrays.equals(mki, other.mki);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(key) + Arrays.hashCode(salt)) + Arrays.hashCode(mki);
    }
}
