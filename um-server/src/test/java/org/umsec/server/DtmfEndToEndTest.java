package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.TelephoneEvents;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * Issue 10 item 3: RFC 4733 DTMF over SRTP, through the real server (mutual TLS, SDES): the server answers
 * telephone-event, decodes the digits after SRTP authentication, hands each key press once to the call
 * handler with its duration, and the voicemail ends on {@code #}.
 */
class DtmfEndToEndTest {

    @TempDir
    Path dir;

    static final TestPki PKI = TestPki.create("DTMF", Clock.systemUTC());
    static final PersonalCertificate SERVER_CERT = PKI.leaf("um.example.test").build();
    static final PersonalCertificate GW1_CERT = PKI.leaf("gw1.example.test").build();
    static final SrtpSuite SUITE = SrtpSuite.AEAD_AES_128_GCM;

    UmsecServer server;

    @BeforeEach
    void store() throws Exception {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(SERVER_CERT);
        store.addTrustedRoot(PKI.rootCertificate());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    UmsecServer.Builder builder() throws Exception {
        ServerConfiguration c = ServerConfiguration.builder()
                .serverName("um-dtmf")
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .mediaAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("voicemail"))
                .dialPlan("dp-secure", VoipSecurityMode.SECURED)
                .associateDialPlan("dp-secure")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .mediaTimeout(Duration.ofSeconds(5))
                .ackTimeout(Duration.ofSeconds(5))
                .build();
        return UmsecServer.builder(c).registerJmx(false);
    }

    /** One key press: updates every 20 ms, the final packet three times, as RFC 4733 §2.5.1 senders do. */
    static int press(TestGateway gw, SrtpSession tx, int port, int pt, char key, int seq, long ts) throws Exception {
        byte[] payload = new byte[4];
        for (int i = 1; i <= 7; i++) {
            TelephoneEvents.write(payload, 0, TelephoneEvents.event(key), i > 4, 10, 160 * Math.min(i, 4));
            byte[] b = new byte[64];
            int len = tx.protectRtp(b, 0, RtpPacket.write(b, 0, pt, i == 1, seq++, ts, 0x5150L, payload, 0, 4));
            gw.sendRaw(java.util.Arrays.copyOf(b, len), port);
            Thread.sleep(5);
        }
        return seq;
    }

    record Call(SipResponse ok, TestGateway.Answer answer, int telephoneEvent) {}

    static Call invite(TestGateway gw, String callId, SrtpMasterKey key) throws Exception {
        String offer = gw.offer("RTP/SAVP", TestGateway.crypto(1, SUITE, key), 0, 101)
                + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
        SipResponse ok = gw.send(
                gw.request("INVITE", callId, "d1", "<sip:voicemail@um.example.test>", offer, "application/sdp"));
        assertThat(ok.status()).isEqualTo(200);
        MediaDescription audio = SessionDescription.parse(ok.body()).audio().orElseThrow();
        gw.send(gw.request("ACK", callId, "d1", ok.header("To").orElseThrow(), null, null));
        return new Call(
                ok,
                TestGateway.answer(ok),
                audio.payloadType("telephone-event", 8000).orElseThrow());
    }

    @Test
    void digitsOverSrtpReachTheHandlerOnceEachWithTheirDurations() throws Exception {
        List<String> digits = new CopyOnWriteArrayList<>();
        server = builder()
                .callHandler(info -> new CallHandler.Call() {
                    @Override
                    public void audio(short[] pcm, int off, int len) {}

                    @Override
                    public boolean dtmf(char digit, Duration duration) {
                        digits.add(digit + "/" + duration.toMillis());
                        return true;
                    }

                    @Override
                    public void end(CallSummary s) {}
                })
                .build();
        server.start();
        SrtpMasterKey key = TestGateway.randomKey(SUITE);
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            Call call = invite(gw, "dtmf-handler", key);
            assertThat(call.telephoneEvent()).isEqualTo(101);
            SrtpSession tx = SrtpSession.outbound(TestGateway.policy(SUITE, key));
            int port = call.answer().port();
            int seq = press(gw, tx, port, 101, '4', 1, 8000);
            seq = press(gw, tx, port, 101, '*', seq, 16000);
            // a forged key press (a key the attacker made up) fails authentication and is not a digit
            press(
                    gw,
                    SrtpSession.outbound(TestGateway.policy(SUITE, TestGateway.randomKey(SUITE))),
                    port,
                    101,
                    '9',
                    seq,
                    24000);
            seq += 7;
            press(gw, tx, port, 101, 'D', seq, 32000);
            ServerEndToEndTest.await("three digits", () -> digits.size() >= 3);
            Thread.sleep(100); // nothing more arrives: the repeated end packets were not digits
            assertThat(digits).containsExactly("4/80", "*/80", "D/80");
            assertThat(server.metrics().getSrtpPacketsFailed()).containsEntry("AUTH_FAILED", 7L);
            gw.send(gw.request(
                    "BYE", "dtmf-handler", "d1", call.ok().header("To").orElseThrow(), null, null));
        }
    }

    @Test
    void theVoicemailEndsTheMessageOnHash() throws Exception {
        server = builder().build();
        server.start();
        SrtpMasterKey key = TestGateway.randomKey(SUITE);
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            Call call = invite(gw, "dtmf-hash", key);
            SrtpSession tx = SrtpSession.outbound(TestGateway.policy(SUITE, key));
            int port = call.answer().port();
            gw.sendAudio(ServerEndToEndTest.signal(1600), 0, tx, port, 1, 0, 0x5150L);
            int seq = press(gw, tx, port, 101, '1', 11, 1600);
            seq = press(gw, tx, port, 101, '2', seq, 2400);
            press(gw, tx, port, 101, '#', seq, 3200);
            SipRequest bye = gw.readRequest().orElseThrow(() -> new AssertionError("the server did not hang up"));
            assertThat(bye.method()).isEqualTo("BYE");
        }
        Path vm = dir.resolve("voicemail");
        ServerEndToEndTest.await("metadata", () -> {
            try (Stream<Path> s = Files.list(vm)) {
                return s.anyMatch(p -> p.toString().endsWith(".json"));
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try (Stream<Path> s = Files.list(vm)) {
            Path json =
                    s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
            assertThat(Files.readString(json))
                    .contains(
                            "\"endReason\": \"HANDLER_ENDED\"",
                            "\"dtmf\": \"12#\"",
                            "\"samples\": 1600",
                            "\"srtpSuite\": \"AEAD_AES_128_GCM\"");
        }
    }

    @Test
    void noTelephoneEventIsAnsweredWhenNoneIsOffered() throws Exception {
        server = builder().build();
        server.start();
        SrtpMasterKey key = TestGateway.randomKey(SUITE);
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "no-dtmf",
                    "n1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/SAVP", TestGateway.crypto(1, SUITE, key), 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            MediaDescription audio = SessionDescription.parse(ok.body()).audio().orElseThrow();
            assertThat(audio.formats()).containsExactly("0");
            assertThat(audio.payloadType("telephone-event", 8000)).isEmpty();
            gw.send(gw.request("BYE", "no-dtmf", "n1", ok.header("To").orElseThrow(), null, null));
        }
    }
}
