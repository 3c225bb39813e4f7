package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.UmsecServer;
import org.umsec.server.config.ServerConfiguration;

/** {@code umsec test-connectivity} prints the server's chain and the reason also when validation fails. */
class ConnectivityDiagnosticsTest {

    @TempDir
    Path dir;

    @Test
    void aServerWeDoNotTrustStillHasItsChainPrintedWithTheReason() throws Exception {
        TestPki serverPki = TestPki.create("Diag server", Clock.systemUTC());
        TestPki otherPki = TestPki.create("Diag other", Clock.systemUTC());
        PersonalCertificate serverCert = serverPki.leaf("um.example.test").build();
        PersonalCertificate gwCert = serverPki.leaf("gw1.example.test").build();
        CertificateStore st = CertificateStore.open(dir.resolve("certs"));
        st.addPersonal(serverCert);
        st.addTrustedRoot(serverPki.rootCertificate());
        Path cert = Files.writeString(dir.resolve("gw.crt"), CertificateFiles.toPem(gwCert.chain()));
        Path key = Files.writeString(dir.resolve("gw.key"), CertificateFiles.toPem(gwCert.privateKey()));
        // the client trusts another CA only
        Path wrongRoot =
                Files.writeString(dir.resolve("other.crt"), CertificateFiles.toPem(otherPki.rootCertificate()));
        Path rightRoot =
                Files.writeString(dir.resolve("root.crt"), CertificateFiles.toPem(serverPki.rootCertificate()));
        ServerConfiguration c = ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("vm"))
                .dialPlan("s", VoipSecurityMode.SECURED)
                .associateDialPlan("s")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("s")
                        .build())
                .build();
        UmsecServer server = UmsecServer.builder(c).registerJmx(false).build();
        server.start();
        try (server) {
            CliRunner untrusted = CliRunner.run(
                    "test-connectivity",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    wrongRoot.toString(),
                    "--server-name",
                    "um.example.test",
                    "127.0.0.1:" + server.tlsPort());
            assertThat(untrusted.exit()).isEqualTo(1);
            assertThat(untrusted.out())
                    .contains(
                            "Server certificate chain (as presented; the handshake failed):",
                            "[0] subject CN=um.example.test",
                            serverCert.info().sha1Thumbprint(),
                            "issuer  CN=Diag server Test Intermediate");
            assertThat(untrusted.err())
                    .contains("TLS handshake with 127.0.0.1:" + server.tlsPort() + " failed (UNKNOWN_CA)");

            CliRunner wrongName = CliRunner.run(
                    "test-connectivity",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    rightRoot.toString(),
                    "127.0.0.1:" + server.tlsPort());
            assertThat(wrongName.exit()).isEqualTo(1);
            assertThat(wrongName.out())
                    .contains(
                            "[0] subject CN=um.example.test", serverCert.info().sha1Thumbprint());
            assertThat(wrongName.err()).contains("does not name 127.0.0.1");
        }
    }
}
