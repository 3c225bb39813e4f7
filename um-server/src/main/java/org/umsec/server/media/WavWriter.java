package org.umsec.server.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes a mono 16-bit PCM WAV file (RIFF {@code WAVE}, format tag 1), little-endian.
 *
 * <p>Crash safety: samples are buffered ({@value #BUFFER_BYTES} bytes, a quarter of a second at 8 kHz, so a
 * recording costs a few writes a second, not one per packet) and written out before the 44-byte header is
 * rewritten with the current sizes, every {@value #HEADER_UPDATE_SAMPLES} samples (one second at 8 kHz) and
 * on {@link #close()}; so a file left behind by a process that died or a call that broke is a valid WAV file
 * holding everything up to the last update. Not thread-safe: one writer per recording.
 *
 * <pre>{@code
 * try (WavWriter wav = WavWriter.create(Path.of("call.wav"), 8000)) {
 *     wav.write(samples, 0, samples.length);
 * }
 * }</pre>
 */
public final class WavWriter implements AutoCloseable {

    /** Size of the canonical RIFF/WAVE header written before the samples. */
    public static final int HEADER_SIZE = 44;
    /** How many samples are written between two header updates. */
    public static final int HEADER_UPDATE_SAMPLES = 8000;
    /** Samples buffered before a write to the file, in bytes. */
    static final int BUFFER_BYTES = 4096;
    /** Largest data size a RIFF file can describe (the RIFF size field is 32-bit). */
    static final long MAX_DATA_BYTES = 0xFFFF_FFFFL - 36;

    private final FileChannel channel;
    private final int sampleRate;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long dataBytes;
    private long sinceHeader;
    private boolean closed;

    private WavWriter(FileChannel channel, int sampleRate) {
        this.channel = channel;
        this.sampleRate = sampleRate;
    }

    /**
     * Creates (or truncates) a WAV file and writes its header.
     *
     * @param file the file to write
     * @param sampleRate samples per second, 1..192000
     * @return the open writer
     * @throws IOException if the file cannot be created
     * @throws IllegalArgumentException if the sample rate is out of range
     */
    public static WavWriter create(Path file, int sampleRate) throws IOException {
        if (sampleRate < 1 || sampleRate > 192_000) {
            throw new IllegalArgumentException("sample rate must be 1..192000, was " + sampleRate);
        }
        FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        WavWriter w = new WavWriter(ch, sampleRate);
        try {
            w.writeHeader();
            ch.position(HEADER_SIZE);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return w;
    }

    /**
     * Creates a new WAV file, never an existing one ({@code CREATE_NEW}), owner-only ({@code 0600}) where
     * the file system has POSIX permissions, and writes its header.
     *
     * @param file the file to create
     * @param sampleRate samples per second, 1..192000
     * @return the open writer
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created
     * @throws IllegalArgumentException if the sample rate is out of range
     */
    public static WavWriter createNew(Path file, int sampleRate) throws IOException {
        if (sampleRate < 1 || sampleRate > 192_000) {
            throw new IllegalArgumentException("sample rate must be 1..192000, was " + sampleRate);
        }
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel ch = file.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? FileChannel.open(
                        file,
                        options,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : FileChannel.open(file, options);
        WavWriter w = new WavWriter(ch, sampleRate);
        try {
            w.writeHeader();
            ch.position(HEADER_SIZE);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return w;
    }

    /**
     * Appends samples.
     *
     * @param samples the samples
     * @param off index of the first sample
     * @param len number of samples
     * @throws IOException if writing fails, or the file would exceed the 4 GiB RIFF limit
     * @throws IllegalStateException if the writer is closed
     */
    public void write(short[] samples, int off, int len) throws IOException {
        if (closed) {
            throw new IllegalStateException("WAV writer is closed");
        }
        if (dataBytes + 2L * len > MAX_DATA_BYTES) {
            throw new IOException("WAV file would exceed the RIFF size limit");
        }
        for (int i = 0; i < len; i++) {
            if (buffer.remaining() < 2) {
                flushBuffer();
            }
            buffer.putShort(samples[off + i]);
        }
        dataBytes += 2L * len;
        sinceHeader += len;
        if (sinceHeader >= HEADER_UPDATE_SAMPLES) {
            flushBuffer(); // the header never counts samples that are not in the file yet
            writeHeader();
            sinceHeader = 0;
        }
    }

    /**
     * Appends {@code count} samples of silence (used to fill lost packets).
     *
     * @param count number of zero samples
     * @throws IOException if writing fails
     */
    public void writeSilence(int count) throws IOException {
        short[] zeros = new short[Math.min(count, 1024)];
        int left = count;
        while (left > 0) {
            int n = Math.min(left, zeros.length);
            write(zeros, 0, n);
            left -= n;
        }
    }

    /** @return number of samples written so far */
    public long samplesWritten() {
        return dataBytes / 2;
    }

    /** @return the sample rate of the file */
    public int sampleRate() {
        return sampleRate;
    }

    private void flushBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private void writeHeader() throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {'R', 'I', 'F', 'F'}).putInt((int) (36 + dataBytes));
        h.put(new byte[] {'W', 'A', 'V', 'E'});
        h.put(new byte[] {'f', 'm', 't', ' '}).putInt(16);
        h.putShort((short) 1).putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2);
        h.putShort((short) 2).putShort((short) 16);
        h.put(new byte[] {'d', 'a', 't', 'a'}).putInt((int) dataBytes);
        h.flip();
        long pos = 0;
        while (h.hasRemaining()) {
            pos += channel.write(h, pos);
        }
    }

    /**
     * Writes the final header, forces the file to the disk and closes it. Idempotent.
     *
     * @throws IOException if the header cannot be written, the file not forced or not closed
     */
    @Override
    public void close() throws IOException {
        close(true);
    }

    /**
     * Writes the final header and closes the file. Idempotent.
     *
     * @param sync whether to force the file to the disk ({@code fdatasync}) before closing it; without it
     *     the file is complete in the file system (it survives this process) and the operating system
     *     writes it to the disk later
     * @throws IOException if the header cannot be written, the file not forced or not closed
     */
    public void close(boolean sync) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flushBuffer();
            writeHeader();
            if (sync) {
                channel.force(false);
            }
        } finally {
            channel.close();
        }
    }
}
