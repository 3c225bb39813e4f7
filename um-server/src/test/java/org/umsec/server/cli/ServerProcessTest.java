package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code umsec server} as a real process, as systemd runs it: SIGHUP reloads the configuration and
 * the certificate store (it used to kill the server), SIGTERM is logged with the calls being drained
 * and ends the process with 143, log records are JSON lines with {@code --log-format json}.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ServerProcessTest {

    @TempDir
    Path dir;

    Process process;
    final BlockingQueue<String> err = new LinkedBlockingQueue<>();
    final BlockingQueue<String> out = new LinkedBlockingQueue<>();
    final List<String> seen = new ArrayList<>();

    @AfterEach
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static void pump(InputStream in, BlockingQueue<String> q) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String l; (l = r.readLine()) != null; ) {
                            q.add(l);
                        }
                    } catch (IOException e) {
                        q.add("<pump: " + e + ">");
                    }
                },
                "test-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Waits (bounded) for a line; every line read on the way is kept in {@link #seen}. */
    String await(BlockingQueue<String> q, String what, Predicate<String> p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String l = left <= 0 ? null : q.poll(left, TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new AssertionError("no line " + what + " within 60 s; seen:\n" + String.join("\n", seen));
            }
            seen.add(l);
            if (p.test(l)) {
                return l;
            }
        }
    }

    void signal(String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
                .inheritIO()
                .start();
        assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(k.exitValue()).isZero();
    }

    @Test
    void sighupReloadsSigtermDrainsAndLogsAreJsonLines() throws Exception {
        Path cfg = dir.resolve("umsec.yaml");
        Files.writeString(
                cfg,
                String.join(
                        "\n",
                        "server:",
                        "  name: um-proc",
                        "  fqdn: um.example.test",
                        "  bind: 127.0.0.1",
                        "  sipPort: 0",
                        "  tlsPort: 0",
                        "  store: ./certs",
                        "  voicemail: ./voicemail",
                        "  startSecured: 0",
                        "  dialPlans: [plain]",
                        "dialPlans:",
                        "  - name: plain",
                        "    voipSecurity: Unsecured",
                        "gateways:",
                        "  - name: pbx",
                        "    address: 127.0.0.1",
                        "    port: 5060",
                        "    dialPlan: plain",
                        ""));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        process = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        cp,
                        UmsecCommand.class.getName(),
                        "server",
                        "--config",
                        cfg.toString(),
                        "--log-format",
                        "json",
                        "--log-level",
                        "INFO",
                        "--grace",
                        "1")
                .directory(dir.toFile())
                .start();
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
        await(out, "'running'", l -> l.contains("umsec server um-proc running"));
        await(err, "SIGHUP handler installed", l -> l.contains("SIGHUP re-reads"));

        signal("HUP");
        await(err, "SIGHUP received", l -> l.contains("SIGHUP received: reloading"));
        String applied = await(err, "configuration applied", l -> l.contains("Configuration applied without restart"));
        assertThat(applied).contains("\"logger\":\"org.umsec.events\"");
        await(err, "reload done", l -> l.contains("SIGHUP: reload done"));
        assertThat(process.isAlive()).as("SIGHUP must not end the server").isTrue();

        // a broken edit is refused on SIGHUP and the server keeps running
        Files.writeString(cfg, Files.readString(cfg).replace("sipPort: 0", "sipPort: 70000"));
        signal("HUP");
        await(err, "refusal", l -> l.contains("refused; the running configuration stays"));
        assertThat(process.isAlive()).isTrue();

        signal("TERM");
        await(err, "SIGTERM logged", l -> l.contains("SIGTERM received: stopping the server, 0 call(s) in progress"));
        await(err, "draining", l -> l.contains("draining 0 call(s) in progress for up to 1 s"));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(143);
        // whatever is left, then: every log record is one JSON object on one line
        for (String l; (l = err.poll(5, TimeUnit.SECONDS)) != null; ) {
            seen.add(l);
        }
        List<String> records = seen.stream().filter(l -> l.startsWith("{")).toList();
        assertThat(records).hasSizeGreaterThan(5);
        for (String l : records) {
            assertThat(l).endsWith("}").contains("\"time\":\"", "\"level\":\"", "\"logger\":\"", "\"message\":\"");
        }
        assertThat(seen).anyMatch(l -> l.contains("Figures: calls.accepted=0 calls.active=0"));
    }
}
