package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

/** {@code umsec call}: a BYE from the server, a server that never answers, --verbose and --show-keys. */
class CallToolTest {

    @TempDir
    Path dir;

    UmsecServer server(ServerConfiguration.Builder b) throws Exception {
        UmsecServer s = UmsecServer.builder(b.build()).registerJmx(false).build();
        s.start();
        return s;
    }

    ServerConfiguration.Builder plain() {
        return ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("vm"))
                .dialPlan("p", VoipSecurityMode.UNSECURED)
                .associateDialPlan("p")
                .gateway(IpGateway.builder("lab")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("p")
                        .build());
    }

    @Test
    void aByeFromTheServerEndsTheCallCleanlyWithItsReason() throws Exception {
        // the server ends every call after 1 s of recording; the call tool would talk for 20 s
        try (UmsecServer s = server(plain().maxRecording(Duration.ofSeconds(1)))) {
            CliRunner call = CliRunner.run("call", "--secured=false", "--seconds", "20", "127.0.0.1:" + s.tcpPort());
            assertThat(call.exit()).as(call.out() + call.err()).isZero();
            assertThat(call.out())
                    .contains(
                            "Answered: 200 OK",
                            "The server ended the call: BYE (Reason: SIP;cause=200;text=\"MAX_LENGTH\"); answered 200 OK")
                    .doesNotContain("Hung up", "Sent 1000 packets");
        }
    }

    @Test
    void aServerThatNeverAnswersEndsAtTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread sink = new Thread(() -> {
                try (Socket s = silent.accept();
                        InputStream in = s.getInputStream()) {
                    in.transferTo(java.io.OutputStream.nullOutputStream()); // reads the INVITE, never answers
                } catch (java.io.IOException e) {
                    // the client went away
                }
            });
            sink.setDaemon(true);
            sink.start();
            CliRunner call =
                    CliRunner.run("call", "--secured=false", "--timeout", "1", "127.0.0.1:" + silent.getLocalPort());
            assertThat(call.exit()).isEqualTo(1);
            assertThat(call.err()).contains("no answer within 1 s");
        }
    }

    @Test
    void verbosePrintsTheSdpWithKeysMaskedAndShowKeysPrintsTheCryptoLinesForDecrypt() throws Exception {
        TestPki pki = TestPki.create("Call tool", Clock.systemUTC());
        PersonalCertificate serverCert = pki.leaf("um.example.test").build();
        PersonalCertificate gwCert = pki.leaf("gw1.example.test").build();
        CertificateStore st = CertificateStore.open(dir.resolve("certs"));
        st.addPersonal(serverCert);
        st.addTrustedRoot(pki.rootCertificate());
        Path cert = Files.writeString(dir.resolve("gw.crt"), CertificateFiles.toPem(gwCert.chain()));
        Path key = Files.writeString(dir.resolve("gw.key"), CertificateFiles.toPem(gwCert.privateKey()));
        Path root = Files.writeString(dir.resolve("root.crt"), CertificateFiles.toPem(pki.rootCertificate()));
        ServerConfiguration.Builder b = plain().dialPlan("s", VoipSecurityMode.SECURED)
                .associateDialPlan("s")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("s")
                        .build());
        try (UmsecServer s = server(b)) {
            String[] base = {
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
                "127.0.0.1:" + s.tlsPort()
            };
            CliRunner verbose = CliRunner.run(concat(base, "--verbose"));
            assertThat(verbose.exit()).as(verbose.out() + verbose.err()).isZero();
            assertThat(verbose.out())
                    .contains(
                            "SDP offer:",
                            "SDP answer:",
                            "m=audio",
                            "RTP/SAVP",
                            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked; --show-keys prints it>")
                    .doesNotContain("--crypto \"");
            assertThat(verbose.out()).doesNotContainPattern("inline:[A-Za-z0-9+/]{20,}");

            CliRunner keys = CliRunner.run(concat(base, "--verbose", "--show-keys"));
            assertThat(keys.exit()).as(keys.out() + keys.err()).isZero();
            Matcher m = Pattern.compile("--crypto \"(AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/=]+)\"")
                    .matcher(keys.out());
            assertThat(m.find()).as(keys.out()).isTrue();
            String ours = m.group(1);
            assertThat(m.find()).isTrue();
            String theirs = m.group(1);
            assertThat(ours).isNotEqualTo(theirs);
            // the lines are the ones in the SDP exchanged: ours in the offer, the server's in the answer
            int answerAt = keys.out().indexOf("SDP answer:");
            assertThat(keys.out().indexOf("a=crypto:1 " + ours)).isBetween(0, answerAt);
            assertThat(keys.out().indexOf("a=crypto:1 " + theirs)).isGreaterThan(answerAt);
            assertThat(keys.out()).containsPattern("our stream: SSRC 0x[0-9a-f]{8}, UDP \\d+ -> 127\\.0\\.0\\.1:\\d+");
        }
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(CliRunner.run("call", "--codec", "G729", "127.0.0.1:1").exit())
                .isEqualTo(2);
        assertThat(CliRunner.run("call", "--suite", "NONE", "127.0.0.1:1").exit())
                .isEqualTo(2);
        assertThat(CliRunner.run("call", "--secured=false", "127.0.0.1:99999").exit())
                .isEqualTo(2);
        assertThat(CliRunner.run("test-connectivity", "--secured=false", "[::1").exit())
                .isEqualTo(2);
        assertThat(CliRunner.run("test-connectivity", "--cert", "x.pem", "127.0.0.1:1")
                        .exit())
                .isEqualTo(2);
        assertThat(CliRunner.run("call", "--no-such-option").exit()).isEqualTo(2);
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
