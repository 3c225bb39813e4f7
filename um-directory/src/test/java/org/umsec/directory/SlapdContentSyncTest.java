package org.umsec.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.ConfigSource;
import org.umsec.core.IpGateway;

/**
 * The LDAP source against a real OpenLDAP {@code slapd} (Debian package {@code slapd}) with the umsec
 * schema loaded from {@code umsec-schema.ldif} and the {@code syncprov} overlay: the schema and the
 * example load as they are, changes are pushed by RFC 4533 content synchronisation (not polled), and
 * a stopped slapd is an outage that ends when it runs again. Skipped when slapd is not installed,
 * unless {@code UMSEC_REQUIRE_TOOLS=1} (CI), which makes a missing slapd a failure.
 */
class SlapdContentSyncTest {

    static final Path SLAPD = Path.of("/usr/sbin/slapd");
    static final Path SLAPADD = Path.of("/usr/sbin/slapadd");
    static final String ROOT_DN = "cn=admin,dc=example,dc=test";
    static final String ROOT_PW = "slapd-test-secret";
    static final String BASE = "ou=umsec,dc=example,dc=test";

    @TempDir
    Path tmp;

    Process slapd;
    int port;
    LdapConfigSource source;

    @BeforeEach
    void setUp() throws Exception {
        boolean present = Files.isExecutable(SLAPD) && Files.isExecutable(SLAPADD);
        if (!present && "1".equals(System.getenv("UMSEC_REQUIRE_TOOLS"))) {
            fail("slapd is not installed (Debian package slapd) and UMSEC_REQUIRE_TOOLS=1");
        }
        assumeTrue(present, "slapd is not installed (Debian package slapd): skipped");
        Path config = tmp.resolve("slapd.d");
        Files.createDirectories(config);
        Files.createDirectories(tmp.resolve("db"));
        String schema = new String(resource("/org/umsec/directory/umsec-schema.ldif"), StandardCharsets.UTF_8);
        Files.writeString(
                tmp.resolve("config.ldif"),
                String.join(
                                "\n",
                                "dn: cn=config",
                                "objectClass: olcGlobal",
                                "cn: config",
                                "",
                                "dn: cn=module{0},cn=config",
                                "objectClass: olcModuleList",
                                "cn: module{0}",
                                "olcModulePath: /usr/lib/ldap",
                                "olcModuleLoad: back_mdb",
                                "olcModuleLoad: syncprov",
                                "",
                                "dn: cn=schema,cn=config",
                                "objectClass: olcSchemaConfig",
                                "cn: schema",
                                "",
                                "include: file:///etc/ldap/schema/core.ldif",
                                "",
                                schema,
                                "",
                                "dn: olcDatabase={1}mdb,cn=config",
                                "objectClass: olcDatabaseConfig",
                                "objectClass: olcMdbConfig",
                                "olcDatabase: {1}mdb",
                                "olcDbDirectory: " + tmp.resolve("db"),
                                "olcSuffix: dc=example,dc=test",
                                "olcRootDN: " + ROOT_DN,
                                "olcRootPW: " + ROOT_PW,
                                "",
                                "dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config",
                                "objectClass: olcOverlayConfig",
                                "objectClass: olcSyncProvConfig",
                                "olcOverlay: {0}syncprov",
                                "")
                        .replace("\n\n\n", "\n\n"));
        run(
                SLAPADD.toString(),
                "-n0",
                "-F",
                config.toString(),
                "-l",
                tmp.resolve("config.ldif").toString());
        Files.writeString(
                tmp.resolve("data.ldif"),
                "dn: dc=example,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n"
                        + new String(resource("/org/umsec/directory/example.ldif"), StandardCharsets.UTF_8));
        run(
                SLAPADD.toString(),
                "-n1",
                "-F",
                config.toString(),
                "-l",
                tmp.resolve("data.ldif").toString());
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        startSlapd();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (source != null) {
            source.close();
        }
        stopSlapd();
    }

    @Test
    void changesArePushedByContentSyncAndAnOutageIsReported() throws Exception {
        DirectorySettings s = DirectorySettings.builder("ldap://127.0.0.1:" + port)
                .tls(DirectorySettings.Tls.NONE) // this test is about content sync; TLS is LdapConfigSourceTest's
                .bindDn(ROOT_DN)
                .password(ROOT_PW)
                .baseDn(BASE)
                .pollInterval(Duration.ofMillis(500))
                .build();
        source = LdapConfigSource.builder(s, "um1").build();
        assertThat(source.read().gateways()).extracting(IpGateway::name).containsExactlyInAnyOrder("gw1", "pbx-lab");

        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        source.watch(new ConfigSource.Listener() {
            @Override
            public void changed() {
                reports.add("changed");
            }

            @Override
            public void unavailable(String reason) {
                reports.add("unavailable");
            }

            @Override
            public void available() {
                reports.add("available");
            }
        });
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");
        assertThat(source.changeNotification()).contains(LdapConfigSource.ChangeNotification.CONTENT_SYNC);
        reports.clear();

        try (LDAPConnection c = new LDAPConnection("127.0.0.1", port, ROOT_DN, ROOT_PW)) {
            c.add(
                    "dn: cn=gw2,ou=gateways," + BASE,
                    "objectClass: umsecGateway",
                    "cn: gw2",
                    "umsecFqdn: gw2.example.test",
                    "umsecPort: 5061",
                    "umsecDialPlanName: dp-secure");
        }
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");
        assertThat(source.read().gateways()).extracting(IpGateway::name).contains("gw2");

        try (LDAPConnection c = new LDAPConnection("127.0.0.1", port, ROOT_DN, ROOT_PW)) {
            c.delete("cn=gw2,ou=gateways," + BASE);
        }
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");
        assertThat(source.read().gateways()).extracting(IpGateway::name).doesNotContain("gw2");

        stopSlapd();
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("unavailable");
        startSlapd();
        assertThat(reports.poll(15, TimeUnit.SECONDS)).isEqualTo("available");
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");
    }

    void startSlapd() throws Exception {
        slapd = new ProcessBuilder(
                        SLAPD.toString(),
                        "-d",
                        "0",
                        "-h",
                        "ldap://127.0.0.1:" + port + "/",
                        "-F",
                        tmp.resolve("slapd.d").toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("slapd.log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                new Socket("127.0.0.1", port).close();
                return;
            } catch (IOException e) {
                if (!slapd.isAlive()) {
                    fail("slapd exited: " + Files.readString(tmp.resolve("slapd.log")));
                }
                Thread.sleep(50);
            }
        }
        fail("slapd does not listen on " + port + ": " + Files.readString(tmp.resolve("slapd.log")));
    }

    void stopSlapd() throws InterruptedException {
        if (slapd != null) {
            slapd.destroy();
            if (!slapd.waitFor(10, TimeUnit.SECONDS)) {
                slapd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            slapd = null;
        }
    }

    static void run(String... command) throws Exception {
        Process p =
                new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", command) + " failed: " + out);
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = SlapdContentSyncTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing " + name);
            }
            return in.readAllBytes();
        }
    }
}
