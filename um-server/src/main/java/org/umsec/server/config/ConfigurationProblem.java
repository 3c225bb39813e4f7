package org.umsec.server.config;

import java.util.Objects;
import org.umsec.core.Severity;

/**
 * One thing wrong with a configuration: where (file and line, when it came from a file), how serious,
 * and what. Problems about servers, dial plans and gateways are um-security-core's
 * ({@link org.umsec.core.ConfigProblem}) with the line of the object or key they are about.
 *
 * @param source the file name, or {@code "<configuration>"} for a configuration built in code
 * @param line 1-based line number, or 0 when the problem has no single line
 * @param severity {@link Severity#ERROR} (the configuration is refused) or {@link Severity#WARNING}
 * @param message what is wrong, naming the key and the value
 */
public record ConfigurationProblem(String source, int line, Severity severity, String message) {

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code line} is negative or {@code severity} is INFO
     */
    public ConfigurationProblem {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0");
        }
        if (severity == Severity.INFO) {
            throw new IllegalArgumentException("a configuration problem is an ERROR or a WARNING");
        }
    }

    /**
     * An error.
     *
     * @param source the file name
     * @param line 1-based line, or 0
     * @param message what is wrong
     */
    public ConfigurationProblem(String source, int line, String message) {
        this(source, line, Severity.ERROR, message);
    }

    /** @return whether the problem makes the configuration unusable */
    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /**
     * @return {@code file:line: message} for an error, {@code file:line: warning: message} for a
     *     warning; without {@code :line} when there is no line
     */
    @Override
    public String toString() {
        return (line > 0 ? source + ":" + line + ": " : source + ": ") + (isError() ? "" : "warning: ") + message;
    }
}
