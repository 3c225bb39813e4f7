package org.umsec.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.Severity;
import org.umsec.directory.DirectorySettings;
import org.umsec.directory.testing.TestDirectory;

/**
 * The {@code directory:} section: every problem with file and line like the rest of the file (the
 * URL and its TLS mode, the password's source, a model also written in the file, an unreachable
 * directory), problems of entries named by their DN, and the warnings for a password written in the
 * file and for {@code tls: none}.
 */
class DirectoryConfigTest {

    @TempDir
    Path tmp;

    TestDirectory dir;

    @AfterEach
    void tearDown() {
        if (dir != null) {
            dir.close();
        }
    }

    static final String HEADER = String.join(
            "\n",
            "server:", // 1
            "  name: um1", // 2
            "  bind: 127.0.0.1", // 3
            "  sipPort: 0", // 4
            "  tlsPort: 0", // 5
            "  store: certs", // 6
            "  voicemail: voicemail", // 7
            "");

    List<ConfigurationProblem> problems(String yaml) throws Exception {
        Path f = tmp.resolve("umsec.yaml");
        Files.writeString(f, HEADER + yaml);
        try {
            ServerConfiguration.load(f);
        } catch (ConfigurationException e) {
            return e.problems();
        }
        throw new AssertionError("the configuration was accepted");
    }

    ServerConfiguration load(String yaml) throws Exception {
        Path f = tmp.resolve("umsec.yaml");
        Files.writeString(f, HEADER + yaml);
        return ServerConfiguration.load(f);
    }

    @Test
    void plainLdapWithoutATlsModeIsRefusedAtTheUrlLine() throws Exception {
        List<ConfigurationProblem> p = problems(String.join(
                "\n",
                "directory:", // 8
                "  url: ldap://ldap.example.test", // 9
                "  baseDn: ou=umsec,dc=example,dc=test", // 10
                ""));

        assertThat(p).singleElement().satisfies(x -> {
            assertThat(x.line()).isEqualTo(9);
            assertThat(x.message()).contains("tls: starttls").contains("tls: none");
            assertThat(x.toString()).startsWith(tmp.resolve("umsec.yaml") + ":9: ");
        });
    }

    @Test
    void eachKeyIsCheckedAtItsLine() throws Exception {
        List<ConfigurationProblem> p = problems(String.join(
                "\n",
                "directory:", // 8
                "  url: ldaps://ldap.example.test", // 9
                "  bindDn: not a dn", // 10
                "  password: env:UMSEC_NOT_SET_ANYWHERE_7", // 11
                "  baseDn: ou=umsec,dc=example,dc=test", // 12
                "  tls: {mode: sometimes}", // 13
                "  pollSeconds: 0", // 14
                "  port: 636", // 15
                ""));

        assertThat(p).extracting(ConfigurationProblem::line).contains(10, 11, 13, 14, 15);
        assertThat(p).anySatisfy(x -> assertThat(x.message()).contains("UMSEC_NOT_SET_ANYWHERE_7 is not set"));
        assertThat(p).anySatisfy(x -> assertThat(x.message()).contains("unknown key 'port' in directory"));
        assertThat(p).anySatisfy(x -> assertThat(x.message()).contains("ldaps, starttls or none"));
        assertThat(p).anySatisfy(x -> assertThat(x.message()).contains("pollSeconds must be 1..3600"));
    }

    @Test
    void theModelIsNotAlsoWrittenInTheFile() throws Exception {
        Path f = tmp.resolve("umsec.yaml");
        Files.writeString(
                f,
                String.join(
                        "\n",
                        "server:", // 1
                        "  name: um1", // 2
                        "  fqdn: um.example.test", // 3
                        "  dialPlans: [dp]", // 4
                        "dialPlans:", // 5
                        "  - name: dp", // 6
                        "gateways: []", // 7
                        "directory:", // 8
                        "  url: ldaps://ldap.example.test", // 9
                        "  tls: ldaps", // 10
                        "  baseDn: ou=umsec,dc=example,dc=test", // 11
                        "  bindDn: cn=umsec,dc=example,dc=test", // 12
                        ""));

        assertThatThrownBy(() -> ServerConfiguration.load(f))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.errors())
                            .extracting(ConfigurationProblem::line)
                            .contains(3, 4, 5, 7, 8);
                    assertThat(e.errors())
                            .anySatisfy(
                                    x -> assertThat(x.message()).contains("server.dialPlans comes from the directory"));
                    assertThat(e.errors())
                            .anySatisfy(x -> assertThat(x.message()).contains("directory.password is missing"));
                });
    }

    @Test
    void anUnreachableDirectoryIsAProblemAtItsSection() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        List<ConfigurationProblem> p = problems(String.join(
                "\n",
                "directory:", // 8
                "  url: ldap://127.0.0.1:" + closed, // 9
                "  tls: none", // 10
                "  baseDn: ou=umsec,dc=example,dc=test", // 11
                ""));

        assertThat(p).filteredOn(ConfigurationProblem::isError).singleElement().satisfies(x -> {
            assertThat(x.line()).isEqualTo(8);
            assertThat(x.message()).startsWith("cannot read the directory ldap://127.0.0.1:" + closed);
        });
    }

    @Test
    void noTrustedRootAndNoCaFileIsRefusedAtTheTlsLine() throws Exception {
        List<ConfigurationProblem> p = problems(String.join(
                "\n",
                "directory:", // 8
                "  url: ldaps://localhost:1", // 9
                "  tls: ldaps", // 10
                "  baseDn: ou=umsec,dc=example,dc=test", // 11
                ""));

        assertThat(p).singleElement().satisfies(x -> {
            assertThat(x.line()).isEqualTo(10);
            assertThat(x.message()).contains("no trusted root in the certificate store");
        });
    }

    @Test
    void problemsOfEntriesNameTheirDn() throws Exception {
        dir = TestDirectory.builder().start();
        dir.add(
                "dn: cn=gw-bad,ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: gw-bad",
                "umsecFqdn: gw.123",
                "umsecPort: 5061",
                "umsecDialPlanName: dp-secure");
        dir.add(
                "dn: cn=pbx-twin,ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: pbx-twin",
                "umsecAddress: 127.0.0.1",
                "umsecPort: 5060",
                "umsecDialPlanName: dp-plain");

        List<ConfigurationProblem> p = problems(directoryWithoutTls());

        String url = dir.ldapUrl();
        assertThat(p).filteredOn(ConfigurationProblem::isError).hasSize(2).allSatisfy(x -> {
            assertThat(x.line()).isZero();
            assertThat(x.source()).startsWith(url + "/cn=");
        });
        assertThat(p)
                .anySatisfy(x -> assertThat(x.toString())
                        .startsWith(url + "/cn=gw-bad,ou=gateways," + TestDirectory.UMSEC_BASE + ": umsecFqdn: ")
                        .contains("gw.123"));
        assertThat(p)
                .anySatisfy(x -> assertThat(x.toString())
                        .startsWith(url + "/cn=pbx-twin,ou=gateways," + TestDirectory.UMSEC_BASE + ": ")
                        .contains("same IP address '127.0.0.1' and port 5060"));
    }

    @Test
    void aPasswordInTheFileAndTlsNoneAreWarnings() throws Exception {
        dir = TestDirectory.builder().start();

        ServerConfiguration c = load(directoryWithoutTls());

        assertThat(c.directory().map(DirectorySettings::tls)).contains(DirectorySettings.Tls.NONE);
        assertThat(c.gateways()).hasSize(2);
        assertThat(c.warnings())
                .filteredOn(w -> w.severity() == Severity.WARNING && w.line() > 0)
                .extracting(ConfigurationProblem::line, w -> w.message().substring(0, 20))
                .contains(
                        org.assertj.core.groups.Tuple.tuple(10, "directory.password i"),
                        org.assertj.core.groups.Tuple.tuple(12, "directory.tls: none:"));
    }

    String directoryWithoutTls() {
        return String.join(
                "\n",
                "directory:", // 8
                "  url: " + dir.ldapUrl(), // 9
                "  password: " + TestDirectory.BIND_PASSWORD, // 10
                "  bindDn: " + TestDirectory.BIND_DN, // 11
                "  tls: none", // 12
                "  baseDn: " + TestDirectory.UMSEC_BASE, // 13
                "");
    }
}
