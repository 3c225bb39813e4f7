package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.BeforeEach;
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

/**
 * {@code umsec load} against the real server: secured calls over mutual TLS with SDES-SRTP both
 * ways, plain TCP calls, signalling-only calls over several connections, refused calls reported by
 * status, and usage errors. Small numbers; the
 * capacity figures are measured by hand (benchmarks/RESULTS.md), never asserted here.
 */
class LoadCommandTest {

    @TempDir
    Path dir;

    private Path cert;
    private Path key;
    private Path root;
    private Path wav;

    @BeforeEach
    void pki() throws Exception {
        TestPki pki = TestPki.create("Load", Clock.systemUTC());
        PersonalCertificate serverCert = pki.leaf("um.example.test").build();
        TestPki gatewayPki = TestPki.create("Gateways", Clock.systemUTC());
        PersonalCertificate gwCert = gatewayPki.leaf("gw1.example.test").build();
        CertificateStore store = CertificateStore.open(dir.resolve("store"));
        store.addPersonal(serverCert);
        store.addTrustedRoot(pki.rootCertificate());
        store.addTrustedRoot(gatewayPki.rootCertificate());
        cert = dir.resolve("gw.crt");
        key = dir.resolve("gw.key");
        root = dir.resolve("root.crt");
        Files.writeString(cert, CertificateFiles.toPem(gwCert.chain()));
        Files.writeString(key, CertificateFiles.toPem(gwCert.privateKey()));
        Files.writeString(root, CertificateFiles.toPem(pki.rootCertificate()));
        // half a second of a 16-bit 8 kHz mono tone, as a gateway's prompt would be
        byte[] pcm = new byte[8000];
        for (int i = 0; i < pcm.length / 2; i++) {
            short v = (short) (Math.sin(2 * Math.PI * 350 * i / 8000.0) * 6000);
            pcm[2 * i] = (byte) v;
            pcm[2 * i + 1] = (byte) (v >> 8);
        }
        AudioFormat f = new AudioFormat(8000, 16, 1, true, false);
        wav = dir.resolve("prompt.wav");
        AudioSystem.write(
                new AudioInputStream(new ByteArrayInputStream(pcm), f, pcm.length / 2),
                AudioFileFormat.Type.WAVE,
                wav.toFile());
    }

    private UmsecServer server() throws Exception {
        ServerConfiguration c = ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("store"))
                .voicemail(dir.resolve("vm"))
                .dialPlan("s", VoipSecurityMode.SECURED)
                .dialPlan("p", VoipSecurityMode.UNSECURED)
                .associateDialPlan("s")
                .associateDialPlan("p")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("s")
                        .build())
                .gateway(IpGateway.builder("lab")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("p")
                        .build())
                .build();
        UmsecServer s = UmsecServer.builder(c).registerJmx(false).build();
        s.start();
        return s;
    }

    private String[] tls(UmsecServer s, String... args) {
        String[] common = {
            "load",
            "--cert",
            cert.toString(),
            "--key",
            key.toString(),
            "--trust",
            root.toString(),
            "--server-name",
            "um.example.test",
            "--interval",
            "0"
        };
        String[] all = new String[common.length + args.length + 1];
        System.arraycopy(common, 0, all, 0, common.length);
        System.arraycopy(args, 0, all, common.length, args.length);
        all[all.length - 1] = "127.0.0.1:" + s.tlsPort();
        return all;
    }

    /** A number from the final report (after the progress lines). */
    private static long number(String out, String regex) {
        int result = out.indexOf("\nResult\n");
        assertThat(result).as(out).isNotNegative();
        Matcher m = Pattern.compile(regex).matcher(out.substring(result));
        assertThat(m.find()).as("%s in%n%s", regex, out).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void twentySecuredCallsOverMutualTlsWithSrtpBothWaysAllComplete() throws Exception {
        try (UmsecServer s = server()) {
            CliRunner r = CliRunner.run(tls(
                    s, "--calls", "20", "--rate", "20", "--concurrency", "20", "--hold", "1", "--wav", wav.toString()));
            String out = r.out();
            assertThat(r.exit()).as(out + r.err()).isZero();
            assertThat(out)
                    .contains(
                            "over mutual TLS (SRTP AES_CM_128_HMAC_SHA1_80, PCMU)",
                            "TLS handshake: 1 full handshake, TLSv1.3",
                            "setup latency p50",
                            "generator CPU");
            assertThat(number(out, "attempted +(\\d+)")).isEqualTo(20);
            assertThat(number(out, "answered +(\\d+) \\(100.0 %\\)")).isEqualTo(20);
            assertThat(number(out, "failed +(\\d+)")).isZero();
            assertThat(number(out, "completed +(\\d+) \\(BYE answered 200 OK\\)"))
                    .isEqualTo(20);
            assertThat(number(out, "media +(\\d+) calls")).isEqualTo(20);
            // every call sent SRTP, and what came back authenticated under the key the server answered with
            assertThat(number(out, "RTP sent \\d+ \\(\\S+ per call, min (\\d+)"))
                    .isPositive();
            assertThat(number(out, "received (\\d+) \\(")).isPositive();
            assertThat(number(out, "lost \\d+ \\(\\d+ calls with loss\\), rejected (\\d+)"))
                    .isZero();
            assertThat(number(out, "SRTCP sent (\\d+)")).isGreaterThanOrEqualTo(20);
            assertThat(number(out, "SRTCP sent \\d+, received \\d+, rejected (\\d+)"))
                    .isZero();
            assertThat(out).contains("handshakes    1 full handshake");
            // the server saw the same calls: it accepted 20, decrypted our SRTP and recorded every call
            assertThat(s.metrics().getCallsAccepted()).isEqualTo(20);
            assertThat(s.metrics().getRtpPacketsReceived()).isPositive();
            assertThat(s.metrics().getSrtpPacketsFailed().values().stream()
                            .mapToLong(Long::longValue)
                            .sum())
                    .isZero();
        }
    }

    @Test
    void plainTcpCallsWithRtpAndRefusedCallsAreReportedByStatus() throws Exception {
        try (UmsecServer s = server()) {
            CliRunner plain = CliRunner.run(
                    "load",
                    "--secured=false",
                    "--calls",
                    "4",
                    "--rate",
                    "10",
                    "--hold",
                    "0.3",
                    "--interval",
                    "0.2",
                    "127.0.0.1:" + s.tcpPort());
            assertThat(plain.exit()).as(plain.out() + plain.err()).isZero();
            assertThat(plain.out()).contains("over TCP (plain RTP, PCMU)", "TLS handshake: none (TCP connect");
            assertThat(number(plain.out(), "answered +(\\d+)")).isEqualTo(4);
            assertThat(number(plain.out(), "completed +(\\d+)")).isEqualTo(4);
            assertThat(plain.out()).containsPattern("\\d+\\.\\ds attempted \\d+ \\(\\+\\d+\\) answered"); // progress
            // 0.4 s of calls is inside the default 5 s warm-up: no steady-state figure to give
            assertThat(plain.out()).contains("steady state  not measured: calls were attempted for");

            // SRTP refused over TLS: the secured dial plan wants keys, so every INVITE gets 488
            CliRunner refused = CliRunner.run(tls(s, "--srtp=false", "--calls", "3", "--rate", "50", "--hold", "0"));
            assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(1);
            assertThat(number(refused.out(), "attempted +(\\d+)")).isEqualTo(3);
            assertThat(number(refused.out(), "answered +(\\d+)")).isZero();
            assertThat(number(refused.out(), "failed +(\\d+)")).isEqualTo(3);
            assertThat(number(refused.out(), "(\\d+)  488 ")).isEqualTo(3);
            assertThat(refused.out()).contains("media         none");
        }
    }

    @Test
    void concurrencyLimitSkipsCallsThatWouldExceedIt() throws Exception {
        try (UmsecServer s = server()) {
            // 20 calls/s for 1 s with 2 s holds but room for 2: the pacer skips what does not fit
            CliRunner r = CliRunner.run(tls(s, "--duration", "1", "--rate", "20", "--concurrency", "2", "--hold", "2"));
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(number(r.out(), "attempted +(\\d+)")).isEqualTo(2);
            assertThat(number(r.out(), "(\\d+) skipped at the concurrency limit"))
                    .isPositive();
            assertThat(number(r.out(), "completed +(\\d+)")).isEqualTo(2);
        }
    }

    @Test
    void signallingOnlyCallsSpreadOverSeveralConnections() throws Exception {
        try (UmsecServer s = server()) {
            // plain TCP, no RTP: every offer names one shared port pair, nothing is sent or read
            CliRunner tcp = CliRunner.run(
                    "load",
                    "--secured=false",
                    "--media=false",
                    "--connections",
                    "3",
                    "--calls",
                    "6",
                    "--rate",
                    "20",
                    "--hold",
                    "0.2",
                    "--warm-up",
                    "0",
                    "--interval",
                    "0",
                    "127.0.0.1:" + s.tcpPort());
            String out = tcp.out();
            assertThat(tcp.exit()).as(out + tcp.err()).isZero();
            assertThat(out)
                    .contains(
                            "over TCP (no media, PCMU), 3 connections",
                            "TLS handshake: none (3 TCP connects",
                            "media         none (--media=false");
            assertThat(number(out, "answered +(\\d+)")).isEqualTo(6);
            assertThat(number(out, "completed +(\\d+)")).isEqualTo(6);
            // with no warm-up the whole run is the steady window
            assertThat(number(out, "steady state  (\\d+) us CPU per call")).isPositive();
            assertThat(number(out, "steady state  \\d+ us CPU per call \\((\\d+) calls"))
                    .isBetween(1L, 6L);

            // mutual TLS: two connections, two full handshakes; the Secured plan still gets its SDES keys
            CliRunner tls = CliRunner.run(
                    tls(s, "--media=false", "--connections", "2", "--calls", "4", "--rate", "20", "--hold", "0.2"));
            out = tls.out();
            assertThat(tls.exit()).as(out + tls.err()).isZero();
            assertThat(out)
                    .contains(
                            "over mutual TLS (no media, SRTP AES_CM_128_HMAC_SHA1_80 offered, PCMU), 2 connections",
                            "handshakes    2 full handshakes, TLSv1.3");
            assertThat(number(out, "completed +(\\d+)")).isEqualTo(4);
            assertThat(s.metrics().getCallsAccepted()).isEqualTo(10);
            // signalling only: not one RTP packet reached the server from the generator
            assertThat(s.metrics().getRtpPacketsReceived()).isZero();
        }
    }

    @Test
    void usageErrorsAreOneLine() {
        CliRunner connections = CliRunner.run("load", "--connections", "0", "127.0.0.1:1");
        assertThat(connections.exit()).isEqualTo(1);
        assertThat(connections.err()).contains("--connections must be between 1 and 64");
        CliRunner warmUp = CliRunner.run("load", "--warm-up", "-1", "127.0.0.1:1");
        assertThat(warmUp.exit()).isEqualTo(1);
        assertThat(warmUp.err()).contains("--warm-up must be between 0 and 86400 seconds");
        CliRunner both = CliRunner.run("load", "--calls", "5", "--duration", "3", "127.0.0.1:1");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err()).contains("give --calls or --duration, not both");
        CliRunner keysOverTcp = CliRunner.run("load", "--secured=false", "--srtp=true", "127.0.0.1:1");
        assertThat(keysOverTcp.exit()).isEqualTo(1);
        assertThat(keysOverTcp.err()).contains("never sent over plain TCP");
        CliRunner rate = CliRunner.run("load", "--secured=false", "--rate", "0", "127.0.0.1:1");
        assertThat(rate.exit()).isEqualTo(1);
        assertThat(rate.err()).contains("--rate must be above 0");
        CliRunner nobody = CliRunner.run("load", "--secured=false", "--calls", "1", "--timeout", "2", "127.0.0.1:1");
        assertThat(nobody.exit()).isEqualTo(1);
        assertThat(nobody.err()).contains("cannot connect to 127.0.0.1:1");
    }
}
