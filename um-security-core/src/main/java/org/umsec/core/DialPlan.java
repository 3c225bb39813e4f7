package org.umsec.core;

import java.util.Objects;

/**
 * A Unified Messaging dial plan: a named set of extensions and users that share a VoIP security
 * mode and dialing rules. Every call a server handles belongs to one dial plan and is served in that
 * dial plan's {@link VoipSecurityMode} (R1, R2). IP gateways point at the dial plan they serve, and
 * servers are associated with the dial plans they answer for.
 *
 * <p>A new dial plan is {@link VoipSecurityMode#UNSECURED} unless told otherwise (R1) and has no
 * dialing rules, so it blocks every outgoing call until groups are configured and allowed (R6).
 * Immutable.
 *
 * <pre>{@code
 * DialPlan dp = DialPlan.builder("Seattle").mode(VoipSecurityMode.SECURED).build();
 * }</pre>
 */
public final class DialPlan {
    private final String name;
    private final VoipSecurityMode mode;
    private final DialingRules dialingRules;

    private DialPlan(Builder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.dialingRules = b.dialingRules;
    }

    /**
     * Starts a dial plan.
     *
     * @param name the name (case-insensitive, at most 64 characters, no commas)
     * @return a new builder with mode {@link VoipSecurityMode#UNSECURED} and no dialing rules
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if the name is blank, too long or contains commas or control characters
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Returns the name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the VoIP security mode of calls in this dial plan.
     *
     * @return the mode
     */
    public VoipSecurityMode mode() {
        return mode;
    }

    /**
     * Returns the dialing rules and restrictions.
     *
     * @return the rules, {@link DialingRules#none()} unless set
     */
    public DialingRules dialingRules() {
        return dialingRules;
    }

    /**
     * Returns a builder initialised from this dial plan.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(name).mode(mode).dialingRules(dialingRules);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DialPlan
                && name.equals(((DialPlan) o).name)
                && mode == ((DialPlan) o).mode
                && dialingRules.equals(((DialPlan) o).dialingRules);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, mode, dialingRules);
    }

    @Override
    public String toString() {
        return "DialPlan{" + name + ", " + mode.displayName() + "}";
    }

    /** Builds a {@link DialPlan}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private VoipSecurityMode mode = VoipSecurityMode.UNSECURED;
        private DialingRules dialingRules = DialingRules.none();

        private Builder(String name) {
            this.name = Names.checkName("Dial plan", name);
        }

        /**
         * Sets the VoIP security mode.
         *
         * @param m the mode
         * @return this builder
         * @throws NullPointerException if {@code m} is null
         */
        public Builder mode(VoipSecurityMode m) {
            this.mode = Objects.requireNonNull(m, "VoIP security mode must not be null");
            return this;
        }

        /**
         * Sets the dialing rules.
         *
         * @param rules the rules
         * @return this builder
         * @throws NullPointerException if {@code rules} is null
         */
        public Builder dialingRules(DialingRules rules) {
            this.dialingRules = Objects.requireNonNull(rules, "dialing rules must not be null");
            return this;
        }

        /**
         * Builds the dial plan.
         *
         * @return the dial plan
         */
        public DialPlan build() {
            return new DialPlan(this);
        }
    }
}
