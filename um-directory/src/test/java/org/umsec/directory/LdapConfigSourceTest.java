package org.umsec.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.ConfigProblem;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.ConfigSource;
import org.umsec.core.ConfigSourceException;
import org.umsec.core.DialPlan;
import org.umsec.core.IpGateway;
import org.umsec.core.Severity;
import org.umsec.core.VoipSecurityMode;
import org.umsec.directory.testing.TestDirectory;

/**
 * The LDAP source against UnboundID's in-memory directory with the umsec schema and the example
 * entries, over real TLS with certificates made here: reading, trust (wrong CA, wrong host name,
 * plain LDAP only when asked), passwords from env: and file:, watching (a change, an outage, the
 * recovery).
 */
class LdapConfigSourceTest {

    static final TestPki PKI = TestPki.create("Directory", Clock.systemUTC());
    static final PersonalCertificate LOCALHOST = PKI.leaf("localhost").build();
    static final List<X509Certificate> ROOTS = List.of(PKI.rootCertificate());

    @TempDir
    Path tmp;

    TestDirectory dir;
    LdapConfigSource source;

    @AfterEach
    void tearDown() {
        if (source != null) {
            source.close();
        }
        if (dir != null) {
            dir.close();
        }
    }

    TestDirectory start(PersonalCertificate cert) throws IOException {
        dir = TestDirectory.builder().tls(cert.privateKey(), cert.chain()).start();
        return dir;
    }

    static DirectorySettings.Builder settings(String url) {
        return DirectorySettings.builder(url)
                .bindDn(TestDirectory.BIND_DN)
                .password(TestDirectory.BIND_PASSWORD)
                .baseDn(TestDirectory.UMSEC_BASE)
                .pollInterval(Duration.ofMillis(200));
    }

    LdapConfigSource source(DirectorySettings s, String server) {
        source = LdapConfigSource.builder(s, server).trustedRoots(ROOTS).build();
        return source;
    }

    @Test
    void readsTheReadmeExampleOverLdaps() throws Exception {
        start(LOCALHOST);
        ConfigSnapshot s = source(settings(dir.ldapsUrl()).build(), "um1").read();

        assertThat(s.findings()).isEmpty();
        assertThat(s.server().orElseThrow().fqdn()).isEqualTo("um.example.test");
        assertThat(s.server().get().dialPlans()).containsExactlyInAnyOrder("dp-secure", "dp-plain");
        assertThat(s.dialPlans())
                .extracting(DialPlan::name, DialPlan::mode)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("dp-secure", VoipSecurityMode.SECURED),
                        org.assertj.core.groups.Tuple.tuple("dp-plain", VoipSecurityMode.UNSECURED));
        assertThat(s.gateways()).extracting(IpGateway::name).containsExactlyInAnyOrder("gw1", "pbx-lab");
        IpGateway gw1 = s.gateways().stream()
                .filter(g -> g.name().equals("gw1"))
                .findFirst()
                .orElseThrow();
        assertThat(gw1.fqdn()).contains("gw1.example.test");
        assertThat(gw1.port()).isEqualTo(5061);
        assertThat(s.configuration().orElseThrow().validate()).isEmpty();
        assertThat(source.name()).startsWith("ldaps://localhost:").endsWith("/" + TestDirectory.UMSEC_BASE);
    }

    @Test
    void readsOverStartTlsAndWithACaFile() throws Exception {
        start(LOCALHOST);
        Path ca = tmp.resolve("ca.pem");
        Files.writeString(ca, pem(PKI.rootCertificate()));
        DirectorySettings s = settings(dir.ldapUrl())
                .tls(DirectorySettings.Tls.STARTTLS)
                .caFile(ca)
                .build();
        // no trusted roots given: the CA file alone vouches for the directory
        source = LdapConfigSource.builder(s, "um1").build();

        assertThat(source.read().gateways()).hasSize(2);
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedOverLdapsAndStartTls() throws Exception {
        TestPki other = TestPki.create("Other", Clock.systemUTC());
        start(other.leaf("localhost").build());

        assertThatThrownBy(() -> source(settings(dir.ldapsUrl()).build(), "um1").read())
                .isInstanceOf(ConfigSourceException.class)
                .hasMessageContaining("cannot read the directory ldaps://localhost:")
                .hasMessageContaining("PKIX path building failed");
        source.close();
        assertThatThrownBy(() -> source(
                                settings(dir.ldapUrl())
                                        .tls(DirectorySettings.Tls.STARTTLS)
                                        .build(),
                                "um1")
                        .read())
                .isInstanceOf(ConfigSourceException.class)
                .hasMessageContaining("PKIX path building failed");
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefusedOverLdapsAndStartTls() throws Exception {
        start(PKI.leaf("ldap.elsewhere.test").build());

        assertThatThrownBy(() -> source(settings(dir.ldapsUrl()).build(), "um1").read())
                .isInstanceOf(ConfigSourceException.class)
                .hasMessageContaining("Hostname verification failed");
        source.close();
        assertThatThrownBy(() -> source(
                                settings(dir.ldapUrl())
                                        .tls(DirectorySettings.Tls.STARTTLS)
                                        .build(),
                                "um1")
                        .read())
                .isInstanceOf(ConfigSourceException.class)
                .hasMessageContaining("Hostname verification failed");
    }

    @Test
    void anEmptyTrustListCannotVouchForTheDirectory() {
        DirectorySettings s = settings("ldaps://localhost:1").build();

        assertThatThrownBy(() -> LdapConfigSource.builder(s, "um1")
                        .trustedRoots(List.of())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no trusted root");
    }

    @Test
    void plainLdapOnlyWhenAskedExplicitly() throws Exception {
        dir = TestDirectory.builder().start(); // no certificate: no TLS at all

        assertThatThrownBy(() -> settings(dir.ldapUrl()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls: starttls")
                .hasMessageContaining("tls: none");
        assertThatThrownBy(() -> settings("ldaps://localhost")
                        .tls(DirectorySettings.Tls.STARTTLS)
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
        // StartTLS asked, not offered: refused, never silently plain
        assertThatThrownBy(() -> source(
                                settings(dir.ldapUrl())
                                        .tls(DirectorySettings.Tls.STARTTLS)
                                        .build(),
                                "um1")
                        .read())
                .isInstanceOf(ConfigSourceException.class);
        source.close();

        ConfigSnapshot s = source(
                        settings(dir.ldapUrl()).tls(DirectorySettings.Tls.NONE).build(), "um1")
                .read();
        assertThat(s.gateways()).hasSize(2);
    }

    @Test
    void aWrongPasswordIsRefused() throws Exception {
        start(LOCALHOST);
        DirectorySettings s = settings(dir.ldapsUrl()).password("wrong").build();

        assertThatThrownBy(() -> source(s, "um1").read())
                .isInstanceOf(ConfigSourceException.class)
                .hasMessageContaining("invalid credentials")
                .hasMessageNotContaining("wrong");
    }

    @Test
    void passwordFromTheEnvironmentOrAFile() throws Exception {
        start(LOCALHOST);
        Path secret = tmp.resolve("ldap.secret");
        Files.writeString(secret, TestDirectory.BIND_PASSWORD + "\nignored second line\n");

        DirectorySettings fromFile = settings(dir.ldapsUrl())
                .passwordSpec("file:" + secret, Map.of())
                .build();
        assertThat(fromFile.passwordInline()).isFalse();
        assertThat(source(fromFile, "um1").read().gateways()).hasSize(2);
        source.close();

        assumeTrue(
                System.getenv("UMSEC_TEST_DIRECTORY_PASSWORD") != null,
                "UMSEC_TEST_DIRECTORY_PASSWORD is set by the surefire configuration of um-directory");
        DirectorySettings fromEnv = settings(dir.ldapsUrl())
                .passwordSpec("env:UMSEC_TEST_DIRECTORY_PASSWORD", System.getenv())
                .build();
        assertThat(source(fromEnv, "um1").read().gateways()).hasSize(2);

        assertThatThrownBy(() -> settings(dir.ldapsUrl()).passwordSpec("env:UMSEC_NOT_SET_ANYWHERE", Map.of()))
                .hasMessageContaining("UMSEC_NOT_SET_ANYWHERE is not set");
        assertThatThrownBy(() -> settings(dir.ldapsUrl()).passwordSpec("file:" + tmp.resolve("none"), Map.of()))
                .hasMessageContaining("no such file");
        assertThat(settings(dir.ldapsUrl())
                        .passwordSpec("inline-secret", Map.of())
                        .build()
                        .passwordInline())
                .isTrue();
        assertThat(fromEnv.toString()).doesNotContain(TestDirectory.BIND_PASSWORD);
    }

    @Test
    void eachServerGetsTheGatewaysOfItsOwnDialPlans() throws Exception {
        start(LOCALHOST);
        dir.add(
                "dn: cn=dp-branch,ou=dialPlans," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecDialPlan",
                "cn: dp-branch",
                "umsecVoipSecurity: SIPSecured");
        dir.add(
                "dn: cn=gw-branch,ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: gw-branch",
                "umsecFqdn: gw-branch.example.test",
                "umsecPort: 5061",
                "umsecDialPlanName: DP-BRANCH");
        dir.add(
                "dn: cn=um2,ou=servers," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecServer",
                "cn: um2",
                "umsecFqdn: um2.example.test",
                "umsecDialPlanName: dp-branch");

        ConfigSnapshot um1 = source(settings(dir.ldapsUrl()).build(), "um1").read();
        assertThat(um1.gateways()).extracting(IpGateway::name).containsExactlyInAnyOrder("gw1", "pbx-lab");
        source.close();
        ConfigSnapshot um2 = source(settings(dir.ldapsUrl()).build(), "UM2").read();
        assertThat(um2.gateways()).extracting(IpGateway::name).containsExactly("gw-branch");
        assertThat(um2.configuration().orElseThrow().validate()).isEmpty();
    }

    @Test
    void problemsNameTheEntry() throws Exception {
        start(LOCALHOST);
        dir.add(
                "dn: cn=gw-bad,ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: gw-bad",
                "umsecFqdn: gw.123",
                "umsecPort: 5061",
                "umsecDialPlanName: dp-secure");
        dir.add(
                "dn: cn=gw-port,ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: gw-port",
                "umsecFqdn: gw-port.example.test",
                "umsecPort: 5060",
                "umsecDialPlanName: dp-secure");

        ConfigSnapshot s = source(settings(dir.ldapsUrl()).build(), "um1").read();

        // a value core's builder refuses: a finding at the entry, the entry left out
        assertThat(s.findings()).singleElement().satisfies(f -> {
            assertThat(f.origin()).endsWith("/cn=gw-bad,ou=gateways," + TestDirectory.UMSEC_BASE);
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.message()).contains("umsecFqdn").contains("gw.123");
        });
        // a rule about the whole (R4: a Secured gateway on 5061): validate() finds it, origin() names the entry
        ConfigProblem r4 = s.configuration().orElseThrow().validate().stream()
                .filter(ConfigProblem::isError)
                .findFirst()
                .orElseThrow();
        assertThat(s.origin(r4.subject())).hasValueSatisfying(o -> assertThat(o).contains("cn=gw-port,"));
    }

    @Test
    void aMissingServerEntryIsAFinding() throws Exception {
        start(LOCALHOST);
        ConfigSnapshot s = source(settings(dir.ldapsUrl()).build(), "um9").read();

        assertThat(s.server()).isEmpty();
        assertThat(s.hasErrors()).isTrue();
        assertThat(s.findings().get(0).message()).contains("cn=um9");
    }

    @Test
    void theSchemaIsEnforced() throws Exception {
        start(LOCALHOST);
        assertThatThrownBy(() -> dir.add(
                        "dn: cn=gw-typo,ou=gateways," + TestDirectory.UMSEC_BASE,
                        "objectClass: umsecGateway",
                        "cn: gw-typo",
                        "umsecPortt: 5061",
                        "umsecDialPlanName: dp-secure"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> dir.add(
                        "dn: cn=gw-noplan,ou=gateways," + TestDirectory.UMSEC_BASE,
                        "objectClass: umsecGateway",
                        "cn: gw-noplan"))
                .isInstanceOf(IOException.class); // umsecDialPlanName is a MUST
    }

    @Test
    void watchingSeesAChangeAnOutageAndTheRecovery() throws Exception {
        start(LOCALHOST);
        BlockingQueue<String> reports = new LinkedBlockingQueue<>();
        source(settings(dir.ldapsUrl()).build(), "um1").watch(new ConfigSource.Listener() {
            @Override
            public void changed() {
                reports.add("changed");
            }

            @Override
            public void unavailable(String reason) {
                reports.add("unavailable: " + reason);
            }

            @Override
            public void available() {
                reports.add("available");
            }
        });
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed"); // the watch's first look
        assertThat(source.changeNotification()).contains(LdapConfigSource.ChangeNotification.POLLING);

        dir.add(
                "dn: cn=gw2,ou=gateways," + TestDirectory.UMSEC_BASE,
                "objectClass: umsecGateway",
                "cn: gw2",
                "umsecFqdn: gw2.example.test",
                "umsecPort: 5061",
                "umsecDialPlanName: dp-secure");
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");
        assertThat(source.read().gateways()).extracting(IpGateway::name).contains("gw2");

        dir.delete("cn=gw2,ou=gateways," + TestDirectory.UMSEC_BASE);
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");

        dir.stop();
        assertThat(reports.poll(10, TimeUnit.SECONDS)).startsWith("unavailable: ");
        assertThatThrownBy(source::read).isInstanceOf(ConfigSourceException.class);

        dir.restart();
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("available");
        assertThat(reports.poll(10, TimeUnit.SECONDS)).isEqualTo("changed");
        assertThat(source.read().gateways()).hasSize(2);
    }

    static String pem(X509Certificate c) throws CertificateEncodingException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }
}
