package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * GHASH, the universal hash of GCM (NIST SP 800-38D §6.4), table-driven, without allocation.
 *
 * <p>Multiplication by the hash key H is linear, so X * H is the XOR, over the chunks of X, of
 * {@code T[k][chunk_k]} with {@code T[k][c] = c * x^(w k) * H} precomputed per key. The lookups are
 * independent of each other, so they overlap in the CPU instead of forming the shift-and-reduce
 * chain of Shoup's single-table method. Two sizes: 8-bit chunks (16 x 256 entries, 64 KiB, 16
 * lookups per block) for the busy SRTP direction, 4-bit chunks (32 x 16 entries, 8 KiB, 32
 * lookups) where memory matters more than speed (SRTCP). Entries interleave their two halves so
 * one cache line serves a lookup. Blocks are two {@code long}s in GCM's bit-reflected order (bit 0
 * of octet 0 is the x^0 coefficient, the most significant bit of {@code hi}).
 *
 * <p>The hash streams: {@link #update(byte[], int, int)} may be called with any lengths;
 * {@link #pad()} zero-fills a partial block (GCM pads the AAD and the ciphertext separately).
 */
public final class Ghash {

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** table[2 * (k * entries + c)] and [.. + 1] = hi and lo of c * x^(bits * k) * H. */
  private final long[] table;
  private final boolean wide;
  private final byte[] partial = new byte[16];
  private int partialLength;
  private long yHi;
  private long yLo;

  /**
   * Creates the hash for key H = E_K(0^128).
   *
   * @param h the 16-octet hash key
   * @param wide 8-bit tables (64 KiB, faster) rather than 4-bit tables (8 KiB)
   */
  public Ghash(byte[] h, boolean wide) {
    this.wide = wide;
    final int bits = wide ? 8 : 4;
    final int entries = 1 << bits;
    final int chunks = 128 / bits;
    table = new long[chunks * entries * 2];
    long vh = (long) LONG_BE.get(h, 0);
    long vl = (long) LONG_BE.get(h, 8);
    for (int k = 0; k < chunks; k++) {
      int base = k * entries;
      // The chunk's most significant bit is the lowest power of x.
      for (int bit = entries >>> 1; bit > 0; bit >>>= 1) {
        table[2 * (base + bit)] = vh;
        table[2 * (base + bit) + 1] = vl;
        boolean carry = (vl & 1) != 0;
        vl = (vl >>> 1) | (vh << 63);
        vh >>>= 1;
        if (carry) {
          vh ^= 0xE100000000000000L;
        }
      }
      for (int c = 1; c < entries; c++) {
        int low = c & -c;
        if (c != low) {
          table[2 * (base + c)] = table[2 * (base + low)] ^ table[2 * (base + (c ^ low))];
          table[2 * (base + c) + 1] =
              table[2 * (base + low) + 1] ^ table[2 * (base + (c ^ low)) + 1];
        }
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

  /** Y = (xh, xl) * H. */
  private void multiply(long xh, long xl) {
    final long[] t = table;
    long zh = 0;
    long zl = 0;
    if (wide) {
      // Octet k of the block (k = 0 is the top octet of xh) selects row k.
      for (int k = 0, shift = 56; k < 8; k++, shift -= 8) {
        int i = ((k << 8) | (int) ((xh >>> shift) & 0xFF)) << 1;
        zh ^= t[i];
        zl ^= t[i + 1];
      }
      for (int k = 8, shift = 56; k < 16; k++, shift -= 8) {
        int i = ((k << 8) | (int) ((xl >>> shift) & 0xFF)) << 1;
        zh ^= t[i];
        zl ^= t[i + 1];
      }
    } else {
      for (int k = 0, shift = 60; k < 16; k++, shift -= 4) {
        int i = ((k << 4) | (int) ((xh >>> shift) & 15)) << 1;
        zh ^= t[i];
        zl ^= t[i + 1];
      }
      for (int k = 16, shift = 60; k < 32; k++, shift -= 4) {
        int i = ((k << 4) | (int) ((xl >>> shift) & 15)) << 1;
        zh ^= t[i];
        zl ^= t[i + 1];
      }
    }
    yHi = zh;
    yLo = zl;
  }
}
