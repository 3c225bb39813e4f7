package org.umsec.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A dial plan's dialing rules and dialing restrictions (R6): the in-country and international
 * {@link DialingRuleGroup}s it configures, the groups it allows by default, and the check that
 * decides whether the server may place a call to a number. Every call the server places (play on
 * phone, transfer, find-me) should pass this check; it is what stops a compromised or careless
 * mailbox from running up long-distance charges.
 *
 * <h2>How a number is checked</h2>
 * <ol>
 *   <li>The number is normalised ({@link #normalise(String)}): spaces, dashes, parentheses and dots
 *       are removed; one leading {@code +} is kept, or replaced by the
 *       {@linkplain Builder#internationalAccessCode(String) international access code} if one is set.
 *       Any other character makes the number invalid.</li>
 *   <li>The rules of the allowed groups are tried, in-country groups first, each group in configured
 *       order and each rule in group order. The first match allows the call, and its dialed-number
 *       pattern gives the number to dial.</li>
 *   <li>Otherwise the rules of the configured groups that are not allowed are tried; a match blocks
 *       the call naming that rule, so the administrator sees what would have allowed it.</li>
 *   <li>Otherwise the call is blocked: no rule matched.</li>
 * </ol>
 * Allowed groups are tried first so that a broad rule in a blocked group ({@code *}) cannot shadow a
 * narrow rule in an allowed one.
 *
 * <pre>{@code
 * DialingRules rules = DialingRules.builder()
 *         .group(DialingRuleGroup.builder("Local", DialingScope.IN_COUNTRY)
 *                 .rule("91425xxxxxxx", "9xxxxxxx").build())
 *         .group(DialingRuleGroup.builder("Anywhere", DialingScope.INTERNATIONAL).rule("*", "*").build())
 *         .allowInCountry("Local")
 *         .build();
 * rules.check("9 (1425) 555-1234").dialedNumber(); // Optional[95551234]
 * rules.check("+44 20 7946 0000").allowed();        // false: matches Anywhere, which is not allowed
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class DialingRules {
    /** Most digits a normalised number may have; longer input is invalid (E.164 allows 15). */
    public static final int MAX_DIGITS = 32;

    private static final DialingRules NONE = builder().build();

    private final List<DialingRuleGroup> groups;
    private final AllowedDialingGroups allowed;
    private final Optional<String> internationalAccessCode;

    private DialingRules(List<DialingRuleGroup> groups, AllowedDialingGroups allowed, Optional<String> iac) {
        this.groups = groups;
        this.allowed = allowed;
        this.internationalAccessCode = iac;
    }

    /**
     * Returns rules with no groups: every call is blocked.
     *
     * @return the empty rules
     */
    public static DialingRules none() {
        return NONE;
    }

    /**
     * Starts empty rules.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Removes the separators people write in phone numbers: white space, {@code -}, {@code (},
     * {@code )} and {@code .}. One leading {@code +} (international form) is kept.
     *
     * @param number the number as entered
     * @return digits with an optional leading {@code +}, or empty if the text contains anything else,
     *         has no digit, or has more than {@value #MAX_DIGITS} digits
     * @throws NullPointerException if {@code number} is null
     */
    public static Optional<String> normalise(String number) {
        Objects.requireNonNull(number, "number must not be null");
        StringBuilder sb = new StringBuilder(Math.min(number.length(), MAX_DIGITS + 1));
        int digits = 0;
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > MAX_DIGITS) {
                    return Optional.empty();
                }
                sb.append(c);
            } else if (c == '+' && sb.length() == 0) {
                sb.append(c);
            } else if (!(c == ' ' || c == '\t' || c == '-' || c == '(' || c == ')' || c == '.')) {
                return Optional.empty();
            }
        }
        return digits == 0 ? Optional.empty() : Optional.of(sb.toString());
    }

    /**
     * Returns the configured groups of both scopes.
     *
     * @return an unmodifiable list in configured order
     */
    public List<DialingRuleGroup> groups() {
        return groups;
    }

    /**
     * Returns the configured groups of one scope.
     *
     * @param scope the scope
     * @return an unmodifiable list in configured order
     */
    public List<DialingRuleGroup> groups(DialingScope scope) {
        List<DialingRuleGroup> out = new ArrayList<>();
        for (DialingRuleGroup g : groups) {
            if (g.scope() == scope) {
                out.add(g);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Returns a configured group by scope and name (case-insensitive).
     *
     * @param scope the scope
     * @param name the name
     * @return the group, or empty
     */
    public Optional<DialingRuleGroup> group(DialingScope scope, String name) {
        String key = Names.key(name);
        for (DialingRuleGroup g : groups) {
            if (g.scope() == scope && Names.key(g.name()).equals(key)) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    /**
     * Returns the groups the dial plan allows by default.
     *
     * @return the allowance
     */
    public AllowedDialingGroups allowed() {
        return allowed;
    }

    /**
     * Returns the code that replaces a leading {@code +}, such as {@code 00} or {@code 011}.
     *
     * @return the code, or empty if {@code +} is kept for masks to match
     */
    public Optional<String> internationalAccessCode() {
        return internationalAccessCode;
    }

    /**
     * Checks a number against the dial plan's own allowed groups.
     *
     * @param number the number as entered
     * @return the verdict
     * @throws NullPointerException if {@code number} is null
     */
    public DialingCheck check(String number) {
        return check(number, allowed);
    }

    /**
     * Checks a number against the groups a mailbox policy allows. Names in {@code allowedGroups}
     * that this dial plan does not configure allow nothing.
     *
     * @param number the number as entered
     * @param allowedGroups the allowed groups
     * @return the verdict
     * @throws NullPointerException if an argument is null
     */
    public DialingCheck check(String number, AllowedDialingGroups allowedGroups) {
        Objects.requireNonNull(number, "number must not be null");
        Objects.requireNonNull(allowedGroups, "allowed groups must not be null");
        Optional<String> n = normalise(number);
        if (n.isEmpty()) {
            return DialingCheck.invalid(number);
        }
        String normalised = n.get();
        if (internationalAccessCode.isPresent() && normalised.startsWith("+")) {
            normalised = internationalAccessCode.get() + normalised.substring(1);
        }
        for (DialingScope scope : DialingScope.values()) {
            for (DialingRuleGroup g : groups) {
                if (g.scope() == scope && allowedGroups.allows(scope, g.name())) {
                    for (DialingRule r : g.rules()) {
                        String dialed = r.fill(normalised);
                        if (dialed != null) {
                            return DialingCheck.allowed(number, normalised, g, r, dialed);
                        }
                    }
                }
            }
        }
        for (DialingRuleGroup g : groups) {
            if (!allowedGroups.allows(g.scope(), g.name())) {
                for (DialingRule r : g.rules()) {
                    if (r.matches(normalised)) {
                        return DialingCheck.blockedByRule(number, normalised, g, r);
                    }
                }
            }
        }
        return DialingCheck.noMatch(number, normalised);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DialingRules
                && groups.equals(((DialingRules) o).groups)
                && allowed.equals(((DialingRules) o).allowed)
                && internationalAccessCode.equals(((DialingRules) o).internationalAccessCode);
    }

    @Override
    public int hashCode() {
        return Objects.hash(groups, allowed, internationalAccessCode);
    }

    @Override
    public String toString() {
        return "DialingRules{groups=" + groups + ", allowed=" + allowed + "}";
    }

    /** Builds {@link DialingRules}. Not thread-safe. */
    public static final class Builder {
        private final List<DialingRuleGroup> groups = new ArrayList<>();
        private final Set<String> allowedInCountry = new java.util.LinkedHashSet<>();
        private final Set<String> allowedInternational = new java.util.LinkedHashSet<>();
        private String iac;

        private Builder() {}

        /**
         * Adds a configured group.
         *
         * @param g the group
         * @return this builder
         * @throws NullPointerException if {@code g} is null
         * @throws IllegalArgumentException if a group of the same scope and name (ignoring case) exists
         */
        public Builder group(DialingRuleGroup g) {
            Objects.requireNonNull(g, "dialing rule group must not be null");
            for (DialingRuleGroup existing : groups) {
                if (existing.scope() == g.scope() && Names.key(existing.name()).equals(Names.key(g.name()))) {
                    throw new IllegalArgumentException("Dialing rules already have an "
                            + g.scope().label() + " group named '" + existing.name() + "'");
                }
            }
            groups.add(g);
            return this;
        }

        /**
         * Allows a configured in-country group by default.
         *
         * @param groupName the name
         * @return this builder
         * @throws IllegalArgumentException if the name is not a valid group name
         */
        public Builder allowInCountry(String groupName) {
            allowedInCountry.add(Names.checkName("Dialing rule group", groupName));
            return this;
        }

        /**
         * Allows a configured international group by default.
         *
         * @param groupName the name
         * @return this builder
         * @throws IllegalArgumentException if the name is not a valid group name
         */
        public Builder allowInternational(String groupName) {
            allowedInternational.add(Names.checkName("Dialing rule group", groupName));
            return this;
        }

        /**
         * Sets the digits that replace a leading {@code +} before matching, such as {@code 00}
         * (most of Europe) or {@code 011} (North America). Unset by default: the {@code +} is kept and
         * masks may start with {@code +}.
         *
         * @param code one to four digits
         * @return this builder
         * @throws NullPointerException if {@code code} is null
         * @throws IllegalArgumentException if {@code code} is not one to four digits
         */
        public Builder internationalAccessCode(String code) {
            Objects.requireNonNull(code, "international access code must not be null");
            if (!code.matches("[0-9]{1,4}")) {
                throw new IllegalArgumentException(
                        "International access code '" + code + "' must be one to four digits");
            }
            this.iac = code;
            return this;
        }

        /**
         * Builds the rules.
         *
         * @return the rules
         * @throws IllegalStateException if an allowed group name is not a configured group of its scope
         */
        public DialingRules build() {
            List<String> unknown = new ArrayList<>();
            checkAllowed(DialingScope.IN_COUNTRY, allowedInCountry, unknown);
            checkAllowed(DialingScope.INTERNATIONAL, allowedInternational, unknown);
            if (!unknown.isEmpty()) {
                throw new IllegalStateException(
                        "Dialing rules allow groups that are not configured: " + String.join(", ", unknown));
            }
            return new DialingRules(
                    List.copyOf(groups),
                    AllowedDialingGroups.of(allowedInCountry, allowedInternational),
                    Optional.ofNullable(iac));
        }

        private void checkAllowed(DialingScope scope, Set<String> names, List<String> unknown) {
            Set<String> configured = new HashSet<>();
            for (DialingRuleGroup g : groups) {
                if (g.scope() == scope) {
                    configured.add(Names.key(g.name()));
                }
            }
            for (String n : names) {
                if (!configured.contains(Names.key(n))) {
                    unknown.add(scope.label() + " group '" + n + "'");
                }
            }
        }
    }
}
