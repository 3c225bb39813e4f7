package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class G711Test {

    @Test
    void ulawKnownAnswersFromG191() {
        assertThat(G711.ulawToLinear((byte) 0xFF)).isEqualTo((short) 0);
        assertThat(G711.ulawToLinear((byte) 0x7F)).isEqualTo((short) 0);
        assertThat(G711.ulawToLinear((byte) 0x00)).isEqualTo((short) -32124);
        assertThat(G711.ulawToLinear((byte) 0x80)).isEqualTo((short) 32124);
        assertThat(G711.ulawToLinear((byte) 0xFE)).isEqualTo((short) 8);
        assertThat(G711.ulawToLinear((byte) 0x7E)).isEqualTo((short) -8);
        assertThat(G711.linearToUlaw((short) 0)).isEqualTo((byte) 0xFF);
        assertThat(G711.linearToUlaw((short) -1)).isEqualTo((byte) 0x7F);
        assertThat(G711.linearToUlaw(Short.MAX_VALUE)).isEqualTo((byte) 0x80);
        assertThat(G711.linearToUlaw(Short.MIN_VALUE)).isEqualTo((byte) 0x00);
        assertThat(G711.linearToUlaw((short) 1000)).isEqualTo((byte) 0xCE);
        assertThat(G711.ulawToLinear((byte) 0xCE)).isEqualTo((short) 988);
        assertThat(G711.linearToUlaw((short) -1000)).isEqualTo((byte) 0x4E);
    }

    @Test
    void alawKnownAnswersFromG191() {
        assertThat(G711.alawToLinear((byte) 0xD5)).isEqualTo((short) 8);
        assertThat(G711.alawToLinear((byte) 0x55)).isEqualTo((short) -8);
        assertThat(G711.alawToLinear((byte) 0xAA)).isEqualTo((short) 32256);
        assertThat(G711.alawToLinear((byte) 0x2A)).isEqualTo((short) -32256);
        assertThat(G711.linearToAlaw((short) 0)).isEqualTo((byte) 0xD5);
        assertThat(G711.linearToAlaw((short) -1)).isEqualTo((byte) 0x55);
        assertThat(G711.linearToAlaw(Short.MAX_VALUE)).isEqualTo((byte) 0xAA);
        assertThat(G711.linearToAlaw(Short.MIN_VALUE)).isEqualTo((byte) 0x2A);
        assertThat(G711.linearToAlaw((short) 1000)).isEqualTo((byte) 0xFA);
        assertThat(G711.alawToLinear((byte) 0xFA)).isEqualTo((short) 1008);
    }

    @Test
    void everyCodeWordSurvivesDecodeThenEncode() {
        for (int c = 0; c < 256; c++) {
            byte code = (byte) c;
            byte expectedU = c == 0x7F ? (byte) 0xFF : code; // µ-law has two zeros; 0 encodes as 0xFF
            assertThat(G711.linearToUlaw(G711.ulawToLinear(code)))
                    .as("µ-law %02x", c)
                    .isEqualTo(expectedU);
            assertThat(G711.linearToAlaw(G711.alawToLinear(code)))
                    .as("A-law %02x", c)
                    .isEqualTo(code);
        }
    }

    @Test
    void encodingIsMonotonicAndWithinTheQuantisationStep() {
        int prevU = Integer.MIN_VALUE;
        int prevA = Integer.MIN_VALUE;
        for (int x = Short.MIN_VALUE; x <= Short.MAX_VALUE; x++) {
            short u = G711.ulawToLinear(G711.linearToUlaw((short) x));
            short a = G711.alawToLinear(G711.linearToAlaw((short) x));
            assertThat((int) u).isGreaterThanOrEqualTo(prevU);
            assertThat((int) a).isGreaterThanOrEqualTo(prevA);
            prevU = u;
            prevA = a;
            // the largest step is 1024 (µ-law) and 1024 (A-law) in the top segment; clipping adds 644/512
            assertThat(Math.abs(x - u)).isLessThanOrEqualTo(x > 32124 || x < -32124 ? 644 : 512);
            assertThat(Math.abs(x - a)).isLessThanOrEqualTo(512);
        }
    }

    @Test
    void decodingAgreesWithTheJdksIndependentCodecs() throws Exception {
        byte[] all = new byte[256];
        for (int c = 0; c < 256; c++) {
            all[c] = (byte) c;
        }
        for (AudioFormat.Encoding enc :
                new AudioFormat.Encoding[] {AudioFormat.Encoding.ULAW, AudioFormat.Encoding.ALAW}) {
            AudioFormat src = new AudioFormat(enc, 8000, 8, 1, 1, 8000, false);
            AudioFormat pcm = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, 8000, 16, 1, 2, 8000, false);
            try (AudioInputStream in = AudioSystem.getAudioInputStream(
                    pcm, new AudioInputStream(new ByteArrayInputStream(all), src, 256))) {
                ByteBuffer jdk = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
                for (int c = 0; c < 256; c++) {
                    short expected = jdk.getShort(2 * c);
                    short ours = enc == AudioFormat.Encoding.ULAW
                            ? G711.ulawToLinear((byte) c)
                            : G711.alawToLinear((byte) c);
                    assertThat(ours).as("%s %02x", enc, c).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void bulkConversionsMatchSingleOnesAndRejectOtherPayloadTypes() {
        short[] pcm = {0, 1, -1, 1000, -1000, 32767, -32768};
        byte[] codes = new byte[pcm.length];
        short[] back = new short[pcm.length];
        G711.encode(G711.PAYLOAD_TYPE_PCMA, pcm, 0, pcm.length, codes, 0);
        G711.decode(G711.PAYLOAD_TYPE_PCMA, codes, 0, codes.length, back, 0);
        for (int i = 0; i < pcm.length; i++) {
            assertThat(codes[i]).isEqualTo(G711.linearToAlaw(pcm[i]));
            assertThat(back[i]).isEqualTo(G711.alawToLinear(codes[i]));
        }
        assertThatThrownBy(() -> G711.decode(9, codes, 0, 1, back, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("9");
    }
}
