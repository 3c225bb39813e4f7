package org.umsec.server.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;
import org.umsec.server.CallHandler;
import org.umsec.server.CallInfo;
import org.umsec.server.CallSummary;
import org.umsec.server.config.ServerConfiguration;

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
 *
 * <p>Bounded by time and disk (R28), each limit with the attack it blocks, and ended by the caller:
 * <ul>
 *   <li>Files are opened with {@code CREATE_NEW}: two calls whose Call-IDs sanitise to one name (or a
 *       second call in the same second) get {@code -2}, {@code -3}, ... suffixes instead of interleaving
 *       in one file. Recordings and metadata are owner-only ({@code 0600}), the directory {@code 0700},
 *       where the file system has POSIX permissions: they hold what callers said.
 *   <li>{@code voicemail.maxBytes} (default 32 MiB) per WAV file: at the limit the recording stops, the
 *       call ends with {@link org.umsec.server.CallEndReason#RECORDING_LIMIT} and event 7001 is
 *       published. (How fast a recording grows is bounded by the wall clock: {@link PcmAssembler}.)
 *   <li>The caller ends the message with {@code #} (RFC 4733 DTMF, when negotiated): the server hangs up
 *       ({@link org.umsec.server.CallEndReason#HANDLER_ENDED}); the digits pressed are in the metadata.
 *   <li>{@code voicemail.syncOnClose} (default true): the WAV file is forced to the disk when the call ends,
 *       before its metadata is written, so an ended call's recording survives a power loss too.
 *   <li>{@code voicemail.minFreeBytes} (default 64 MiB): {@link #unavailable()}, asked before a call is
 *       set up, refuses new calls (503) with event 7002 while the recordings' file system has less free
 *       space, so recordings cannot fill the disk the server and its logs run on.
 * </ul>
 */
public final class VoicemailRecorder implements CallHandler {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** Most DTMF digits kept in a recording's metadata. */
    private static final int MAX_DIGITS = 64;
    /** Most name suffixes tried before a recording is refused. */
    private static final int MAX_SUFFIX = 1000;

    private final Path directory;
    private final short[] greeting;
    private final long maxBytes;
    private final long minFreeBytes;
    private final boolean syncOnClose;
    private final SecurityEventListener events;
    private final Clock clock;
    private final ToLongFunction<Path> freeSpace;

    /**
     * A recorder with the default limits and no events.
     *
     * @param directory where recordings go (created if missing)
     * @param greeting samples played to each caller (8 kHz mono), copied
     */
    public VoicemailRecorder(Path directory, short[] greeting) {
        this(builder(directory).greeting(greeting));
    }

    private VoicemailRecorder(Builder b) {
        this.directory = b.directory;
        this.greeting = b.greeting.clone();
        this.maxBytes = b.maxBytes;
        this.minFreeBytes = b.minFreeBytes;
        this.syncOnClose = b.syncOnClose;
        this.events = b.events;
        this.clock = b.clock;
        this.freeSpace = b.freeSpace;
    }

    /**
     * Starts a recorder writing to a directory.
     *
     * @param directory where recordings go (created, {@code 0700}, if missing)
     * @return a builder with the default greeting and limits
     */
    public static Builder builder(Path directory) {
        return new Builder(directory);
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
            throw new IOException(
                    "greeting " + file + " is not a WAV file that can be converted to 8 kHz mono: " + e.getMessage(),
                    e);
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
        String caller = info.caller();
        if (caller.regionMatches(true, 0, "sips:", 0, 5)) {
            caller = caller.substring(5);
        } else if (caller.regionMatches(true, 0, "sip:", 0, 4)) {
            caller = caller.substring(4);
        }
        return stamp(info.started()) + "_" + safe(caller, 48) + "_" + safe(info.callId(), 64);
    }

    /** The last second formatted, reused: every call of that second has the same stamp. */
    private static volatile Stamp lastStamp = new Stamp(Long.MIN_VALUE, "");

    private record Stamp(long epochSecond, String text) {}

    private static String stamp(java.time.Instant t) {
        Stamp s = lastStamp;
        if (s.epochSecond() != t.getEpochSecond()) {
            s = new Stamp(t.getEpochSecond(), STAMP.format(t));
            lastStamp = s;
        }
        return s.text();
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
        // one pass, no regular expression: this runs for every call
        StringBuilder t = new StringBuilder(Math.min(s.length(), max + 1));
        for (int i = 0; i < s.length() && t.length() <= max; i++) {
            char c = s.charAt(i);
            boolean keep = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '+';
            if (keep) {
                t.append(c);
            } else if (t.length() == 0 || t.charAt(t.length() - 1) != '-') {
                t.append('-'); // a run of replaced characters and hyphens becomes one hyphen
            }
        }
        if (t.length() > 0 && t.charAt(0) == '.') {
            t.setCharAt(0, '-');
        }
        if (t.length() > max) {
            t.setLength(max);
        }
        return t.length() == 0 ? "unknown" : t.toString();
    }

    /** @return the largest recording file, in bytes */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Refuses new calls while the recordings' file system has less than {@code voicemail.minFreeBytes}
     * free (event 7002 for each refused call). The space is read from the directory, or from its nearest
     * existing parent before the first recording; when it cannot be read the call is refused too.
     */
    @Override
    public Optional<String> unavailable() {
        if (minFreeBytes <= 0) {
            return Optional.empty();
        }
        long free = freeSpace.applyAsLong(directory);
        if (free >= minFreeBytes) {
            return Optional.empty();
        }
        String why = free < 0
                ? "free space for recordings cannot be read"
                : "free space for recordings is below the minimum";
        events.onEvent(SecurityEvent.builder(SecurityEventType.RECORDING_DISK_LOW, clock)
                .message("New call refused: " + why)
                .field("directory", directory)
                .field("freeBytes", free)
                .field("minFreeBytes", minFreeBytes)
                .build());
        return Optional.of(why);
    }

    /**
     * Reads free space through the directory's {@link FileStore}, found once: finding it parses the mount
     * table, reading it is one {@code statvfs}, and this runs for every new call. Until the directory
     * exists, and again after a failed read, the store is looked up afresh.
     */
    static final class FreeSpace implements ToLongFunction<Path> {
        private volatile Path storeOf;
        private volatile FileStore store;

        @Override
        public long applyAsLong(Path dir) {
            FileStore s = store;
            if (s != null && dir.equals(storeOf)) {
                try {
                    return s.getUsableSpace();
                } catch (IOException | SecurityException e) {
                    store = null;
                    return -1;
                }
            }
            if (Files.isDirectory(dir)) {
                try {
                    FileStore found = Files.getFileStore(dir);
                    storeOf = dir;
                    store = found;
                    return found.getUsableSpace();
                } catch (IOException | SecurityException e) {
                    return -1;
                }
            }
            return usableSpace(dir);
        }
    }

    /** Usable bytes of the file system holding {@code dir} (or its nearest existing parent), -1 if unreadable. */
    static long usableSpace(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? -1 : Files.getFileStore(p).getUsableSpace();
        } catch (IOException | SecurityException e) {
            return -1;
        }
    }

    @Override
    public Call answer(CallInfo info) throws IOException {
        createPrivateDirectories(directory);
        String base = baseName(info);
        WavWriter w = null;
        String name = base;
        for (int i = 1; w == null; i++) {
            name = i == 1 ? base : base + "-" + i;
            try {
                w = WavWriter.createNew(directory.resolve(name + ".wav"), 8000);
            } catch (FileAlreadyExistsException e) {
                if (i >= MAX_SUFFIX) {
                    throw new IOException("no free recording name for " + base + " after " + MAX_SUFFIX + " tries");
                }
            }
        }
        WavWriter writer = w;
        Path wav = directory.resolve(name + ".wav");
        Path json = directory.resolve(name + ".json");
        long maxSamples = (maxBytes - WavWriter.HEADER_SIZE) / 2;
        return new Call() {
            private boolean limitReached;
            private final StringBuilder digits = new StringBuilder();

            @Override
            public short[] prompt() {
                return greeting; // a private copy made once; the media session only reads it (no copy per call)
            }

            @Override
            public void audio(short[] samples, int off, int len) throws IOException {
                long room = maxSamples - writer.samplesWritten();
                if (len <= room) {
                    writer.write(samples, off, len);
                    return;
                }
                if (room > 0) {
                    writer.write(samples, off, (int) room);
                }
                if (!limitReached) {
                    limitReached = true;
                    events.onEvent(SecurityEvent.builder(SecurityEventType.RECORDING_LIMIT_REACHED, clock)
                            .message("Recording stopped at voicemail.maxBytes")
                            .field("callId", info.callId())
                            .field("file", wav.getFileName())
                            .field("maxBytes", maxBytes)
                            .build());
                }
                throw new RecordingLimitException(
                        "recording " + wav.getFileName() + " reached voicemail.maxBytes (" + maxBytes + " bytes)");
            }

            @Override
            public boolean dtmf(char digit, Duration duration) {
                if (digits.length() < MAX_DIGITS) {
                    digits.append(digit);
                }
                return digit != '#'; // '#' ends the message, as voicemail systems do
            }

            @Override
            public void end(CallSummary s) throws IOException {
                try {
                    writer.close(syncOnClose);
                } finally {
                    writeMetadata(json, wav, s, writer.samplesWritten(), digits.toString());
                }
            }
        };
    }

    /** Creates the directory and missing parents owner-only ({@code 0700}) where POSIX permissions exist. */
    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (posix(dir)) {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void writeMetadata(Path file, Path wav, CallSummary s, long samples, String dtmf)
            throws IOException {
        CallInfo i = s.info();
        String json = "{\n"
                + "  \"callId\": " + q(i.callId()) + ",\n"
                + "  \"caller\": " + q(i.caller()) + ",\n"
                + "  \"callee\": " + q(i.callee()) + ",\n"
                + "  \"gateway\": " + q(i.gateway()) + ",\n"
                + "  \"dialPlan\": " + q(i.dialPlan()) + ",\n"
                + "  \"mode\": " + q(i.mode().displayName()) + ",\n"
                + "  \"srtpSuite\": "
                + (i.srtpSuite().isPresent() ? q(i.srtpSuite().get()) : "null") + ",\n"
                + "  \"payloadType\": " + i.payloadType() + ",\n"
                + "  \"started\": " + q(i.started().toString()) + ",\n"
                + "  \"ended\": " + q(s.ended().toString()) + ",\n"
                + "  \"endReason\": " + q(s.reason().name()) + ",\n"
                + "  \"recording\": " + q(wav.getFileName().toString()) + ",\n"
                + "  \"samples\": " + samples + ",\n"
                + "  \"dtmf\": " + q(dtmf) + ",\n"
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
        Files.deleteIfExists(tmp); // left by a crash
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (SeekableByteChannel ch = posix(tmp)
                ? Files.newByteChannel(tmp, options, PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.newByteChannel(tmp, options)) {
            ByteBuffer b = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
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

    /** Options of a {@link VoicemailRecorder}; not thread-safe. */
    public static final class Builder {
        private final Path directory;
        private short[] greeting = defaultGreeting();
        private long maxBytes = ServerConfiguration.DEFAULT_VOICEMAIL_MAX_BYTES;
        private long minFreeBytes = ServerConfiguration.DEFAULT_VOICEMAIL_MIN_FREE_BYTES;
        private boolean syncOnClose = true;
        private SecurityEventListener events = e -> {};
        private Clock clock = Clock.systemUTC();
        private ToLongFunction<Path> freeSpace = new FreeSpace();

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** @param samples greeting played to each caller (8 kHz mono), copied; default {@link #defaultGreeting()} @return this */
        public Builder greeting(short[] samples) {
            greeting = samples.clone();
            return this;
        }

        /**
         * @param bytes largest WAV file, header included, at least 1024 ({@code voicemail.maxBytes})
         * @return this
         * @throws IllegalArgumentException when below 1024
         */
        public Builder maxBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxBytes must be at least 1024: " + bytes);
            }
            maxBytes = bytes;
            return this;
        }

        /**
         * @param bytes free space to keep for recordings, 0 for no check ({@code voicemail.minFreeBytes})
         * @return this
         * @throws IllegalArgumentException when negative
         */
        public Builder minFreeBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("minFreeBytes must be 0 or more: " + bytes);
            }
            minFreeBytes = bytes;
            return this;
        }

        /**
         * @param sync whether each recording is forced to the disk ({@code fdatasync}) when its call ends,
         *     before its metadata is written (default true; {@code voicemail.syncOnClose})
         * @return this
         */
        public Builder syncOnClose(boolean sync) {
            this.syncOnClose = sync;
            return this;
        }

        /** @param listener receives events 7001 and 7002 @return this */
        public Builder events(SecurityEventListener listener) {
            events = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** @param c clock for event times @return this */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** For tests: how free space is read (bytes, -1 when unreadable). */
        Builder freeSpace(ToLongFunction<Path> probe) {
            freeSpace = Objects.requireNonNull(probe, "probe");
            return this;
        }

        /** @return the recorder */
        public VoicemailRecorder build() {
            return new VoicemailRecorder(this);
        }
    }
}
