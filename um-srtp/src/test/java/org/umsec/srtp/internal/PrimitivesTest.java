package org.umsec.srtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.umsec.srtp.Seeded;

/** The crypto primitives against the JDK's own implementations, and the int map against HashMap. */
class PrimitivesTest {

    private static byte[] bytes(Random r, int min, int max) {
        byte[] b = new byte[min + r.nextInt(max - min + 1)];
        r.nextBytes(b);
        return b;
    }

    @Test
    void hmacSha1MatchesJdkMac() {
        Seeded.run(200, r -> hmacSha1MatchesJdkMac(bytes(r, 1, 100), bytes(r, 0, 1500), r.nextInt()));
    }

    private static void hmacSha1MatchesJdkMac(byte[] key, byte[] data, int word) throws Exception {
        HmacSha1 mine = new HmacSha1(key);
        byte[] out = new byte[20];
        for (int round = 0; round < 2; round++) { // reuse must not leak state between messages
            mine.start();
            mine.update(data, 0, data.length);
            mine.updateInt(word);
            mine.finish(out, 0);
        }
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key, "HmacSHA1"));
        mac.update(data);
        mac.update(new byte[] {(byte) (word >>> 24), (byte) (word >>> 16), (byte) (word >>> 8), (byte) word});
        assertThat(out).isEqualTo(mac.doFinal());
    }

    @Test
    void gcmMatchesJdkCipher() {
        Seeded.run(
                200,
                r -> gcmMatchesJdkCipher(
                        r.nextBoolean(), bytes(r, 16, 16), bytes(r, 12, 12), bytes(r, 0, 40), bytes(r, 0, 2100)));
    }

    /** GCM's hash key H = E_K(0^128), from the JDK's AES. */
    static byte[] hashKey(byte[] key) throws Exception {
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        return ecb.doFinal(new byte[16]);
    }

    private static void gcmMatchesJdkCipher(boolean wide, byte[] key, byte[] iv, byte[] aad, byte[] text)
            throws Exception {
        Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
        jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        jdk.updateAAD(aad);
        byte[] expected = jdk.doFinal(text);

        byte[] h = PrimitivesTest.hashKey(key);
        Ghash ghash = new Ghash(h, wide);
        AesCtr ctr = new AesCtr(key);
        long a = java.nio.ByteBuffer.wrap(iv).getLong(0);
        long b = ((long) java.nio.ByteBuffer.wrap(iv).getInt(8) << 32) | 1;
        byte[] out = Arrays.copyOf(text, text.length + 16);
        byte[] mask = new byte[16];
        ctr.start(a, b);
        ctr.nextBlock(mask);
        ctr.apply(out, 0, text.length);
        ghash.reset();
        // Feed the AAD in two uneven pieces to exercise the streaming path.
        ghash.update(aad, 0, aad.length / 3);
        ghash.update(aad, aad.length / 3, aad.length - aad.length / 3);
        ghash.pad();
        ghash.update(out, 0, text.length);
        ghash.finish(aad.length, text.length, mask, 0, out, text.length);
        assertThat(out).isEqualTo(expected);
    }

    @Test
    void intObjectMapBehavesLikeHashMap() {
        Seeded.run(100, r -> {
            List<Integer> keys = new java.util.ArrayList<>();
            List<Boolean> removes = new java.util.ArrayList<>();
            for (int n = r.nextInt(200); n > 0; n--) {
                keys.add(r.nextInt(81) - 40);
            }
            for (int n = r.nextInt(200); n > 0; n--) {
                removes.add(r.nextBoolean());
            }
            intObjectMapBehavesLikeHashMap(keys, removes);
        });
    }

    private static void intObjectMapBehavesLikeHashMap(List<Integer> keys, List<Boolean> removes) {
        IntObjectMap<String> mine = new IntObjectMap<>(2);
        Map<Integer, String> ref = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            int k = keys.get(i) * 0x10000; // collide in the low bits
            boolean remove = i < removes.size() && removes.get(i);
            if (remove) {
                assertThat(mine.remove(k)).isEqualTo(ref.remove(k));
            } else {
                assertThat(mine.put(k, "v" + i)).isEqualTo(ref.put(k, "v" + i));
            }
            assertThat(mine.size()).isEqualTo(ref.size());
        }
        for (int k = -41; k <= 41; k++) {
            assertThat(mine.get(k * 0x10000)).isEqualTo(ref.get(k * 0x10000));
        }
        int[] count = {0};
        mine.forEachValue(v -> count[0]++);
        assertThat(count[0]).isEqualTo(ref.size());
        mine.clear();
        assertThat(mine.size()).isZero();
        assertThat(mine.get(0)).isNull();
    }
}
