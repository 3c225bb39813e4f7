package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;

/**
 * AES in counter mode (128-bit big-endian counter), re-positioned per packet without allocation.
 *
 * <p>The JDK's {@code AES/CTR/NoPadding} runs on a pipelined AES-NI intrinsic, several times
 * faster than encrypting counter blocks one {@code update} at a time through ECB; but moving it
 * to a new IV needs {@code Cipher.init}, which normally allocates (the key is cloned by
 * {@code SecretKeySpec.getEncoded()}, the IV by {@code IvParameterSpec.getIV()}). This class
 * passes a key whose {@code getEncoded()} hands out one reused array (refilled on every call,
 * since a provider may wipe it) and an {@code IvParameterSpec} whose {@code getIV()} returns the
 * reused counter block. The SunJCE provider then re-initialises without allocating: it re-expands
 * the AES key only when the key bytes change. Output goes to a scratch array and is copied back,
 * because an in-place {@code update} makes the provider copy its input.
 *
 * <p>Both SRTP AES-CM (RFC 3711 §4.1.1: IV + j mod 2^128) and GCM's GCTR (inc32, which equals a
 * 128-bit increment while the low 32 bits do not wrap, always true for packet-sized texts) are
 * this counter mode. Not thread-safe.
 */
public final class AesCtr {

  private static final int SCRATCH = 2048;

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** A raw AES key that lends out one array instead of cloning it. */
  private static final class ReusedKey implements SecretKey {
    private static final long serialVersionUID = 1L;
    private final transient byte[] master;
    private final transient byte[] lent;

    ReusedKey(byte[] key) {
      this.master = key.clone();
      this.lent = key.clone();
    }

    @Override
    public String getAlgorithm() {
      return "AES";
    }

    @Override
    public String getFormat() {
      return "RAW";
    }

    @Override
    public byte[] getEncoded() {
      System.arraycopy(master, 0, lent, 0, master.length);
      return lent;
    }
  }

  /** An IV spec that hands out its live array (the counter block) instead of a copy. */
  private static final class ReusedIv extends IvParameterSpec {
    private final byte[] iv;

    ReusedIv(byte[] iv) {
      super(iv);
      this.iv = iv;
    }

    @Override
    public byte[] getIV() {
      return iv;
    }
  }

  private final Cipher cipher;
  private final ReusedKey key;
  private final byte[] counter = new byte[16];
  private final ReusedIv iv = new ReusedIv(counter);
  private final byte[] scratch = new byte[SCRATCH];
  private final byte[] zeros = new byte[16];

  /**
   * Creates the cipher for a 16, 24 or 32 octet key.
   *
   * @param key the AES key
   */
  public AesCtr(byte[] key) {
    if (key.length != 16 && key.length != 24 && key.length != 32) {
      throw new IllegalArgumentException("AES key must be 16, 24 or 32 octets: " + key.length);
    }
    this.key = new ReusedKey(key);
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, this.key, iv);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR/NoPadding unavailable", e);
    }
  }

  /** Positions the keystream at counter block {@code (a, b)} (octets 0..7 and 8..15). */
  public void start(long a, long b) {
    LONG_BE.set(counter, 0, a);
    LONG_BE.set(counter, 8, b);
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key, iv);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/CTR re-initialisation failed", e);
    }
  }

  /** XORs the next {@code len} keystream octets into {@code buf[off, off + len)}. */
  public void apply(byte[] buf, int off, int len) {
    try {
      while (len > 0) {
        int n = Math.min(len, SCRATCH);
        cipher.update(buf, off, n, scratch, 0);
        System.arraycopy(scratch, 0, buf, off, n);
        off += n;
        len -= n;
      }
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the next 16 keystream octets to {@code out[0, 16)} (GCM's E_K(J0) tag mask). */
  public void nextBlock(byte[] out) {
    try {
      cipher.update(zeros, 0, 16, out, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
