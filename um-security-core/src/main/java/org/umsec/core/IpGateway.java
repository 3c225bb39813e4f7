package org.umsec.core;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A UM IP gateway or IP PBX: the device that connects the telephone network to the Unified
 * Messaging server over SIP. It is identified by FQDN and port, or by IP address and port (R4), and
 * serves one dial plan. The set of configured gateways is the server's list of trusted VoIP devices
 * (R5, {@link UmConfiguration#trustList()}).
 *
 * <p>To serve a {@link VoipSecurityMode#SIP_SECURED} or {@link VoipSecurityMode#SECURED} dial plan a
 * gateway must be configured with an FQDN, because mutual TLS identifies it by the name in its
 * certificate, and with port {@value VoipSecurityMode#SECURED_PORT}; {@link UmConfiguration#validate()}
 * reports a gateway that is not. The port defaults to {@value VoipSecurityMode#UNSECURED_PORT}, as
 * in Exchange. Immutable.
 *
 * <pre>{@code
 * IpGateway gw = IpGateway.builder("gw1")
 *         .fqdn("gw1.example.com")
 *         .port(5061)
 *         .dialPlan("Seattle")
 *         .build();
 * }</pre>
 */
public final class IpGateway {
    private final String name;
    private final Optional<String> fqdn;
    private final Optional<InetAddress> address;
    private final int port;
    private final String dialPlan;

    private IpGateway(Builder b) {
        this.name = b.name;
        this.fqdn = Optional.ofNullable(b.fqdn);
        this.address = Optional.ofNullable(b.address);
        this.port = b.port;
        this.dialPlan = b.dialPlan;
    }

    /**
     * Starts a gateway.
     *
     * @param name the name (case-insensitive, at most 64 characters, no commas)
     * @return a new builder with port {@value VoipSecurityMode#UNSECURED_PORT}
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
     * Returns the FQDN, normalised to lower case without trailing dot.
     *
     * @return the FQDN, if configured
     */
    public Optional<String> fqdn() {
        return fqdn;
    }

    /**
     * Returns the IP address.
     *
     * @return the address, if configured
     */
    public Optional<InetAddress> address() {
        return address;
    }

    /**
     * Returns the SIP port of the gateway.
     *
     * @return 1 to 65535
     */
    public int port() {
        return port;
    }

    /**
     * Returns the name of the dial plan the gateway serves.
     *
     * @return the dial plan name
     */
    public String dialPlan() {
        return dialPlan;
    }

    /**
     * Returns the host to connect to: the FQDN if configured, otherwise the address in canonical
     * text form (IPv6 in RFC 5952 form, without brackets).
     *
     * @return the host
     */
    public String host() {
        return fqdn.orElseGet(() -> HostNames.canonical(address.orElseThrow()));
    }

    /**
     * Returns a builder initialised from this gateway.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(name).port(port).dialPlan(dialPlan);
        fqdn.ifPresent(b::fqdn);
        address.ifPresent(b::address);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof IpGateway)) {
            return false;
        }
        IpGateway g = (IpGateway) o;
        return name.equals(g.name)
                && fqdn.equals(g.fqdn)
                && address.equals(g.address)
                && port == g.port
                && dialPlan.equals(g.dialPlan);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, fqdn, address, port, dialPlan);
    }

    @Override
    public String toString() {
        return "IpGateway{" + name + ", " + host() + ":" + port + ", dialPlan=" + dialPlan + "}";
    }

    /** Builds an {@link IpGateway}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private String fqdn;
        private InetAddress address;
        private int port = VoipSecurityMode.UNSECURED_PORT;
        private String dialPlan;

        private Builder(String name) {
            this.name = Names.checkName("IP gateway", name);
        }

        /**
         * Sets the FQDN.
         *
         * @param fqdn a host name; case and one trailing dot are ignored
         * @return this builder
         * @throws NullPointerException if {@code fqdn} is null
         * @throws IllegalArgumentException if it is not a valid host name, or is an IP address
         */
        public Builder fqdn(String fqdn) {
            this.fqdn = Names.checkFqdn("IP gateway '" + name + "'", fqdn);
            return this;
        }

        /**
         * Sets the IP address from a literal. No DNS lookup is made.
         *
         * @param ipLiteral an IPv4 or IPv6 literal, IPv6 optionally in brackets
         * @return this builder
         * @throws NullPointerException if {@code ipLiteral} is null
         * @throws IllegalArgumentException if it is not an IP literal
         */
        public Builder address(String ipLiteral) {
            Objects.requireNonNull(ipLiteral, "IP gateway address must not be null");
            this.address = HostNames.parseIpLiteral(ipLiteral.strip())
                    .orElseThrow(() -> new IllegalArgumentException("IP gateway '" + name + "' address '" + ipLiteral
                            + "' is not an IP address literal (a host name goes in fqdn(...))"));
            return this;
        }

        /**
         * Sets the IP address.
         *
         * @param address the address; any host name it carries is dropped
         * @return this builder
         * @throws NullPointerException if {@code address} is null
         */
        public Builder address(InetAddress address) {
            Objects.requireNonNull(address, "IP gateway address must not be null");
            this.address = HostNames.byAddress(address.getAddress());
            return this;
        }

        /**
         * Sets the SIP port.
         *
         * @param port 1 to 65535; 5061 for secured dial plans (R4)
         * @return this builder
         * @throws IllegalArgumentException if {@code port} is outside 1 to 65535
         */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("IP gateway '" + name + "' port " + port + " is outside 1-65535");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the dial plan the gateway serves.
         *
         * @param dialPlanName the dial plan's name
         * @return this builder
         * @throws NullPointerException if {@code dialPlanName} is null
         * @throws IllegalArgumentException if it is not a valid dial plan name
         */
        public Builder dialPlan(String dialPlanName) {
            this.dialPlan = Names.checkName("Dial plan", dialPlanName);
            return this;
        }

        /**
         * Builds the gateway.
         *
         * @return the gateway
         * @throws IllegalStateException if neither an FQDN nor an address, or no dial plan, was set
         */
        public IpGateway build() {
            if (fqdn == null && address == null) {
                throw new IllegalStateException("IP gateway '" + name + "' needs an FQDN or an IP address");
            }
            if (dialPlan == null) {
                throw new IllegalStateException("IP gateway '" + name + "' needs a dial plan");
            }
            return new IpGateway(this);
        }
    }
}
