package org.umsec.core;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a Unified Messaging server needs to know about its VoIP security: the server itself,
 * the dial plans, the IP gateways (which are also the trusted device list, R5) and the UM mailbox
 * policies that carry dialing restrictions (R6).
 *
 * <p>Each value checks its own fields when built; {@link #validate()} checks how they fit together
 * and reports <em>every</em> problem at once, so an administrator can fix a configuration in one
 * pass:
 * <ul>
 *   <li>duplicate dial plan, gateway or mailbox policy names (names are case-insensitive);</li>
 *   <li>references to unknown dial plans (from gateways, the server, mailbox policies);</li>
 *   <li>R4: a gateway serving a SIPSecured or Secured dial plan without an FQDN, or not on port 5061;</li>
 *   <li>a gateway serving an Unsecured dial plan on the TLS port 5061 (warning);</li>
 *   <li>two gateways with the same FQDN or address on the same port, which would make the trusted device
 *       ambiguous;</li>
 *   <li>R3: a {@code StartSecured} value other than 0 or 1;</li>
 *   <li>a mailbox policy allowing a dialing group its dial plan does not configure;</li>
 *   <li>a gateway serving a dial plan the server is not associated with, while the server is associated
 *       with some (every gateway is trusted, R5, so one the server does not serve is an error).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; to change a configuration, build a new one.
 *
 * <pre>{@code
 * UmConfiguration cfg = UmConfiguration.builder(
 *                 UmServer.builder("um1", "um1.example.com").dialPlan("Seattle").build())
 *         .dialPlan(DialPlan.builder("Seattle").mode(VoipSecurityMode.SECURED).build())
 *         .gateway(IpGateway.builder("gw1").fqdn("gw1.example.com").port(5061).dialPlan("Seattle").build())
 *         .build();
 * cfg.requireValid();
 * StartupPlan plan = StartupPlan.resolve(cfg); // TLS listener on 5061, certificate required
 * TrustList trusted = cfg.trustList();          // [gw1.example.com]
 * }</pre>
 */
public final class UmConfiguration {
    private static final String R4_RULE = "a gateway serving a SIPSecured or Secured dial plan must be configured"
            + " with an FQDN and port 5061 (R4)";

    private final UmServer server;
    private final List<DialPlan> dialPlans;
    private final List<IpGateway> gateways;
    private final List<UmMailboxPolicy> mailboxPolicies;

    private UmConfiguration(Builder b) {
        this.server = b.server;
        this.dialPlans = List.copyOf(b.dialPlans);
        this.gateways = List.copyOf(b.gateways);
        this.mailboxPolicies = List.copyOf(b.mailboxPolicies);
    }

    /**
     * Starts a configuration for a server.
     *
     * @param server the server
     * @return a new builder
     * @throws NullPointerException if {@code server} is null
     */
    public static Builder builder(UmServer server) {
        return new Builder(server);
    }

    /**
     * Returns the server.
     *
     * @return the server
     */
    public UmServer server() {
        return server;
    }

    /**
     * Returns the dial plans.
     *
     * @return an unmodifiable list in the order added
     */
    public List<DialPlan> dialPlans() {
        return dialPlans;
    }

    /**
     * Returns the IP gateways.
     *
     * @return an unmodifiable list in the order added
     */
    public List<IpGateway> gateways() {
        return gateways;
    }

    /**
     * Returns the UM mailbox policies.
     *
     * @return an unmodifiable list in the order added
     */
    public List<UmMailboxPolicy> mailboxPolicies() {
        return mailboxPolicies;
    }

    /**
     * Finds a dial plan by name, ignoring case.
     *
     * @param name the name
     * @return the first dial plan with that name, or empty
     * @throws NullPointerException if {@code name} is null
     */
    public Optional<DialPlan> dialPlan(String name) {
        String key = Names.key(
                Objects.requireNonNull(name, "dial plan name must not be null").strip());
        return dialPlans.stream().filter(d -> Names.key(d.name()).equals(key)).findFirst();
    }

    /**
     * Finds a gateway by name, ignoring case.
     *
     * @param name the name
     * @return the first gateway with that name, or empty
     * @throws NullPointerException if {@code name} is null
     */
    public Optional<IpGateway> gateway(String name) {
        String key = Names.key(
                Objects.requireNonNull(name, "gateway name must not be null").strip());
        return gateways.stream().filter(g -> Names.key(g.name()).equals(key)).findFirst();
    }

    /**
     * Finds a mailbox policy by name, ignoring case.
     *
     * @param name the name
     * @return the first policy with that name, or empty
     * @throws NullPointerException if {@code name} is null
     */
    public Optional<UmMailboxPolicy> mailboxPolicy(String name) {
        String key = Names.key(Objects.requireNonNull(name, "mailbox policy name must not be null")
                .strip());
        return mailboxPolicies.stream()
                .filter(p -> Names.key(p.name()).equals(key))
                .findFirst();
    }

    /**
     * Finds the gateway a trust-list entry came from, so that a peer accepted by
     * {@link TrustList#matchCertificate(CertificateIdentity)} or {@link TrustList#matchAddress(InetAddress)}
     * can be mapped to its dial plan and therefore its security mode.
     *
     * @param trustEntry an entry of {@link #trustList()} (an FQDN or IP literal in any spelling)
     * @return the first gateway with that FQDN or address, or empty
     * @throws NullPointerException if {@code trustEntry} is null
     */
    public Optional<IpGateway> gatewayFor(String trustEntry) {
        Objects.requireNonNull(trustEntry, "trust entry must not be null");
        String t = trustEntry.strip();
        Optional<InetAddress> ip = HostNames.parseIpLiteral(t);
        if (ip.isPresent()) {
            return gateways.stream().filter(g -> g.address().equals(ip)).findFirst();
        }
        String n = HostNames.normaliseName(t);
        return gateways.stream()
                .filter(g -> g.fqdn().map(n::equals).orElse(false))
                .findFirst();
    }

    /**
     * Returns the dial plan a gateway serves.
     *
     * @param gateway the gateway
     * @return the dial plan, or empty if the gateway names an unknown one
     * @throws NullPointerException if {@code gateway} is null
     */
    public Optional<DialPlan> dialPlanForGateway(IpGateway gateway) {
        Objects.requireNonNull(gateway, "gateway must not be null");
        return dialPlan(gateway.dialPlan());
    }

    /**
     * Returns the dial plan a gateway, given by name, serves.
     *
     * @param gatewayName the gateway's name
     * @return the dial plan, or empty if there is no such gateway or it names an unknown dial plan
     * @throws NullPointerException if {@code gatewayName} is null
     */
    public Optional<DialPlan> dialPlanForGateway(String gatewayName) {
        return gateway(gatewayName).flatMap(this::dialPlanForGateway);
    }

    /**
     * Returns the trusted device list (R5): the FQDN and the address of every configured gateway,
     * wildcards off, resolved with the {@linkplain AddressResolver#system() system resolver}.
     *
     * @return the trust list
     */
    public TrustList trustList() {
        return trustList(AddressResolver.system());
    }

    /**
     * Returns the trusted device list (R5) with a chosen resolver for source-address checks.
     *
     * @param resolver the resolver for FQDN entries
     * @return the trust list
     * @throws NullPointerException if {@code resolver} is null
     */
    public TrustList trustList(AddressResolver resolver) {
        TrustList.Builder b = TrustList.builder().resolver(resolver);
        for (IpGateway g : gateways) {
            g.fqdn().ifPresent(b::add);
            g.address().ifPresent(a -> b.add(HostNames.canonical(a)));
        }
        return b.build();
    }

    /**
     * Returns the trust list of one listener (R26): each listener trusts only the gateways whose
     * dial plan uses it.
     * <ul>
     *   <li>{@link SignallingTransport#TLS}: the FQDNs of gateways on SIPSecured and Secured dial
     *       plans, matched against certificate identities (SAN DNS, then CN). Their addresses are
     *       not entries: an address is not a certificate identity.</li>
     *   <li>{@link SignallingTransport#TCP}: the FQDNs and addresses of gateways on Unsecured dial
     *       plans, matched against the source address. A gateway on a secured plan is not trusted
     *       on plain TCP.</li>
     * </ul>
     * A gateway whose dial plan is unknown is on neither list.
     *
     * @param listener the listener's transport
     * @param resolver the resolver for FQDN entries
     * @return the trust list
     * @throws NullPointerException if an argument is null
     */
    public TrustList trustList(SignallingTransport listener, AddressResolver resolver) {
        Objects.requireNonNull(listener, "listener must not be null");
        TrustList.Builder b = TrustList.builder().resolver(resolver);
        for (IpGateway g : gateways) {
            Optional<DialPlan> plan = dialPlanForGateway(g);
            if (plan.isEmpty() || plan.get().mode().signallingTransport() != listener) {
                continue;
            }
            g.fqdn().ifPresent(b::add);
            if (listener == SignallingTransport.TCP) {
                g.address().ifPresent(a -> b.add(HostNames.canonical(a)));
            }
        }
        return b.build();
    }

    /**
     * Checks a number against a dial plan's own dialing restrictions (R6).
     *
     * @param dialPlanName the dial plan
     * @param number the number as entered
     * @return the verdict
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if there is no such dial plan
     */
    public DialingCheck checkDialing(String dialPlanName, String number) {
        DialPlan dp = dialPlan(dialPlanName)
                .orElseThrow(() -> new IllegalArgumentException("Unknown dial plan '" + dialPlanName + "'"));
        return dp.dialingRules().check(number);
    }

    /**
     * Checks a number against a mailbox policy's dialing restrictions, using the rules of the
     * policy's dial plan (R6).
     *
     * @param mailboxPolicyName the policy
     * @param number the number as entered
     * @return the verdict
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if there is no such policy, or its dial plan is unknown
     */
    public DialingCheck checkDialingForPolicy(String mailboxPolicyName, String number) {
        UmMailboxPolicy p = mailboxPolicy(mailboxPolicyName)
                .orElseThrow(
                        () -> new IllegalArgumentException("Unknown UM mailbox policy '" + mailboxPolicyName + "'"));
        DialPlan dp = dialPlan(p.dialPlan())
                .orElseThrow(() -> new IllegalArgumentException(
                        "UM mailbox policy '" + p.name() + "' belongs to unknown dial plan '" + p.dialPlan() + "'"));
        return dp.dialingRules().check(number, p.allowed());
    }

    /**
     * Checks the whole configuration and returns every problem found, errors and warnings, in a
     * stable order: dial plans, gateways, server, mailbox policies.
     *
     * @return an unmodifiable list; empty if the configuration is clean
     */
    public List<ConfigProblem> validate() {
        List<ConfigProblem> out = new ArrayList<>();
        duplicates(
                out,
                ConfigProblem.Kind.DIAL_PLAN,
                "Dial plan",
                dialPlans.stream().map(DialPlan::name).toList());
        duplicates(
                out,
                ConfigProblem.Kind.GATEWAY,
                "IP gateway",
                gateways.stream().map(IpGateway::name).toList());
        duplicates(
                out,
                ConfigProblem.Kind.MAILBOX_POLICY,
                "UM mailbox policy",
                mailboxPolicies.stream().map(UmMailboxPolicy::name).toList());
        validateGateways(out);
        validateServer(out);
        validatePolicies(out);
        return List.copyOf(out);
    }

    /**
     * Returns whether {@link #validate()} finds no error (warnings are allowed).
     *
     * @return {@code true} if the configuration is usable
     */
    public boolean isValid() {
        return validate().stream().noneMatch(ConfigProblem::isError);
    }

    /**
     * Throws if {@link #validate()} finds an error.
     *
     * @return this configuration, for chaining
     * @throws InvalidConfigurationException listing every error (warnings are left out)
     */
    public UmConfiguration requireValid() {
        List<ConfigProblem> errors =
                validate().stream().filter(ConfigProblem::isError).toList();
        if (!errors.isEmpty()) {
            throw new InvalidConfigurationException(errors);
        }
        return this;
    }

    private static void duplicates(List<ConfigProblem> out, ConfigProblem.Kind kind, String what, List<String> names) {
        Set<String> seen = new HashSet<>();
        Set<String> reported = new HashSet<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            String k = Names.key(n);
            if (!seen.add(k) && reported.add(k)) {
                out.add(ConfigProblem.error(
                        kind,
                        n,
                        i,
                        "name",
                        what + " name '" + n + "' is used more than once (names are case-insensitive)"));
            }
        }
    }

    private void validateGateways(List<ConfigProblem> out) {
        Map<String, IpGateway> byHost = new HashMap<>();
        Set<String> associated = new HashSet<>();
        server.dialPlans().forEach(n -> associated.add(Names.key(n)));
        for (int i = 0; i < gateways.size(); i++) {
            IpGateway g = gateways.get(i);
            ConfigProblem.Kind gw = ConfigProblem.Kind.GATEWAY;
            String name = g.name();
            Optional<DialPlan> dp = dialPlan(g.dialPlan());
            if (dp.isEmpty()) {
                out.add(ConfigProblem.error(
                        gw,
                        name,
                        i,
                        "dialPlan",
                        "IP gateway '" + g.name() + "' serves unknown dial plan '" + g.dialPlan() + "'"));
            } else {
                VoipSecurityMode mode = dp.get().mode();
                String served = "IP gateway '" + g.name() + "' serves " + mode.displayName() + " dial plan '"
                        + dp.get().name() + "'";
                if (mode.mutualTls() && g.fqdn().isEmpty()) {
                    out.add(ConfigProblem.error(gw, name, i, "fqdn", served + " but has no FQDN; " + R4_RULE));
                }
                if (mode.mutualTls() && g.port() != VoipSecurityMode.SECURED_PORT) {
                    out.add(ConfigProblem.error(gw, name, i, "port", served + " on port " + g.port() + "; " + R4_RULE));
                }
                if (!mode.mutualTls() && g.port() == VoipSecurityMode.SECURED_PORT) {
                    out.add(ConfigProblem.warning(
                            gw,
                            name,
                            i,
                            "port",
                            served + " on port 5061, the SIP-over-TLS port;"
                                    + " Unsecured dial plans use SIP over TCP, normally on port 5060"));
                }
                if (!associated.isEmpty()
                        && !associated.contains(Names.key(dp.get().name()))) {
                    // An error, not a warning: every configured gateway is on the trusted list (R5), so a
                    // gateway whose dial plan this server does not serve would be trusted for nothing.
                    out.add(ConfigProblem.error(
                            gw,
                            name,
                            i,
                            "dialPlan",
                            "IP gateway '" + g.name()
                                    + "' serves dial plan '" + dp.get().name() + "', which UM server '" + server.name()
                                    + "' is not associated with; associate the dial plan or remove the gateway"));
                }
            }
            // A device is its host and port (R4): one box may serve an Unsecured dial plan on 5060
            // and a secured one on 5061, so only the same host on the same port is ambiguous.
            List<String[]> hosts = new ArrayList<>(2);
            g.fqdn().ifPresent(f -> hosts.add(new String[] {"fqdn", "FQDN '" + f + "' and port " + g.port()}));
            g.address()
                    .ifPresent(a -> hosts.add(
                            new String[] {"address", "IP address '" + HostNames.canonical(a) + "' and port " + g.port()
                            }));
            for (String[] h : hosts) {
                IpGateway first = byHost.putIfAbsent(h[1], g);
                if (first != null) {
                    out.add(ConfigProblem.error(
                            gw,
                            name,
                            i,
                            h[0],
                            "IP gateways '" + first.name() + "' and '" + g.name() + "' have the same " + h[1]
                                    + "; each trusted device must be configured once"));
                }
            }
        }
    }

    private void validateServer(List<ConfigProblem> out) {
        ConfigProblem.Kind sv = ConfigProblem.Kind.SERVER;
        String name = server.name();
        Set<String> seen = new HashSet<>();
        for (String n : server.dialPlans()) {
            if (!seen.add(Names.key(n))) {
                out.add(ConfigProblem.warning(
                        sv,
                        name,
                        -1,
                        "dialPlans",
                        "UM server '" + server.name() + "' lists dial plan '" + n + "' more than once"));
            } else if (dialPlan(n).isEmpty()) {
                out.add(ConfigProblem.error(
                        sv,
                        name,
                        -1,
                        "dialPlans",
                        "UM server '" + server.name() + "' is associated with unknown dial plan '" + n + "'"));
            }
        }
        int s = server.startSecured();
        if (s != 0 && s != 1) {
            if (server.dialPlans().isEmpty()) {
                out.add(ConfigProblem.error(sv, name, -1, "startSecured", StartupPlan.badStartSecured(server)));
            } else {
                out.add(ConfigProblem.warning(
                        sv,
                        name,
                        -1,
                        "startSecured",
                        "UM server '" + server.name()
                                + "' has StartSecured " + s
                                + ", which is ignored while the server is associated with dial plans;"
                                + " it must be 0 or 1"));
            }
        }
    }

    private void validatePolicies(List<ConfigProblem> out) {
        for (int i = 0; i < mailboxPolicies.size(); i++) {
            UmMailboxPolicy p = mailboxPolicies.get(i);
            ConfigProblem.Kind mp = ConfigProblem.Kind.MAILBOX_POLICY;
            Optional<DialPlan> dp = dialPlan(p.dialPlan());
            if (dp.isEmpty()) {
                out.add(ConfigProblem.error(
                        mp,
                        p.name(),
                        i,
                        "dialPlan",
                        "UM mailbox policy '" + p.name() + "' belongs to unknown dial plan '" + p.dialPlan() + "'"));
                continue;
            }
            for (DialingScope scope : DialingScope.values()) {
                for (String g : p.allowed().names(scope)) {
                    if (dp.get().dialingRules().group(scope, g).isEmpty()) {
                        out.add(ConfigProblem.error(
                                mp,
                                p.name(),
                                i,
                                "allowed",
                                "UM mailbox policy '" + p.name()
                                        + "' allows "
                                        + scope.label() + " group '" + g + "', which dial plan '"
                                        + dp.get().name()
                                        + "' does not configure"));
                    }
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UmConfiguration)) {
            return false;
        }
        UmConfiguration c = (UmConfiguration) o;
        return server.equals(c.server)
                && dialPlans.equals(c.dialPlans)
                && gateways.equals(c.gateways)
                && mailboxPolicies.equals(c.mailboxPolicies);
    }

    @Override
    public int hashCode() {
        return Objects.hash(server, dialPlans, gateways, mailboxPolicies);
    }

    @Override
    public String toString() {
        return "UmConfiguration{" + server + ", dialPlans=" + dialPlans + ", gateways=" + gateways
                + ", mailboxPolicies=" + mailboxPolicies + "}";
    }

    /**
     * Builds a {@link UmConfiguration}. Accepts configurations with problems, so that
     * {@link UmConfiguration#validate()} can report them all. Not thread-safe.
     */
    public static final class Builder {
        private final UmServer server;
        private final List<DialPlan> dialPlans = new ArrayList<>();
        private final List<IpGateway> gateways = new ArrayList<>();
        private final List<UmMailboxPolicy> mailboxPolicies = new ArrayList<>();

        private Builder(UmServer server) {
            this.server = Objects.requireNonNull(server, "server must not be null");
        }

        /**
         * Adds a dial plan.
         *
         * @param d the dial plan
         * @return this builder
         * @throws NullPointerException if {@code d} is null
         */
        public Builder dialPlan(DialPlan d) {
            dialPlans.add(Objects.requireNonNull(d, "dial plan must not be null"));
            return this;
        }

        /**
         * Adds dial plans.
         *
         * @param c the dial plans
         * @return this builder
         * @throws NullPointerException if {@code c} or an element is null
         */
        public Builder dialPlans(Collection<DialPlan> c) {
            dialPlans.addAll(List.copyOf(Objects.requireNonNull(c, "dial plans must not be null")));
            return this;
        }

        /**
         * Adds a gateway.
         *
         * @param g the gateway
         * @return this builder
         * @throws NullPointerException if {@code g} is null
         */
        public Builder gateway(IpGateway g) {
            gateways.add(Objects.requireNonNull(g, "gateway must not be null"));
            return this;
        }

        /**
         * Adds gateways.
         *
         * @param c the gateways
         * @return this builder
         * @throws NullPointerException if {@code c} or an element is null
         */
        public Builder gateways(Collection<IpGateway> c) {
            gateways.addAll(List.copyOf(Objects.requireNonNull(c, "gateways must not be null")));
            return this;
        }

        /**
         * Adds a mailbox policy.
         *
         * @param p the policy
         * @return this builder
         * @throws NullPointerException if {@code p} is null
         */
        public Builder mailboxPolicy(UmMailboxPolicy p) {
            mailboxPolicies.add(Objects.requireNonNull(p, "mailbox policy must not be null"));
            return this;
        }

        /**
         * Builds the configuration without validating it.
         *
         * @return the configuration
         */
        public UmConfiguration build() {
            return new UmConfiguration(this);
        }
    }
}
