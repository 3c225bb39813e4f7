package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
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

/** {@code umsec call --dtmf}: the test gateway presses keys as RFC 4733 telephone-events over SRTP. */
class CallDtmfCommandTest {

    @TempDir
    Path dir;

    @Test
    void keysPressedByTheTestGatewayEndTheVoicemailOnHash() throws Exception {
        TestPki pki = TestPki.create("CLI-DTMF", Clock.systemUTC());
        PersonalCertificate serverCert = pki.leaf("um.example.test").build();
        PersonalCertificate gwCert = pki.leaf("gw1.example.test").build();
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(serverCert);
        store.addTrustedRoot(pki.rootCertificate());
        Path cert = dir.resolve("gw.crt");
        Path key = dir.resolve("gw.key");
        Path root = dir.resolve("root.crt");
        Files.writeString(cert, CertificateFiles.toPem(gwCert.chain()));
        Files.writeString(key, CertificateFiles.toPem(gwCert.privateKey()));
        Files.writeString(root, CertificateFiles.toPem(pki.rootCertificate()));
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
        try (UmsecServer server = UmsecServer.builder(c).registerJmx(false).build()) {
            server.start();
            CliRunner call = CliRunner.run(
                    "call",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    root.toString(),
                    "--server-name",
                    "um.example.test",
                    "--seconds",
                    "1",
                    "--dtmf",
                    "42#",
                    "--suite",
                    "AES_256_CM_HMAC_SHA1_80",
                    "127.0.0.1:" + server.tlsPort());
            assertThat(call.exit()).as(call.out() + call.err()).isZero();
            assertThat(call.out()).contains("Pressed 42# as RFC 4733 telephone-events (payload type 101)");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String json = "";
            while (System.nanoTime() < deadline && !json.contains("endReason")) {
                try (Stream<Path> s =
                        Files.exists(dir.resolve("vm")) ? Files.list(dir.resolve("vm")) : Stream.empty()) {
                    Optional<Path> f =
                            s.filter(p -> p.toString().endsWith(".json")).findFirst();
                    json = f.isPresent() ? Files.readString(f.get()) : "";
                }
                Thread.sleep(20);
            }
            assertThat(json)
                    .contains(
                            "\"dtmf\": \"42#\"",
                            "\"endReason\": \"HANDLER_ENDED\"",
                            "\"srtpSuite\": \"AES_256_CM_HMAC_SHA1_80\"");
        }
        CliRunner bad = CliRunner.run("call", "--dtmf", "12x", "127.0.0.1:1");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("'x' is not a DTMF key");
    }
}
