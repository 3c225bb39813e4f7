package org.umsec.srtp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The JDK paths against their fallbacks: AES-CTR driven directly through the provider's
 * CounterMode equals the {@code Cipher} path, the two GHASH implementations (the JDK's carry-less
 * multiply, reached through the opened {@code com.sun.crypto.provider}, and the tables) give
 * identical results, and GCM built on either matches the JDK's {@code AES/GCM}. Surefire opens the package (see the module's pom), as the
 * server jar's {@code Add-Opens} manifest entry does.
 */
class JdkPathsTest {

    @Test
    void jdkPathIsReachableAndChosenWhenThePackageIsOpened() {
        assertThat(Ghash.jdkReachable()).isTrue();
        assertThat(Ghash.jdkPreferred()).isTrue();
        byte[] h = new byte[16];
        h[0] = 1;
        assertThat(new Ghash(h, true).usesJdk()).isTrue();
        assertThat(new Ghash(h, true, false).usesJdk()).isFalse();
    }

    @Test
    void bothPathsGiveIdenticalHashesForAnySplitOfTheInput() {
        Random rnd = new Random(7714);
        for (int round = 0; round < 400; round++) {
            byte[] h = new byte[16];
            rnd.nextBytes(h);
            byte[] aad = new byte[rnd.nextInt(40)];
            byte[] text = new byte[rnd.nextInt(1600)];
            rnd.nextBytes(aad);
            rnd.nextBytes(text);
            byte[] mask = new byte[16];
            rnd.nextBytes(mask);
            Ghash jdk = new Ghash(h, rnd.nextBoolean(), true);
            Ghash wide = new Ghash(h, true, false);
            Ghash narrow = new Ghash(h, false, false);
            byte[][] out = new byte[3][16];
            int split = text.length == 0 ? 0 : rnd.nextInt(text.length + 1);
            Ghash[] all = {jdk, wide, narrow};
            for (int reuse = 0; reuse < 2; reuse++) { // a reset must clear all state
                for (int i = 0; i < all.length; i++) {
                    Ghash g = all[i];
                    g.reset();
                    g.update(aad, 0, aad.length);
                    g.pad();
                    g.update(text, 0, split);
                    g.update(text, split, text.length - split);
                    g.finish(aad.length, text.length, mask, 0, out[i], 0);
                }
                assertThat(out[0]).as("round %d: jdk vs wide tables", round).isEqualTo(out[1]);
                assertThat(out[0]).as("round %d: jdk vs narrow tables", round).isEqualTo(out[2]);
            }
        }
    }

    @Test
    void gcmOnTheJdkPathMatchesTheJdkCipher() throws Exception {
        Random rnd = new Random(17);
        for (int round = 0; round < 100; round++) {
            byte[] key = new byte[round % 2 == 0 ? 16 : 32];
            byte[] iv = new byte[12];
            byte[] aad = new byte[rnd.nextInt(40)];
            byte[] text = new byte[rnd.nextInt(2100)];
            rnd.nextBytes(key);
            rnd.nextBytes(iv);
            rnd.nextBytes(aad);
            rnd.nextBytes(text);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
            cipher.updateAAD(aad);
            byte[] expected = cipher.doFinal(text);

            byte[] h = PrimitivesTest.hashKey(key);
            Ghash ghash = new Ghash(h, true, true);
            AesCtr ctr = new AesCtr(key);
            byte[] out = Arrays.copyOf(text, text.length + 16);
            byte[] mask = new byte[16];
            ctr.start(
                    ByteBuffer.wrap(iv).getLong(0), ((long) ByteBuffer.wrap(iv).getInt(8) << 32) | 1);
            ctr.nextBlock(mask);
            ctr.apply(out, 0, text.length);
            ghash.reset();
            ghash.update(aad, 0, aad.length);
            ghash.pad();
            ghash.update(out, 0, text.length);
            ghash.finish(aad.length, text.length, mask, 0, out, text.length);
            assertThat(out).as("round %d", round).isEqualTo(expected);
        }
    }

    @Test
    void outOfRangeInputIsRefusedBeforeTheUncheckedIntrinsicSeesIt() {
        // The intrinsic reads memory without bounds checks: a length past the array must never get
        // there (it would hash, or crash on, whatever follows the array on the heap).
        byte[] h = new byte[16];
        h[3] = 9;
        Ghash g = new Ghash(h, true, true);
        byte[] packet = new byte[48];
        assertThatThrownBy(() -> g.update(packet, 16, 48)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> g.update(packet, -16, 32)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> g.finish(0, 0, new byte[16], 8, new byte[16], 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        // The hash stays usable and correct afterwards.
        Ghash tables = new Ghash(h, true, false);
        byte[] a = new byte[16];
        byte[] b = new byte[16];
        byte[] mask = new byte[16];
        g.reset();
        g.update(packet, 0, 48);
        g.finish(0, 48, mask, 0, a, 0);
        tables.update(packet, 0, 48);
        tables.finish(0, 48, mask, 0, b, 0);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void tableModeCanBeForcedAndNeedsNoOpenedPackage() {
        byte[] h = new byte[16];
        Arrays.fill(h, (byte) 0x42);
        Ghash g = new Ghash(h, false, false);
        assertThat(g.usesJdk()).isFalse();
        assertThatThrownBy(() -> new Ghash(new byte[15], true, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void directAesCtrIsReachableAndMatchesTheCipherPathInPlace() {
        assertThat(AesCtr.directReachable()).isTrue();
        assertThat(AesCtr.directPreferred()).isTrue();
        Random rnd = new Random(3711);
        for (int round = 0; round < 300; round++) {
            byte[] key = new byte[new int[] {16, 24, 32}[round % 3]];
            rnd.nextBytes(key);
            AesCtr direct = new AesCtr(key, true);
            AesCtr cipher = new AesCtr(key, false);
            for (int packet = 0; packet < 3; packet++) { // re-positioning must not leak keystream state
                long a = rnd.nextLong();
                long b = packet == 2 ? -1L - rnd.nextInt(3) : rnd.nextLong(); // carries into the high half
                byte[] x = new byte[rnd.nextInt(2500)];
                rnd.nextBytes(x);
                int off = x.length == 0 ? 0 : rnd.nextInt(x.length);
                int len = x.length - off;
                byte[] y = x.clone();
                byte[] maskX = new byte[16];
                byte[] maskY = new byte[16];
                direct.start(a, b);
                cipher.start(a, b);
                direct.nextBlock(maskX);
                cipher.nextBlock(maskY);
                direct.apply(x, off, len);
                cipher.apply(y, off, len);
                assertThat(maskX).isEqualTo(maskY);
                assertThat(x).as("round %d packet %d", round, packet).isEqualTo(y);
            }
        }
    }

    @Test
    void rekeyedAesCtrMatchesAFreshOneOnBothPaths() {
        Random rnd = new Random(6188);
        AesCtr direct = new AesCtr(new byte[16], true);
        AesCtr cipher = new AesCtr(new byte[16], false);
        for (int round = 0; round < 60; round++) {
            // Lengths change between rounds, and every third round repeats the key (no re-expansion).
            byte[] key = new byte[new int[] {16, 24, 32}[(round / 3) % 3]];
            if (round % 3 != 2) {
                rnd.nextBytes(key);
            }
            direct.rekey(key);
            cipher.rekey(key);
            AesCtr fresh = new AesCtr(key, false);
            long a = rnd.nextLong();
            long b = rnd.nextLong();
            byte[] x = new byte[1 + rnd.nextInt(100)];
            byte[] y = x.clone();
            byte[] z = x.clone();
            direct.start(a, b);
            cipher.start(a, b);
            fresh.start(a, b);
            direct.apply(x, 0, x.length);
            cipher.apply(y, 0, y.length);
            fresh.apply(z, 0, z.length);
            assertThat(x).as("direct, round %d", round).isEqualTo(z);
            assertThat(y).as("cipher, round %d", round).isEqualTo(z);
        }
        assertThatThrownBy(() -> direct.rekey(new byte[17])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ownKeyScheduleIsUsedAndMatchesTheCipherPathOnceCompiled() {
        assertThat(AesCtr.ownSchedule()).isTrue();
        // Enough rounds for the JIT to compile CounterMode with its AES-CTR intrinsic, which reads
        // the installed schedule itself; the Cipher path expands keys in AESCrypt.init.
        Random rnd = new Random(197);
        byte[] x = new byte[172];
        byte[] y = new byte[172];
        for (int round = 0; round < 30_000; round++) {
            byte[] key = new byte[new int[] {16, 24, 32}[round % 3]];
            rnd.nextBytes(key);
            long a = rnd.nextLong();
            long b = rnd.nextLong();
            AesCtr own = new AesCtr(key, true);
            own.start(a, b);
            Arrays.fill(x, (byte) 0);
            own.apply(x, 0, x.length);
            if (round % 100 == 0) {
                AesCtr cipher = new AesCtr(key, false);
                cipher.start(a, b);
                Arrays.fill(y, (byte) 0);
                cipher.apply(y, 0, y.length);
                assertThat(x).as("round %d", round).isEqualTo(y);
            }
        }
    }

    @Test
    void directAesCtrRefusesRangesOutsideTheBuffer() {
        AesCtr direct = new AesCtr(new byte[16], true);
        direct.start(1, 2);
        byte[] b = new byte[32];
        assertThatThrownBy(() -> direct.apply(b, 20, 20)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> direct.apply(b, -1, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
