package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Counter-mode keystream XOR over the {@link Aes} block function, in place, without allocation.
 *
 * <p>Counter block j is the 128-bit big-endian value {@code (a, b + j)}: {@code a} holds octets
 * 0..7 and {@code b} octets 8..15 of the first block. SRTP AES-CM (RFC 3711 §4.1.1) adds j to the
 * low 16 bits of IV (whose low 16 bits are zero); GCM (SP 800-38D) increments the low 32 bits. Both
 * fit "add j to {@code b}" as long as no carry leaves the counter field, which packet sizes
 * guarantee. Counter blocks are prepared and encrypted {@value #CHUNK} octets at a time.
 */
public final class CtrKeystream {

  /** Octets of keystream produced per block-cipher call. */
  public static final int CHUNK = 1024;

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_NE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private final byte[] counters = new byte[CHUNK + 16];
  private final byte[] stream = new byte[CHUNK + 16];

  /**
   * XORs the keystream for counter blocks {@code (a, b)}, {@code (a, b + 1)}, ... into
   * {@code buf[off, off + len)}.
   */
  public void xor(Aes aes, long a, long b, byte[] buf, int off, int len) {
    long counter = b;
    while (len > 0) {
      int n = Math.min(len, CHUNK);
      int blocks = (n + 15) >>> 4;
      fill(a, counter, blocks, 0);
      counter += blocks;
      aes.encryptBlocks(counters, 0, blocks << 4, stream, 0);
      xorInto(buf, off, n, 0);
      off += n;
      len -= n;
    }
  }

  /**
   * GCM step one: encrypts block {@code (a, b)} (E_K(J0), the tag mask) into {@code mask[0, 16)}
   * and prepares the keystream for the first {@value #CHUNK} octets of a {@code len}-octet text
   * starting at block {@code (a, b + 1)}, in one block-cipher call. Nothing is applied yet, so a
   * receiver can verify the tag before touching the packet.
   */
  public void prepare(Aes aes, long a, long b, byte[] mask, int len) {
    int blocks = (Math.min(len, CHUNK) + 15) >>> 4;
    fill(a, b, blocks + 1, 0);
    aes.encryptBlocks(counters, 0, (blocks + 1) << 4, stream, 0);
    System.arraycopy(stream, 0, mask, 0, 16);
  }

  /**
   * GCM step two: XORs the keystream prepared by {@link #prepare} (same {@code a}, {@code b},
   * {@code len}) into {@code buf[off, off + len)}, generating any further chunks.
   */
  public void applyPrepared(Aes aes, long a, long b, byte[] buf, int off, int len) {
    int n = Math.min(len, CHUNK);
    xorInto(buf, off, n, 16);
    if (len > n) {
      xor(aes, a, b + 1 + ((n + 15) >>> 4), buf, off + n, len - n);
    }
  }

  private void fill(long a, long b, int blocks, int from) {
    final byte[] c = counters;
    for (int i = 0, o = from; i < blocks; i++, o += 16) {
      LONG_BE.set(c, o, a);
      LONG_BE.set(c, o + 8, b + i);
    }
  }

  private void xorInto(byte[] buf, int off, int n, int streamOff) {
    final byte[] s = stream;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      LONG_NE.set(buf, off + i,
          (long) LONG_NE.get(buf, off + i) ^ (long) LONG_NE.get(s, streamOff + i));
    }
    for (; i < n; i++) {
      buf[off + i] ^= s[streamOff + i];
    }
  }
}
