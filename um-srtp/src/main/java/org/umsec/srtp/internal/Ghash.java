package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteOrder;
import java.util.Objects;

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
 * <p>The multiplications are unrolled by hand with constant row offsets and the chunk already
 * scaled to an entry index by the shift ({@code (x >>> (s - 1)) & 0x1FE}): the loop form with
 * {@code ((k << 8) | chunk) << 1} index arithmetic ran at about half the speed. Measured on the
 * 2-core EPYC host, the time is the instruction count of the lookups (about 3 cycles each, the same
 * for the L1-resident 4-bit tables as for the 64 KiB 8-bit ones), so 4-bit tables and aggregated
 * reduction over H^1..H^4 (more lookups per block) were slower, and 8-bit tables for H and H^2 (two
 * independent chains, 128 KiB) were no faster.
 *
 * <p><b>Carry-less multiply.</b> Where the runtime lets us reach it, the hash runs instead on the
 * JDK's own GHASH intrinsic, {@code com.sun.crypto.provider.GHASH.processBlocks(byte[] data, int
 * inOfs, int blocks, long[] st, long[] subH)} (JDK 17 and later; PCLMULQDQ on x86-64, PMULL on
 * AArch64), about three times faster per block than the tables and without the 64 KiB table per
 * key. It is private to {@code java.base}, so it is usable only when {@code java.base} opens
 * {@code com.sun.crypto.provider} to this module (the server jar's {@code Add-Opens} manifest
 * entry, or {@code --add-opens java.base/com.sun.crypto.provider=org.umsec.srtp} on the module
 * path, {@code =ALL-UNNAMED} on the class path). The class looks it up once, checks it against
 * the tables on a known block, and uses it only if the VM has the intrinsic turned on
 * ({@code UseGHASHIntrinsics}, which HotSpot clears where the CPU lacks carry-less multiply);
 * otherwise, or with {@code -Dorg.umsec.srtp.ghash=table}, the tables serve. The intrinsic does
 * no bounds checks, so every entry point here checks the range first. Both state layouts are the
 * same: two big-endian {@code long}s per block.
 *
 * <p>The hash streams: {@link #update(byte[], int, int)} may be called with any lengths;
 * {@link #pad()} zero-fills a partial block (GCM pads the AAD and the ciphertext separately).
 */
public final class Ghash {

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** The JDK's {@code GHASH.processBlocks}, or null where it cannot be reached or is wrong. */
    private static final MethodHandle PROCESS_BLOCKS;
    /** Length of the JDK's {@code subkeyHtbl} (the intrinsic caches powers of H there). */
    private static final int SUBKEY_TABLE_LENGTH;
    /** Whether new hashes use the JDK path by default. */
    private static final boolean JDK_PREFERRED;

    static {
        MethodHandle handle = null;
        int tableLength = 0;
        try {
            Class<?> ghash = Class.forName("com.sun.crypto.provider.GHASH");
            Method m = ghash.getDeclaredMethod(
                    "processBlocks", byte[].class, int.class, int.class, long[].class, long[].class);
            if (m.getReturnType() == void.class && m.trySetAccessible()) {
                MethodHandle mh = MethodHandles.lookup().unreflect(m);
                Constructor<?> c = ghash.getDeclaredConstructor(byte[].class);
                Field f = ghash.getDeclaredField("subkeyHtbl");
                if (c.trySetAccessible() && f.trySetAccessible()) {
                    Object probe = c.newInstance((Object) new byte[16]);
                    tableLength = Math.max(2, ((long[]) f.get(probe)).length);
                    if (selfTest(mh, tableLength)) {
                        handle = mh.asType(MethodType.methodType(
                                void.class, byte[].class, int.class, int.class, long[].class, long[].class));
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            handle = null;
        }
        PROCESS_BLOCKS = handle;
        SUBKEY_TABLE_LENGTH = tableLength;
        JDK_PREFERRED = handle != null
                && !"table".equals(System.getProperty("org.umsec.srtp.ghash"))
                && Intrinsics.ghashEnabled();
    }

    /** Compares the JDK path with the tables on a fixed key and a few blocks. */
    private static boolean selfTest(MethodHandle mh, int tableLength) {
        byte[] h = new byte[16];
        byte[] data = new byte[64];
        for (int i = 0; i < h.length; i++) {
            h[i] = (byte) (0x66 + 29 * i);
        }
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (0x03 + 71 * i);
        }
        long[] st = new long[2];
        long[] subH = new long[tableLength];
        subH[0] = (long) LONG_BE.get(h, 0);
        subH[1] = (long) LONG_BE.get(h, 8);
        try {
            mh.invoke(data, 0, 4, st, subH);
        } catch (Throwable t) {
            return false;
        }
        Ghash tables = new Ghash(h, false, false);
        tables.update(data, 0, data.length);
        return st[0] == tables.yHi && st[1] == tables.yLo;
    }

    /** HotSpot's {@code UseGHASHIntrinsics}, read where {@code jdk.management} is present. */
    private static final class Intrinsics {
        static boolean ghashEnabled() {
            try {
                Class<?> bean = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
                Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
                Object mx = factory.getMethod("getPlatformMXBean", Class.class).invoke(null, bean);
                Object option = bean.getMethod("getVMOption", String.class).invoke(mx, "UseGHASHIntrinsics");
                Object value = option.getClass().getMethod("getValue").invoke(option);
                return "true".equals(value);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // No management module (or not HotSpot): trust the JDK to pick its fastest GHASH.
                return true;
            }
        }
    }

    /**
     * Whether the JDK's carry-less-multiply GHASH can be reached from here (the package is opened)
     * and computes the same values as the tables.
     *
     * @return true if {@code new Ghash(h, wide, true)} is possible
     */
    public static boolean jdkReachable() {
        return PROCESS_BLOCKS != null;
    }

    /**
     * Whether {@link #Ghash(byte[], boolean)} uses the JDK path: reachable, its intrinsic turned on,
     * and not disabled with {@code -Dorg.umsec.srtp.ghash=table}.
     *
     * @return true if new hashes use carry-less multiplication through the JDK
     */
    public static boolean jdkPreferred() {
        return JDK_PREFERRED;
    }

    /** table[2 * (k * entries + c)] and [.. + 1] = hi and lo of c * x^(bits * k) * H. */
    private final long[] table;

    private final boolean wide;
    /** JDK path: its state (Y) and subkey table (H, then the powers the intrinsic caches). */
    private final long[] st;

    private final long[] subH;
    private final byte[] partial = new byte[16];
    private int partialLength;
    private long yHi;
    private long yLo;

    /**
     * Creates the hash for key H = E_K(0^128), on the JDK's carry-less multiply where
     * {@link #jdkPreferred()}, on tables otherwise.
     *
     * @param h the 16-octet hash key
     * @param wide 8-bit tables (64 KiB, faster) rather than 4-bit tables (8 KiB), if tables are used
     */
    public Ghash(byte[] h, boolean wide) {
        this(h, wide, JDK_PREFERRED);
    }

    /**
     * Creates the hash for key H = E_K(0^128) on the chosen implementation.
     *
     * @param h the 16-octet hash key
     * @param wide 8-bit tables (64 KiB, faster) rather than 4-bit tables (8 KiB), if tables are used
     * @param jdk the JDK's {@code GHASH.processBlocks} rather than tables
     * @throws IllegalStateException if {@code jdk} is true and {@link #jdkReachable()} is not
     */
    public Ghash(byte[] h, boolean wide, boolean jdk) {
        if (h.length != 16) {
            throw new IllegalArgumentException("GHASH key must be 16 octets: " + h.length);
        }
        this.wide = wide;
        long vh = (long) LONG_BE.get(h, 0);
        long vl = (long) LONG_BE.get(h, 8);
        if (jdk) {
            if (PROCESS_BLOCKS == null) {
                throw new IllegalStateException("com.sun.crypto.provider.GHASH is not reachable: "
                        + "open java.base/com.sun.crypto.provider to org.umsec.srtp");
            }
            table = null;
            st = new long[2];
            subH = new long[SUBKEY_TABLE_LENGTH];
            subH[0] = vh;
            subH[1] = vl;
        } else {
            st = null;
            subH = null;
            table = new long[wide ? 16 * 256 * 2 : 32 * 16 * 2];
            fill(table, wide ? 8 : 4, vh, vl);
        }
    }

    /**
     * Whether this hash runs on the JDK's carry-less multiply.
     *
     * @return true for the JDK path, false for tables
     */
    public boolean usesJdk() {
        return st != null;
    }

    /** Fills the chunk tables of v: chunk k, entry c holds c * x^(bits * k) * v. */
    private static void fill(long[] table, int bits, long vh, long vl) {
        final int entries = 1 << bits;
        final int chunks = 128 / bits;
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
                    table[2 * (base + c) + 1] = table[2 * (base + low) + 1] ^ table[2 * (base + (c ^ low)) + 1];
                }
            }
        }
    }

    /** Starts a new hash. */
    public void reset() {
        yHi = 0;
        yLo = 0;
        if (st != null) {
            st[0] = 0;
            st[1] = 0;
        }
        partialLength = 0;
    }

    /**
     * Absorbs {@code len} octets.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code in}
     */
    public void update(byte[] in, int off, int len) {
        Objects.checkFromIndexSize(off, len, in.length);
        if (st != null) {
            updateJdk(in, off, len);
            return;
        }
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

    private void updateJdk(byte[] in, int off, int len) {
        if (partialLength > 0) {
            int n = Math.min(len, 16 - partialLength);
            System.arraycopy(in, off, partial, partialLength, n);
            partialLength += n;
            off += n;
            len -= n;
            if (partialLength < 16) {
                return;
            }
            processBlocks(partial, 0, 1);
            partialLength = 0;
        }
        int blocks = len >>> 4;
        if (blocks > 0) {
            processBlocks(in, off, blocks);
            off += blocks << 4;
        }
        int rest = len & 15;
        if (rest > 0) {
            System.arraycopy(in, off, partial, 0, rest);
            partialLength = rest;
        }
    }

    /** The JDK's GHASH over whole blocks; the caller has checked the range. */
    private void processBlocks(byte[] in, int off, int blocks) {
        try {
            PROCESS_BLOCKS.invokeExact(in, off, blocks, st, subH);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("GHASH.processBlocks failed", t);
        }
    }

    /** Completes a partial block with zero octets, as GCM does at the end of the AAD and text. */
    public void pad() {
        if (partialLength > 0) {
            for (int i = partialLength; i < 16; i++) {
                partial[i] = 0;
            }
            if (st != null) {
                processBlocks(partial, 0, 1);
            } else {
                block(partial, 0);
            }
            partialLength = 0;
        }
    }

    /**
     * Pads, absorbs the final length block {@code len(A) || len(C)} (in bits) and writes the
     * 16-octet result XORed with {@code mask} (the encrypted J0 for a GCM tag).
     */
    public void finish(long aadBytes, long textBytes, byte[] mask, int maskOff, byte[] out, int outOff) {
        Objects.checkFromIndexSize(maskOff, 16, mask.length);
        Objects.checkFromIndexSize(outOff, 16, out.length);
        pad();
        if (st != null) {
            LONG_BE.set(partial, 0, aadBytes << 3);
            LONG_BE.set(partial, 8, textBytes << 3);
            processBlocks(partial, 0, 1);
            LONG_BE.set(out, outOff, st[0] ^ (long) LONG_BE.get(mask, maskOff));
            LONG_BE.set(out, outOff + 8, st[1] ^ (long) LONG_BE.get(mask, maskOff + 8));
            return;
        }
        multiply(yHi ^ (aadBytes << 3), yLo ^ (textBytes << 3));
        LONG_BE.set(out, outOff, yHi ^ (long) LONG_BE.get(mask, maskOff));
        LONG_BE.set(out, outOff + 8, yLo ^ (long) LONG_BE.get(mask, maskOff + 8));
    }

    private void block(byte[] in, int off) {
        multiply(yHi ^ (long) LONG_BE.get(in, off), yLo ^ (long) LONG_BE.get(in, off + 8));
    }

    /** Y = (xh, xl) * H. */
    private void multiply(long xh, long xl) {
        if (wide) {
            multiply8(xh, xl);
        } else {
            multiply4(xh, xl);
        }
    }

    private void multiply8(long xh, long xl) {
        final long[] t = table;
        long zh = 0;
        long zl = 0;
        int i;
        i = 0 + ((int) (xh >>> 55) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 512 + ((int) (xh >>> 47) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 1024 + ((int) (xh >>> 39) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 1536 + ((int) (xh >>> 31) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 2048 + ((int) (xh >>> 23) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 2560 + ((int) (xh >>> 15) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 3072 + ((int) (xh >>> 7) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 3584 + (((int) xh << 1) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 4096 + ((int) (xl >>> 55) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 4608 + ((int) (xl >>> 47) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 5120 + ((int) (xl >>> 39) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 5632 + ((int) (xl >>> 31) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 6144 + ((int) (xl >>> 23) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 6656 + ((int) (xl >>> 15) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 7168 + ((int) (xl >>> 7) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 7680 + (((int) xl << 1) & 510);
        zh ^= t[i];
        zl ^= t[i + 1];
        yHi = zh;
        yLo = zl;
    }

    private void multiply4(long xh, long xl) {
        final long[] t = table;
        long zh = 0;
        long zl = 0;
        int i;
        i = 0 + ((int) (xh >>> 59) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 32 + ((int) (xh >>> 55) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 64 + ((int) (xh >>> 51) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 96 + ((int) (xh >>> 47) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 128 + ((int) (xh >>> 43) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 160 + ((int) (xh >>> 39) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 192 + ((int) (xh >>> 35) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 224 + ((int) (xh >>> 31) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 256 + ((int) (xh >>> 27) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 288 + ((int) (xh >>> 23) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 320 + ((int) (xh >>> 19) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 352 + ((int) (xh >>> 15) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 384 + ((int) (xh >>> 11) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 416 + ((int) (xh >>> 7) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 448 + ((int) (xh >>> 3) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 480 + (((int) xh << 1) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 512 + ((int) (xl >>> 59) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 544 + ((int) (xl >>> 55) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 576 + ((int) (xl >>> 51) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 608 + ((int) (xl >>> 47) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 640 + ((int) (xl >>> 43) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 672 + ((int) (xl >>> 39) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 704 + ((int) (xl >>> 35) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 736 + ((int) (xl >>> 31) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 768 + ((int) (xl >>> 27) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 800 + ((int) (xl >>> 23) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 832 + ((int) (xl >>> 19) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 864 + ((int) (xl >>> 15) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 896 + ((int) (xl >>> 11) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 928 + ((int) (xl >>> 7) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 960 + ((int) (xl >>> 3) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        i = 992 + (((int) xl << 1) & 30);
        zh ^= t[i];
        zl ^= t[i + 1];
        yHi = zh;
        yLo = zl;
    }
}
