package org.umsec.server;

import java.util.Objects;

/**
 * One thing wrong with a configuration: where (file and line, when it came from a file) and what.
 *
 * @param source the file name, or {@code "<configuration>"} for a configuration built in code
 * @param line 1-based line number, or 0 when the problem has no single line
 * @param message what is wrong, naming the key and the value
 */
public record ConfigurationProblem(String source, int line, String message) {

    /** Checks the components. */
    public ConfigurationProblem {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0");
        }
    }

    /** @return {@code file:line: message}, or {@code file: message} without a line */
    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ": " + message : source + ": " + message;
    }
}
