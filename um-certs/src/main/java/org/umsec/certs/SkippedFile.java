package org.umsec.certs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A store file that could not be read and was skipped (the rest of the store still loads).
 *
 * @param file the file
 * @param reason why it was skipped
 */
public record SkippedFile(Path file, String reason) {
    /**
     * Checks arguments.
     *
     * @param file the file
     * @param reason the reason
     */
    public SkippedFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
    }
}
