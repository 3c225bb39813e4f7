package org.umsec.sip.sdp;

import java.util.Objects;
import java.util.Optional;

/**
 * An SDP attribute line {@code a=name[:value]} (RFC 8866 §5.13).
 *
 * @param name  attribute name
 * @param value value after the colon, or {@code null} for a property attribute such as {@code sendrecv}
 */
public record SdpAttribute(String name, String value) {
    /** Checks the name. */
    public SdpAttribute {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf(':') >= 0 || name.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("bad attribute name: " + name);
        }
        if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0)) {
            throw new IllegalArgumentException("attribute value contains CR or LF");
        }
    }

    /** A property attribute (no value). */
    public static SdpAttribute flag(String name) {
        return new SdpAttribute(name, null);
    }

    /** The value, if any. */
    public Optional<String> optionalValue() {
        return Optional.ofNullable(value);
    }

    /** The line content after {@code a=}. */
    @Override
    public String toString() {
        return value == null ? name : name + ":" + value;
    }
}
