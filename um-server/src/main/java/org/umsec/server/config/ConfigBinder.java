package org.umsec.server.config;

import java.io.Reader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.umsec.certs.RevocationPolicy;
import org.umsec.core.AllowedDialingGroups;
import org.umsec.core.ConfigSourceException;
import org.umsec.core.DialPlan;
import org.umsec.core.DialingRule;
import org.umsec.core.DialingRuleGroup;
import org.umsec.core.DialingRules;
import org.umsec.core.DialingScope;
import org.umsec.core.IpGateway;
import org.umsec.core.Severity;
import org.umsec.core.UmMailboxPolicy;
import org.umsec.core.VoipSecurityMode;
import org.umsec.directory.DirectorySettings;
import org.umsec.server.config.YamlConfigReader.At;

/**
 * Maps a read YAML document onto um-security-core's builders ({@link DialPlan}, {@link IpGateway},
 * via {@link ServerConfiguration.Builder}) and the server's own settings, remembering the line of
 * every object and key so that every problem, core's included, is reported with file and line.
 *
 * <p>A value a core builder refuses (a gateway FQDN such as {@code gw.123}, an address that is not an
 * IP literal, a blank name) is reported with core's message at the line of the key; the object is
 * left out and the rest of the file is still checked. Line keys: {@code server.<key>},
 * {@code media.<key>}, {@code dialPlan#<i>[.<key>]}, {@code gateway#<i>[.<key>]},
 * {@code mailboxPolicy#<i>[.<key>]}, where {@code i} is the object's position in core's model. Dialing
 * rules (R6) are core's {@link DialingRules}: a bad mask, a dialed number that does not fit its mask, or an
 * allowed group that is not configured is reported at its line with core's message.
 */
final class ConfigBinder {

    private ConfigBinder() {}

    /**
     * @param source name for problems
     * @param reader YAML text
     * @param base directory relative paths are resolved against
     * @param access reads the directory when the file has a {@code directory:} section
     * @return the configuration
     * @throws ConfigurationException with every problem from reading and checking
     */
    static ServerConfiguration bind(String source, Reader reader, Path base, DirectoryAccess access)
            throws ConfigurationException {
        List<ConfigurationProblem> problems = new ArrayList<>();
        YamlConfigReader.Document doc = YamlConfigReader.read(source, reader, problems);
        ServerConfiguration.Builder b = ServerConfiguration.builder().source(source);
        Map<String, At<Object>> s = doc.server().values();
        b.lines.put("server", doc.server().line());
        for (Map.Entry<String, At<Object>> e : s.entrySet()) {
            b.lines.put("server." + e.getKey(), e.getValue().line());
        }
        str(s, "name").ifPresent(b::serverName);
        str(s, "fqdn").ifPresent(b::fqdn);
        str(s, "bind").ifPresent(b::bindAddress);
        str(s, "mediaAddress").ifPresent(a -> {
            b.mediaAddress(a); // the key of earlier versions, kept: media.advertisedAddress
            b.lines.put("media.advertisedAddress", s.get("mediaAddress").line());
        });
        integer(s, "sipPort").ifPresent(b::sipPort);
        integer(s, "tlsPort").ifPresent(b::tlsPort);
        Optional<Path> store = path(source, s, "store", base, problems);
        store.ifPresent(b::store);
        path(source, s, "voicemail", base, problems).ifPresent(b::voicemail);
        path(source, s, "greeting", base, problems).ifPresent(b::greeting);
        integer(s, "startSecured").ifPresent(b::startSecured);
        integer(s, "maxRecordingSeconds").map(Duration::ofSeconds).ifPresent(b::maxRecording);
        integer(s, "mediaTimeoutSeconds").map(Duration::ofSeconds).ifPresent(b::mediaTimeout);
        integer(s, "ackTimeoutSeconds").map(Duration::ofSeconds).ifPresent(b::ackTimeout);
        integer(s, "callsPerGateway").ifPresent(b::callsPerGateway);
        integer(s, "maxQueueDelayMillis").map(Duration::ofMillis).ifPresent(b::maxQueueDelay);
        integer(s, "maxSetupsInProgress").ifPresent(b::maxSetupsInProgress);
        Map<String, At<Object>> vm = doc.voicemail();
        vm.forEach((k, v) -> b.lines.put("voicemail." + k, v.line()));
        Optional.ofNullable(vm.get("maxBytes")).map(a -> (Long) a.value()).ifPresent(b::voicemailMaxBytes);
        Optional.ofNullable(vm.get("minFreeBytes")).map(a -> (Long) a.value()).ifPresent(b::voicemailMinFreeBytes);
        Optional.ofNullable(vm.get("syncOnClose")).map(a -> (Boolean) a.value()).ifPresent(b::voicemailSyncOnClose);
        integer(s, "rtcpIntervalSeconds").map(Duration::ofSeconds).ifPresent(b::rtcpInterval);
        integer(s, "selfSignedValidityDays").ifPresent(b::selfSignedValidityDays);
        str(s, "admin").ifPresent(b::admin);
        str(s, "certificate").ifPresent(b::certificatePin);
        // absent from a file: no generation (the embedded default says true); see generateSelfSigned()
        b.generateSelfSigned(bool(s, "generateSelfSigned").orElse(false));
        bool(s, "allowTierDowngrade").ifPresent(b::allowTierDowngrade);
        if (s.containsKey("revocation")) {
            At<Object> r = s.get("revocation");
            String v = String.valueOf(r.value()).toLowerCase(java.util.Locale.ROOT);
            if (v.equals("prefer")) {
                b.revocation(RevocationPolicy.PREFER);
            } else if (v.equals("require")) {
                b.revocation(RevocationPolicy.REQUIRE);
            } else {
                problems.add(new ConfigurationProblem(
                        source, r.line(), "server.revocation must be prefer or require, was '" + r.value() + "'"));
            }
        }
        if (s.containsKey("dialPlans")) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) s.get("dialPlans").value();
            names.forEach(b::associateDialPlan);
        }
        if (s.containsKey("edgeProxies")) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) s.get("edgeProxies").value();
            names.forEach(b::edgeProxy);
        }
        bindMedia(source, doc.media(), s.containsKey("mediaAddress"), b, problems);
        int index = 0;
        for (YamlConfigReader.DialPlanEntry dp : doc.dialPlans()) {
            Map<String, At<Object>> v = dp.values();
            VoipSecurityMode mode = VoipSecurityMode.UNSECURED; // R1: Unsecured unless told otherwise
            At<Object> m = v.get("voipSecurity");
            if (m != null) {
                try {
                    mode = VoipSecurityMode.parse((String) m.value());
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigurationProblem(
                            source,
                            m.line(),
                            "dial plan '" + str(v, "name").orElse("?") + "': voipSecurity '" + m.value()
                                    + "' is not one of Unsecured, SIPSecured, Secured"));
                }
            }
            VoipSecurityMode chosen = mode;
            Optional<DialingRules> rules = dialingRules(source, v, dp.line(), problems);
            Optional<DialPlan> d = rules.isEmpty()
                    ? Optional.empty()
                    : core(
                            source,
                            problems,
                            lineOf(v, "name", dp.line()),
                            () -> DialPlan.builder(str(v, "name").orElse(""))
                                    .mode(chosen)
                                    .dialingRules(rules.get())
                                    .build());
            if (d.isPresent()) {
                int i = index++;
                b.lines.put("dialPlan#" + i, dp.line());
                v.forEach((k, at) -> b.lines.put("dialPlan#" + i + "." + k, at.line()));
                b.dialPlan(d.get());
            }
        }
        index = 0;
        for (YamlConfigReader.GatewayEntry g : doc.gateways()) {
            Map<String, At<Object>> v = g.values();
            IpGateway.Builder gb;
            Optional<IpGateway.Builder> named = core(
                    source,
                    problems,
                    lineOf(v, "name", g.line()),
                    () -> IpGateway.builder(str(v, "name").orElse("")));
            if (named.isEmpty()) {
                continue;
            }
            gb = named.get();
            boolean ok = true;
            if (v.containsKey("fqdn")) {
                ok &= core(
                                source,
                                problems,
                                v.get("fqdn").line(),
                                () -> gb.fqdn(str(v, "fqdn").get()))
                        .isPresent();
            }
            if (v.containsKey("address")) {
                ok &= core(
                                source,
                                problems,
                                v.get("address").line(),
                                () -> gb.address(str(v, "address").get()))
                        .isPresent();
            }
            if (v.containsKey("port")) {
                ok &= core(
                                source,
                                problems,
                                v.get("port").line(),
                                () -> gb.port(integer(v, "port").get()))
                        .isPresent();
            }
            if (v.containsKey("dialPlan")) {
                ok &= core(
                                source,
                                problems,
                                v.get("dialPlan").line(),
                                () -> gb.dialPlan(str(v, "dialPlan").get()))
                        .isPresent();
            }
            if (!ok) {
                continue;
            }
            Optional<IpGateway> gw = core(source, problems, g.line(), gb::build);
            if (gw.isPresent()) {
                int i = index++;
                b.lines.put("gateway#" + i, g.line());
                v.forEach((k, at) -> b.lines.put("gateway#" + i + "." + k, at.line()));
                if (!v.containsKey("port")) {
                    b.gatewaysWithoutPort.add(i);
                }
                b.gateway(gw.get());
            }
        }
        if (doc.directoryLine() > 0) {
            bindDirectory(source, doc, base, store.orElse(Path.of("var", "certs")), access, b, problems);
        }
        index = 0;
        for (YamlConfigReader.MailboxPolicyEntry mp : doc.mailboxPolicies()) {
            Map<String, At<Object>> v = mp.values();
            Optional<UmMailboxPolicy> policy = core(
                    source,
                    problems,
                    lineOf(v, "name", mp.line()),
                    () -> UmMailboxPolicy.builder(
                                    str(v, "name").orElse(""),
                                    str(v, "dialPlan").orElse(""))
                            .allowed(AllowedDialingGroups.of(
                                    strings(v, "allowedInCountryGroups"), strings(v, "allowedInternationalGroups")))
                            .build());
            if (policy.isPresent()) {
                int i = index++;
                b.lines.put("mailboxPolicy#" + i, mp.line());
                v.forEach((k, at) -> b.lines.put("mailboxPolicy#" + i + "." + k, at.line()));
                // core names both allowance lists "allowed"
                Optional.ofNullable(v.get("allowedInCountryGroups"))
                        .or(() -> Optional.ofNullable(v.get("allowedInternationalGroups")))
                        .ifPresent(at -> b.lines.put("mailboxPolicy#" + i + ".allowed", at.line()));
                b.mailboxPolicy(policy.get());
            }
        }
        b.bindProblems.addAll(problems);
        return b.build();
    }

    /**
     * {@code directory:}: the server's association, the dial plans and the gateways come from the
     * directory, so the file must not describe them too; everything else stays in the file.
     */
    private static void bindDirectory(
            String source,
            YamlConfigReader.Document doc,
            Path base,
            Path store,
            DirectoryAccess access,
            ServerConfiguration.Builder b,
            List<ConfigurationProblem> problems) {
        Map<String, At<Object>> d = doc.directory();
        int line = doc.directoryLine();
        b.lines.put("directory", line);
        d.forEach((k, v) -> b.lines.put("directory." + k, v.line()));
        for (String k : List.of("fqdn", "startSecured", "dialPlans")) {
            At<Object> a = doc.server().values().get(k);
            if (a != null) {
                problems.add(new ConfigurationProblem(
                        source,
                        a.line(),
                        "server." + k + " comes from the directory (directory:, the server's umsecServer entry);"
                                + " remove it here"));
            }
        }
        doc.modelLines()
                .forEach((k, l) -> problems.add(new ConfigurationProblem(
                        source,
                        l,
                        k + " come from the directory (directory:) when one is configured; remove them here")));
        Optional<DirectorySettings> settings = directorySettings(source, d, line, base, problems);
        if (settings.isEmpty()) {
            return;
        }
        DirectorySettings ds = settings.get();
        if (ds.passwordInline()) {
            problems.add(new ConfigurationProblem(
                    source,
                    d.get("password").line(),
                    Severity.WARNING,
                    "directory.password is written in the file; use env:NAME or file:PATH to keep it out of the"
                            + " configuration"));
        }
        if (ds.tls() == DirectorySettings.Tls.NONE) {
            problems.add(new ConfigurationProblem(
                    source,
                    lineOf(d, "tls", line),
                    Severity.WARNING,
                    "directory.tls: none: the bind password and the configuration cross the network in clear,"
                            + " and nothing proves the directory is the right one"));
        }
        b.directory(ds);
        String serverName = str(doc.server().values(), "name").orElse("um1");
        try {
            b.model(access.read(ds, serverName, store));
        } catch (ConfigSourceException e) {
            problems.add(new ConfigurationProblem(source, line, e.getMessage()));
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigurationProblem(source, directoryLine(d, e.getMessage(), line), e.getMessage()));
        }
    }

    private static Optional<DirectorySettings> directorySettings(
            String source, Map<String, At<Object>> d, int line, Path base, List<ConfigurationProblem> problems) {
        At<Object> url = d.get("url");
        if (url == null) {
            problems.add(new ConfigurationProblem(
                    source,
                    line,
                    "directory.url is missing: ldaps://HOST[:PORT], or ldap://HOST[:PORT] with tls: starttls"));
            return Optional.empty();
        }
        DirectorySettings.Builder db = DirectorySettings.builder((String) url.value());
        int before = problems.size();
        str(d, "bindDn").ifPresent(v -> core(source, problems, d.get("bindDn").line(), () -> db.bindDn(v)));
        str(d, "password")
                .ifPresent(v -> core(
                        source,
                        problems,
                        d.get("password").line(),
                        () -> db.passwordSpec(relativeToFile(v, base), System.getenv())));
        str(d, "baseDn").ifPresent(v -> core(source, problems, d.get("baseDn").line(), () -> db.baseDn(v)));
        Optional<String> mode = str(d, "tls.mode").or(() -> str(d, "tls").filter(t -> !t.isEmpty()));
        mode.ifPresent(m -> core(
                source,
                problems,
                lineOf(d, "tls.mode", lineOf(d, "tls", line)),
                () -> db.tls(DirectorySettings.Tls.parse(m))));
        str(d, "tls.ca")
                .ifPresent(ca -> core(source, problems, d.get("tls.ca").line(), () -> {
                    try {
                        return db.caFile(base.resolve(ca).normalize());
                    } catch (InvalidPathException e) {
                        throw new IllegalArgumentException("directory.tls.ca: '" + ca.replaceAll("\\p{Cntrl}", "?")
                                + "' is not a valid path: " + e.getReason());
                    }
                }));
        integer(d, "pollSeconds")
                .ifPresent(n -> core(source, problems, d.get("pollSeconds").line(), () -> {
                    if (n < 1 || n > 3600) {
                        throw new IllegalArgumentException("directory.pollSeconds must be 1..3600, was " + n);
                    }
                    return db.pollInterval(Duration.ofSeconds(n));
                }));
        if (problems.size() > before) {
            return Optional.empty();
        }
        try {
            return Optional.of(db.build());
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigurationProblem(source, directoryLine(d, e.getMessage(), line), e.getMessage()));
            return Optional.empty();
        }
    }

    /** {@code file:PATH} with a relative PATH is relative to the configuration file, like every path in it. */
    private static String relativeToFile(String spec, Path base) {
        if (!spec.startsWith("file:")) {
            return spec;
        }
        try {
            return "file:" + base.resolve(spec.substring(5)).normalize();
        } catch (InvalidPathException e) {
            return spec; // DirectorySettings reports the path as invalid
        }
    }

    /** The line of the {@code directory.<key>} a message is about, or the section's. */
    private static int directoryLine(Map<String, At<Object>> d, String message, int otherwise) {
        for (String k : List.of("tls.mode", "tls.ca", "tls", "url", "bindDn", "password", "baseDn", "pollSeconds")) {
            if (message != null && message.startsWith("directory." + k) && d.containsKey(k)) {
                return d.get(k).line();
            }
        }
        if (message != null && message.startsWith("directory.tls") && d.containsKey("tls")) {
            return d.get("tls").line();
        }
        return d.containsKey("url") && message != null && message.contains("ldap")
                ? d.get("url").line()
                : otherwise;
    }

    /**
     * A dial plan's dialing rules (R6), onto core's builders: {@code inCountryGroups} and
     * {@code internationalGroups} list rules, entries with the same {@code name} forming one group in the
     * order written (Exchange's {@code ConfiguredInCountryOrRegionGroups} lines); {@code allowed...Groups}
     * name the groups the plan allows; {@code internationalAccessCode} replaces a leading {@code +}.
     *
     * @return the rules, or empty when a problem was reported (the dial plan is then left out)
     */
    private static Optional<DialingRules> dialingRules(
            String source, Map<String, At<Object>> v, int line, List<ConfigurationProblem> problems) {
        DialingRules.Builder rules = DialingRules.builder();
        boolean ok = true;
        for (DialingScope scope : DialingScope.values()) {
            String key = scope == DialingScope.IN_COUNTRY ? "inCountryGroups" : "internationalGroups";
            At<Object> list = v.get(key);
            if (list == null) {
                continue;
            }
            Map<String, DialingRuleGroup.Builder> groups = new LinkedHashMap<>();
            @SuppressWarnings("unchecked")
            List<At<Map<String, At<Object>>>> entries = (List<At<Map<String, At<Object>>>>) list.value();
            for (At<Map<String, At<Object>>> e : entries) {
                Map<String, At<Object>> r = e.value();
                for (String required : List.of("name", "numberMask")) {
                    if (!r.containsKey(required)) {
                        problems.add(
                                new ConfigurationProblem(source, e.line(), key + " entry needs '" + required + "'"));
                        ok = false;
                    }
                }
                if (!r.containsKey("name") || !r.containsKey("numberMask")) {
                    continue;
                }
                String name = str(r, "name").get();
                Optional<DialingRuleGroup.Builder> g = Optional.ofNullable(
                                groups.get(name.toLowerCase(java.util.Locale.ROOT)))
                        .or(() -> core(
                                source, problems, r.get("name").line(), () -> DialingRuleGroup.builder(name, scope)));
                Optional<DialingRule> rule = core(
                        source,
                        problems,
                        r.get("numberMask").line(),
                        () -> DialingRule.of(
                                str(r, "numberMask").get(),
                                str(r, "dialedNumber").orElse("*"),
                                str(r, "comment").orElse("")));
                if (g.isEmpty() || rule.isEmpty()) {
                    ok = false;
                    continue;
                }
                g.get().rule(rule.get());
                groups.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), g.get());
            }
            for (DialingRuleGroup.Builder g : groups.values()) {
                ok &= core(source, problems, list.line(), () -> rules.group(g.build()))
                        .isPresent();
            }
        }
        strings(v, "allowedInCountryGroups")
                .forEach(n -> core(
                        source, problems, lineOf(v, "allowedInCountryGroups", line), () -> rules.allowInCountry(n)));
        strings(v, "allowedInternationalGroups")
                .forEach(n -> core(
                        source,
                        problems,
                        lineOf(v, "allowedInternationalGroups", line),
                        () -> rules.allowInternational(n)));
        if (v.containsKey("internationalAccessCode")) {
            ok &= core(
                            source,
                            problems,
                            v.get("internationalAccessCode").line(),
                            () -> rules.internationalAccessCode(
                                    str(v, "internationalAccessCode").get()))
                    .isPresent();
        }
        if (!ok) {
            return Optional.empty();
        }
        int allowedLine = lineOf(v, "allowedInCountryGroups", lineOf(v, "allowedInternationalGroups", line));
        return core(source, problems, allowedLine, rules::build);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Map<String, At<Object>> m, String key) {
        return Optional.ofNullable(m.get(key))
                .map(a -> (List<String>) a.value())
                .orElse(List.of());
    }

    private static void bindMedia(
            String source,
            Map<String, At<Object>> m,
            boolean legacyMediaAddress,
            ServerConfiguration.Builder b,
            List<ConfigurationProblem> problems) {
        m.forEach((k, at) -> b.lines.put("media." + k, at.line()));
        str(m, "address").ifPresent(b::mediaBindAddress);
        str(m, "advertisedAddress").ifPresent(a -> {
            if (legacyMediaAddress) {
                problems.add(new ConfigurationProblem(
                        source,
                        m.get("advertisedAddress").line(),
                        "media.advertisedAddress and server.mediaAddress are the same setting; give only one"));
            }
            b.mediaAddress(a);
        });
        At<Object> range = m.get("portRange");
        if (range != null) {
            String text = (String) range.value();
            String[] parts = text.split("-", -1);
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException(text);
                }
                b.mediaPortRange(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            } catch (NumberFormatException e) {
                problems.add(new ConfigurationProblem(
                        source,
                        range.line(),
                        "media.portRange must be LOW-HIGH," + " for example 20000-39999, was '" + text + "'"));
            }
        }
    }

    /** Runs one core builder step; a refusal becomes a problem at {@code line} with core's message. */
    private static <T> Optional<T> core(
            String source, List<ConfigurationProblem> problems, int line, Supplier<T> step) {
        try {
            return Optional.of(step.get());
        } catch (IllegalArgumentException | IllegalStateException e) {
            problems.add(new ConfigurationProblem(source, line, e.getMessage()));
            return Optional.empty();
        }
    }

    private static int lineOf(Map<String, At<Object>> m, String key, int otherwise) {
        At<Object> a = m.get(key);
        return a == null ? otherwise : a.line();
    }

    private static Optional<String> str(Map<String, At<Object>> m, String key) {
        return Optional.ofNullable(m.get(key)).map(a -> (String) a.value());
    }

    private static Optional<Boolean> bool(Map<String, At<Object>> m, String key) {
        return Optional.ofNullable(m.get(key)).map(a -> (Boolean) a.value());
    }

    /** A path value resolved against {@code base}; a string that is no path (a NUL, say) is a problem. */
    private static Optional<Path> path(
            String source, Map<String, At<Object>> m, String key, Path base, List<ConfigurationProblem> problems) {
        Optional<String> text = str(m, key);
        try {
            return text.map(p -> base.resolve(p).normalize());
        } catch (InvalidPathException e) {
            problems.add(new ConfigurationProblem(
                    source,
                    m.get(key).line(),
                    "server." + key + ": '" + text.get().replaceAll("\\p{Cntrl}", "?") + "' is not a valid path: "
                            + e.getReason()));
            return Optional.empty();
        }
    }

    private static Optional<Integer> integer(Map<String, At<Object>> m, String key) {
        return Optional.ofNullable(m.get(key)).map(a -> (Integer) a.value());
    }
}
