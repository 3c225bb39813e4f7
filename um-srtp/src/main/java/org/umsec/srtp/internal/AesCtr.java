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
 *
 * <p><b>Key schedule.</b> {@code AESCrypt.init} expands every new key for both directions (about
 * 0.8 µs, the largest part of creating an SRTP session). Counter mode only encrypts, so the direct
 * path computes the encryption schedule itself ({@link AesKeySchedule}) and installs it in the
 * fields {@code init} would have set. This too is checked at class initialisation, against
 * {@code AESCrypt.init} for the three key lengths, and not used if it differs or the fields cannot
 * be reached, or with {@code -Dorg.umsec.srtp.aesschedule=jdk}; {@link #rekey} re-keys the same
 * cipher (the key derivation keeps one per thread).
 */
public final class AesCtr {

    // Declared before the static initialiser below, whose self-test uses them.
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** Input for {@link #nextBlock}: read only, never written. */
    private static final byte[] ZEROS = new byte[16];
    /** () -> a new AESCrypt; null where the provider's classes are not reachable. */
    private static final MethodHandle NEW_AES;
    /** (AESCrypt) -> a new CounterMode over it. */
    private static final MethodHandle NEW_CM;
    /** (CounterMode, in, inOff, len, out, outOff) -> len. */
    private static final MethodHandle ENCRYPT;
    /** (CounterMode, used). */
    private static final MethodHandle SET_USED;
    /** (CounterMode) -> its live counter block. */
    private static final MethodHandle GET_COUNTER;
    /** (CounterMode, decrypting, algorithm, key, iv): keys it through AESCrypt.init (the counter block stays the same array). */
    private static final MethodHandle INIT;
    /** (AESCrypt, round keys): installs an encryption schedule; null where not reachable. */
    private static final MethodHandle SET_SCHEDULE;

    /** Whether the direct path installs its own key schedule (see {@link AesKeySchedule}). */
    private static final boolean OWN_SCHEDULE;

    private static final boolean DIRECT_PREFERRED;

    static {
        MethodHandle newAes = null;
        MethodHandle newCm = null;
        MethodHandle encrypt = null;
        MethodHandle setUsed = null;
        MethodHandle getCounter = null;
        MethodHandle init = null;
        MethodHandle setSchedule = null;
        Class<?> aes = null;
        MethodHandles.Lookup la = null;
        try {
            Class<?> cm = Class.forName("com.sun.crypto.provider.CounterMode");
            aes = Class.forName("com.sun.crypto.provider.AESCrypt");
            Class<?> sym = Class.forName("com.sun.crypto.provider.SymmetricCipher");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(cm, MethodHandles.lookup());
            la = MethodHandles.privateLookupIn(aes, MethodHandles.lookup());
            MethodHandle a = la.findConstructor(aes, MethodType.methodType(void.class));
            MethodHandle c = l.findConstructor(cm, MethodType.methodType(void.class, sym));
            MethodHandle i = l.findVirtual(
                    cm,
                    "init",
                    MethodType.methodType(void.class, boolean.class, String.class, byte[].class, byte[].class));
            MethodHandle enc = l.findVirtual(
                    cm,
                    "encrypt",
                    MethodType.methodType(int.class, byte[].class, int.class, int.class, byte[].class, int.class));
            MethodHandle used = l.findSetter(cm, "used", int.class);
            MethodHandle counter = l.findGetter(cm, "counter", byte[].class);
            Object probe = c.invoke(a.invoke());
            i.invoke(probe, false, "AES", new byte[16], new byte[16]);
            newAes = a.asType(MethodType.methodType(Object.class));
            newCm = c.asType(MethodType.methodType(Object.class, Object.class));
            init = i.asType(MethodType.methodType(
                    void.class, Object.class, boolean.class, String.class, byte[].class, byte[].class));
            encrypt = enc.asType(MethodType.methodType(
                    int.class, Object.class, byte[].class, int.class, int.class, byte[].class, int.class));
            setUsed = used.asType(MethodType.methodType(void.class, Object.class, int.class));
            getCounter = counter.asType(MethodType.methodType(byte[].class, Object.class));
        } catch (Throwable t) {
            newAes = null;
        }
        if (newAes != null) {
            try {
                MethodHandle set = MethodHandles.lookup()
                        .findStatic(
                                AesCtr.class,
                                "setSchedule",
                                MethodType.methodType(
                                        void.class,
                                        MethodHandle.class,
                                        MethodHandle.class,
                                        MethodHandle.class,
                                        MethodHandle.class,
                                        Object.class,
                                        int[].class));
                setSchedule = MethodHandles.insertArguments(
                        set,
                        0,
                        la.findSetter(aes, "K", int[].class)
                                .asType(MethodType.methodType(void.class, Object.class, int[].class)),
                        la.findSetter(aes, "ROUNDS_12", boolean.class)
                                .asType(MethodType.methodType(void.class, Object.class, boolean.class)),
                        la.findSetter(aes, "ROUNDS_14", boolean.class)
                                .asType(MethodType.methodType(void.class, Object.class, boolean.class)),
                        la.findSetter(aes, "limit", int.class)
                                .asType(MethodType.methodType(void.class, Object.class, int.class)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                setSchedule = null;
            }
        }
        NEW_AES = newAes;
        NEW_CM = newCm;
        ENCRYPT = encrypt;
        SET_USED = setUsed;
        GET_COUNTER = getCounter;
        INIT = init;
        SET_SCHEDULE = setSchedule;
        OWN_SCHEDULE = setSchedule != null
                && scheduleSelfTest()
                && !"jdk".equals(System.getProperty("org.umsec.srtp.aesschedule"));
        DIRECT_PREFERRED =
                newAes != null && selfTest() && !"cipher".equals(System.getProperty("org.umsec.srtp.aesctr"));
    }

    /** What {@code AESCrypt.init} leaves for encryption (JDK 17), without its decryption schedule. */
    private static void setSchedule(
            MethodHandle k, MethodHandle rounds12, MethodHandle rounds14, MethodHandle limit, Object aes, int[] w)
            throws Throwable {
        int rounds = w.length / 4 - 1;
        rounds12.invokeExact(aes, rounds >= 12);
        rounds14.invokeExact(aes, rounds == 14);
        limit.invokeExact(aes, rounds * 4);
        k.invokeExact(aes, w);
    }

    /** A CounterMode keyed by AESCrypt.init against one keyed by {@link AesKeySchedule}, for each key length. */
    private static boolean scheduleSelfTest() {
        try {
            Random rnd = new Random(197);
            for (int length = 16; length <= 32; length += 8) {
                byte[] key = new byte[length];
                rnd.nextBytes(key);
                Object jdk = NEW_CM.invokeExact(NEW_AES.invokeExact());
                INIT.invokeExact(jdk, false, "AES", key.clone(), new byte[16]);
                Object aes = NEW_AES.invokeExact();
                Object own = NEW_CM.invokeExact(aes);
                SET_SCHEDULE.invokeExact(aes, AesKeySchedule.expand(key));
                byte[] counter = new byte[16];
                rnd.nextBytes(counter);
                byte[] x = new byte[80];
                byte[] y = new byte[80];
                for (Object cm : new Object[] {jdk, own}) {
                    System.arraycopy(counter, 0, (byte[]) GET_COUNTER.invokeExact(cm), 0, 16);
                    SET_USED.invokeExact(cm, 16);
                }
                int n = (int) ENCRYPT.invokeExact(jdk, new byte[80], 0, 80, x, 0);
                int m = (int) ENCRYPT.invokeExact(own, new byte[80], 0, 80, y, 0);
                if (n != 80 || m != 80 || !Arrays.equals(x, y)) {
                    return false;
                }
            }
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    /** The direct path against the Cipher path on a few packets, re-positioned in between. */
    private static boolean selfTest() {
        try {
            Random rnd = new Random(3711);
            byte[] key = new byte[16];
            rnd.nextBytes(key);
            AesCtr direct = new AesCtr(new byte[16], true);
            AesCtr cipher = new AesCtr(new byte[16], false);
            direct.rekey(key);
            cipher.rekey(key);
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
        return NEW_AES != null;
    }

    /**
     * Whether the direct path installs its own encryption key schedule rather than letting
     * {@code AESCrypt.init} expand the key in both directions.
     *
     * @return true where the provider's fields are reachable and the schedule checked out
     */
    public static boolean ownSchedule() {
        return OWN_SCHEDULE;
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

    /** Cipher path: the cipher, its key, its counter block and output scratch; null on the direct path. */
    private final Cipher cipher;

    private ReusedKey key;
    private final byte[] counter;
    private final ReusedIv iv;
    private final byte[] scratch;
    /** Direct path: the provider's CounterMode and its live counter block; null on the Cipher path. */
    private final Object direct;

    private final Object directAes;
    private final byte[] directCounter;

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
        checkKeyLength(key);
        if (direct) {
            if (NEW_AES == null) {
                throw new IllegalStateException("com.sun.crypto.provider.CounterMode is not reachable: "
                        + "open java.base/com.sun.crypto.provider to org.umsec.srtp");
            }
            try {
                this.directAes = NEW_AES.invokeExact();
                this.direct = NEW_CM.invokeExact(directAes);
                this.directCounter = (byte[]) GET_COUNTER.invokeExact(this.direct);
                SET_USED.invokeExact(this.direct, 16); // no keystream before the first start
            } catch (Throwable t) {
                throw new IllegalStateException("AES/CTR (direct) unavailable", t);
            }
            directKey(key);
            this.cipher = null;
            this.counter = null;
            this.iv = null;
            this.scratch = null;
            return;
        }
        this.direct = null;
        this.directAes = null;
        this.directCounter = null;
        this.counter = new byte[16];
        this.iv = new ReusedIv(counter);
        this.scratch = new byte[SCRATCH];
        this.key = new ReusedKey(key);
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, this.key, iv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding unavailable", e);
        }
    }

    private static void checkKeyLength(byte[] key) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("AES key must be 16, 24 or 32 octets: " + key.length);
        }
    }

    /**
     * Replaces the key, keeping the cipher (for the key derivation, which keys one cipher per thread
     * with each master key in turn). The position is undefined until the next {@link #start}.
     *
     * @param key the new 16, 24 or 32 octet AES key
     */
    public void rekey(byte[] key) {
        checkKeyLength(key);
        if (direct != null) {
            directKey(key);
            return;
        }
        this.key = new ReusedKey(key);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, this.key, iv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR re-keying failed", e);
        }
    }

    /** Keys the direct path: its own encryption schedule, or AESCrypt.init (both directions). */
    private void directKey(byte[] key) {
        try {
            if (OWN_SCHEDULE) {
                SET_SCHEDULE.invokeExact(directAes, AesKeySchedule.expand(key));
            } else {
                INIT.invokeExact(direct, false, "AES", key.clone(), new byte[16]);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("AES/CTR (direct) keying failed", t);
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
            directCrypt(ZEROS, 0, 16, out, 0);
            return;
        }
        try {
            cipher.update(ZEROS, 0, 16, out, 0);
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
