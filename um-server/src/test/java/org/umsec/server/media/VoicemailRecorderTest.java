package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;

class VoicemailRecorderTest {

    @TempDir
    Path dir;

    static CallInfo info(String caller, String callId) {
        return new CallInfo(callId, caller, "sip:vm@um", "gw1", "dp", VoipSecurityMode.SECURED,
                new InetSocketAddress("127.0.0.1", 5061), new InetSocketAddress("127.0.0.1", 4000),
                Optional.of("AES_CM_128_HMAC_SHA1_80"), 0, Instant.parse("2026-11-28T10:15:00Z"));
    }

    @Test
    void namesFilesByTimeCallerAndCallIdWithoutUnsafeCharacters() {
        assertThat(VoicemailRecorder.baseName(info("sip:alice@example.test", "a84b4c76e66710@pc33")))
                .isEqualTo("20261128T101500Z_alice-example.test_a84b4c76e66710-pc33");
        String hostile = VoicemailRecorder.baseName(info("sips:../../etc/passwd", "../../x\u0000y"));
        assertThat(hostile).doesNotContain("/", "\u0000").startsWith("20261128T101500Z_-");
        assertThat(dir.resolve(hostile + ".wav").getParent()).isEqualTo(dir);
    }

    @Test
    void recordsAndWritesMetadataThatEscapesStrings() throws Exception {
        VoicemailRecorder r = new VoicemailRecorder(dir.resolve("vm"), VoicemailRecorder.defaultGreeting());
        CallInfo i = info("sip:\"quoted\"@x", "id-1");
        CallHandler.Call c = r.answer(i);
        assertThat(c.prompt()).hasSize(4800);
        c.audio(new short[] {1, 2, 3}, 0, 3);
        c.end(new CallSummary(i, CallEndReason.CALLER_HUNG_UP, i.started().plusSeconds(3), 1, 0, 0, 0, 0, 0, 0, 0));
        String json = Files.readString(dir.resolve("vm").resolve(VoicemailRecorder.baseName(i) + ".json"));
        assertThat(json).contains("\"caller\": \"sip:\\\"quoted\\\"@x\"", "\"samples\": 3", "\"mode\": \"Secured\"");
    }

    @Test
    void readsAGreetingWavAndRefusesOneItCannotConvert() throws Exception {
        short[] s = {100, -100, 2000, -2000};
        Path ok = dir.resolve("g.wav");
        write(ok, s, 8000);
        assertThat(VoicemailRecorder.readGreeting(ok)).containsExactly(s);
        Path wide = dir.resolve("wide.wav");
        write(wide, new short[16000], 16000); // one second at 16 kHz: resampled by the JDK to 8 kHz
        assertThat(VoicemailRecorder.readGreeting(wide).length).isBetween(7900, 8100);
        Path junk = dir.resolve("junk.wav");
        Files.write(junk, new byte[64]);
        assertThatThrownBy(() -> VoicemailRecorder.readGreeting(junk)).isInstanceOf(IOException.class);
    }

    private static void write(Path f, short[] s, float rate) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 * s.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : s) {
            b.putShort(v);
        }
        AudioFormat fmt = new AudioFormat(rate, 16, 1, true, false);
        AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(b.array()), fmt, s.length),
                AudioFileFormat.Type.WAVE, f.toFile());
    }
}
