package org.umsec.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.core.DialPlan;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.Severity;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.UmsecServer;
import org.umsec.server.cli.UmsecCommand;

/**
 * One table of configuration rules (snippet → expected problems, severity and line), each row run
 * through every path a configuration takes: {@code umsec config check} (the CLI), a file load (what
 * {@code umsec server} does), a live reload of a running server's file, and the embedding API's
 * builder. The rows are the drifts found between um-server's former second model and core's: a
 * gateway on an unassociated dial plan, a duplicate dial plan, case-insensitive names, host syntax
 * ({@code gw.123}), a secured gateway without port; every path must give the same verdict.
 */
class ConfigRulesOnEveryPathTest {

    /** The server's own settings, the same on every row (lines 1-8 of every file). */
    private static final String HEADER = String.join(
            "\n",
            "server:", // 1
            "  name: um1", // 2
            "  fqdn: um.example.test", // 3
            "  bind: 127.0.0.1", // 4
            "  sipPort: 0", // 5
            "  tlsPort: 0", // 6
            "  store: certs", // 7
            "  voicemail: voicemail", // 8
            "");

    record Expect(Severity severity, int line, List<String> fragments) {
        static Expect error(int line, String... fragments) {
            return new Expect(Severity.ERROR, line, Arrays.asList(fragments));
        }

        static Expect warning(int line, String... fragments) {
            return new Expect(Severity.WARNING, line, Arrays.asList(fragments));
        }

        boolean matches(Severity s, String message) {
            return s == severity && fragments.stream().allMatch(message::contains);
        }
    }

    /**
     * @param name what the row shows
     * @param yaml the file body after {@link #HEADER} (its first line is line 9)
     * @param builder the same configuration through the embedding API
     * @param sameText whether the builder gives the very same message as the file (not for a gateway
     *     without port: only the file knows the port was left out, and says what to write)
     * @param expected every problem, in line order
     */
    record Case(
            String name,
            String yaml,
            Consumer<ServerConfiguration.Builder> builder,
            boolean sameText,
            List<Expect> expected) {
        @Override
        public String toString() {
            return name;
        }

        boolean refused() {
            return expected.stream().anyMatch(e -> e.severity() == Severity.ERROR);
        }
    }

    static Stream<Case> rules() {
        return Stream.of(
                new Case(
                        "a gateway FQDN whose last label is all digits is not a host name",
                        lines(
                                "  dialPlans: [plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "gateways:", // 12
                                "  - name: pbx", // 13
                                "    fqdn: gw.123", // 14
                                "    address: 127.0.0.1", // 15
                                "    dialPlan: plain"), // 16
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .gateway(IpGateway.builder("pbx")
                                        .fqdn("gw.123")
                                        .address("127.0.0.1")
                                        .dialPlan("plain")
                                        .build()),
                        true,
                        List.of(Expect.error(14, "FQDN 'gw.123' is not a valid host name"))),
                new Case(
                        "a gateway on a dial plan the server is not associated with is an error",
                        lines(
                                "  dialPlans: [plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "  - name: other", // 12
                                "gateways:", // 13
                                "  - name: pbx", // 14
                                "    address: 127.0.0.1", // 15
                                "    dialPlan: other"), // 16
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .dialPlan("other", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("127.0.0.1")
                                        .dialPlan("other")
                                        .build()),
                        true,
                        List.of(Expect.error(
                                16, "serves dial plan 'other', which UM server 'um1' is not" + " associated with"))),
                new Case(
                        "dial plan names are case-insensitive: PLAIN duplicates plain",
                        lines(
                                "  dialPlans: [plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "  - name: PLAIN", // 12
                                "gateways:", // 13
                                "  - name: pbx", // 14
                                "    address: 127.0.0.1", // 15
                                "    dialPlan: plain"), // 16
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .dialPlan("PLAIN", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("127.0.0.1")
                                        .dialPlan("plain")
                                        .build()),
                        true,
                        List.of(Expect.error(12, "Dial plan name 'PLAIN' is used more than once"))),
                new Case(
                        "references are case-insensitive: a gateway on PLAIN serves plain",
                        lines(
                                "  dialPlans: [Plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "gateways:", // 12
                                "  - name: pbx", // 13
                                "    address: 127.0.0.1", // 14
                                "    dialPlan: PLAIN"), // 15
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("Plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("127.0.0.1")
                                        .dialPlan("PLAIN")
                                        .build()),
                        true,
                        List.of()),
                new Case(
                        "a dial plan associated twice is a warning",
                        lines(
                                "  dialPlans: [plain, Plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "gateways:", // 12
                                "  - name: pbx", // 13
                                "    address: 127.0.0.1", // 14
                                "    dialPlan: plain"), // 15
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .associateDialPlan("Plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("127.0.0.1")
                                        .dialPlan("plain")
                                        .build()),
                        true,
                        List.of(Expect.warning(9, "lists dial plan 'Plain' more than once"))),
                new Case(
                        "a secured gateway without port is told it needs 5061",
                        lines(
                                "  dialPlans: [sec]", // 9
                                "dialPlans:", // 10
                                "  - name: sec", // 11
                                "    voipSecurity: Secured", // 12
                                "gateways:", // 13
                                "  - name: gw1", // 14
                                "    fqdn: gw1.example.test", // 15
                                "    dialPlan: sec"), // 16
                        b -> b.dialPlan(DialPlan.builder("sec")
                                        .mode(VoipSecurityMode.SECURED)
                                        .build())
                                .associateDialPlan("sec")
                                .gateway(IpGateway.builder("gw1")
                                        .fqdn("gw1.example.test")
                                        .dialPlan("sec")
                                        .build()),
                        false,
                        List.of(Expect.error(14, "5061", "(R4)"))),
                new Case(
                        "an Unsecured gateway on the TLS port is a warning at the port's line",
                        lines(
                                "  dialPlans: [plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "gateways:", // 12
                                "  - name: pbx", // 13
                                "    address: 127.0.0.1", // 14
                                "    port: 5061", // 15
                                "    dialPlan: plain"), // 16
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("127.0.0.1")
                                        .port(5061)
                                        .dialPlan("plain")
                                        .build()),
                        true,
                        List.of(Expect.warning(15, "on port 5061, the SIP-over-TLS port"))),
                new Case(
                        "one device configured twice (same address and port) is ambiguous",
                        lines(
                                "  dialPlans: [plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "gateways:", // 12
                                "  - name: pbx", // 13
                                "    address: 127.0.0.1", // 14
                                "    dialPlan: plain", // 15
                                "  - name: pbx2", // 16
                                "    address: ::ffff:127.0.0.1", // 17
                                "    dialPlan: plain"), // 18
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("127.0.0.1")
                                        .dialPlan("plain")
                                        .build())
                                .gateway(IpGateway.builder("pbx2")
                                        .address("::ffff:127.0.0.1")
                                        .dialPlan("plain")
                                        .build()),
                        true,
                        List.of(Expect.error(17, "have the same IP address '127.0.0.1' and port 5060"))),
                new Case(
                        "a host name is not an address",
                        lines(
                                "  dialPlans: [plain]", // 9
                                "dialPlans:", // 10
                                "  - name: plain", // 11
                                "gateways:", // 12
                                "  - name: pbx", // 13
                                "    address: pbx.example.test", // 14
                                "    dialPlan: plain"), // 15
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .gateway(IpGateway.builder("pbx")
                                        .address("pbx.example.test")
                                        .dialPlan("plain")
                                        .build()),
                        true,
                        List.of(Expect.error(14, "'pbx.example.test' is not an IP address literal"))),
                new Case(
                        "the server associated with an unknown dial plan",
                        lines(
                                "  dialPlans: [plain, nowhere]", // 9
                                "dialPlans:", // 10
                                "  - name: plain"), // 11
                        b -> b.dialPlan("plain", VoipSecurityMode.UNSECURED)
                                .associateDialPlan("plain")
                                .associateDialPlan("nowhere"),
                        true,
                        List.of(Expect.error(9, "associated with unknown dial plan 'nowhere'"))),
                new Case(
                        "StartSecured other than 0 or 1 without association",
                        lines("  startSecured: 2"), // 9
                        b -> b.startSecured(2),
                        true,
                        List.of(Expect.error(9, "StartSecured is 2"))));
    }

    @BeforeAll
    static void startServer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        base = dir;
        live = dir.resolve("live.yaml");
        Files.writeString(
                live,
                HEADER
                        + lines(
                                "  dialPlans: [plain]",
                                "dialPlans:",
                                "  - name: plain",
                                "gateways:",
                                "  - name: pbx",
                                "    address: 127.0.0.1",
                                "    dialPlan: plain"));
        server = UmsecServer.builder(ServerConfiguration.load(live))
                .configFile(live)
                .registerJmx(false)
                .watchStore(false)
                .watchConfigFile(false)
                .eventListener(EVENTS::add)
                .build();
        server.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    private static final List<SecurityEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static Path base;
    private static Path live;
    private static UmsecServer server;

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void theSameRuleGivesTheSameVerdictOnEveryPath(Case c) throws Exception {
        Path file = base.resolve("check.yaml");
        Files.writeString(file, HEADER + c.yaml());

        // 1. umsec config check FILE
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = UmsecCommand.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute("config", "check", file.toString());
        assertThat(code).as("config check exit code\n%s", err).isEqualTo(c.refused() ? 1 : 0);
        List<String> printed = err.toString().lines().toList();
        assertThat(printed).as("config check output").hasSize(c.expected().size());
        for (Expect e : c.expected()) {
            String prefix = file + ":" + e.line() + ": " + (e.severity() == Severity.WARNING ? "warning: " : "");
            assertThat(printed)
                    .as("config check prints %s", e)
                    .anySatisfy(l -> assertThat(l).startsWith(prefix).contains(e.fragments()));
        }

        // 2. a file load (what `umsec server --config FILE` does)
        List<ConfigurationProblem> loaded = problemsOfLoad(file);
        assertProblems("file load", loaded, c, true);

        // 3. a live reload of the running server's file
        Files.writeString(live, HEADER + c.yaml());
        int before = EVENTS.size();
        List<ConfigurationProblem> reloaded;
        try {
            reloaded = server.reloadConfigFile().warnings();
            assertThat(c.refused())
                    .as("reload applied a configuration that must be refused")
                    .isFalse();
            assertThat(EVENTS.subList(before, EVENTS.size()))
                    .extracting(SecurityEvent::type)
                    .contains(SecurityEventType.CONFIGURATION_APPLIED)
                    .doesNotContain(SecurityEventType.CONFIGURATION_REJECTED);
        } catch (ConfigurationException e) {
            reloaded = e.problems();
            SecurityEvent rejected = EVENTS.subList(before, EVENTS.size()).stream()
                    .filter(ev -> ev.type() == SecurityEventType.CONFIGURATION_REJECTED)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no rejection event"));
            // the event carries the same file:line: message as config check prints
            for (ConfigurationProblem p : e.errors()) {
                assertThat(rejected.field("errors").orElseThrow())
                        .contains(p.toString().replace(file.toString(), live.toString()));
            }
        }
        assertProblems("live reload", reloaded, c, true);
        assertThat(reloaded)
                .extracting(ConfigurationProblem::message)
                .containsExactlyElementsOf(
                        loaded.stream().map(ConfigurationProblem::message).toList());

        // 4. the embedding API: the same configuration through ServerConfiguration.builder() and core's builders
        List<ConfigurationProblem> built;
        try {
            ServerConfiguration.Builder b = ServerConfiguration.builder()
                    .serverName("um1")
                    .fqdn("um.example.test")
                    .bindAddress("127.0.0.1")
                    .sipPort(0)
                    .tlsPort(0)
                    .store(base.resolve("certs"))
                    .voicemail(base.resolve("voicemail"));
            c.builder().accept(b);
            try {
                built = b.build().warnings();
                assertThat(c.refused())
                        .as("the builder accepted a configuration that must be refused")
                        .isFalse();
            } catch (ConfigurationException e) {
                built = e.problems();
            }
        } catch (IllegalArgumentException e) {
            // core's builders check a value in the setter (fail early): the same rule and message
            built = List.of(new ConfigurationProblem(ServerConfiguration.CODE_SOURCE, 0, e.getMessage()));
        }
        assertProblems("builder", built, c, false);
        if (c.sameText()) {
            assertThat(built)
                    .extracting(ConfigurationProblem::message)
                    .containsExactlyInAnyOrderElementsOf(
                            loaded.stream().map(ConfigurationProblem::message).toList());
        }
    }

    private static List<ConfigurationProblem> problemsOfLoad(Path file) throws Exception {
        try {
            return ServerConfiguration.load(file).warnings();
        } catch (ConfigurationException e) {
            return e.problems();
        }
    }

    private static void assertProblems(String path, List<ConfigurationProblem> actual, Case c, boolean withLines) {
        assertThat(actual).as("%s: %s", path, actual).hasSize(c.expected().size());
        for (Expect e : c.expected()) {
            if (actual.stream()
                    .noneMatch(p -> e.matches(p.severity(), p.message()) && (!withLines || p.line() == e.line()))) {
                fail(path + " did not report " + e + "; it reported " + actual);
            }
        }
    }

    private static String lines(String... l) {
        return String.join("\n", l) + "\n";
    }
}
