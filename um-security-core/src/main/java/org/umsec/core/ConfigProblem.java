package org.umsec.core;

import java.util.Objects;

/**
 * One problem found by {@link UmConfiguration#validate()}: how serious it is, which object it is
 * about, and a complete sentence an administrator can act on.
 *
 * <p>An {@link Severity#ERROR} makes the configuration unusable; a {@link Severity#WARNING} is a
 * setting that works but is probably a mistake. Immutable.
 */
public final class ConfigProblem {
    private final Severity severity;
    private final String subject;
    private final String message;

    private ConfigProblem(Severity severity, String subject, String message) {
        this.severity = severity;
        this.subject = subject;
        this.message = message;
    }

    /**
     * Creates a problem; configuration loaders use this to add their own findings (for example a
     * value a builder refused) to the validator's list.
     *
     * @param severity {@link Severity#ERROR} or {@link Severity#WARNING}
     * @param subject the object concerned, for example {@code "gateway gw1"}
     * @param message a complete sentence describing the problem
     * @return the problem
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code severity} is {@link Severity#INFO}
     */
    public static ConfigProblem of(Severity severity, String subject, String message) {
        Objects.requireNonNull(severity, "severity must not be null");
        if (severity == Severity.INFO) {
            throw new IllegalArgumentException("a configuration problem is an ERROR or a WARNING, not INFO");
        }
        return new ConfigProblem(severity, Objects.requireNonNull(subject, "subject must not be null"),
                Objects.requireNonNull(message, "message must not be null"));
    }

    static ConfigProblem error(String subject, String message) {
        return new ConfigProblem(Severity.ERROR, subject, message);
    }

    static ConfigProblem warning(String subject, String message) {
        return new ConfigProblem(Severity.WARNING, subject, message);
    }

    /**
     * Returns the severity.
     *
     * @return {@link Severity#ERROR} or {@link Severity#WARNING}
     */
    public Severity severity() {
        return severity;
    }

    /**
     * Returns the object concerned, such as {@code "gateway gw1"} or {@code "server um1"}.
     *
     * @return the subject
     */
    public String subject() {
        return subject;
    }

    /**
     * Returns the description.
     *
     * @return a complete sentence
     */
    public String message() {
        return message;
    }

    /**
     * Returns whether this problem makes the configuration unusable.
     *
     * @return {@code true} for {@link Severity#ERROR}
     */
    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigProblem && severity == ((ConfigProblem) o).severity
                && subject.equals(((ConfigProblem) o).subject) && message.equals(((ConfigProblem) o).message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(severity, subject, message);
    }

    /**
     * Returns {@code SEVERITY subject: message}.
     *
     * @return the rendering
     */
    @Override
    public String toString() {
        return severity + " " + subject + ": " + message;
    }
}
