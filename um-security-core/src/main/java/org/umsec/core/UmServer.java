package org.umsec.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A Unified Messaging server: its name, FQDN (the name its certificate must carry), the dial plans
 * it is associated with, and its {@code StartSecured} fallback.
 *
 * <p>At start-up the server serves the modes of its associated dial plans; with no association it
 * reads {@code StartSecured} from its configuration file (Exchange: {@code MSExchangeUM.config}):
 * {@code 1} starts secured, {@code 0} unsecured (R3, {@link StartupPlan}). The builder accepts any
 * integer because the value comes from a file; {@link StartupPlan#resolve(UmConfiguration)} and
 * {@link UmConfiguration#validate()} report a value other than 0 or 1. Immutable.
 *
 * <pre>{@code
 * UmServer um = UmServer.builder("um1", "um1.example.com").dialPlan("Seattle").build();
 * }</pre>
 */
public final class UmServer {
    private final String name;
    private final String fqdn;
    private final List<String> dialPlans;
    private final int startSecured;

    private UmServer(Builder b) {
        this.name = b.name;
        this.fqdn = b.fqdn;
        this.dialPlans = List.copyOf(b.dialPlans);
        this.startSecured = b.startSecured;
    }

    /**
     * Starts a server.
     *
     * @param name the server name (at most 64 characters, no commas)
     * @param fqdn the server's FQDN; case and one trailing dot are ignored
     * @return a new builder with no associated dial plan and {@code StartSecured} 0
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name or FQDN is invalid
     */
    public static Builder builder(String name, String fqdn) {
        return new Builder(name, fqdn);
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
     * Returns the FQDN, normalised to lower case without trailing dot.
     *
     * @return the FQDN
     */
    public String fqdn() {
        return fqdn;
    }

    /**
     * Returns the names of the associated dial plans.
     *
     * @return an unmodifiable list in the order given
     */
    public List<String> dialPlans() {
        return dialPlans;
    }

    /**
     * Returns the raw {@code StartSecured} value; only 0 and 1 are meaningful.
     *
     * @return the value
     */
    public int startSecured() {
        return startSecured;
    }

    /**
     * Returns a builder initialised from this server.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(name, fqdn).dialPlans(dialPlans).startSecured(startSecured);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UmServer)) {
            return false;
        }
        UmServer s = (UmServer) o;
        return name.equals(s.name)
                && fqdn.equals(s.fqdn)
                && dialPlans.equals(s.dialPlans)
                && startSecured == s.startSecured;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, fqdn, dialPlans, startSecured);
    }

    @Override
    public String toString() {
        return "UmServer{" + name + ", " + fqdn + ", dialPlans=" + dialPlans + ", startSecured=" + startSecured + "}";
    }

    /** Builds a {@link UmServer}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final String fqdn;
        private final List<String> dialPlans = new ArrayList<>();
        private int startSecured;

        private Builder(String name, String fqdn) {
            this.name = Names.checkName("UM server", name);
            this.fqdn = Names.checkFqdn("UM server '" + this.name + "'", fqdn);
        }

        /**
         * Associates a dial plan.
         *
         * @param dialPlanName the dial plan's name
         * @return this builder
         * @throws NullPointerException if {@code dialPlanName} is null
         * @throws IllegalArgumentException if it is not a valid dial plan name
         */
        public Builder dialPlan(String dialPlanName) {
            dialPlans.add(Names.checkName("Dial plan", dialPlanName));
            return this;
        }

        /**
         * Replaces the associated dial plans.
         *
         * @param names the dial plan names
         * @return this builder
         * @throws NullPointerException if {@code names} or an element is null
         * @throws IllegalArgumentException if a name is invalid; the association is unchanged then
         */
        public Builder dialPlans(Collection<String> names) {
            Objects.requireNonNull(names, "dial plan names must not be null");
            List<String> checked = new ArrayList<>(names.size());
            for (String n : names) {
                checked.add(Names.checkName("Dial plan", n));
            }
            dialPlans.clear();
            dialPlans.addAll(checked);
            return this;
        }

        /**
         * Sets the {@code StartSecured} value read from the configuration file. Any value is
         * accepted here; values other than 0 and 1 are reported when the start-up mode is resolved.
         *
         * @param value 1 to start secured, 0 to start unsecured
         * @return this builder
         */
        public Builder startSecured(int value) {
            this.startSecured = value;
            return this;
        }

        /**
         * Builds the server.
         *
         * @return the server
         */
        public UmServer build() {
            return new UmServer(this);
        }
    }
}
