package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.UmsecServer;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.pcap.PcapWriter;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

class UmsecCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommandAndUsageErrorsAreOneLine() {
        CliRunner help = CliRunner.run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("server", "test-connectivity", "certs", "srtp", "config");
        for (String[] sub : new String[][] {
            {"server", "--help"},
            {"test-connectivity", "--help"},
            {"certs", "--help"},
            {"certs", "sign", "--help"},
            {"srtp", "decrypt", "--help"},
            {"config", "check", "--help"}
        }) {
            CliRunner r = CliRunner.run(sub);
            assertThat(r.exit()).as(String.join(" ", sub)).isZero();
            assertThat(r.out()).contains("Usage:");
        }
        CliRunner bad = CliRunner.run("test-connectivity", "--bogus", "x");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).contains("--bogus");
    }

    @Test
    void configCheckPrintsEveryProblemWithFileAndLine() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "server:\n  sipPort: x\ndialPlans:\n  - name: a\n    voipSecurity: Nope\n");
        CliRunner r = CliRunner.run("config", "check", bad.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(bad + ":2:", bad + ":5:");
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, CliRunner.run("config", "default").out());
        assertThat(CliRunner.run("config", "check", good.toString()).exit()).isZero();
    }

    @Test
    void certificateWorkflowSelfSignedRequestSignImportExportTrust() throws Exception {
        String server = dir.resolve("server-store").toString();
        String gateway = dir.resolve("gw-store").toString();
        CliRunner made = CliRunner.run("certs", "new-self-signed", "--store", server, "--dns", "um1.example.test");
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(made.out()).contains("CN=um1.example.test", "SHA-1", "Warning");
        CliRunner sel = CliRunner.run("certs", "select", "--store", server);
        assertThat(sel.out()).contains("selected", "SELF_SIGNED");

        Path csr = dir.resolve("gw.csr");
        CliRunner req = CliRunner.run(
                "certs", "request", "--store", gateway, "--dns", "gw1.example.test", "--out", csr.toString());
        assertThat(req.exit()).as(req.err()).isZero();
        assertThat(Files.readString(csr)).contains("BEGIN CERTIFICATE REQUEST");

        Path crt = dir.resolve("gw.crt");
        CliRunner sign = CliRunner.run(
                "certs", "sign", "--store", server, "--ca", "lab", "--csr", csr.toString(), "--out", crt.toString());
        assertThat(sign.exit()).as(sign.err()).isZero();
        assertThat(sign.out()).contains("Created lab CA lab", "CN=gw1.example.test");

        CliRunner imp = CliRunner.run("certs", "import", "--store", gateway, "--signed", crt.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        Path root = dir.resolve("root.crt");
        assertThat(CliRunner.run("certs", "export", "--store", server, "--ca", "lab", "--out", root.toString())
                        .exit())
                .isZero();
        CliRunner trust = CliRunner.run("certs", "trust", "--store", gateway, root.toString());
        assertThat(trust.exit()).as(trust.err()).isZero();
        CliRunner list = CliRunner.run("certs", "list", "--store", gateway);
        assertThat(list.out())
                .contains("Personal certificates (1)", "CN=gw1.example.test", "Trusted roots (1)", "umsec lab CA lab");
        // the gateway's certificate now selects as CA-issued (it chains to the trusted lab root)
        assertThat(CliRunner.run("certs", "select", "--store", gateway).out()).contains("selected", "CA_ISSUED");

        Path exported = dir.resolve("um1.crt");
        assertThat(CliRunner.run("certs", "export", "--store", server, "--out", exported.toString())
                        .exit())
                .isZero();
        assertThat(Files.readString(exported)).contains("BEGIN CERTIFICATE");

        CliRunner garbage = CliRunner.run("certs", "trust", "--store", gateway, csr.toString());
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.err().strip().lines()).hasSize(1);
    }

    @Test
    void testConnectivitySucceedsAgainstTheServerAndFailsWhenItDoesNotTrustUs() throws Exception {
        TestPki pki = TestPki.create("CLI", Clock.systemUTC());
        PersonalCertificate serverCert = pki.leaf("um.example.test").build();
        TestPki gatewayPki = TestPki.create("Gateways", Clock.systemUTC());
        PersonalCertificate gwCert = gatewayPki.leaf("gw1.example.test").build();
        CertificateStore trusting = CertificateStore.open(dir.resolve("trusting"));
        trusting.addPersonal(serverCert);
        trusting.addTrustedRoot(pki.rootCertificate());
        trusting.addTrustedRoot(gatewayPki.rootCertificate());
        CertificateStore distrusting = CertificateStore.open(dir.resolve("distrusting"));
        distrusting.addPersonal(serverCert);
        distrusting.addTrustedRoot(pki.rootCertificate()); // but not the gateways' root
        Path cert = dir.resolve("gw.crt");
        Path key = dir.resolve("gw.key");
        Path root = dir.resolve("root.crt");
        Files.writeString(cert, CertificateFiles.toPem(gwCert.chain()));
        Files.writeString(key, CertificateFiles.toPem(gwCert.privateKey()));
        Files.writeString(root, CertificateFiles.toPem(pki.rootCertificate()));

        try (UmsecServer good = server(dir.resolve("trusting"));
                UmsecServer bad = server(dir.resolve("distrusting"))) {
            // The server reports the refused handshake on its own I/O thread: wait for that event, not a clock.
            CompletableFuture<SecurityEvent> refusedEvent = new CompletableFuture<>();
            bad.addEventListener(e -> {
                if (e.type() == SecurityEventType.TLS_HANDSHAKE_FAILED) {
                    refusedEvent.complete(e);
                }
            });
            CliRunner ok = CliRunner.run(
                    "test-connectivity",
                    "--secured=true",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    root.toString(),
                    "--server-name",
                    "um.example.test",
                    "127.0.0.1:" + good.tlsPort());
            assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
            assertThat(ok.out())
                    .contains(
                            "TLS handshake",
                            "TLSv1.3",
                            "[0] subject CN=um.example.test",
                            serverCert.info().sha1Thumbprint(),
                            "SIP/2.0 200 OK",
                            "round trip",
                            "Connectivity OK");

            CliRunner plain = CliRunner.run("test-connectivity", "--secured=false", "127.0.0.1:" + good.tcpPort());
            assertThat(plain.exit()).as(plain.out() + plain.err()).isZero();

            CliRunner refused = CliRunner.run(
                    "test-connectivity",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    root.toString(),
                    "--server-name",
                    "um.example.test",
                    "127.0.0.1:" + bad.tlsPort());
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("error:"); // we trust the server; it refuses our certificate
            SecurityEvent failed = refusedEvent.get(30, TimeUnit.SECONDS);
            assertThat(failed.field("reason")).isPresent();
            // Counted by reason (the bus calls the server's own counter before later listeners).
            String reason = failed.field("reason")
                    .get()
                    .toLowerCase(java.util.Locale.ROOT)
                    .replace('_', '-');
            assertThat(bad.metrics().getHandshakesFailed()).containsEntry(reason, 1L);
            assertThat(good.metrics().getHandshakesFailed()).isEmpty();

            CliRunner wrongName = CliRunner.run(
                    "test-connectivity",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    root.toString(),
                    "127.0.0.1:" + good.tlsPort());
            assertThat(wrongName.exit()).isEqualTo(1);
            assertThat(wrongName.err()).contains("does not name 127.0.0.1");
        }
        try (UmsecServer good = server(dir.resolve("trusting"))) {
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
                    "--codec",
                    "PCMA",
                    "127.0.0.1:" + good.tlsPort());
            assertThat(call.exit()).as(call.out() + call.err()).isZero();
            assertThat(call.out())
                    .contains(
                            "Answered: 200 OK",
                            "own SDES key",
                            "Sent 50 packets",
                            "authenticated and decrypted with the server's key",
                            "Hung up: 200 OK");
            // issue 10 interop: umsec call re-keys mid-call over mutual TLS; the recording goes on without a gap
            CliRunner rekey = CliRunner.run(
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
                    "2",
                    "--rekey-after",
                    "1",
                    "127.0.0.1:" + good.tlsPort());
            assertThat(rekey.exit()).as(rekey.out() + rekey.err()).isZero();
            assertThat(rekey.out())
                    .contains(
                            "Answered: 200 OK",
                            "Re-keyed after 1.0 s: 200 OK, the server answered with a new key of its own",
                            "Sent 100 packets",
                            "authenticated and decrypted with the server's key",
                            "Hung up: 200 OK");
            String rekeyCallId = rekey.out().replaceAll("(?s).*Call-ID ([^,]+),.*", "$1");
            String meta = awaitMetadata(dir.resolve("vm"), rekeyCallId);
            assertThat(meta)
                    .contains(
                            "\"packetsReceived\": 100",
                            "\"packetsLost\": 0",
                            "\"authenticationFailed\": 0",
                            "\"samples\": 16000",
                            "\"endReason\": \"CALLER_HUNG_UP\"");
            CliRunner noCrypto = CliRunner.run(
                    "call",
                    "--srtp=false",
                    "--cert",
                    cert.toString(),
                    "--key",
                    key.toString(),
                    "--trust",
                    root.toString(),
                    "--server-name",
                    "um.example.test",
                    "127.0.0.1:" + good.tlsPort());
            assertThat(noCrypto.exit()).isEqualTo(1);
            assertThat(noCrypto.err()).contains("call refused: 488");
        }
        try (var files = Files.list(dir.resolve("vm"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".wav")).count()).isEqualTo(2);
        }
        CliRunner keysOverTcp = CliRunner.run("call", "--secured=false", "--srtp=true", "127.0.0.1:1");
        assertThat(keysOverTcp.exit()).isEqualTo(1);
        assertThat(keysOverTcp.err()).contains("never sent over plain TCP");
        CliRunner nobody = CliRunner.run("test-connectivity", "--secured=false", "127.0.0.1:1");
        assertThat(nobody.exit()).isEqualTo(1);
        assertThat(nobody.err()).contains("cannot connect");
    }

    private static String awaitMetadata(Path vm, String callId) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (var files = Files.list(vm)) {
                for (Path f : files.filter(x -> x.toString().endsWith(".json")).toList()) {
                    String text = Files.readString(f);
                    if (text.contains("\"callId\": \"" + callId + "\"")) {
                        return text;
                    }
                }
            }
            Thread.sleep(20); // the recording is finished on another thread after the BYE
        }
        throw new AssertionError("no metadata for " + callId);
    }

    private UmsecServer server(Path store) throws Exception {
        ServerConfiguration c = ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(store)
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

    @Test
    void srtpDecryptTurnsACaptureOfProtectedPacketsBackIntoTheAudio() throws Exception {
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        byte[] k = new byte[16];
        byte[] salt = new byte[14];
        new java.util.Random(3).nextBytes(k);
        new java.util.Random(4).nextBytes(salt);
        SrtpMasterKey key = SrtpMasterKey.of(k, salt);
        SrtpSession tx =
                SrtpSession.outbound(SrtpPolicy.builder(suite).masterKey(key).build());
        SrtpSession wrong = SrtpSession.outbound(SrtpPolicy.builder(suite)
                .masterKey(SrtpMasterKey.of(new byte[16], new byte[14]))
                .build());
        short[] audio = new short[4000];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (short) (Math.sin(i * 0.05) * 10000);
        }
        Path pcap = dir.resolve("call.pcap");
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 40000);
        InetSocketAddress b = new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 20000);
        byte[] payload = new byte[160];
        try (OutputStream os = Files.newOutputStream(pcap);
                PcapWriter w = new PcapWriter(os, PcapWriter.Framing.LINUX_SLL)) {
            Instant t = Instant.parse("2026-11-28T10:00:00Z");
            w.write(t, a, b, new byte[] {(byte) 0x80, (byte) 200, 0, 1, 0, 0, 0, 0}, 0, 8); // RTCP: skipped
            for (int i = 0; i < 25; i++) {
                G711.encode(G711.PAYLOAD_TYPE_PCMA, audio, i * 160, 160, payload, 0);
                byte[] buf = new byte[200];
                int len = RtpPacket.write(buf, 0, 8, false, 300 + i, 160L * i, 0xCAFEL, payload, 0, 160);
                len = (i == 12 ? wrong : tx).protectRtp(buf, 0, len); // packet 12 under another key
                w.write(t.plusMillis(20L * i), a, b, buf, 0, len);
            }
        }
        Path wav = dir.resolve("call.wav");
        String crypto =
                org.umsec.sip.sdp.SdesSrtp.attribute(1, suite, key).toSdpValue().substring(2); // "SUITE inline:..."
        CliRunner r =
                CliRunner.run("srtp", "decrypt", "--crypto", crypto, "--in", pcap.toString(), "--out", wav.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("0x0000cafe", "25 packets", "24 decrypted", "1 failed authentication", "PCMA");
        short[] expected = new short[4000];
        byte[] enc = new byte[4000];
        G711.encode(8, audio, 0, 4000, enc, 0);
        G711.decode(8, enc, 0, 4000, expected, 0);
        java.util.Arrays.fill(expected, 12 * 160, 13 * 160, (short) 0); // the forged packet became silence
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            ByteBuffer bb = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            short[] got = new short[bb.remaining() / 2];
            bb.asShortBuffer().get(got);
            assertThat(got).containsExactly(expected);
        }
        byte[] other = new byte[30];
        java.util.Arrays.fill(other, (byte) 1);
        CliRunner badKey = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                "AES_CM_128_HMAC_SHA1_80 inline:"
                        + java.util.Base64.getEncoder().encodeToString(other),
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("x.wav").toString());
        assertThat(badKey.exit()).isEqualTo(1);
        assertThat(badKey.err()).contains("no packet of the stream could be decrypted");
        Path junk = dir.resolve("junk.pcap");
        Files.write(junk, new byte[100]);
        CliRunner garbage = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto,
                "--in",
                junk.toString(),
                "--out",
                dir.resolve("y.wav").toString());
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.err()).contains("magic");
    }
}
