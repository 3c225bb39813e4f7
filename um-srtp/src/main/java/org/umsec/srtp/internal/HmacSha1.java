package org.umsec.srtp.internal;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC-SHA1 (RFC 2104) over the JDK's SHA-1 {@link MessageDigest}, without per-call allocation.
 *
 * <p>{@code javax.crypto.Mac} allocates on every {@code doFinal} (its HmacCore asks the digest for
 * a fresh array) and re-hashes the key pads each time. This class keeps the padded key blocks and
 * drives a raw {@code MessageDigest} through {@code digest(byte[], int, int)}, which writes into a
 * caller array; SHA-1 itself then runs on the JDK's intrinsic (SHA-NI where the CPU has it).
 * Usage per message: {@link #start()}, any number of {@code update}s, {@link #finish(byte[], int)}.
 * Not thread-safe.
 *
 * <p>Each instance clones a SHA-1 digest looked up once, rather than asking the JCE providers
 * again ({@code MessageDigest.getInstance} walks the provider list for every call).
 */
public final class HmacSha1 {

    /** SHA-1 output length in octets. */
    public static final int LENGTH = 20;

    private static final int BLOCK = 64;

    /** Never updated: only cloned (cloning reads it), so threads may share it. */
    private static final MessageDigest PROTOTYPE = newSha1();

    private final MessageDigest sha1;
    private final byte[] innerPad = new byte[BLOCK];
    private final byte[] outerPad = new byte[BLOCK];
    private final byte[] innerHash = new byte[LENGTH];
    private final byte[] word = new byte[4];

    /**
     * Creates the MAC for {@code key}.
     *
     * @param key the HMAC key (20 octets for SRTP; any length is accepted)
     */
    public HmacSha1(byte[] key) {
        sha1 = newDigest();
        byte[] k = key.length > BLOCK ? sha1.digest(key) : key;
        Arrays.fill(innerPad, (byte) 0x36);
        Arrays.fill(outerPad, (byte) 0x5c);
        for (int i = 0; i < k.length; i++) {
            innerPad[i] ^= k[i];
            outerPad[i] ^= k[i];
        }
    }

    private static MessageDigest newSha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 unavailable", e);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return newSha1(); // a provider whose SHA-1 cannot be cloned
        }
    }

    /** Begins a new MAC computation. */
    public void start() {
        sha1.reset();
        sha1.update(innerPad, 0, BLOCK);
    }

    /** Absorbs {@code len} octets. */
    public void update(byte[] in, int off, int len) {
        sha1.update(in, off, len);
    }

    /** Absorbs a 32-bit big-endian word (the SRTP rollover counter). */
    public void updateInt(int value) {
        final byte[] w = word;
        w[0] = (byte) (value >>> 24);
        w[1] = (byte) (value >>> 16);
        w[2] = (byte) (value >>> 8);
        w[3] = (byte) value;
        sha1.update(w, 0, 4);
    }

    /** Writes the 20-octet MAC to {@code out} at {@code off}. */
    public void finish(byte[] out, int off) {
        try {
            sha1.digest(innerHash, 0, LENGTH);
            sha1.update(outerPad, 0, BLOCK);
            sha1.update(innerHash, 0, LENGTH);
            sha1.digest(out, off, LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException("digest output too small", e);
        }
    }
}
