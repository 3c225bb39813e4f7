package org.umsec.server.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;

/**
 * The default {@link CallHandler}: plays a greeting and records what the caller says, as unified
 * messaging does (R22).
 *
 * <p>Each call gives two files in the voicemail directory, named so that an administrator can find
 * the call by time, caller and Call-ID:
 * <pre>
 * 20261128T101500Z_alice-example.test_a84b4c76e66710.wav    16-bit PCM, 8 kHz, mono
 * 20261128T101500Z_alice-example.test_a84b4c76e66710.json   mode, suite, packet figures, end reason
 * </pre>
 * The WAV header is kept valid while recording ({@link WavWriter}), so a call that breaks, or a
 * server that dies, leaves everything recorded so far playable. Thread-safe; one instance serves
 * all calls.
 */
public final class VoicemailRecorder implements CallHandler {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Path directory;
    private final short[] greeting;

    /**
     * @param directory where recordings go (created if missing)
     * @param greeting samples played to each caller (8 kHz mono), copied
     */
    public VoicemailRecorder(Path directory, short[] greeting) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.greeting = greeting.clone();
    }

    /**
     * A short two-tone greeting (0.3 s at 660 Hz, 0.3 s at 880 Hz), used when no greeting file is
     * configured.
     *
     * @return 8 kHz samples
     */
    public static short[] defaultGreeting() {
        short[] s = new short[4800];
        for (int i = 0; i < s.length; i++) {
            double f = i < 2400 ? 660 : 880;
            s[i] = (short) (Math.sin(2 * Math.PI * f * i / 8000) * 8000);
        }
        return s;
    }

    /**
     * Reads a greeting WAV file and converts it to 8 kHz 16-bit mono.
     *
     * @param file a WAV file
     * @return its samples
     * @throws IOException if the file cannot be read or converted
     */
    public static short[] readGreeting(Path file) throws IOException {
        AudioFormat target = new AudioFormat(8000, 16, 1, true, false);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile());
             AudioInputStream conv = AudioSystem.getAudioInputStream(target, in)) {
            byte[] b = conv.readNBytes(8000 * 2 * 30); // at most 30 s
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            short[] s = new short[b.length / 2];
            for (int i = 0; i < s.length; i++) {
                s[i] = bb.getShort();
            }
            return s;
        } catch (UnsupportedAudioFileException | IllegalArgumentException e) {
            throw new IOException("greeting " + file + " is not a WAV file that can be converted to 8 kHz mono: "
                    + e.getMessage(), e);
        }
    }

    /** @return the directory recordings are written to */
    public Path directory() {
        return directory;
    }

    /**
     * The base file name (without extension) for a call.
     *
     * @param info the call
     * @return {@code <UTC time>_<caller>_<Call-ID>}, with unsafe characters replaced
     */
    public static String baseName(CallInfo info) {
        String caller = info.caller().replaceFirst("^(?i)sips?:", "");
        return STAMP.format(info.started()) + "_" + safe(caller, 48) + "_" + safe(info.callId(), 64);
    }

    /**
     * A peer-supplied text as a file-name part: only {@code A-Z a-z 0-9 . + -}, no leading dot, at most
     * {@code max} characters, {@code unknown} when nothing is left.
     *
     * @param s the text (a caller URI, a Call-ID)
     * @param max most characters kept
     * @return the safe part
     */
    public static String safe(String s, int max) {
        String t = s.replaceAll("[^A-Za-z0-9.+-]", "-").replaceAll("-{2,}", "-");
        if (t.startsWith(".")) {
            t = "-" + t.substring(1);
        }
        return t.length() > max ? t.substring(0, max) : t.isEmpty() ? "unknown" : t;
    }

    @Override
    public Call answer(CallInfo info) throws IOException {
        Files.createDirectories(directory);
        String base = baseName(info);
        Path wav = directory.resolve(base + ".wav");
        WavWriter writer = WavWriter.create(wav, 8000);
        return new Call() {
            @Override
            public short[] prompt() {
                return greeting.clone();
            }

            @Override
            public void audio(short[] samples, int off, int len) throws IOException {
                writer.write(samples, off, len);
            }

            @Override
            public void end(CallSummary s) throws IOException {
                try {
                    writer.close();
                } finally {
                    writeMetadata(directory.resolve(base + ".json"), wav, s, writer.samplesWritten());
                }
            }
        };
    }

    private static void writeMetadata(Path file, Path wav, CallSummary s, long samples) throws IOException {
        CallInfo i = s.info();
        String json = "{\n"
                + "  \"callId\": " + q(i.callId()) + ",\n"
                + "  \"caller\": " + q(i.caller()) + ",\n"
                + "  \"callee\": " + q(i.callee()) + ",\n"
                + "  \"gateway\": " + q(i.gateway()) + ",\n"
                + "  \"dialPlan\": " + q(i.dialPlan()) + ",\n"
                + "  \"mode\": " + q(i.mode().displayName()) + ",\n"
                + "  \"srtpSuite\": " + (i.srtpSuite().isPresent() ? q(i.srtpSuite().get()) : "null") + ",\n"
                + "  \"payloadType\": " + i.payloadType() + ",\n"
                + "  \"started\": " + q(i.started().toString()) + ",\n"
                + "  \"ended\": " + q(s.ended().toString()) + ",\n"
                + "  \"endReason\": " + q(s.reason().name()) + ",\n"
                + "  \"recording\": " + q(wav.getFileName().toString()) + ",\n"
                + "  \"samples\": " + samples + ",\n"
                + "  \"packetsReceived\": " + s.packetsReceived() + ",\n"
                + "  \"packetsLost\": " + s.packetsLost() + ",\n"
                + "  \"authenticationFailed\": " + s.authenticationFailed() + ",\n"
                + "  \"replayed\": " + s.replayed() + ",\n"
                + "  \"otherRejected\": " + s.otherRejected() + ",\n"
                + "  \"rtcpReceived\": " + s.rtcpReceived() + ",\n"
                + "  \"rtcpSent\": " + s.rtcpSent() + ",\n"
                + "  \"jitter\": " + s.jitter() + "\n"
                + "}\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

}
