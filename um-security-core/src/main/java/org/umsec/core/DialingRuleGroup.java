package org.umsec.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named group of {@link DialingRule}s in one {@link DialingScope}, for example the in-country group
 * {@code Local} with the rule {@code 91425xxxxxxx -> 9xxxxxxx}, or the international group
 * {@code Europe} with {@code 0033*} and {@code 0044*}. Dial plans configure groups; dial plans and
 * mailbox policies then allow some of them by name ({@link AllowedDialingGroups}). Immutable.
 *
 * <pre>{@code
 * DialingRuleGroup local = DialingRuleGroup.builder("Local", DialingScope.IN_COUNTRY)
 *         .rule(DialingRule.of("91425xxxxxxx", "9xxxxxxx", "Seattle local"))
 *         .build();
 * }</pre>
 */
public final class DialingRuleGroup {
    private final String name;
    private final DialingScope scope;
    private final List<DialingRule> rules;

    private DialingRuleGroup(Builder b) {
        this.name = b.name;
        this.scope = b.scope;
        this.rules = List.copyOf(b.rules);
    }

    /**
     * Starts a group.
     *
     * @param name the group name (case-insensitive, at most 64 characters, no commas)
     * @param scope in-country or international
     * @return a new builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is blank, too long or contains commas or control characters
     */
    public static Builder builder(String name, DialingScope scope) {
        return new Builder(name, scope);
    }

    /**
     * Returns the group name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the scope.
     *
     * @return in-country or international
     */
    public DialingScope scope() {
        return scope;
    }

    /**
     * Returns the rules in the order they are tried.
     *
     * @return an unmodifiable, non-empty list
     */
    public List<DialingRule> rules() {
        return rules;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DialingRuleGroup
                && name.equals(((DialingRuleGroup) o).name)
                && scope == ((DialingRuleGroup) o).scope
                && rules.equals(((DialingRuleGroup) o).rules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, scope, rules);
    }

    @Override
    public String toString() {
        return scope.label() + " group '" + name + "' " + rules;
    }

    /** Builds a {@link DialingRuleGroup}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final DialingScope scope;
        private final List<DialingRule> rules = new ArrayList<>();

        private Builder(String name, DialingScope scope) {
            this.name = Names.checkName("Dialing rule group", name);
            this.scope = Objects.requireNonNull(scope, "dialing scope must not be null");
        }

        /**
         * Appends a rule.
         *
         * @param rule the rule
         * @return this builder
         * @throws NullPointerException if {@code rule} is null
         */
        public Builder rule(DialingRule rule) {
            rules.add(Objects.requireNonNull(rule, "dialing rule must not be null"));
            return this;
        }

        /**
         * Appends a rule built with {@link DialingRule#of(String, String, String)} and no comment.
         *
         * @param numberMask the mask
         * @param dialedNumber the dialed-number pattern
         * @return this builder
         * @throws IllegalArgumentException if the rule is invalid
         */
        public Builder rule(String numberMask, String dialedNumber) {
            return rule(DialingRule.of(numberMask, dialedNumber, ""));
        }

        /**
         * Builds the group.
         *
         * @return the group
         * @throws IllegalStateException if no rule was added
         */
        public DialingRuleGroup build() {
            if (rules.isEmpty()) {
                throw new IllegalStateException("Dialing rule group '" + name + "' has no rules");
            }
            return new DialingRuleGroup(this);
        }
    }
}
