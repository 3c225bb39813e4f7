package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.server.cli.UmsecCommand;

/**
 * The reference pool of issue 14 against the real thing: {@code deploy/pool/start-pool.sh} starts slapd
 * (the directory, with um-directory's schema and the pool's entries), three umsec servers configured from
 * it on 127.0.0.11-13, and Kamailio as the trusted edge proxy on 127.0.0.10. Calls go through the edge over
 * mutual TLS with {@code umsec load} (in-process, as gateway gw1):
 * <ol>
 *   <li>one server is killed (SIGKILL) mid-load: the only calls that fail are those it had in progress
 *       (their BYE has nowhere to go); every new call is answered by the others; Kamailio's probe takes
 *       the dead server out (detection time printed);</li>
 *   <li>the server restarted rejoins: Kamailio's probe brings it back and it takes calls again;</li>
 *   <li>gateway gw2 added in the directory can call every server within seconds; removed, it is refused
 *       by every server.</li>
 * </ol>
 * Certificates come from a {@link TestPki} written as the script expects them. Addresses are fixed
 * loopback addresses (127.0.0.10-13), ports free ones picked at random. Skipped with a reason when
 * kamailio or slapd are not installed, unless {@code UMSEC_REQUIRE_TOOLS} is set (CI), then it fails.
 * Prints its figures (detection time, calls failed) for the README.
 */
class KamailioPoolTest {

    static final String DOMAIN = "pool.test";
    static final String BASE = "dc=pool,dc=test";
    static final Path DEPLOY = Path.of("..", "deploy", "pool").toAbsolutePath().normalize();

    @TempDir
    Path w;

    final Map<String, String> env = new java.util.HashMap<>();
    int edgePort;
    int portBase;
    int ldapPort;

    @AfterEach
    void stopPool() throws Exception {
        // the logs outlive the temporary directory: target/pool-logs (CI keeps target/ of a failed build)
        Path keep = Files.createDirectories(Path.of("target", "pool-logs"));
        for (String f :
                List.of("kamailio/kamailio.log", "um1/server.log", "um2/server.log", "um3/server.log", "script.log")) {
            if (Files.exists(w.resolve(f))) {
                Files.copy(
                        w.resolve(f),
                        keep.resolve(f.replace('/', '-')),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Files.exists(w.resolve("um1"))) {
            run(Duration.ofSeconds(90), DEPLOY.resolve("stop-pool.sh").toString(), w.toString());
        }
    }

    static boolean installed(String path) {
        return Files.isExecutable(Path.of(path));
    }

    @Test
    void serverKilledMidLoadFailsOnlyItsCallsRejoinsAndDirectoryChangesApplyEverywhere() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of(
                "/usr/sbin/kamailio",
                "/usr/sbin/slapd",
                "/usr/sbin/slapadd",
                "/usr/sbin/slappasswd",
                "/usr/bin/ldapadd",
                "/usr/bin/ldapdelete")) {
            if (!installed(tool)) {
                missing.add(tool);
            }
        }
        if (System.getenv("UMSEC_REQUIRE_TOOLS") != null && !missing.isEmpty()) {
            throw new AssertionError("kamailio and slapd are required (UMSEC_REQUIRE_TOOLS is set) but missing: "
                    + missing + " (apt-get install kamailio kamailio-tls-modules slapd ldap-utils)");
        }
        assumeTrue(missing.isEmpty(), "not installed: " + missing);
        boolean loopbacks = InetAddress.getByName("127.0.0.13").isReachable(1000);
        if (System.getenv("UMSEC_REQUIRE_TOOLS") != null && !loopbacks) {
            throw new AssertionError(
                    "the pool needs 127.0.0.10-13 on the loopback interface (UMSEC_REQUIRE_TOOLS is set)");
        }
        assumeTrue(loopbacks, "127.0.0.13 is not a local address");

        certificates();
        ports();
        long t0 = System.nanoTime();
        run(Duration.ofSeconds(240), DEPLOY.resolve("start-pool.sh").toString(), w.toString());
        System.out.printf("pool: started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        awaitLog("all three servers probed up", Duration.ofSeconds(30), () -> upCount() >= 3);
        awaitLog(
                "dispatcher: all three active",
                Duration.ofSeconds(30),
                () -> dispatcher()
                                .lines()
                                .filter(l -> l.strip().startsWith("FLAGS: A"))
                                .count()
                        >= 3);
        System.out.println("pool: dispatcher before the load:\n" + dispatcher());
        String warm = load("gw1", "--calls", "6", "--rate", "6", "--hold", "1").await();
        assertThat(figures(warm).get("completed")).as(warm).isEqualTo(6);
        for (String s : List.of("um1", "um2", "um3")) {
            assertThat(finishedRecordings(s, "gw1", 1))
                    .as(s + " takes calls (round robin)\n" + warm)
                    .isPositive();
        }

        // ---- 1. one server killed mid-load -----------------------------------------------------------
        LoadRun load = load(
                "gw1", "--rate", "8", "--duration", "12", "--hold", "3", "--concurrency", "200", "--timeout", "15");
        Thread.sleep(5000);
        long pid = Long.parseLong(Files.readString(w.resolve("um2/server.pid")).strip());
        int downBefore = count("dst-down sip:127.0.0.12:");
        assertThat(flags("127.0.0.12")).startsWith("A");
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        long killed = System.nanoTime();
        // out of the rotation: by a failed probe (dst-down) or by a failed relay (ds_mark_dst, FLAGS I...)
        awaitLog(
                "um2 out of the rotation",
                Duration.ofSeconds(20),
                () -> count("dst-down sip:127.0.0.12:") > downBefore
                        || flags("127.0.0.12").startsWith("I"));
        double detection = (System.nanoTime() - killed) / 1e9;
        String report = load.await();
        int inProgressOnKilled = unfinishedRecordings("um2");
        Map<String, Long> r = figures(report);
        System.out.printf(
                "pool: recordings per server (finished gw1 / unfinished): um1 %d/%d, um2 %d/%d, um3 %d/%d%n%s%n",
                finishedRecordings("um1", "gw1"),
                unfinishedRecordings("um1"),
                finishedRecordings("um2", "gw1"),
                unfinishedRecordings("um2"),
                finishedRecordings("um3", "gw1"),
                unfinishedRecordings("um3"),
                kamailioLog()
                        .lines()
                        .filter(l -> l.contains("DISPATCHER") || l.contains("failed (") || l.contains("ERROR"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        System.out.printf(
                "pool failover: um2 killed at 5 s of 12 s (8 calls/s, hold 3 s); out of the rotation after %.1f s;"
                        + " attempted %d, answered %d, completed %d; %d calls were in progress on um2%n%s%n",
                detection, r.get("attempted"), r.get("answered"), r.get("completed"), inProgressOnKilled, report);
        assertThat(r.get("answered")).as("every new call answered (failover)").isEqualTo(r.get("attempted"));
        long failed = r.get("attempted") - r.get("completed");
        assertThat(failed)
                .as("only the calls in progress on the killed server fail")
                .isPositive()
                .isLessThanOrEqualTo(inProgressOnKilled);
        assertThat(detection).as("probing window").isLessThan(10);

        // ---- 2. the restarted server rejoins ---------------------------------------------------------
        int upBefore = count("dst-up sip:127.0.0.12:");
        run(Duration.ofSeconds(120), DEPLOY.resolve("start-pool.sh").toString(), "--server", "2", w.toString());
        long restarted = System.nanoTime();
        awaitLog(
                "um2 probed up",
                Duration.ofSeconds(30),
                () -> count("dst-up sip:127.0.0.12:") > upBefore
                        || flags("127.0.0.12").startsWith("A"));
        System.out.printf(
                "pool: um2 rejoined %.1f s after its restart was ready%n", (System.nanoTime() - restarted) / 1e9);
        int um2Before = finishedRecordings("um2", "gw1");
        String again = load("gw1", "--calls", "6", "--rate", "6", "--hold", "1").await();
        assertThat(figures(again).get("completed")).as(again).isEqualTo(6);
        assertThat(finishedRecordings("um2", "gw1", um2Before + 1))
                .as("um2 takes calls again")
                .isGreaterThan(um2Before);

        // ---- 3. a gateway added in the directory, then removed -------------------------------------
        Path add = w.resolve("gw2.ldif");
        Files.writeString(
                add,
                "dn: cn=gw2,ou=gateways,ou=umsec," + BASE + "\nobjectClass: umsecGateway\ncn: gw2\n" + "umsecFqdn: gw2."
                        + DOMAIN + "\numsecPort: 5061\numsecDialPlanName: dp-pool\n");
        long added = System.nanoTime();
        ldap("/usr/bin/ldapadd", "-f", add.toString());
        String gw2 = null;
        for (int i = 0; i < 40; i++) {
            gw2 = load("gw2", "--calls", "3", "--rate", "10", "--hold", "0.5").await();
            if (figures(gw2).get("completed") == 3) {
                break;
            }
            Thread.sleep(250);
        }
        double addSeconds = (System.nanoTime() - added) / 1e9;
        assertThat(figures(gw2).get("completed")).as(gw2).isEqualTo(3);
        // round robin is not strict (the restarted server rejoined mid-cycle): a few more calls until
        // every server has answered gw2
        for (int i = 0; i < 6 && List.of("um1", "um2", "um3").stream().anyMatch(x -> gw2Missing(x)); i++) {
            String more =
                    load("gw2", "--calls", "3", "--rate", "10", "--hold", "0.5").await();
            assertThat(figures(more).get("completed")).as(more).isEqualTo(3);
        }
        for (String s : List.of("um1", "um2", "um3")) {
            assertThat(finishedRecordings(s, "gw2", 1)).as(s + " answered gw2").isPositive();
        }
        long removed = System.nanoTime();
        ldap("/usr/bin/ldapdelete", "cn=gw2,ou=gateways,ou=umsec," + BASE);
        String refused = null;
        for (int i = 0; i < 40; i++) {
            refused =
                    load("gw2", "--calls", "3", "--rate", "10", "--hold", "0.5").await();
            if (figures(refused).get("answered") == 0) {
                break;
            }
            Thread.sleep(250);
        }
        double removeSeconds = (System.nanoTime() - removed) / 1e9;
        assertThat(figures(refused).get("answered")).as(refused).isZero();
        assertThat(refused).contains("403");
        for (String s : List.of("um1", "um2", "um3")) {
            assertThat(Files.readString(w.resolve(s + "/server.log")))
                    .as(s + " refused gw2")
                    .contains("no gateway has the FQDN gw2." + DOMAIN);
        }
        System.out.printf(
                "pool directory: gw2 added -> calls on every server after %.1f s; removed -> refused everywhere after"
                        + " %.1f s%n",
                addSeconds, removeSeconds);
    }

    // ---- the pool's files ------------------------------------------------------------------------

    /** The layout start-pool.sh expects when it does not make the certificates itself. */
    void certificates() throws IOException {
        TestPki pki = TestPki.create("Pool", Clock.systemUTC());
        Path certs = Files.createDirectories(w.resolve("certs"));
        Files.writeString(certs.resolve("ca.crt"), CertificateFiles.toPem(pki.rootCertificate()));
        for (String n : List.of("edge", "ldap")) {
            TestPki.LeafBuilder b = pki.leaf(n + "." + DOMAIN);
            if (n.equals("ldap")) {
                b.ipAddress("127.0.0.1");
            }
            PersonalCertificate c = b.build();
            Files.writeString(certs.resolve(n + ".crt"), CertificateFiles.toPem(c.chain()));
            Files.writeString(certs.resolve(n + ".key"), CertificateFiles.toPem(c.privateKey()));
        }
        for (String n : List.of("um1", "um2", "um3", "gw1", "gw2")) {
            CertificateStore store = CertificateStore.open(w.resolve("stores").resolve(n));
            store.addPersonal(pki.leaf(n + "." + DOMAIN).build());
            store.addTrustedRoot(pki.rootCertificate());
        }
    }

    /** Free ports, picked at random from the ephemeral range: the edge, 3 servers (+100: admin), slapd. */
    void ports() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20000, 29000) * 2; // even: media.portRange starts even
            if (free("127.0.0.10", base)
                    && free("127.0.0.1", base + 50)
                    && free("127.0.0.11", base + 1)
                    && free("127.0.0.12", base + 2)
                    && free("127.0.0.13", base + 3)
                    && free("127.0.0.11", base + 101)
                    && free("127.0.0.12", base + 102)
                    && free("127.0.0.13", base + 103)) {
                edgePort = base;
                portBase = base;
                ldapPort = base + 50;
                env.put("POOL_EDGE_PORT", Integer.toString(edgePort));
                env.put("POOL_PORT_BASE", Integer.toString(portBase));
                env.put("POOL_LDAP_PORT", Integer.toString(ldapPort));
                env.put("POOL_MEDIA_BASE", Integer.toString(base + 200));
                String cp = System.getProperty("jdk.module.path", "")
                        + java.io.File.pathSeparator
                        + System.getProperty("java.class.path");
                env.put(
                        "UMSEC",
                        Path.of(System.getProperty("java.home"), "bin", "java") + " -Xss512k -XX:TieredStopAtLevel=1"
                                + " -cp " + cp + " " + UmsecCommand.class.getName());
                return;
            }
        }
        throw new IOException("no free ports found");
    }

    static boolean free(String address, int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(address))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void run(Duration limit, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = w.resolve("script.log");
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    String.join(" ", command) + " did not finish in " + limit + ":\n" + Files.readString(log));
        }
        assertThat(p.exitValue())
                .as(String.join(" ", command) + ":\n" + Files.readString(log))
                .isZero();
    }

    void ldap(String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                tool,
                "-ZZ",
                "-x",
                "-H",
                "ldap://127.0.0.1:" + ldapPort,
                "-D",
                "cn=admin," + BASE,
                "-y",
                w.resolve("slapd/admin.password").toString()));
        cmd.addAll(List.of(args));
        env.put("LDAPTLS_CACERT", w.resolve("certs/ca.crt").toString());
        run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
    }

    String kamailioLog() {
        try {
            return Files.readString(w.resolve("kamailio/kamailio.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    int count(String text) {
        String log = kamailioLog();
        int n = 0;
        for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Servers in the rotation: answered a probe (their OPTIONS counter, from the admin listener) and not
     * taken out since (Kamailio logs only state changes: dst-down, dst-up).
     */
    int upCount() {
        int n = 0;
        String log = kamailioLog();
        for (int i = 1; i <= 3; i++) {
            String a = "127.0.0.1" + i + ":";
            boolean down = log.lastIndexOf("dst-down sip:" + a) > log.lastIndexOf("dst-up sip:" + a);
            if (!down && optionsAnswered(i) > 0) {
                n++;
            }
        }
        return n;
    }

    /** Kamailio's view of the servers: kamcmd dispatcher.list (URI, FLAGS: AP active, IP inactive...). */
    String dispatcher() {
        try {
            Process p = new ProcessBuilder(
                            "/usr/sbin/kamcmd", "-s", "unix:" + w.resolve("kamailio/kamailio_ctl"), "dispatcher.list")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines()
                    .filter(l -> l.contains("URI:") || l.contains("FLAGS:"))
                    .collect(java.util.stream.Collectors.joining("\n"));
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** @return the dispatcher FLAGS of one server (AP: active, IP: inactive and probed), or "" */
    String flags(String address) {
        List<String> lines = dispatcher().lines().map(String::strip).toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("URI: sip:" + address + ":")
                    && lines.get(i + 1).startsWith("FLAGS: ")) {
                return lines.get(i + 1).substring("FLAGS: ".length());
            }
        }
        return "";
    }

    long optionsAnswered(int server) {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net
                    .URI
                    .create("http://127.0.0.1" + server + ":" + (portBase + server + 100) + "/metrics")
                    .toURL()
                    .openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            String body;
            try (java.io.InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Matcher m = Pattern.compile("^umsec_sip_options_answered_total(?:\\{[^}]*\\})? (\\d+)", Pattern.MULTILINE)
                    .matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    void awaitLog(String what, Duration limit, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out waiting for: " + what + "\nkamailio log tail:\n" + tail(kamailioLog(), 3000));
            }
            Thread.sleep(100);
        }
    }

    static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }

    /** Recordings of calls the server never finished: a .wav without its .json (the process died). */
    int unfinishedRecordings(String server) throws IOException {
        Path vm = w.resolve(server).resolve("voicemail");
        if (!Files.isDirectory(vm)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(vm)) {
            return (int) s.map(Path::toString)
                    .filter(p -> p.endsWith(".wav"))
                    .filter(p -> !Files.exists(Path.of(p.substring(0, p.length() - 4) + ".json")))
                    .count();
        }
    }

    boolean gw2Missing(String server) {
        try {
            return finishedRecordings(server, "gw2", 1) == 0;
        } catch (IOException | InterruptedException e) {
            return true;
        }
    }

    /**
     * Finished calls of one gateway on one server, waiting up to 10 s for at least {@code atLeast}: a call's
     * recording is finished (its .json written) on the server's call-end threads just after its BYE is
     * answered, so right after a load run the last ones may still be on their way.
     */
    int finishedRecordings(String server, String gateway, int atLeast) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int n = finishedRecordings(server, gateway);
        while (n < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(50);
            n = finishedRecordings(server, gateway);
        }
        return n;
    }

    /** Finished calls of one gateway on one server (their .json names the gateway). */
    int finishedRecordings(String server, String gateway) throws IOException {
        Path vm = w.resolve(server).resolve("voicemail");
        if (!Files.isDirectory(vm)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> s = Files.list(vm)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                if (Files.readString(p).contains("\"gateway\": \"" + gateway + "\"")) {
                    n++;
                }
            }
        }
        return n;
    }

    static final Pattern FIGURE = Pattern.compile("^\\s+(attempted|answered|completed)\\s+(\\d+)", Pattern.MULTILINE);

    static Map<String, Long> figures(String report) {
        Map<String, Long> m = new java.util.HashMap<>();
        Matcher x = FIGURE.matcher(report);
        while (x.find()) {
            m.put(x.group(1), Long.parseLong(x.group(2)));
        }
        assertThat(m).as(report).containsKeys("attempted", "answered", "completed");
        return m;
    }

    LoadRun load(String gateway, String... options) {
        return new LoadRun(gateway, options);
    }

    /** {@code umsec load} in-process as one gateway, through the edge. */
    final class LoadRun {
        final Thread thread;
        final StringWriter out = new StringWriter();
        volatile int exit = -1;

        private LoadRun(String gateway, String... options) {
            List<String> args = new ArrayList<>(List.of(
                    "load",
                    "--store",
                    w.resolve("stores").resolve(gateway).toString(),
                    "--server-name",
                    "edge." + DOMAIN,
                    "--interval",
                    "0"));
            args.addAll(List.of(options));
            args.add("127.0.0.10:" + edgePort);
            thread = new Thread(
                    () -> {
                        PrintWriter pw = new PrintWriter(out, true);
                        exit = UmsecCommand.commandLine(pw, pw).execute(args.toArray(String[]::new));
                    },
                    "pool-load-" + gateway);
            thread.start();
        }

        String await() throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(90));
            assertThat(thread.isAlive()).as("umsec load finished").isFalse();
            return out.toString();
        }
    }
}
