package org.umsec.core;

import java.util.Objects;

/**
 * A UM mailbox policy: settings shared by a set of UM-enabled mailboxes in one dial plan. For
 * security its job is dialing restrictions (R6): it names which of the dial plan's configured
 * in-country and international groups its users may call, independently of the dial plan's own
 * default allowance. Immutable.
 *
 * <pre>{@code
 * UmMailboxPolicy staff = UmMailboxPolicy.builder("Staff", "Seattle")
 *         .allowed(AllowedDialingGroups.of(List.of("Local"), List.of()))
 *         .build();
 * }</pre>
 */
public final class UmMailboxPolicy {
    private final String name;
    private final String dialPlan;
    private final AllowedDialingGroups allowed;

    private UmMailboxPolicy(Builder b) {
        this.name = b.name;
        this.dialPlan = b.dialPlan;
        this.allowed = b.allowed;
    }

    /**
     * Starts a policy.
     *
     * @param name the policy name
     * @param dialPlan the name of the dial plan the policy belongs to
     * @return a new builder that allows no group
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a name is invalid
     */
    public static Builder builder(String name, String dialPlan) {
        return new Builder(name, dialPlan);
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
     * Returns the dial plan name.
     *
     * @return the dial plan name
     */
    public String dialPlan() {
        return dialPlan;
    }

    /**
     * Returns the allowed dialing groups.
     *
     * @return the allowance
     */
    public AllowedDialingGroups allowed() {
        return allowed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UmMailboxPolicy
                && name.equals(((UmMailboxPolicy) o).name)
                && dialPlan.equals(((UmMailboxPolicy) o).dialPlan)
                && allowed.equals(((UmMailboxPolicy) o).allowed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dialPlan, allowed);
    }

    @Override
    public String toString() {
        return "UmMailboxPolicy{" + name + ", dialPlan=" + dialPlan + ", " + allowed + "}";
    }

    /** Builds a {@link UmMailboxPolicy}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final String dialPlan;
        private AllowedDialingGroups allowed = AllowedDialingGroups.none();

        private Builder(String name, String dialPlan) {
            this.name = Names.checkName("UM mailbox policy", name);
            this.dialPlan = Names.checkName("Dial plan", dialPlan);
        }

        /**
         * Sets the allowed groups.
         *
         * @param groups the allowance
         * @return this builder
         * @throws NullPointerException if {@code groups} is null
         */
        public Builder allowed(AllowedDialingGroups groups) {
            this.allowed = Objects.requireNonNull(groups, "allowed groups must not be null");
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         */
        public UmMailboxPolicy build() {
            return new UmMailboxPolicy(this);
        }
    }
}
