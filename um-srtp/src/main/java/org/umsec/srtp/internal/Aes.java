package org.umsec.srtp.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES block function (encryption direction only) over many blocks per call.
 *
 * <p>Counter modes (SRTP AES-CM, GCM's CTR, the KDF) only ever need E_K(block), so one
 * {@code AES/ECB/NoPadding} cipher initialised once per session key serves them all: the caller
 * fills counter blocks and encrypts them in one {@code update} call, which reaches the JDK's AES-NI
 * intrinsic without the per-packet {@code Cipher.init} (and its allocations) that a
 * {@code AES/CTR} or {@code AES/GCM} cipher needs to change the IV.
 */
public final class Aes {

    private final Cipher ecb;

    /**
     * Creates the block function for a 16, 24 or 32 octet key.
     *
     * @param key the AES key
     * @throws IllegalArgumentException if the key length is not an AES key length
     */
    public Aes(byte[] key) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("AES key must be 16, 24 or 32 octets: " + key.length);
        }
        try {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/ECB/NoPadding unavailable", e);
        }
    }

    /**
     * Encrypts {@code len} octets (a multiple of 16) of blocks from {@code in} into {@code out}; the
     * arrays must not overlap.
     */
    public void encryptBlocks(byte[] in, int inOff, int len, byte[] out, int outOff) {
        try {
            ecb.update(in, inOff, len, out, outOff);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("scratch buffer too small", e);
        }
    }
}
