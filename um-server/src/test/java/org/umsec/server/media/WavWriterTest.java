package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesAFileTheJdkReadsBackSampleForSample() throws Exception {
        Path f = dir.resolve("a.wav");
        short[] s = new short[12345];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (Math.sin(i * 2 * Math.PI * 440 / 8000) * 12000);
        }
        try (WavWriter w = WavWriter.create(f, 8000)) {
            w.write(s, 0, 5000);
            w.write(s, 5000, s.length - 5000);
            assertThat(w.samplesWritten()).isEqualTo(s.length);
        }
        assertThat(Files.size(f)).isEqualTo(44 + 2L * s.length);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(f.toFile())) {
            AudioFormat fmt = in.getFormat();
            assertThat(fmt.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
            assertThat(fmt.getSampleRate()).isEqualTo(8000f);
            assertThat(fmt.getChannels()).isEqualTo(1);
            assertThat(fmt.getSampleSizeInBits()).isEqualTo(16);
            assertThat(in.getFrameLength()).isEqualTo(s.length);
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : s) {
                assertThat(b.getShort()).isEqualTo(v);
            }
        }
    }

    @Test
    void closingWithoutForcingStillWritesTheWholeFile() throws Exception {
        Path f = dir.resolve("nosync.wav");
        WavWriter w = WavWriter.createNew(f, 8000);
        w.writeSilence(1234);
        w.close(false);
        w.close(true); // idempotent: already closed
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(Files.size(f)).isEqualTo(44 + 2L * 1234);
        assertThat(h.getInt(40)).isEqualTo(2 * 1234);
        assertThat(h.getInt(4)).isEqualTo(36 + 2 * 1234);
        assertThatThrownBy(() -> w.write(new short[1], 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void headerIsValidBeforeCloseAfterEachSecondOfAudio() throws Exception {
        Path f = dir.resolve("crash.wav");
        WavWriter w = WavWriter.create(f, 8000);
        w.writeSilence(WavWriter.HEADER_UPDATE_SAMPLES + 10);
        // not closed: as a process that died would leave it
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(h.getInt(40)).isEqualTo(2 * (WavWriter.HEADER_UPDATE_SAMPLES + 10));
        assertThat(h.getInt(4)).isEqualTo(36 + 2 * (WavWriter.HEADER_UPDATE_SAMPLES + 10));
        w.close();
        w.close();
        assertThatThrownBy(() -> w.write(new short[1], 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyRecordingIsAValidEmptyWav() throws Exception {
        Path f = dir.resolve("empty.wav");
        WavWriter.create(f, 8000).close();
        try (AudioInputStream in = AudioSystem.getAudioInputStream(f.toFile())) {
            assertThat(in.getFrameLength()).isZero();
        }
        assertThatThrownBy(() -> WavWriter.create(f, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
