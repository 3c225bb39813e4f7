package org.umsec.srtp.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Random;
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
 *
 * <p><b>Direct path.</b> Where {@code java.base} opens {@code com.sun.crypto.provider} to this module
 * (as for the JDK's GHASH, see {@link Ghash}), the class drives the provider's own
 * {@code CounterMode} over {@code AESCrypt} directly: re-positioning is then two stores into its
 * counter block and a reset of its keystream position, with no {@code Cipher.init} (the JCE
 * bookkeeping that dominates small packets), and the text is transformed in place through the same
 * AES-CTR intrinsic ({@code CounterMode.encrypt} checks the ranges before it). The direct path is
 * checked against {@code Cipher} at class initialisation and not used if it differs or cannot be
 * reached, or with {@code -Dorg.umsec.srtp.aesctr=cipher}.
 */
public final class AesCtr {

    // Declared before the static initialiser below, whose self-test uses them.
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** (key) -> CounterMode over AESCrypt, initialised; null where not reachable. */
    private static final MethodHandle NEW_DIRECT;
    /** (CounterMode, in, inOff, len, out, outOff) -> len. */
    private static final MethodHandle ENCRYPT;
    /** (CounterMode, used). */
    private static final MethodHandle SET_USED;
    /** (CounterMode) -> its live counter block. */
    private static final MethodHandle GET_COUNTER;

    private static final boolean DIRECT_PREFERRED;

    static {
        MethodHandle create = null;
        MethodHandle encrypt = null;
        MethodHandle setUsed = null;
        MethodHandle getCounter = null;
        try {
            Class<?> cm = Class.forName("com.sun.crypto.provider.CounterMode");
            Class<?> aes = Class.forName("com.sun.crypto.provider.AESCrypt");
            Class<?> sym = Class.forName("com.sun.crypto.provider.SymmetricCipher");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(cm, MethodHandles.lookup());
            MethodHandles.Lookup la = MethodHandles.privateLookupIn(aes, MethodHandles.lookup());
            MethodHandle newAes = la.findConstructor(aes, MethodType.methodType(void.class));
            MethodHandle newCm = l.findConstructor(cm, MethodType.methodType(void.class, sym));
            MethodHandle init = l.findVirtual(
                    cm,
                    "init",
                    MethodType.methodType(void.class, boolean.class, String.class, byte[].class, byte[].class));
            MethodHandle enc = l.findVirtual(
                    cm,
                    "encrypt",
                    MethodType.methodType(int.class, byte[].class, int.class, int.class, byte[].class, int.class));
            MethodHandle used = l.findSetter(cm, "used", int.class);
            MethodHandle counter = l.findGetter(cm, "counter", byte[].class);
            Object probe = newCm.invoke(newAes.invoke());
            init.invoke(probe, false, "AES", new byte[16], new byte[16]);
            create = MethodHandles.lookup()
                    .findStatic(
                            AesCtr.class,
                            "newDirect",
                            MethodType.methodType(
                                    Object.class,
                                    MethodHandle.class,
                                    MethodHandle.class,
                                    MethodHandle.class,
                                    byte[].class));
            create = MethodHandles.insertArguments(
                    create,
                    0,
                    newAes.asType(MethodType.methodType(Object.class)),
                    newCm.asType(MethodType.methodType(Object.class, Object.class)),
                    init.asType(MethodType.methodType(
                            void.class, Object.class, boolean.class, String.class, byte[].class, byte[].class)));
            encrypt = enc.asType(MethodType.methodType(
                    int.class, Object.class, byte[].class, int.class, int.class, byte[].class, int.class));
            setUsed = used.asType(MethodType.methodType(void.class, Object.class, int.class));
            getCounter = counter.asType(MethodType.methodType(byte[].class, Object.class));
        } catch (Throwable t) {
            create = null;
        }
        NEW_DIRECT = create;
        ENCRYPT = encrypt;
        SET_USED = setUsed;
        GET_COUNTER = getCounter;
        DIRECT_PREFERRED =
                create != null && selfTest() && !"cipher".equals(System.getProperty("org.umsec.srtp.aesctr"));
    }

    private static Object newDirect(MethodHandle newAes, MethodHandle newCm, MethodHandle init, byte[] key)
            throws Throwable {
        Object cm = newCm.invokeExact(newAes.invokeExact());
        init.invokeExact(cm, false, "AES", key, new byte[16]);
        return cm;
    }

    /** The direct path against the Cipher path on a few packets, re-positioned in between. */
    private static boolean selfTest() {
        try {
            Random rnd = new Random(3711);
            byte[] key = new byte[16];
            rnd.nextBytes(key);
            AesCtr direct = new AesCtr(key, true);
            AesCtr cipher = new AesCtr(key, false);
            for (int round = 0; round < 4; round++) {
                long a = rnd.nextLong();
                long b = round == 3 ? -2L : rnd.nextLong(); // the last one carries into the high half
                byte[] x = new byte[1 + rnd.nextInt(100)];
                rnd.nextBytes(x);
                byte[] y = x.clone();
                direct.start(a, b);
                cipher.start(a, b);
                direct.apply(x, 0, x.length);
                cipher.apply(y, 0, y.length);
                if (!Arrays.equals(x, y)) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    /**
     * Whether new instances use the direct path (reachable, checked, not disabled).
     *
     * @return true if {@link #AesCtr(byte[])} bypasses {@code Cipher}
     */
    public static boolean directPreferred() {
        return DIRECT_PREFERRED;
    }

    /**
     * Whether the direct path can be reached at all (the package is opened to this module).
     *
     * @return true if {@code new AesCtr(key, true)} is possible
     */
    public static boolean directReachable() {
        return NEW_DIRECT != null;
    }

    private static final int SCRATCH = 2048;

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
    /** Direct path: the provider's CounterMode and its live counter block; null on the Cipher path. */
    private final Object direct;

    private final byte[] directCounter;
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
        this(key, DIRECT_PREFERRED);
    }

    /**
     * Creates the cipher for a 16, 24 or 32 octet key on the chosen path.
     *
     * @param key the AES key
     * @param direct the provider's CounterMode directly rather than {@code Cipher}
     * @throws IllegalStateException if {@code direct} and {@link #directReachable()} is not
     */
    public AesCtr(byte[] key, boolean direct) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("AES key must be 16, 24 or 32 octets: " + key.length);
        }
        if (direct) {
            if (NEW_DIRECT == null) {
                throw new IllegalStateException("com.sun.crypto.provider.CounterMode is not reachable: "
                        + "open java.base/com.sun.crypto.provider to org.umsec.srtp");
            }
            try {
                this.direct = NEW_DIRECT.invokeExact(key.clone());
                this.directCounter = (byte[]) GET_COUNTER.invokeExact(this.direct);
            } catch (Throwable t) {
                throw new IllegalStateException("AES/CTR (direct) unavailable", t);
            }
        } else {
            this.direct = null;
            this.directCounter = null;
        }
        this.key = new ReusedKey(key);
        if (direct) {
            cipher = null;
            return;
        }
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, this.key, iv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding unavailable", e);
        }
    }

    /** Positions the keystream at counter block {@code (a, b)} (octets 0..7 and 8..15). */
    public void start(long a, long b) {
        if (direct != null) {
            LONG_BE.set(directCounter, 0, a);
            LONG_BE.set(directCounter, 8, b);
            try {
                SET_USED.invokeExact(direct, 16); // the next octet starts a fresh keystream block
            } catch (Throwable t) {
                throw new IllegalStateException("AES/CTR re-positioning failed", t);
            }
            return;
        }
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
        if (direct != null) {
            if (len > 0) {
                directCrypt(buf, off, len, buf, off);
            }
            return;
        }
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
        if (direct != null) {
            directCrypt(zeros, 0, 16, out, 0);
            return;
        }
        try {
            cipher.update(zeros, 0, 16, out, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** CTR through the provider's CounterMode; it checks both ranges, and in place is safe (octet i from octet i). */
    private void directCrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
        try {
            int n = (int) ENCRYPT.invokeExact(direct, in, inOff, len, out, outOff);
            if (n != len) {
                throw new IllegalStateException("AES/CTR processed " + n + " of " + len + " octets");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("AES/CTR failed", t);
        }
    }
}
