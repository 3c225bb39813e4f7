package org.umsec.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a {@code --password} comes from, as with openssl's {@code -passin}: {@code env:NAME} (an
 * environment variable), {@code file:PATH} (the first line of a file), {@code pass:TEXT} (the text);
 * anything else is the password itself. {@code env:} and {@code file:} keep the password out of the
 * process list and the shell history.
 */
final class Passwords {

    /** Largest password file read. */
    static final int MAX_FILE_BYTES = 4096;

    private Passwords() {}

    /**
     * @param spec the option's value
     * @param env the environment
     * @return the password
     * @throws CliException naming the variable or the file and why it cannot be used
     */
    static char[] resolve(String spec, Map<String, String> env) throws CliException {
        if (spec.startsWith("env:")) {
            String name = spec.substring(4);
            String v = env.get(name);
            if (v == null) {
                throw new CliException("--password env:" + name + ": the environment variable " + name + " is not set");
            }
            return v.toCharArray();
        }
        if (spec.startsWith("file:")) {
            Path f = Path.of(spec.substring(5));
            byte[] b;
            try {
                if (Files.isDirectory(f)) {
                    throw new CliException("--password " + spec + ": " + f + " is a directory");
                }
                if (Files.size(f) > MAX_FILE_BYTES) {
                    throw new CliException("--password " + spec + ": " + f + " is larger than " + MAX_FILE_BYTES
                            + " bytes; it should hold the password on its first line");
                }
                b = Files.readAllBytes(f);
            } catch (NoSuchFileException e) {
                throw new CliException("--password " + spec + ": no such file " + f);
            } catch (AccessDeniedException e) {
                throw new CliException("--password " + spec + ": " + f + ": permission denied");
            } catch (IOException e) {
                throw new CliException("--password " + spec + ": cannot read " + f + ": " + e.getMessage());
            }
            String s = new String(b, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            String line = nl < 0 ? s : s.substring(0, nl);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            return line.toCharArray();
        }
        if (spec.startsWith("pass:")) {
            return spec.substring(5).toCharArray();
        }
        return spec.toCharArray();
    }
}
