package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.IpGateway;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;

/**
 * The bounded load check: sipp places 500 calls at 50 calls per second over TCP against an
 * Unsecured dial plan, with the scenario of {@code src/test/sipp/umsec-uac.xml}; no call may fail.
 * Skipped when sipp is not installed ({@code .ci/run} installs it).
 */
class SippLoadCheckTest {

    static final int CALLS = 500;
    static final int RATE = 50;

    @TempDir
    Path dir;

    static Optional<Path> sipp() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path c = Path.of(p, "sipp");
            if (Files.isExecutable(c)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @Test
    void fiveHundredCallsAtFiftyPerSecondWithNoFailedCall() throws Exception {
        Optional<Path> sipp = sipp();
        if (System.getenv("UMSEC_REQUIRE_TOOLS") != null && sipp.isEmpty()) {
            throw new AssertionError("sipp is required (UMSEC_REQUIRE_TOOLS is set) but not installed");
        }
        assumeTrue(sipp.isPresent(), "sipp is not installed");
        Path scenario = Path.of("src/test/sipp/umsec-uac.xml").toAbsolutePath();
        assertThat(scenario).exists();
        ServerConfiguration c = ServerConfiguration.builder()
                .serverName("um-sipp")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("voicemail"))
                .dialPlan("load-plain", VoipSecurityMode.UNSECURED)
                .associateDialPlan("load-plain")
                .gateway(IpGateway.builder("sipp")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("load-plain")
                        .build())
                // this checks that calls complete, not overload: a slow CI machine on a cold JVM can keep
                // the signalling queue above the default 1 s, and shedding is OverloadTest's subject
                .maxQueueDelay(ServerConfiguration.MAX_QUEUE_DELAY)
                .build();
        try (UmsecServer server = UmsecServer.builder(c).registerJmx(false).build()) {
            server.start();
            Path stats = dir.resolve("stats.csv");
            Process p = new ProcessBuilder(
                            sipp.get().toString(),
                            "-sf",
                            scenario.toString(),
                            "-t",
                            "t1",
                            "-s",
                            "voicemail",
                            "-r",
                            Integer.toString(RATE),
                            "-m",
                            Integer.toString(CALLS),
                            "-l",
                            "200",
                            "-timeout",
                            "120s",
                            "-trace_stat",
                            "-stf",
                            stats.toString(),
                            "-nostdin",
                            // sipp's own media port (default 6000) made random, so a busy port cannot fail the check
                            "-mp",
                            Integer.toString(30000 + 2 * new java.util.Random().nextInt(4000)),
                            "127.0.0.1:" + server.tcpPort())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sipp.out").toFile())
                    .start();
            assertThat(p.waitFor(150, TimeUnit.SECONDS)).as("sipp finished").isTrue();
            Map<String, String> last = lastStatistics(stats);
            assertThat(last.get("SuccessfulCall(C)")).as("successful calls").isEqualTo(Integer.toString(CALLS));
            assertThat(last.get("FailedCall(C)")).as("failed calls").isEqualTo("0");
            assertThat(p.exitValue())
                    .as("sipp exit code (0: every call succeeded)")
                    .isZero();
            assertThat(server.metrics().getCallsAccepted()).isEqualTo(CALLS);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (server.metrics().getCallsActive() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.metrics().getCallsActive()).isZero();
            try (var files = Files.list(dir.resolve("voicemail"))) {
                assertThat(files.filter(f -> f.toString().endsWith(".json")).count())
                        .isEqualTo(CALLS);
            }
        }
    }

    static Map<String, String> lastStatistics(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        String[] head = lines.get(0).split(";");
        String[] last = lines.get(lines.size() - 1).split(";");
        return IntStream.range(0, Math.min(head.length, last.length))
                .boxed()
                .collect(Collectors.toMap(i -> head[i], i -> last[i], (a, b) -> a));
    }
}
