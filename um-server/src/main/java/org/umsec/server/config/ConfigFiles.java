package org.umsec.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

/**
 * Says which file and why, for every file the server reads or writes (configuration, greeting,
 * recordings directory, certificate store): no such file, permission denied, is a directory, not
 * UTF-8 text, too large, instead of a bare path or an exception class name.
 */
public final class ConfigFiles {

    private ConfigFiles() {}

    /**
     * Explains why a file operation failed.
     *
     * @param file the file concerned
     * @param e what the JDK threw
     * @return {@code "<file>: <cause>"}, for example {@code "/etc/umsec.yaml: permission denied"}
     */
    public static String explain(Path file, IOException e) {
        String why;
        if (e instanceof NoSuchFileException) {
            why = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            why = "permission denied";
        } else if (e instanceof NotDirectoryException) {
            why = "a path component is not a directory";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            why = f.getReason().toLowerCase(java.util.Locale.ROOT);
        } else if (e instanceof java.io.FileNotFoundException
                && e.getMessage() != null
                && e.getMessage().endsWith(")")
                && e.getMessage().contains(" (")) {
            // java.io reports "<path> (No such file or directory)" or "<path> (Permission denied)"
            String m = e.getMessage();
            why = m.substring(m.lastIndexOf(" (") + 2, m.length() - 1).toLowerCase(java.util.Locale.ROOT);
        } else if (e.getMessage() != null && !e.getMessage().equals(file.toString())) {
            why = e.getMessage();
        } else {
            why = e.getClass().getSimpleName();
        }
        if (Files.isDirectory(file) && !(e instanceof AccessDeniedException)) {
            why = "is a directory, not a file";
        }
        return file + ": " + why;
    }

    /**
     * Reads a whole text file that must be UTF-8 and at most {@code maxBytes} long.
     *
     * @throws ConfigurationException naming the file and the cause (with the line of the first
     *     malformed byte for a file that is not UTF-8)
     */
    static String readUtf8(Path file, int maxBytes) throws ConfigurationException {
        String source = file.toString();
        if (Files.isDirectory(file)) {
            throw problem(source, 0, "cannot read the configuration: is a directory, not a file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw problem(
                    source,
                    0,
                    "cannot read the configuration: " + explain(file, e).substring(source.length() + 2));
        }
        if (bytes.length > maxBytes) {
            throw problem(source, 0, "cannot read the configuration: the file is larger than " + maxBytes + " bytes");
        }
        CharsetDecoder d = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw problem(
                    source,
                    line,
                    "cannot read the configuration: not UTF-8 text (malformed byte 0x"
                            + String.format("%02x", bytes[in.position()] & 0xff) + " at byte " + in.position() + ")");
        }
        d.flush(out);
        out.flip();
        return out.toString();
    }

    private static ConfigurationException problem(String source, int line, String message) {
        return new ConfigurationException(List.of(new ConfigurationProblem(source, line, message)));
    }
}
