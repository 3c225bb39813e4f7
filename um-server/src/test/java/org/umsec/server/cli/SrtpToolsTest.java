package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import java.util.stream.Stream;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.pcap.PcapWriter;
import org.umsec.server.pcap.PcapngFiles;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/** {@code umsec srtp streams} and {@code srtp decrypt}: both directions, pcapng, output files kept safe. */
class SrtpToolsTest {

    static final SrtpSuite SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;

    @TempDir
    Path dir;

    final SrtpMasterKey keyA = key(1);
    final SrtpMasterKey keyB = key(2);
    final short[] audioA = tone(0.05);
    final short[] audioB = tone(0.11);

    static SrtpMasterKey key(int seed) {
        byte[] k = new byte[16];
        byte[] salt = new byte[14];
        new Random(seed).nextBytes(k);
        new Random(seed + 100).nextBytes(salt);
        return SrtpMasterKey.of(k, salt);
    }

    static short[] tone(double step) {
        short[] s = new short[3200];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (Math.sin(i * step) * 9000);
        }
        return s;
    }

    static String crypto(SrtpMasterKey k) {
        return SdesSrtp.attribute(1, SUITE, k).toSdpValue().substring(2);
    }

    /** A call: A (gateway, port 40000, SSRC 0xCAFE, PCMA) and B (server, port 20000, SSRC 0xBEEF, PCMU), interleaved. */
    byte[] callPcap() throws Exception {
        SrtpSession txA =
                SrtpSession.outbound(SrtpPolicy.builder(SUITE).masterKey(keyA).build());
        SrtpSession txB =
                SrtpSession.outbound(SrtpPolicy.builder(SUITE).masterKey(keyB).build());
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 40000);
        InetSocketAddress b = new InetSocketAddress(InetAddress.getByName("192.0.2.2"), 20000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] payload = new byte[160];
        try (PcapWriter w = new PcapWriter(bytes, PcapWriter.Framing.ETHERNET)) {
            Instant t = Instant.parse("2026-11-28T10:00:00Z");
            for (int i = 0; i < audioA.length / 160; i++) {
                byte[] buf = new byte[200];
                G711.encode(8, audioA, i * 160, 160, payload, 0);
                int len = txA.protectRtp(
                        buf, 0, RtpPacket.write(buf, 0, 8, false, 100 + i, 160L * i, 0xCAFEL, payload, 0, 160));
                w.write(t.plusMillis(20L * i), a, b, buf, 0, len);
                buf = new byte[200];
                G711.encode(0, audioB, i * 160, 160, payload, 0);
                len = txB.protectRtp(
                        buf, 0, RtpPacket.write(buf, 0, 0, false, 900 + i, 8000 + 160L * i, 0xBEEFL, payload, 0, 160));
                w.write(t.plusMillis(20L * i + 5), b, a, buf, 0, len);
            }
        }
        return bytes.toByteArray();
    }

    static short[] expected(int pt, short[] audio) {
        byte[] enc = new byte[audio.length];
        short[] dec = new short[audio.length];
        G711.encode(pt, audio, 0, audio.length, enc, 0);
        G711.decode(pt, enc, 0, enc.length, dec, 0);
        return dec;
    }

    static short[] wav(Path p) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(p.toFile())) {
            ByteBuffer bb = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            short[] got = new short[bb.remaining() / 2];
            bb.asShortBuffer().get(got);
            return got;
        }
    }

    void assertNoLeftovers() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
        }
    }

    @Test
    void streamsListsBothDirectionsOfTheCall() throws Exception {
        Path pcap = Files.write(dir.resolve("call.pcap"), callPcap());
        CliRunner r = CliRunner.run("srtp", "streams", pcap.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .containsPattern("0x0000cafe\\s+192\\.0\\.2\\.1:40000\\s+192\\.0\\.2\\.2:20000\\s+20\\s+8 \\(PCMA\\)")
                .containsPattern("0x0000beef\\s+192\\.0\\.2\\.2:20000\\s+192\\.0\\.2\\.1:40000\\s+20\\s+0 \\(PCMU\\)")
                .contains("2 RTP stream(s) in 40 UDP datagrams");
        CliRunner missing =
                CliRunner.run("srtp", "streams", dir.resolve("nope.pcap").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");
    }

    @Test
    void bothDirectionsAreDecryptedEachWithTheKeyThatAuthenticatesIt() throws Exception {
        Path pcap = Files.write(dir.resolve("call.pcap"), callPcap());
        // the keys in the "wrong" order: each key finds its own stream
        CliRunner r = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto(keyB),
                "--crypto",
                "a=crypto:1 " + crypto(keyA),
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("b.wav").toString(),
                "--out",
                dir.resolve("a.wav").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .contains(
                        "Direction 1: stream SSRC 0x0000beef 192.0.2.2:20000 -> 192.0.2.1:40000: 20 packets,"
                                + " 20 decrypted, 0 failed authentication",
                        "Direction 2: stream SSRC 0x0000cafe");
        assertThat(wav(dir.resolve("a.wav"))).containsExactly(expected(8, audioA));
        assertThat(wav(dir.resolve("b.wav"))).containsExactly(expected(0, audioB));
        assertNoLeftovers();
        // --port narrows the datagrams (both streams use port 40000): the key still takes the stream it authenticates;
        // --ssrc naming the other direction finds nothing this key can decrypt
        CliRunner byPort = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto(keyA),
                "--port",
                "40000",
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("p.wav").toString());
        assertThat(byPort.exit()).as(byPort.err()).isZero();
        CliRunner bySsrc = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto(keyA),
                "--ssrc",
                "0xbeef",
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("s.wav").toString());
        assertThat(bySsrc.exit()).isEqualTo(1);
        assertThat(bySsrc.err()).contains("no packet of stream 0x0000beef could be decrypted with this key");
        assertThat(dir.resolve("s.wav")).doesNotExist();
    }

    @Test
    void pcapngInputDecryptsToTheSameAudio() throws Exception {
        byte[] ng = PcapngFiles.fromPcap(callPcap(), ByteOrder.BIG_ENDIAN, true);
        Path capture = Files.write(dir.resolve("call.pcapng"), ng);
        CliRunner r = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto(keyA),
                "--in",
                capture.toString(),
                "--out",
                dir.resolve("a.wav").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("stream SSRC 0x0000cafe", "20 packets, 20 decrypted", "PCMA");
        assertThat(wav(dir.resolve("a.wav"))).containsExactly(expected(8, audioA));
        assertThat(CliRunner.run("srtp", "streams", capture.toString()).out()).contains("2 RTP stream(s)");
    }

    @Test
    void anExistingOutputFileIsNeverDestroyed() throws Exception {
        Path pcap = Files.write(dir.resolve("call.pcap"), callPcap());
        Path precious = Files.writeString(dir.resolve("call.wav"), "yesterday's recording");
        // without --force: refused before anything is read
        CliRunner refused = CliRunner.run(
                "srtp", "decrypt", "--crypto", crypto(keyA), "--in", pcap.toString(), "--out", precious.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("call.wav exists; not replacing it (use --force");
        assertThat(Files.readString(precious)).isEqualTo("yesterday's recording");
        // with --force but a wrong key: the decryption fails and the file is still intact (it used to be truncated)
        CliRunner wrongKey = CliRunner.run(
                "srtp",
                "decrypt",
                "--force",
                "--crypto",
                crypto(key(9)),
                "--in",
                pcap.toString(),
                "--out",
                precious.toString());
        assertThat(wrongKey.exit()).isEqualTo(1);
        assertThat(wrongKey.err()).contains("could be decrypted", "nothing written");
        assertThat(Files.readString(precious)).isEqualTo("yesterday's recording");
        // with --force and a corrupt capture: same
        byte[] corrupt = callPcap();
        Path broken = Files.write(dir.resolve("broken.pcap"), java.util.Arrays.copyOf(corrupt, corrupt.length - 7));
        CliRunner truncated = CliRunner.run(
                "srtp",
                "decrypt",
                "--force",
                "--crypto",
                crypto(keyA),
                "--in",
                broken.toString(),
                "--out",
                precious.toString());
        assertThat(truncated.exit()).isEqualTo(1);
        assertThat(truncated.err()).contains("broken.pcap", "file ends inside the record");
        assertThat(Files.readString(precious)).isEqualTo("yesterday's recording");
        assertNoLeftovers();
        // with --force and the right key: replaced by the complete WAV
        CliRunner ok = CliRunner.run(
                "srtp",
                "decrypt",
                "--force",
                "--crypto",
                crypto(keyA),
                "--in",
                pcap.toString(),
                "--out",
                precious.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(wav(precious)).containsExactly(expected(8, audioA));
        // the capture itself is never an output
        CliRunner self = CliRunner.run(
                "srtp",
                "decrypt",
                "--force",
                "--crypto",
                crypto(keyA),
                "--in",
                pcap.toString(),
                "--out",
                pcap.toString());
        assertThat(self.exit()).isEqualTo(1);
        assertThat(self.err()).contains("is the capture itself");
        assertNoLeftovers();
    }

    @Test
    void usageErrorsExitWith2() throws Exception {
        Path pcap = Files.write(dir.resolve("call.pcap"), callPcap());
        CliRunner counts = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto(keyA),
                "--crypto",
                crypto(keyB),
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("a.wav").toString());
        assertThat(counts.exit()).isEqualTo(2);
        assertThat(counts.err()).contains("one --out per --crypto");
        CliRunner badCrypto = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                "NOT_A_SUITE inline:AAAA",
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("a.wav").toString());
        assertThat(badCrypto.exit()).isEqualTo(2);
        CliRunner badSsrc = CliRunner.run(
                "srtp",
                "decrypt",
                "--crypto",
                crypto(keyA),
                "--ssrc",
                "xyz",
                "--in",
                pcap.toString(),
                "--out",
                dir.resolve("a.wav").toString());
        assertThat(badSsrc.exit()).isEqualTo(2);
        assertThat(dir.resolve("a.wav")).doesNotExist();
    }
}
