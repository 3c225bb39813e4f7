package org.umsec.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link ConfigSource} held when it was read: the server (if the source has an entry for it),
 * the dial plans, the gateways and the mailbox policies in core's model, each with its
 * {@linkplain #origin(ConfigProblem.Subject) origin} (a file line, a directory entry's DN), and the
 * {@linkplain #findings() findings} of reading (an entry left out because a builder refused a value,
 * an entry of an unknown shape). Nothing here is validated as a whole: that is
 * {@link UmConfiguration#validate()}'s job, whose problems a loader maps back to origins with
 * {@link #origin(ConfigProblem.Subject)}.
 *
 * <p>Immutable. {@link #equals(Object)} compares the content (model and findings, not the origins),
 * so that a loader can tell a notification that changed nothing from a real change.
 */
public final class ConfigSnapshot {

    /**
     * A problem found while reading, before validation.
     *
     * @param origin where (a DN, a file and line)
     * @param severity {@link Severity#ERROR} (the entry was left out, the snapshot cannot be used) or
     *     {@link Severity#WARNING}
     * @param message a complete sentence naming the attribute and the value
     */
    public record Finding(String origin, Severity severity, String message) {
        /** Checks the components. */
        public Finding {
            Objects.requireNonNull(origin, "origin");
            Objects.requireNonNull(severity, "severity");
            Objects.requireNonNull(message, "message");
            if (severity == Severity.INFO) {
                throw new IllegalArgumentException("a finding is an ERROR or a WARNING");
            }
        }
    }

    private final String source;
    private final Optional<UmServer> server;
    private final String serverOrigin;
    private final List<DialPlan> dialPlans;
    private final List<String> dialPlanOrigins;
    private final List<IpGateway> gateways;
    private final List<String> gatewayOrigins;
    private final List<UmMailboxPolicy> mailboxPolicies;
    private final List<String> mailboxPolicyOrigins;
    private final List<Finding> findings;

    private ConfigSnapshot(Builder b) {
        source = b.source;
        server = Optional.ofNullable(b.server);
        serverOrigin = b.serverOrigin;
        dialPlans = List.copyOf(b.dialPlans);
        dialPlanOrigins = List.copyOf(b.dialPlanOrigins);
        gateways = List.copyOf(b.gateways);
        gatewayOrigins = List.copyOf(b.gatewayOrigins);
        mailboxPolicies = List.copyOf(b.mailboxPolicies);
        mailboxPolicyOrigins = List.copyOf(b.mailboxPolicyOrigins);
        findings = List.copyOf(b.findings);
    }

    /**
     * @param source the source's {@link ConfigSource#name()}
     * @return a builder
     */
    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** @return the source's name */
    public String source() {
        return source;
    }

    /** @return the server, empty when the source has no usable entry for it (a finding says why) */
    public Optional<UmServer> server() {
        return server;
    }

    /** @return the dial plans, in the source's order */
    public List<DialPlan> dialPlans() {
        return dialPlans;
    }

    /** @return the gateways, in the source's order */
    public List<IpGateway> gateways() {
        return gateways;
    }

    /** @return the mailbox policies, in the source's order */
    public List<UmMailboxPolicy> mailboxPolicies() {
        return mailboxPolicies;
    }

    /** @return the problems found while reading */
    public List<Finding> findings() {
        return findings;
    }

    /** @return whether a finding is an error (the snapshot must not be applied) */
    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }

    /**
     * The model in core's form, to validate.
     *
     * @return the configuration, empty when there is no server
     */
    public Optional<UmConfiguration> configuration() {
        return server.map(s -> {
            UmConfiguration.Builder b =
                    UmConfiguration.builder(s).dialPlans(dialPlans).gateways(gateways);
            mailboxPolicies.forEach(b::mailboxPolicy);
            return b.build();
        });
    }

    /**
     * Where an object came from.
     *
     * @param subject a subject of a {@link ConfigProblem} about {@link #configuration()}
     * @return the origin of the object, empty for a subject that is no object of this snapshot
     */
    public Optional<String> origin(ConfigProblem.Subject subject) {
        Objects.requireNonNull(subject, "subject");
        return switch (subject.kind()) {
            case SERVER -> server.map(s -> serverOrigin);
            case DIAL_PLAN -> at(dialPlanOrigins, subject.index());
            case GATEWAY -> at(gatewayOrigins, subject.index());
            case MAILBOX_POLICY -> at(mailboxPolicyOrigins, subject.index());
            case OTHER -> Optional.empty();
        };
    }

    private static Optional<String> at(List<String> origins, int index) {
        return index >= 0 && index < origins.size() ? Optional.of(origins.get(index)) : Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigSnapshot s
                && server.equals(s.server)
                && dialPlans.equals(s.dialPlans)
                && gateways.equals(s.gateways)
                && mailboxPolicies.equals(s.mailboxPolicies)
                && findings.equals(s.findings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(server, dialPlans, gateways, mailboxPolicies, findings);
    }

    @Override
    public String toString() {
        return "ConfigSnapshot[" + source + ": server "
                + server.map(UmServer::name).orElse("(none)") + ", dial plans "
                + dialPlans.stream().map(DialPlan::name).toList() + ", gateways "
                + gateways.stream().map(IpGateway::name).toList() + ", " + findings.size() + " findings]";
    }

    /** Collects a snapshot. Not thread-safe. */
    public static final class Builder {
        private final String source;
        private UmServer server;
        private String serverOrigin;
        private final List<DialPlan> dialPlans = new ArrayList<>();
        private final List<String> dialPlanOrigins = new ArrayList<>();
        private final List<IpGateway> gateways = new ArrayList<>();
        private final List<String> gatewayOrigins = new ArrayList<>();
        private final List<UmMailboxPolicy> mailboxPolicies = new ArrayList<>();
        private final List<String> mailboxPolicyOrigins = new ArrayList<>();
        private final List<Finding> findings = new ArrayList<>();

        private Builder(String source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /**
         * @param s the server
         * @param origin where it came from
         * @return this
         */
        public Builder server(UmServer s, String origin) {
            server = Objects.requireNonNull(s, "server");
            serverOrigin = Objects.requireNonNull(origin, "origin");
            return this;
        }

        /**
         * @param d a dial plan
         * @param origin where it came from
         * @return this
         */
        public Builder dialPlan(DialPlan d, String origin) {
            dialPlans.add(Objects.requireNonNull(d, "dialPlan"));
            dialPlanOrigins.add(Objects.requireNonNull(origin, "origin"));
            return this;
        }

        /**
         * @param g a gateway
         * @param origin where it came from
         * @return this
         */
        public Builder gateway(IpGateway g, String origin) {
            gateways.add(Objects.requireNonNull(g, "gateway"));
            gatewayOrigins.add(Objects.requireNonNull(origin, "origin"));
            return this;
        }

        /**
         * @param p a mailbox policy
         * @param origin where it came from
         * @return this
         */
        public Builder mailboxPolicy(UmMailboxPolicy p, String origin) {
            mailboxPolicies.add(Objects.requireNonNull(p, "mailboxPolicy"));
            mailboxPolicyOrigins.add(Objects.requireNonNull(origin, "origin"));
            return this;
        }

        /**
         * @param origin where
         * @param severity ERROR or WARNING
         * @param message what is wrong
         * @return this
         */
        public Builder finding(String origin, Severity severity, String message) {
            findings.add(new Finding(origin, severity, message));
            return this;
        }

        /** @return the snapshot */
        public ConfigSnapshot build() {
            return new ConfigSnapshot(this);
        }
    }
}
