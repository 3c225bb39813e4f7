package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * GHASH, the universal hash of GCM (NIST SP 800-38D §6.4), with Shoup's 8-bit tables.
 *
 * <p>Multiplication by the hash key H uses a 256-entry table of byte-multiples of H (4 KiB,
 * built once per key) and a shared 256-entry reduction table: one lookup and one 8-bit shift per
 * input octet, no allocation. Blocks are two {@code long}s in GCM's bit-reflected order (bit 0 of
 * octet 0 is the x^0 coefficient, the most significant bit of {@code hi}).
 *
 * <p>The hash streams: {@link #update(byte[], int, int)} may be called with any lengths;
 * {@link #pad()} zero-fills a partial block (GCM pads the AAD and the ciphertext separately).
 */
public final class Ghash {

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** R[b]: what shifting the 8 low bits b out of the block adds back at the top (mod P). */
  private static final long[] REDUCE = new long[256];

  static {
    for (int b = 0; b < 256; b++) {
      long hi = 0;
      long lo = b;
      for (int i = 0; i < 8; i++) {
        boolean carry = (lo & 1) != 0;
        lo = (lo >>> 1) | (hi << 63);
        hi >>>= 1;
        if (carry) {
          hi ^= 0xE100000000000000L;
        }
      }
      REDUCE[b] = hi;
    }
  }

  private final long[] tableHi = new long[256];
  private final long[] tableLo = new long[256];
  private final byte[] partial = new byte[16];
  private int partialLength;
  private long yHi;
  private long yLo;

  /**
   * Creates the hash for key H = E_K(0^128).
   *
   * @param h the 16-octet hash key
   */
  public Ghash(byte[] h) {
    long vh = (long) LONG_BE.get(h, 0);
    long vl = (long) LONG_BE.get(h, 8);
    // tableX[0x80 >> j] = H * x^j; the rest by linearity.
    for (int bit = 0x80; bit > 0; bit >>>= 1) {
      tableHi[bit] = vh;
      tableLo[bit] = vl;
      boolean carry = (vl & 1) != 0;
      vl = (vl >>> 1) | (vh << 63);
      vh >>>= 1;
      if (carry) {
        vh ^= 0xE100000000000000L;
      }
    }
    for (int i = 2; i < 256; i <<= 1) {
      for (int j = 1; j < i; j++) {
        tableHi[i | j] = tableHi[i] ^ tableHi[j];
        tableLo[i | j] = tableLo[i] ^ tableLo[j];
      }
    }
  }

  /** Starts a new hash. */
  public void reset() {
    yHi = 0;
    yLo = 0;
    partialLength = 0;
  }

  /** Absorbs {@code len} octets. */
  public void update(byte[] in, int off, int len) {
    if (partialLength > 0) {
      int n = Math.min(len, 16 - partialLength);
      System.arraycopy(in, off, partial, partialLength, n);
      partialLength += n;
      off += n;
      len -= n;
      if (partialLength < 16) {
        return;
      }
      block(partial, 0);
      partialLength = 0;
    }
    final int end = off + (len & ~15);
    for (; off < end; off += 16) {
      block(in, off);
    }
    int rest = len & 15;
    if (rest > 0) {
      System.arraycopy(in, off, partial, 0, rest);
      partialLength = rest;
    }
  }

  /** Completes a partial block with zero octets, as GCM does at the end of the AAD and text. */
  public void pad() {
    if (partialLength > 0) {
      for (int i = partialLength; i < 16; i++) {
        partial[i] = 0;
      }
      block(partial, 0);
      partialLength = 0;
    }
  }

  /**
   * Pads, absorbs the final length block {@code len(A) || len(C)} (in bits) and writes the
   * 16-octet result XORed with {@code mask} (the encrypted J0 for a GCM tag).
   */
  public void finish(long aadBytes, long textBytes, byte[] mask, int maskOff, byte[] out,
      int outOff) {
    pad();
    multiply(yHi ^ (aadBytes << 3), yLo ^ (textBytes << 3));
    LONG_BE.set(out, outOff, yHi ^ (long) LONG_BE.get(mask, maskOff));
    LONG_BE.set(out, outOff + 8, yLo ^ (long) LONG_BE.get(mask, maskOff + 8));
  }

  private void block(byte[] in, int off) {
    multiply(yHi ^ (long) LONG_BE.get(in, off), yLo ^ (long) LONG_BE.get(in, off + 8));
  }

  /** Y = (xh, xl) * H, Horner over the 16 octets from last to first. */
  private void multiply(long xh, long xl) {
    final long[] th = tableHi;
    final long[] tl = tableLo;
    final long[] r = REDUCE;
    int b = (int) xl & 0xff;
    long zh = th[b];
    long zl = tl[b];
    for (int shift = 8; shift < 64; shift += 8) {
      int rem = (int) zl & 0xff;
      zl = (zl >>> 8) | (zh << 56);
      zh = (zh >>> 8) ^ r[rem];
      b = (int) (xl >>> shift) & 0xff;
      zh ^= th[b];
      zl ^= tl[b];
    }
    for (int shift = 0; shift < 64; shift += 8) {
      int rem = (int) zl & 0xff;
      zl = (zl >>> 8) | (zh << 56);
      zh = (zh >>> 8) ^ r[rem];
      b = (int) (xh >>> shift) & 0xff;
      zh ^= th[b];
      zl ^= tl[b];
    }
    yHi = zh;
    yLo = zl;
  }
}
