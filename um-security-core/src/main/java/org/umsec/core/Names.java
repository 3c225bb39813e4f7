package org.umsec.core;

import java.util.Locale;
import java.util.Objects;

/** Checks for the administrator-chosen names of dial plans, gateways, servers, policies and groups. */
final class Names {
    /** Exchange limits these object names to 64 characters. */
    static final int MAX_NAME_LENGTH = 64;

    private Names() {}

    /** Returns {@code name} stripped, or throws with {@code what} in the message. */
    static String checkName(String what, String name) {
        Objects.requireNonNull(name, what + " name must not be null");
        String s = name.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " name must not be blank");
        }
        if (s.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    what + " name '" + s + "' is longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == ',') {
                throw new IllegalArgumentException(what + " name '" + s.replaceAll("\\p{Cntrl}", "?")
                        + "' must not contain control characters or commas");
            }
        }
        return s;
    }

    /** The form in which names are compared: Exchange object names are case-insensitive. */
    static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** Returns {@code fqdn} normalised (lower case, no trailing dot) or throws naming {@code what}. */
    static String checkFqdn(String what, String fqdn) {
        Objects.requireNonNull(fqdn, what + " FQDN must not be null");
        String s = fqdn.strip();
        if (HostNames.parseIpLiteral(s).isPresent()) {
            throw new IllegalArgumentException(what + " FQDN '" + fqdn
                    + "' is an IP address; give a host name (an IP address goes in address(...))");
        }
        String n = HostNames.normaliseName(s);
        if (!HostNames.isValidName(n)) {
            throw new IllegalArgumentException(what + " FQDN '" + fqdn + "' is not a valid host name");
        }
        return n;
    }
}
