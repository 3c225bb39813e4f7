package org.umsec.core;

import java.util.Objects;
import java.util.Optional;

/**
 * One problem found by {@link UmConfiguration#validate()}: how serious it is, which object (and which
 * of its settings) it is about, and a complete sentence an administrator can act on.
 *
 * <p>An {@link Severity#ERROR} makes the configuration unusable; a {@link Severity#WARNING} is a
 * setting that works but is probably a mistake. The {@linkplain #subject() subject} is structured
 * (kind, name, position, key) so that a loader can point at the line the object or the setting was
 * read from, for example {@code umsec.yaml:14: IP gateway 'gw1' serves ...}. Immutable.
 */
public final class ConfigProblem {

    /** What kind of configuration object a problem is about. */
    public enum Kind {
        /** The UM server ({@link UmServer}). */
        SERVER("server"),
        /** A dial plan ({@link DialPlan}). */
        DIAL_PLAN("dial plan"),
        /** An IP gateway ({@link IpGateway}). */
        GATEWAY("gateway"),
        /** A UM mailbox policy ({@link UmMailboxPolicy}). */
        MAILBOX_POLICY("mailbox policy"),
        /** Anything else, for example a loader's own finding. */
        OTHER("");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /**
         * Returns the lower-case English name used in messages.
         *
         * @return for example {@code "dial plan"}; empty for {@link #OTHER}
         */
        public String label() {
            return label;
        }
    }

    /**
     * The object a problem is about.
     *
     * @param kind the kind of object
     * @param name the object's name as configured (for {@link Kind#OTHER} a free text)
     * @param index the object's position among the objects of its kind in the configuration (0-based,
     *     as in {@link UmConfiguration#dialPlans()}, {@link UmConfiguration#gateways()} and
     *     {@link UmConfiguration#mailboxPolicies()}), or -1 when not applicable (the server, or a
     *     subject built from text)
     * @param key the setting concerned, such as {@code "port"}, {@code "fqdn"} or {@code "dialPlans"},
     *     or empty when the problem is about the object as a whole
     */
    public record Subject(Kind kind, String name, int index, Optional<String> key) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if {@code kind}, {@code name} or {@code key} is null
         * @throws IllegalArgumentException if {@code index} is below -1
         */
        public Subject {
            Objects.requireNonNull(kind, "kind must not be null");
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(key, "key must not be null");
            if (index < -1) {
                throw new IllegalArgumentException("index must be -1 or more, was " + index);
            }
        }

        /**
         * Creates a subject.
         *
         * @param kind the kind of object
         * @param name its name
         * @param index its position, or -1
         * @param key the setting concerned, or null for the whole object
         * @return the subject
         */
        public static Subject of(Kind kind, String name, int index, String key) {
            return new Subject(kind, name, index, Optional.ofNullable(key));
        }

        /**
         * Returns {@code kind name}, such as {@code "gateway gw1"}.
         *
         * @return the rendering
         */
        @Override
        public String toString() {
            return kind == Kind.OTHER ? name : kind.label() + " " + name;
        }
    }

    private final Severity severity;
    private final Subject subject;
    private final String message;

    private ConfigProblem(Severity severity, Subject subject, String message) {
        this.severity = severity;
        this.subject = subject;
        this.message = message;
    }

    /**
     * Creates a problem; configuration loaders use this to add their own findings (for example a
     * value a builder refused) to the validator's list.
     *
     * @param severity {@link Severity#ERROR} or {@link Severity#WARNING}
     * @param subject the object concerned
     * @param message a complete sentence describing the problem
     * @return the problem
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code severity} is {@link Severity#INFO}
     */
    public static ConfigProblem of(Severity severity, Subject subject, String message) {
        Objects.requireNonNull(severity, "severity must not be null");
        if (severity == Severity.INFO) {
            throw new IllegalArgumentException("a configuration problem is an ERROR or a WARNING, not INFO");
        }
        return new ConfigProblem(
                severity,
                Objects.requireNonNull(subject, "subject must not be null"),
                Objects.requireNonNull(message, "message must not be null"));
    }

    /**
     * Creates a problem about a subject given as text (kind {@link Kind#OTHER}).
     *
     * @param severity {@link Severity#ERROR} or {@link Severity#WARNING}
     * @param subject the object concerned, for example {@code "loader"}
     * @param message a complete sentence describing the problem
     * @return the problem
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code severity} is {@link Severity#INFO}
     */
    public static ConfigProblem of(Severity severity, String subject, String message) {
        Objects.requireNonNull(subject, "subject must not be null");
        return of(severity, Subject.of(Kind.OTHER, subject, -1, null), message);
    }

    static ConfigProblem error(Kind kind, String name, int index, String key, String message) {
        return new ConfigProblem(Severity.ERROR, Subject.of(kind, name, index, key), message);
    }

    static ConfigProblem warning(Kind kind, String name, int index, String key, String message) {
        return new ConfigProblem(Severity.WARNING, Subject.of(kind, name, index, key), message);
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
     * Returns the object concerned, with its kind, name, position and the setting at fault.
     *
     * @return the subject
     */
    public Subject subject() {
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
        return o instanceof ConfigProblem
                && severity == ((ConfigProblem) o).severity
                && subject.equals(((ConfigProblem) o).subject)
                && message.equals(((ConfigProblem) o).message);
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
