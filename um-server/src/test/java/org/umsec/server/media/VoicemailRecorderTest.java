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
        return new CallInfo(
                callId,
                caller,
                "sip:vm@um",
                "gw1",
                "dp",
                VoipSecurityMode.SECURED,
                new InetSocketAddress("127.0.0.1", 5061),
                new InetSocketAddress("127.0.0.1", 4000),
                Optional.of("AES_CM_128_HMAC_SHA1_80"),
                0,
                Instant.parse("2026-11-28T10:15:00Z"));
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

    private static CallSummary summary(CallInfo i, CallEndReason r) {
        return new CallSummary(i, r, i.started().plusSeconds(3), 1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void twoCallIdsThatSanitiseToOneNameGetTwoFiles() throws Exception {
        // issue 9 item 6: "a/b" and "a:b" both sanitise to "a-b"; they used to interleave in one WAV
        VoicemailRecorder r = new VoicemailRecorder(dir.resolve("vm"), new short[0]);
        CallInfo first = info("sip:alice@x", "a/b");
        CallInfo second = info("sip:alice@x", "a:b");
        assertThat(VoicemailRecorder.baseName(first)).isEqualTo(VoicemailRecorder.baseName(second));
        CallHandler.Call c1 = r.answer(first);
        CallHandler.Call c2 = r.answer(second);
        c1.audio(new short[] {1, 1, 1}, 0, 3);
        c2.audio(new short[] {2, 2}, 0, 2);
        c1.end(summary(first, CallEndReason.CALLER_HUNG_UP));
        c2.end(summary(second, CallEndReason.CALLER_HUNG_UP));
        String base = VoicemailRecorder.baseName(first);
        Path vm = dir.resolve("vm");
        assertThat(Files.size(vm.resolve(base + ".wav"))).isEqualTo(WavWriter.HEADER_SIZE + 6);
        assertThat(Files.size(vm.resolve(base + "-2.wav"))).isEqualTo(WavWriter.HEADER_SIZE + 4);
        assertThat(Files.readString(vm.resolve(base + ".json")))
                .contains("\"callId\": \"a/b\"", "\"recording\": \"" + base + ".wav\"");
        assertThat(Files.readString(vm.resolve(base + "-2.json")))
                .contains("\"callId\": \"a:b\"", "\"recording\": \"" + base + "-2.wav\"");
        // an existing file is never opened again, whoever made it
        Files.writeString(vm.resolve(base + "-3.wav"), "not ours");
        CallHandler.Call c3 = r.answer(info("sip:alice@x", "a b"));
        c3.end(summary(first, CallEndReason.CALLER_HUNG_UP));
        assertThat(Files.readString(vm.resolve(base + "-3.wav"))).isEqualTo("not ours");
        assertThat(vm.resolve(base + "-4.wav")).exists();
    }

    @Test
    void recordingsAndMetadataAreOwnerOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(VoicemailRecorder.posix(dir), "POSIX permissions");
        Path vm = dir.resolve("a").resolve("vm");
        VoicemailRecorder r = new VoicemailRecorder(vm, new short[0]);
        CallInfo i = info("sip:alice@x", "perm");
        CallHandler.Call c = r.answer(i);
        c.audio(new short[] {1}, 0, 1);
        c.end(summary(i, CallEndReason.CALLER_HUNG_UP));
        String base = VoicemailRecorder.baseName(i);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(vm)))
                .isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(vm.getParent())))
                .isEqualTo("rwx------");
        for (String ext : new String[] {".wav", ".json"}) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(vm.resolve(base + ext))))
                    .as(ext)
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void maxBytesStopsTheRecordingWithAnEventAndKeepsAValidFile() throws Exception {
        java.util.List<org.umsec.core.SecurityEvent> events = new java.util.ArrayList<>();
        VoicemailRecorder r = VoicemailRecorder.builder(dir)
                .greeting(new short[0])
                .maxBytes(1044)
                .minFreeBytes(0)
                .events(events::add)
                .build();
        CallInfo i = info("sip:alice@x", "big");
        CallHandler.Call c = r.answer(i);
        short[] chunk = new short[160];
        java.util.Arrays.fill(chunk, (short) 7);
        for (int k = 0; k < 3; k++) {
            c.audio(chunk, 0, 160); // 960 bytes of samples so far
        }
        assertThatThrownBy(() -> c.audio(chunk, 0, 160))
                .isInstanceOf(RecordingLimitException.class)
                .hasMessageContaining("voicemail.maxBytes");
        assertThatThrownBy(() -> c.audio(chunk, 0, 160)).isInstanceOf(RecordingLimitException.class);
        c.end(summary(i, CallEndReason.RECORDING_LIMIT));
        Path wav = dir.resolve(VoicemailRecorder.baseName(i) + ".wav");
        assertThat(Files.size(wav)).isEqualTo(1044);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            assertThat(in.getFrameLength()).isEqualTo(500);
        }
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(7001);
            assertThat(e.field("callId")).contains("big");
        });
        assertThat(Files.readString(dir.resolve(VoicemailRecorder.baseName(i) + ".json")))
                .contains("\"endReason\": \"RECORDING_LIMIT\"", "\"samples\": 500");
    }

    @Test
    void belowTheFreeSpaceFloorNewCallsAreRefusedWithAnEvent() {
        java.util.List<org.umsec.core.SecurityEvent> events = new java.util.ArrayList<>();
        long[] free = {10_000};
        VoicemailRecorder r = VoicemailRecorder.builder(dir.resolve("not-yet"))
                .minFreeBytes(5_000)
                .events(events::add)
                .freeSpace(p -> free[0])
                .build();
        assertThat(r.unavailable()).isEmpty();
        free[0] = 4_999;
        assertThat(r.unavailable()).contains("free space for recordings is below the minimum");
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(7002);
            assertThat(e.field("freeBytes")).contains("4999");
        });
        free[0] = -1; // unreadable: refused too
        assertThat(r.unavailable()).contains("free space for recordings cannot be read");
        // 0 turns the check off; the real probe reads the nearest existing parent
        assertThat(VoicemailRecorder.builder(dir)
                        .minFreeBytes(0)
                        .freeSpace(p -> 0)
                        .build()
                        .unavailable())
                .isEmpty();
        assertThat(VoicemailRecorder.usableSpace(dir.resolve("a/b/c"))).isPositive();
        assertThatThrownBy(() -> VoicemailRecorder.builder(dir).maxBytes(100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VoicemailRecorder.builder(dir).minFreeBytes(-1))
                .isInstanceOf(IllegalArgumentException.class);
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
        AudioSystem.write(
                new AudioInputStream(new ByteArrayInputStream(b.array()), fmt, s.length),
                AudioFileFormat.Type.WAVE,
                f.toFile());
    }
}
