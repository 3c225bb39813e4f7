package org.umsec.core;

import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One security decision (R7): what happened ({@link SecurityEventType}, with its stable id), how
 * serious it is, when (from an injected {@link Clock}), a human message and structured fields such
 * as {@code issuer}, {@code serial}, {@code thumbprint}, {@code peer} or {@code reason}.
 *
 * <p>Immutable and thread-safe. Field order is insertion order, so log lines are stable.
 *
 * <pre>{@code
 * SecurityEvent e = SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, clock)
 *         .message("Peer not on the trusted gateway list")
 *         .field("peer", "10.0.0.9:5061")
 *         .field("identities", "[gw9.example.com]")
 *         .build();
 * e.toString(); // [3002 UNTRUSTED_PEER_REFUSED WARNING] Peer not on the trusted gateway list peer=10.0.0.9:5061 ...
 * }</pre>
 */
public final class SecurityEvent {
    private final SecurityEventType type;
    private final Severity severity;
    private final Instant time;
    private final String message;
    private final Map<String, String> fields;

    private SecurityEvent(Builder b) {
        this.type = b.type;
        this.severity = b.severity;
        this.time = b.clock.instant();
        this.message = b.message;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(b.fields));
    }

    /**
     * Starts an event of the given type; its time is taken from {@code clock} when
     * {@link Builder#build()} is called.
     *
     * @param type the event type
     * @param clock the clock supplying the event time
     * @return a new builder with the type's default severity and description as message
     * @throws NullPointerException if an argument is null
     */
    public static Builder builder(SecurityEventType type, Clock clock) {
        return new Builder(type, clock);
    }

    /**
     * Returns the event type.
     *
     * @return the type
     */
    public SecurityEventType type() {
        return type;
    }

    /**
     * Returns the stable numeric id of the event type.
     *
     * @return {@code type().id()}
     */
    public int id() {
        return type.id();
    }

    /**
     * Returns the severity: the type's default unless the builder set another.
     *
     * @return the severity
     */
    public Severity severity() {
        return severity;
    }

    /**
     * Returns when the event was built, as read from the builder's clock.
     *
     * @return the time
     */
    public Instant time() {
        return time;
    }

    /**
     * Returns the human-readable message.
     *
     * @return the message, never null
     */
    public String message() {
        return message;
    }

    /**
     * Returns the structured fields.
     *
     * @return an unmodifiable map in insertion order
     */
    public Map<String, String> fields() {
        return fields;
    }

    /**
     * Returns one field.
     *
     * @param name the field name
     * @return its value, or empty if the event has no such field
     */
    public Optional<String> field(String name) {
        return Optional.ofNullable(fields.get(name));
    }

    /**
     * Returns a one-line rendering: {@code [id TYPE SEVERITY] message key=value ...}. Values that are
     * empty or contain white space, quotes or {@code =} are quoted, with {@code "} and {@code \}
     * escaped, so that a value cannot forge another field in a log line. Every control character
     * (C0, DEL, C1, e.g. ESC) and Unicode format character in the message and the values is written
     * as an escape ({@code \n}, {@code \r}, {@code \t}, otherwise a backslash, {@code u} and four
     * hex digits: ESC becomes {@code \\u001b} in Java notation), so that peer-supplied text
     * cannot forge lines or drive a terminal.
     *
     * @return the rendering
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64);
        sb.append('[')
                .append(type.id())
                .append(' ')
                .append(type.name())
                .append(' ')
                .append(severity)
                .append("] ")
                .append(escapeLine(message));
        for (Map.Entry<String, String> f : fields.entrySet()) {
            sb.append(' ').append(f.getKey()).append('=').append(quoteIfNeeded(f.getValue()));
        }
        return sb.toString();
    }

    private static String escapeLine(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (needsEscape(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                appendEscaped(sb, c);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * Control characters (C0, DEL, C1) and Unicode format characters (bidirectional overrides,
     * zero-width characters): peer-supplied text such as a certificate's CN must not move the
     * cursor, recolour a terminal or reorder what an administrator reads.
     */
    private static boolean needsEscape(char c) {
        return Character.isISOControl(c) || Character.getType(c) == Character.FORMAT || c == '\u2028' || c == '\u2029';
    }

    private static void appendEscaped(StringBuilder sb, char c) {
        switch (c) {
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> sb.append(String.format("\\u%04x", (int) c));
        }
    }

    private static String quoteIfNeeded(String v) {
        boolean quote = v.isEmpty();
        for (int i = 0; i < v.length() && !quote; i++) {
            char c = v.charAt(i);
            quote = Character.isWhitespace(c) || c == '"' || c == '=' || c == '\\' || needsEscape(c);
        }
        if (!quote) {
            return v;
        }
        StringBuilder sb = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (needsEscape(c)) {
                        appendEscaped(sb, c);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Builds a {@link SecurityEvent}. Not thread-safe; use one builder per event. */
    public static final class Builder {
        private final SecurityEventType type;
        private final Clock clock;
        private Severity severity;
        private String message;
        private final Map<String, String> fields = new LinkedHashMap<>();

        private Builder(SecurityEventType type, Clock clock) {
            this.type = Objects.requireNonNull(type, "event type must not be null");
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            this.severity = type.defaultSeverity();
            this.message = type.description();
        }

        /**
         * Overrides the type's default severity.
         *
         * @param s the severity
         * @return this builder
         * @throws NullPointerException if {@code s} is null
         */
        public Builder severity(Severity s) {
            this.severity = Objects.requireNonNull(s, "severity must not be null");
            return this;
        }

        /**
         * Sets the message (default: the type's description).
         *
         * @param m the message
         * @return this builder
         * @throws NullPointerException if {@code m} is null
         */
        public Builder message(String m) {
            this.message = Objects.requireNonNull(m, "message must not be null");
            return this;
        }

        /**
         * Adds a field, or replaces the value of an existing one keeping its position.
         *
         * @param k the field name: non-blank, without white space or {@code =}
         * @param v the value, converted with {@link String#valueOf(Object)}; null becomes {@code ""}
         * @return this builder
         * @throws NullPointerException if {@code k} is null
         * @throws IllegalArgumentException if {@code k} is blank or contains white space or {@code =}
         */
        public Builder field(String k, Object v) {
            Objects.requireNonNull(k, "field name must not be null");
            if (k.isBlank()) {
                throw new IllegalArgumentException("field name must not be blank");
            }
            for (int i = 0; i < k.length(); i++) {
                char c = k.charAt(i);
                if (Character.isWhitespace(c) || c == '=' || Character.isISOControl(c)) {
                    throw new IllegalArgumentException(
                            "field name '" + k + "' must not contain white space, control characters or '='");
                }
            }
            fields.put(k, v == null ? "" : String.valueOf(v));
            return this;
        }

        /**
         * Builds the event, reading its time from the clock now.
         *
         * @return the event
         */
        public SecurityEvent build() {
            return new SecurityEvent(this);
        }
    }
}
