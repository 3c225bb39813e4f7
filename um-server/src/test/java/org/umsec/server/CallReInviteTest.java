package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.MediaDirection;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * Mid-call offers (RFC 3264 §8) against the real server: SDES re-keying over mutual TLS with the
 * recording continuing without a gap (the gateway is um-sip's client, as {@code umsec call} is), the old
 * inbound key accepted only for the overlap, the server's new key used for what it sends; hold, resume
 * and codec change; a refused re-offer leaving the call as it was.
 */
class CallReInviteTest {

    @TempDir
    Path dir;

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    final AdjustableClock clock = new AdjustableClock();
    UmsecServer server;
    Path voicemail;

    @BeforeEach
    void store() throws IOException {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(CallDialogAttackTest.SERVER_CERT);
        store.addTrustedRoot(CallDialogAttackTest.PKI.rootCertificate());
        voicemail = dir.resolve("voicemail");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    void start() throws Exception {
        ServerConfiguration c = ServerConfiguration.builder()
                .serverName("um-reinvite")
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .mediaAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(voicemail)
                .dialPlan("dp-secure", VoipSecurityMode.SECURED)
                .dialPlan("dp-plain", VoipSecurityMode.UNSECURED)
                .associateDialPlan("dp-secure")
                .associateDialPlan("dp-plain")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .gateway(IpGateway.builder("pbx")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("dp-plain")
                        .build())
                .mediaTimeout(Duration.ofSeconds(60))
                .maxRecording(Duration.ofSeconds(60))
                .rtcpInterval(Duration.ofMillis(200))
                .build();
        server = UmsecServer.builder(c)
                .clock(clock)
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
    }

    String metadata(String callId) throws Exception {
        CallDialogAttackTest.await("metadata of " + callId, () -> {
            try (Stream<Path> files = Files.list(voicemail)) {
                return files.anyMatch(p -> p.getFileName().toString().contains(callId)
                        && p.getFileName().toString().endsWith(".json"));
            } catch (IOException e) {
                return false;
            }
        });
        return Files.readString(file(callId, ".json"));
    }

    Path file(String callId, String ext) throws IOException {
        try (Stream<Path> files = Files.list(voicemail)) {
            return files.filter(p -> p.getFileName().toString().contains(callId)
                            && p.getFileName().toString().endsWith(ext))
                    .findFirst()
                    .orElseThrow();
        }
    }

    static short[] concat(short[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        short[] out = new short[n];
        int off = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    @Test
    void reKeyingMidCallOverMutualTlsKeepsTheRecordingGaplessAndRetiresTheOldKey() throws Exception {
        start();
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        SrtpMasterKey keyA = TestGateway.randomKey(suite);
        SrtpMasterKey keyB = TestGateway.randomKey(suite);
        short[] signal = ServerEndToEndTest.signal(4800);
        short[] part1 = Arrays.copyOfRange(signal, 0, 1600);
        short[] inFlight = Arrays.copyOfRange(signal, 1600, 3200);
        short[] part2 = Arrays.copyOfRange(signal, 3200, 4800);
        String callId = "rekey-" + TestGateway.hex();
        long ssrc = 0x5EC0DE;
        try (TestGateway gw = TestGateway.tls(
                server.tlsPort(), CallDialogAttackTest.GW1_CERT, CallDialogAttackTest.PKI.rootCertificate())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "rk",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/SAVP", TestGateway.crypto(1, suite, keyA), 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            String to = ok.header("To").orElseThrow();
            gw.send(gw.request("ACK", callId, "rk", to, null, null));
            TestGateway.Answer first = TestGateway.answer(ok);
            SrtpSession txA = SrtpSession.outbound(TestGateway.policy(suite, keyA));
            gw.sendAudio(part1, 0, txA, first.port(), 100, 1000, ssrc);
            CallDialogAttackTest.await("part 1", () -> server.metrics().getRtpPacketsReceived() >= 10);

            SipResponse rekeyed = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "rk",
                    to,
                    gw.offer("RTP/SAVP", TestGateway.crypto(1, suite, keyB), 0),
                    "application/sdp"));
            assertThat(rekeyed.status()).isEqualTo(200);
            gw.send(gw.request("ACK", callId, "rk", to, null, null));
            TestGateway.Answer second = TestGateway.answer(rekeyed);
            assertThat(second.port()).isEqualTo(first.port());
            assertThat(second.key()).isPresent();
            assertThat(second.key().get().key())
                    .as("the server answers a new key with a new key of its own")
                    .isNotEqualTo(first.key().orElseThrow().key());
            assertThat(SessionDescription.parse(rekeyed.body()).origin().sessionVersion())
                    .isEqualTo("2");
            SecurityEvent e = events.stream()
                    .filter(x -> x.type() == SecurityEventType.SRTP_REKEYED)
                    .findFirst()
                    .orElseThrow();
            assertThat(e.field("gateway")).contains("gw1");

            // packets still in flight under the old key are accepted during the overlap
            gw.sendAudio(inFlight, 0, txA, first.port(), 110, 1000 + 1600, ssrc);
            CallDialogAttackTest.await(
                    "in-flight packets", () -> server.metrics().getRtpPacketsReceived() >= 20);
            clock.advance(Duration.ofSeconds(3)); // past the 2 s overlap
            SrtpSession txB = SrtpSession.outbound(TestGateway.policy(suite, keyB));
            gw.sendAudio(part2, 0, txB, first.port(), 120, 1000 + 3200, ssrc);
            CallDialogAttackTest.await("part 2", () -> server.metrics().getRtpPacketsReceived() >= 30);
            // after the overlap the old key is refused
            gw.sendAudio(new short[160], 0, txA, first.port(), 130, 1000 + 4800, ssrc);
            CallDialogAttackTest.await(
                    "old key refused",
                    () -> server.metrics().getSrtpPacketsFailed().getOrDefault("AUTH_FAILED", 0L) >= 1);

            // what the server sends is protected with its new key
            SrtpSession rxNew =
                    SrtpSession.inbound(TestGateway.policy(suite, second.key().get()));
            boolean decrypted = false;
            for (int i = 0; i < 20 && !decrypted; i++) {
                byte[] report = gw.receiveRtcp().orElseThrow(() -> new AssertionError("no SRTCP from the server"));
                decrypted = rxNew.unprotectRtcp(report, 0, report.length) > 0;
            }
            assertThat(decrypted)
                    .as("an SRTCP report under the server's new key")
                    .isTrue();
            assertThat(gw.send(gw.request("BYE", callId, "rk", to, null, null)).status())
                    .isEqualTo(200);
        }
        assertThat(metadata(callId))
                .contains(
                        "\"packetsReceived\": 30",
                        "\"authenticationFailed\": 1",
                        "\"packetsLost\": 0",
                        "\"endReason\": \"CALLER_HUNG_UP\"");
        assertThat(ServerEndToEndTest.wavSamples(file(callId, ".wav")))
                .containsExactly(ServerEndToEndTest.g711RoundTrip(0, concat(part1, inFlight, part2)));
    }

    @Test
    void holdResumeCodecChangeAndARefusedReOffer() throws Exception {
        start();
        String callId = "hold-" + TestGateway.hex();
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = pbx.send(pbx.request(
                    "INVITE",
                    callId,
                    "h",
                    "<sip:voicemail@um.example.test>",
                    pbx.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            String to = ok.header("To").orElseThrow();
            pbx.send(pbx.request("ACK", callId, "h", to, null, null));

            SipResponse hold = pbx.send(pbx.request(
                    "INVITE", callId, "h", to, pbx.offer("RTP/AVP", null, 0) + "a=sendonly\r\n", "application/sdp"));
            assertThat(hold.status()).isEqualTo(200);
            assertThat(audio(hold).direction()).isEqualTo(MediaDirection.RECVONLY);
            pbx.send(pbx.request("ACK", callId, "h", to, null, null));

            SipResponse inactive = pbx.send(pbx.request(
                    "UPDATE", callId, "h", to, pbx.offer("RTP/AVP", null, 0) + "a=inactive\r\n", "application/sdp"));
            assertThat(inactive.status()).isEqualTo(200);
            assertThat(audio(inactive).direction()).isEqualTo(MediaDirection.INACTIVE);

            SipResponse resumeAlaw =
                    pbx.send(pbx.request("UPDATE", callId, "h", to, pbx.offer("RTP/AVP", null, 8), "application/sdp"));
            assertThat(resumeAlaw.status()).isEqualTo(200);
            assertThat(audio(resumeAlaw).direction()).isEqualTo(MediaDirection.SENDRECV);
            assertThat(audio(resumeAlaw).formats()).containsExactly("8");

            // SRTP on an Unsecured plan, or no G.711: refused, and the call goes on as it was
            SipResponse srtp =
                    pbx.send(pbx.request("UPDATE", callId, "h", to, pbx.offer("RTP/AVP", null, 18), "application/sdp"));
            assertThat(srtp.status()).isEqualTo(488);
            assertThat(server.activeCalls()).isOne();
            SipResponse refresh = pbx.send(pbx.request("UPDATE", callId, "h", to, null, null));
            assertThat(refresh.status()).isEqualTo(200);
            assertThat(pbx.send(pbx.request("BYE", callId, "h", to, null, null)).status())
                    .isEqualTo(200);
        }
        assertThat(metadata(callId)).contains("\"endReason\": \"CALLER_HUNG_UP\"");
    }

    @Test
    void lateOfferReInviteGetsTheServersOfferAndTheAnswerInTheAckIsApplied() throws Exception {
        start();
        String callId = "late-" + TestGateway.hex();
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort());
                java.net.DatagramSocket newRtp =
                        new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
                java.net.DatagramSocket newRtcp =
                        new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            SipResponse ok = pbx.send(pbx.request(
                    "INVITE",
                    callId,
                    "l",
                    "<sip:voicemail@um.example.test>",
                    pbx.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            String to = ok.header("To").orElseThrow();
            pbx.send(pbx.request("ACK", callId, "l", to, null, null));

            // RFC 3264 §5: a re-INVITE without SDP gets the server's offer in the 200, unchanged (same o= line)
            SipResponse offer = pbx.send(pbx.request("INVITE", callId, "l", to, null, null));
            assertThat(offer.status()).isEqualTo(200);
            assertThat(offer.bodyText()).isEqualTo(ok.bodyText());
            // the answer in the ACK moves the caller's media: RTCP reports now go to the new port
            pbx.send(pbx.request(
                    "ACK",
                    callId,
                    "l",
                    to,
                    TestGateway.offer(newRtp.getLocalPort(), newRtcp.getLocalPort(), "RTP/AVP", null, 0),
                    "application/sdp"));
            newRtcp.setSoTimeout(10_000);
            java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[1500], 1500);
            newRtcp.receive(p); // the server's next RTCP report (every 200 ms here)
            assertThat(p.getLength()).isGreaterThanOrEqualTo(8);
            assertThat(server.activeCalls()).isOne();

            // an ACK without the answer it owes: the call cannot go on, the server hangs up
            SipResponse again = pbx.send(pbx.request("INVITE", callId, "l", to, null, null));
            assertThat(again.status()).isEqualTo(200);
            pbx.send(pbx.request("ACK", callId, "l", to, null, null));
            SipRequest bye = pbx.readRequest().orElseThrow();
            assertThat(bye.method()).isEqualTo("BYE");
        }
        assertThat(metadata(callId)).contains("\"endReason\": \"BAD_SDP_ANSWER\"");
    }

    @Test
    void lateOfferOnASecuredCallTakesTheCallersNewKeyFromTheAck() throws Exception {
        start();
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        SrtpMasterKey keyA = TestGateway.randomKey(suite);
        SrtpMasterKey keyB = TestGateway.randomKey(suite);
        short[] signal = ServerEndToEndTest.signal(3200);
        String callId = "late-srtp-" + TestGateway.hex();
        long ssrc = 0x1A7E;
        try (TestGateway gw = TestGateway.tls(
                server.tlsPort(), CallDialogAttackTest.GW1_CERT, CallDialogAttackTest.PKI.rootCertificate())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "ls",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/SAVP", TestGateway.crypto(1, suite, keyA), 0),
                    "application/sdp"));
            String to = ok.header("To").orElseThrow();
            gw.send(gw.request("ACK", callId, "ls", to, null, null));
            TestGateway.Answer first = TestGateway.answer(ok);
            gw.sendAudio(
                    Arrays.copyOfRange(signal, 0, 1600),
                    0,
                    SrtpSession.outbound(TestGateway.policy(suite, keyA)),
                    first.port(),
                    100,
                    1000,
                    ssrc);
            CallDialogAttackTest.await("first half", () -> server.metrics().getRtpPacketsReceived() >= 10);

            // the server offers its session as it is, its own key included; the caller answers with a new key
            SipResponse offer = gw.send(gw.request("INVITE", callId, "ls", to, null, null));
            assertThat(offer.status()).isEqualTo(200);
            assertThat(TestGateway.answer(offer).key().orElseThrow().key())
                    .isEqualTo(first.key().orElseThrow().key());
            gw.send(gw.request(
                    "ACK",
                    callId,
                    "ls",
                    to,
                    gw.offer("RTP/SAVP", TestGateway.crypto(1, suite, keyB), 0),
                    "application/sdp"));
            CallDialogAttackTest.await(
                    "re-key event", () -> events.stream().anyMatch(x -> x.type() == SecurityEventType.SRTP_REKEYED));
            clock.advance(Duration.ofSeconds(3)); // past the overlap: only the new key is accepted
            gw.sendAudio(
                    Arrays.copyOfRange(signal, 1600, 3200),
                    0,
                    SrtpSession.outbound(TestGateway.policy(suite, keyB)),
                    first.port(),
                    110,
                    1000 + 1600,
                    ssrc);
            CallDialogAttackTest.await("second half", () -> server.metrics().getRtpPacketsReceived() >= 20);
            assertThat(gw.send(gw.request("BYE", callId, "ls", to, null, null)).status())
                    .isEqualTo(200);
        }
        assertThat(metadata(callId))
                .contains(
                        "\"packetsReceived\": 20", "\"authenticationFailed\": 0", "\"endReason\": \"CALLER_HUNG_UP\"");
    }

    static MediaDescription audio(SipResponse r) throws Exception {
        return SessionDescription.parse(r.body()).audio().orElseThrow();
    }
}
