package org.umsec.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a Unified Messaging server must do at start-up (R3): which listeners to open and whether it
 * must find a usable certificate first.
 *
 * <p>The server looks at the VoIP security mode of each associated dial plan:
 * <ul>
 *   <li>an {@link VoipSecurityMode#UNSECURED} dial plan needs the SIP/TCP listener on
 *       {@value VoipSecurityMode#UNSECURED_PORT};</li>
 *   <li>a {@link VoipSecurityMode#SIP_SECURED} or {@link VoipSecurityMode#SECURED} dial plan needs the
 *       SIP/TLS listener on {@value VoipSecurityMode#SECURED_PORT} and therefore a certificate (R9);</li>
 *   <li>mixed associations need both listeners at once (R2).</li>
 * </ul>
 * A server associated with no dial plan reads {@code StartSecured} from its configuration file:
 * {@code 1} starts secured (TLS listener, certificate required), {@code 0} unsecured (TCP listener).
 * Any other value is an error, because guessing could silently start a server without encryption.
 * Immutable.
 *
 * <pre>{@code
 * StartupPlan plan = StartupPlan.resolve(configuration);
 * if (plan.certificateRequired()) { selectCertificate(); }   // before opening 5061
 * if (plan.tlsListener()) { openTls(plan.tlsPort()); }
 * if (plan.tcpListener()) { openTcp(plan.tcpPort()); }
 * }</pre>
 */
public final class StartupPlan {
    /** What decided the plan. */
    public enum Basis {
        /** The modes of the server's associated dial plans. */
        DIAL_PLANS,
        /** The {@code StartSecured} value, because the server has no associated dial plan. */
        START_SECURED
    }

    private final Basis basis;
    private final Set<VoipSecurityMode> modes;
    private final List<String> dialPlans;

    private StartupPlan(Basis basis, Set<VoipSecurityMode> modes, List<String> dialPlans) {
        this.basis = basis;
        this.modes = Collections.unmodifiableSet(EnumSet.copyOf(modes));
        this.dialPlans = List.copyOf(dialPlans);
    }

    /**
     * Resolves the start-up plan of the configuration's server.
     *
     * @param configuration the configuration
     * @return the plan
     * @throws NullPointerException if {@code configuration} is null
     * @throws InvalidConfigurationException if the server is associated with an unknown dial plan, or
     *         with none and its {@code StartSecured} is neither 0 nor 1
     */
    public static StartupPlan resolve(UmConfiguration configuration) {
        Objects.requireNonNull(configuration, "configuration must not be null");
        UmServer server = configuration.server();
        List<DialPlan> associated = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String name : server.dialPlans()) {
            if (!seen.add(Names.key(name))) {
                continue;
            }
            Optional<DialPlan> dp = configuration.dialPlan(name);
            if (dp.isPresent()) {
                associated.add(dp.get());
            } else {
                problems.add(ConfigProblem.error(
                        ConfigProblem.Kind.SERVER,
                        server.name(),
                        -1,
                        "dialPlans",
                        "UM server '" + server.name() + "' is associated with unknown dial plan '" + name + "'"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return resolve(server, associated);
    }

    /**
     * Resolves a start-up plan from a server and the dial plans it is associated with.
     *
     * @param server the server; its {@code StartSecured} is used only if {@code associated} is empty
     * @param associated the associated dial plans
     * @return the plan
     * @throws NullPointerException if an argument or element is null
     * @throws InvalidConfigurationException if {@code associated} is empty and {@code StartSecured}
     *         is neither 0 nor 1
     */
    public static StartupPlan resolve(UmServer server, List<DialPlan> associated) {
        Objects.requireNonNull(server, "server must not be null");
        Objects.requireNonNull(associated, "associated dial plans must not be null");
        if (associated.isEmpty()) {
            switch (server.startSecured()) {
                case 0:
                    return new StartupPlan(Basis.START_SECURED, EnumSet.of(VoipSecurityMode.UNSECURED), List.of());
                case 1:
                    return new StartupPlan(
                            Basis.START_SECURED,
                            EnumSet.of(VoipSecurityMode.SIP_SECURED, VoipSecurityMode.SECURED),
                            List.of());
                default:
                    throw new InvalidConfigurationException(List.of(ConfigProblem.error(
                            ConfigProblem.Kind.SERVER, server.name(), -1, "startSecured", badStartSecured(server))));
            }
        }
        Set<VoipSecurityMode> modes = EnumSet.noneOf(VoipSecurityMode.class);
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (DialPlan d : associated) {
            modes.add(Objects.requireNonNull(d, "dial plan must not be null").mode());
            if (seen.add(Names.key(d.name()))) {
                names.add(d.name());
            }
        }
        return new StartupPlan(Basis.DIAL_PLANS, modes, names);
    }

    static String badStartSecured(UmServer server) {
        return "UM server '" + server.name() + "' is associated with no dial plan, so StartSecured decides how it"
                + " starts, but StartSecured is " + server.startSecured()
                + "; it must be 0 (start unsecured) or 1 (start secured)";
    }

    /**
     * Returns what decided the plan.
     *
     * @return the basis
     */
    public Basis basis() {
        return basis;
    }

    /**
     * Returns the modes the server serves: those of its associated dial plans; for
     * {@code StartSecured} 0 {@link VoipSecurityMode#UNSECURED}, for 1 both TLS modes.
     *
     * @return an unmodifiable, non-empty set
     */
    public Set<VoipSecurityMode> modes() {
        return modes;
    }

    /**
     * Returns the names of the associated dial plans the plan was made from.
     *
     * @return an unmodifiable list, empty for {@link Basis#START_SECURED}
     */
    public List<String> dialPlans() {
        return dialPlans;
    }

    /**
     * Returns whether the SIP/TCP listener must run.
     *
     * @return {@code true} if an Unsecured mode is served
     */
    public boolean tcpListener() {
        return modes.contains(VoipSecurityMode.UNSECURED);
    }

    /**
     * Returns whether the SIP/TLS listener must run, that is whether the server starts secured.
     *
     * @return {@code true} if SIPSecured or Secured is served
     */
    public boolean tlsListener() {
        return modes.contains(VoipSecurityMode.SIP_SECURED) || modes.contains(VoipSecurityMode.SECURED);
    }

    /**
     * Returns whether a usable certificate must be found (R9) before the server starts.
     *
     * @return {@code true} whenever the TLS listener runs
     */
    public boolean certificateRequired() {
        return tlsListener();
    }

    /**
     * Returns whether SRTP media must be supported, because a Secured dial plan is served.
     *
     * @return {@code true} if {@link VoipSecurityMode#SECURED} is served
     */
    public boolean srtpRequired() {
        return modes.contains(VoipSecurityMode.SECURED);
    }

    /**
     * Returns the port of the TCP listener.
     *
     * @return {@value VoipSecurityMode#UNSECURED_PORT}
     */
    public int tcpPort() {
        return VoipSecurityMode.UNSECURED_PORT;
    }

    /**
     * Returns the port of the TLS listener.
     *
     * @return {@value VoipSecurityMode#SECURED_PORT}
     */
    public int tlsPort() {
        return VoipSecurityMode.SECURED_PORT;
    }

    /**
     * Returns a sentence explaining the plan, for logs and start-up events.
     *
     * @return the explanation
     */
    public String describe() {
        return describe(tcpPort(), tlsPort());
    }

    /**
     * Returns a sentence explaining the plan with the ports a server actually listens on (a server may
     * be configured with ports other than the standard ones, or with 0 for "any free port").
     *
     * @param tcpPort the port of the TCP listener
     * @param tlsPort the port of the TLS listener
     * @return the explanation, naming only the listeners the plan needs
     */
    public String describe(int tcpPort, int tlsPort) {
        String listeners = tcpListener() && tlsListener()
                ? "TCP " + tcpPort + " and TLS " + tlsPort
                : tlsListener() ? "TLS " + tlsPort : "TCP " + tcpPort;
        String why = basis == Basis.DIAL_PLANS
                ? "associated dial plans " + dialPlans
                : "StartSecured " + (tlsListener() ? 1 : 0) + " (no associated dial plan)";
        return "Listen on " + listeners + (certificateRequired() ? ", certificate required" : "") + "; from " + why;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartupPlan
                && basis == ((StartupPlan) o).basis
                && modes.equals(((StartupPlan) o).modes)
                && dialPlans.equals(((StartupPlan) o).dialPlans);
    }

    @Override
    public int hashCode() {
        return Objects.hash(basis, modes, dialPlans);
    }

    @Override
    public String toString() {
        return "StartupPlan{" + describe() + "}";
    }
}
