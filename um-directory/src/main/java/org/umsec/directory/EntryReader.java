package org.umsec.directory;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.DialPlan;
import org.umsec.core.IpGateway;
import org.umsec.core.Severity;
import org.umsec.core.UmServer;
import org.umsec.core.VoipSecurityMode;

/**
 * Turns the umsec entries of a directory into core's model for one server: every dial plan, the
 * server's own {@code umsecServer} entry (matched by {@code cn}, case-insensitive), and the gateways
 * of the dial plans that server is associated with (a pool's other gateways are not this server's
 * trusted devices, R5). A value core's builders refuse leaves the entry out with a finding naming the
 * entry, the attribute and core's message; nothing here is validated as a whole.
 */
final class EntryReader {

    static final String DIAL_PLAN = "umsecDialPlan";
    static final String GATEWAY = "umsecGateway";
    static final String SERVER = "umsecServer";
    static final String VOIP_SECURITY = "umsecVoipSecurity";
    static final String FQDN = "umsecFqdn";
    static final String ADDRESS = "umsecAddress";
    static final String PORT = "umsecPort";
    static final String DIAL_PLAN_NAME = "umsecDialPlanName";
    static final String START_SECURED = "umsecStartSecured";
    static final String FILTER =
            "(|(objectClass=" + DIAL_PLAN + ")(objectClass=" + GATEWAY + ")(objectClass=" + SERVER + "))";
    static final String[] ATTRIBUTES = {
        "objectClass", "cn", VOIP_SECURITY, FQDN, ADDRESS, PORT, DIAL_PLAN_NAME, START_SECURED
    };

    private final String source;
    private final String urlPrefix;
    private final String baseDn;
    private final String serverName;
    private final ConfigSnapshot.Builder out;

    private EntryReader(String source, String urlPrefix, String baseDn, String serverName) {
        this.source = source;
        this.urlPrefix = urlPrefix;
        this.baseDn = baseDn;
        this.serverName = serverName;
        this.out = ConfigSnapshot.builder(source);
    }

    /**
     * @param source the source's name
     * @param urlPrefix {@code ldaps://host:port}; an entry's origin is {@code urlPrefix/DN}
     * @param baseDn the base DN searched
     * @param serverName the server whose part is read ({@code server.name} of its YAML file)
     * @param entries the entries found
     * @return the snapshot
     */
    static ConfigSnapshot read(
            String source, String urlPrefix, String baseDn, String serverName, List<? extends Entry> entries) {
        return new EntryReader(source, urlPrefix, baseDn, serverName).read(entries);
    }

    private ConfigSnapshot read(List<? extends Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(EntryReader::sortKey));
        List<Entry> servers = new ArrayList<>();
        for (Entry e : sorted) {
            if (e.hasObjectClass(SERVER)) {
                Optional<String> cn = name(e);
                if (cn.isPresent() && cn.get().equalsIgnoreCase(serverName)) {
                    servers.add(e);
                }
            }
        }
        Set<String> associated = new HashSet<>();
        if (servers.isEmpty()) {
            out.finding(
                    source,
                    Severity.ERROR,
                    "no " + SERVER + " entry with cn=" + serverName + " below " + baseDn
                            + ": the dial plans and gateways of server '" + serverName
                            + "' (server.name) cannot be known");
        } else if (servers.size() > 1) {
            out.finding(
                    source,
                    Severity.ERROR,
                    "several " + SERVER + " entries have cn=" + serverName + ": "
                            + servers.stream().map(this::origin).toList() + "; server names must be unique");
        } else {
            server(servers.get(0), associated);
        }
        for (Entry e : sorted) {
            if (e.hasObjectClass(DIAL_PLAN)) {
                dialPlan(e);
            }
        }
        for (Entry e : sorted) {
            if (e.hasObjectClass(GATEWAY)) {
                String[] dp = e.getAttributeValues(DIAL_PLAN_NAME);
                if (dp == null || dp.length != 1) {
                    finding(
                            e,
                            Severity.ERROR,
                            "a gateway serves one dial plan: it needs one " + DIAL_PLAN_NAME + ", has "
                                    + (dp == null ? 0 : dp.length));
                } else if (associated.contains(dp[0].strip().toLowerCase(Locale.ROOT))) {
                    // another server's gateway is not on this server's trusted list (R5) and not checked here
                    gateway(e);
                }
            }
        }
        return out.build();
    }

    private void server(Entry e, Set<String> associated) {
        String origin = origin(e);
        if (!singleValued(e, FQDN, START_SECURED)) {
            return;
        }
        Optional<String> fqdn = single(e, FQDN);
        if (fqdn.isEmpty()) {
            finding(e, Severity.ERROR, "server '" + serverName + "' has no " + FQDN + " (one host name)");
            return;
        }
        Optional<UmServer.Builder> b = step(e, FQDN, () -> UmServer.builder(name(e).orElseThrow(), fqdn.get()));
        if (b.isEmpty()) {
            return;
        }
        String[] plans = e.getAttributeValues(DIAL_PLAN_NAME);
        boolean ok = true;
        if (plans != null) {
            for (String p : plans) {
                ok &= step(e, DIAL_PLAN_NAME, () -> b.get().dialPlan(p)).isPresent();
                associated.add(p.strip().toLowerCase(Locale.ROOT));
            }
        }
        Optional<String> ss = single(e, START_SECURED);
        if (ss.isPresent()) {
            Optional<Integer> n = integer(e, START_SECURED, ss.get());
            ok &= n.isPresent()
                    && step(e, START_SECURED, () -> b.get().startSecured(n.get()))
                            .isPresent();
        }
        if (!ok) {
            return;
        }
        if (plans == null) {
            out.finding(
                    origin,
                    Severity.WARNING,
                    "server '" + serverName + "' is associated with no dial plan (" + DIAL_PLAN_NAME
                            + "): it trusts none of the directory's gateways and starts by " + START_SECURED);
        }
        step(e, null, b.get()::build).ifPresent(s -> out.server(s, origin));
    }

    private void dialPlan(Entry e) {
        Optional<String> name = name(e);
        if (name.isEmpty()) {
            return;
        }
        if (!singleValued(e, VOIP_SECURITY)) {
            return;
        }
        VoipSecurityMode mode = VoipSecurityMode.UNSECURED; // R1: Unsecured unless told otherwise
        Optional<String> m = single(e, VOIP_SECURITY);
        if (m.isPresent()) {
            try {
                mode = VoipSecurityMode.parse(m.get());
            } catch (IllegalArgumentException ex) {
                finding(
                        e,
                        Severity.ERROR,
                        "dial plan '" + name.get() + "': " + VOIP_SECURITY + " '" + DirectorySettings.clean(m.get())
                                + "' is not one of Unsecured, SIPSecured, Secured");
                return;
            }
        }
        VoipSecurityMode chosen = mode;
        step(e, "cn", () -> DialPlan.builder(name.get()).mode(chosen).build())
                .ifPresent(d -> out.dialPlan(d, origin(e)));
    }

    private void gateway(Entry e) {
        Optional<String> name = name(e);
        if (name.isEmpty()) {
            return;
        }
        if (!singleValued(e, FQDN, ADDRESS, PORT)) {
            return;
        }
        Optional<IpGateway.Builder> b = step(e, "cn", () -> IpGateway.builder(name.get()));
        if (b.isEmpty()) {
            return;
        }
        boolean ok = true;
        Optional<String> fqdn = single(e, FQDN);
        if (fqdn.isPresent()) {
            ok &= step(e, FQDN, () -> b.get().fqdn(fqdn.get())).isPresent();
        }
        Optional<String> address = single(e, ADDRESS);
        if (address.isPresent()) {
            ok &= step(e, ADDRESS, () -> b.get().address(address.get())).isPresent();
        }
        Optional<String> port = single(e, PORT);
        if (port.isPresent()) {
            Optional<Integer> n = integer(e, PORT, port.get());
            ok &= n.isPresent() && step(e, PORT, () -> b.get().port(n.get())).isPresent();
        }
        String dp = e.getAttributeValue(DIAL_PLAN_NAME);
        ok &= step(e, DIAL_PLAN_NAME, () -> b.get().dialPlan(dp)).isPresent();
        if (ok) {
            step(e, null, b.get()::build).ifPresent(g -> out.gateway(g, origin(e)));
        }
    }

    /** The entry's name: the value of its {@code cn} RDN, or its only {@code cn}. */
    private Optional<String> name(Entry e) {
        try {
            RDN rdn = new DN(e.getDN()).getRDN();
            if (rdn != null && rdn.hasAttribute("cn")) {
                for (int i = 0; i < rdn.getAttributeNames().length; i++) {
                    if (rdn.getAttributeNames()[i].equalsIgnoreCase("cn")) {
                        return Optional.of(rdn.getAttributeValues()[i]);
                    }
                }
            }
        } catch (LDAPException ex) {
            finding(e, Severity.ERROR, "the entry's DN cannot be parsed: " + ex.getMessage());
            return Optional.empty();
        }
        String[] cn = e.getAttributeValues("cn");
        if (cn == null || cn.length != 1) {
            finding(e, Severity.ERROR, "the entry needs one cn (its name), or a cn= RDN");
            return Optional.empty();
        }
        return Optional.of(cn[0]);
    }

    /** Whether each attribute has at most one value; a finding for each that has more. */
    private boolean singleValued(Entry e, String... attributes) {
        boolean ok = true;
        for (String attribute : attributes) {
            Attribute a = e.getAttribute(attribute);
            if (a != null && a.size() > 1) {
                finding(e, Severity.ERROR, attribute + " has " + a.size() + " values; it takes one");
                ok = false;
            }
        }
        return ok;
    }

    /** The value of a single-valued attribute ({@link #singleValued} checked), or empty. */
    private static Optional<String> single(Entry e, String attribute) {
        Attribute a = e.getAttribute(attribute);
        return a == null || a.size() == 0 ? Optional.empty() : Optional.of(a.getValue());
    }

    private Optional<Integer> integer(Entry e, String attribute, String text) {
        try {
            return Optional.of(Integer.parseInt(text.strip()));
        } catch (NumberFormatException ex) {
            finding(
                    e,
                    Severity.ERROR,
                    attribute + " must be a whole number, was '" + DirectorySettings.clean(text) + "'");
            return Optional.empty();
        }
    }

    /** Runs one core builder step; a refusal is a finding at the entry with core's message. */
    private <T> Optional<T> step(Entry e, String attribute, Supplier<T> s) {
        try {
            return Optional.of(s.get());
        } catch (IllegalArgumentException | IllegalStateException ex) {
            finding(e, Severity.ERROR, (attribute == null ? "" : attribute + ": ") + ex.getMessage());
            return Optional.empty();
        }
    }

    private void finding(Entry e, Severity severity, String message) {
        out.finding(origin(e), severity, message);
    }

    private String origin(Entry e) {
        return urlPrefix + "/" + e.getDN();
    }

    private static String sortKey(Entry e) {
        try {
            return new DN(e.getDN()).toNormalizedString();
        } catch (LDAPException ex) {
            return e.getDN();
        }
    }
}
