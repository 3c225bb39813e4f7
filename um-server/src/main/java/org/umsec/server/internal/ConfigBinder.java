package org.umsec.server.internal;

import java.io.Reader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.ConfigurationException;
import org.umsec.server.ConfigurationProblem;
import org.umsec.server.ServerConfiguration;
import org.umsec.server.internal.YamlConfigReader.At;

/** Turns a read YAML document into a checked {@link ServerConfiguration}, keeping lines for problems. */
public final class ConfigBinder {

    private ConfigBinder() {
    }

    /**
     * @param source name for problems
     * @param reader YAML text
     * @param base directory relative paths are resolved against
     * @return the configuration
     * @throws ConfigurationException with every problem from reading and checking
     */
    public static ServerConfiguration bind(String source, Reader reader, Path base) throws ConfigurationException {
        List<ConfigurationProblem> problems = new ArrayList<>();
        YamlConfigReader.Document doc = YamlConfigReader.read(source, reader, problems);
        ServerConfiguration.Builder b = ServerConfiguration.builder().source(source);
        Map<String, At<Object>> s = doc.server().values();
        for (Map.Entry<String, At<Object>> e : s.entrySet()) {
            b.line("server." + e.getKey(), e.getValue().line());
        }
        str(s, "name").ifPresent(b::serverName);
        str(s, "fqdn").ifPresent(b::fqdn);
        str(s, "bind").ifPresent(b::bindAddress);
        str(s, "mediaAddress").ifPresent(b::mediaAddress);
        integer(s, "sipPort").ifPresent(b::sipPort);
        integer(s, "tlsPort").ifPresent(b::tlsPort);
        str(s, "store").map(p -> base.resolve(p).normalize()).ifPresent(b::store);
        str(s, "voicemail").map(p -> base.resolve(p).normalize()).ifPresent(b::voicemail);
        str(s, "greeting").map(p -> base.resolve(p).normalize()).ifPresent(b::greeting);
        integer(s, "startSecured").ifPresent(b::startSecured);
        integer(s, "maxRecordingSeconds").map(Duration::ofSeconds).ifPresent(b::maxRecording);
        integer(s, "mediaTimeoutSeconds").map(Duration::ofSeconds).ifPresent(b::mediaTimeout);
        integer(s, "ackTimeoutSeconds").map(Duration::ofSeconds).ifPresent(b::ackTimeout);
        integer(s, "rtcpIntervalSeconds").map(Duration::ofSeconds).ifPresent(b::rtcpInterval);
        integer(s, "selfSignedValidityDays").ifPresent(b::selfSignedValidityDays);
        str(s, "admin").ifPresent(b::admin);
        if (s.containsKey("dialPlans")) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) s.get("dialPlans").value();
            names.forEach(b::associateDialPlan);
        }
        for (YamlConfigReader.DialPlanEntry dp : doc.dialPlans()) {
            Optional<String> name = str(dp.values(), "name");
            if (name.isEmpty()) {
                problems.add(new ConfigurationProblem(source, dp.line(), "dial plan needs a name"));
                continue;
            }
            VoipSecurityMode mode = VoipSecurityMode.UNSECURED; // R1: Unsecured unless told otherwise
            Optional<At<Object>> m = Optional.ofNullable(dp.values().get("voipSecurity"));
            if (m.isPresent()) {
                try {
                    mode = VoipSecurityMode.parse((String) m.get().value());
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigurationProblem(source, m.get().line(), "dial plan '" + name.get()
                            + "': voipSecurity '" + m.get().value() + "' is not one of Unsecured, SIPSecured, Secured"));
                }
            }
            b.line("dialPlan:" + name.get(), dp.line());
            b.dialPlan(name.get(), mode);
        }
        int index = 0;
        for (YamlConfigReader.GatewayEntry g : doc.gateways()) {
            Map<String, At<Object>> v = g.values();
            Optional<String> dialPlan = str(v, "dialPlan");
            if (dialPlan.isEmpty()) {
                problems.add(new ConfigurationProblem(source, g.line(), "gateway '" + str(v, "name").orElse("?")
                        + "' needs a dialPlan"));
                continue;
            }
            int port = integer(v, "port").orElse(VoipSecurityMode.UNSECURED_PORT);
            b.line("gateway:" + index++, g.line());
            b.gateway(new ServerConfiguration.Gateway(str(v, "name").orElse(""), str(v, "fqdn"), str(v, "address"),
                    port, dialPlan.get()));
        }
        b.check(problems);
        if (!problems.isEmpty()) {
            problems.sort(java.util.Comparator.comparingInt(ConfigurationProblem::line));
            throw new ConfigurationException(problems);
        }
        try {
            return b.build();
        } catch (ConfigurationException e) {
            throw new IllegalStateException("checked configuration failed to build", e);
        }
    }

    private static Optional<String> str(Map<String, At<Object>> m, String key) {
        return Optional.ofNullable(m.get(key)).map(a -> (String) a.value());
    }

    private static Optional<Integer> integer(Map<String, At<Object>> m, String key) {
        return Optional.ofNullable(m.get(key)).map(a -> (Integer) a.value());
    }
}
