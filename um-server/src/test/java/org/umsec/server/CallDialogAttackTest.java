package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.srtp.SrtpSuite;

/**
 * The dialog hijacks of issue 10 and the call-setup leaks of issue 9 item 5, tried against the real
 * server over real sockets: a BYE over plain TCP from the Unsecured PBX for a gateway's Secured TLS call,
 * a re-INVITE (and a new INVITE) from a second trusted gateway with the first one's Call-ID, a thousand
 * offers with {@code a=rtcp:70000}, a reason text with CR/LF, one gateway taking every call slot. Timers
 * of the dialog layer run on {@link ManualTimers}.
 */
class CallDialogAttackTest {

    @TempDir
    Path dir;

    static final TestPki PKI = TestPki.create("Attack", Clock.systemUTC());
    static final PersonalCertificate SERVER_CERT = PKI.leaf("um.example.test").build();
    static final PersonalCertificate GW1_CERT = PKI.leaf("gw1.example.test").build();
    static final PersonalCertificate GW2_CERT = PKI.leaf("gw2.example.test").build();

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    final ManualTimers timers = new ManualTimers();
    UmsecServer server;
    Path voicemail;

    @BeforeEach
    void store() throws IOException {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(SERVER_CERT);
        store.addTrustedRoot(PKI.rootCertificate());
        voicemail = dir.resolve("voicemail");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    ServerConfiguration.Builder config() {
        return ServerConfiguration.builder()
                .serverName("um-attack")
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .mediaAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(voicemail)
                .dialPlan("dp-secure", VoipSecurityMode.SECURED)
                .dialPlan("dp-sipsec", VoipSecurityMode.SIP_SECURED)
                .dialPlan("dp-plain", VoipSecurityMode.UNSECURED)
                .associateDialPlan("dp-secure")
                .associateDialPlan("dp-sipsec")
                .associateDialPlan("dp-plain")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .address("127.0.0.1")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .gateway(IpGateway.builder("gw2")
                        .fqdn("gw2.example.test")
                        .port(5061)
                        .dialPlan("dp-sipsec")
                        .build())
                .gateway(IpGateway.builder("pbx")
                        .address("127.0.0.1")
                        .port(5060)
                        .dialPlan("dp-plain")
                        .build())
                .mediaTimeout(Duration.ofSeconds(60))
                .ackTimeout(Duration.ofSeconds(32))
                .maxRecording(Duration.ofSeconds(60))
                .rtcpInterval(Duration.ofSeconds(1));
    }

    void start(ServerConfiguration c) throws IOException {
        server = UmsecServer.builder(c)
                .eventListener(events::add)
                .registerJmx(false)
                .timers(timers)
                .build();
        server.start();
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    Optional<SecurityEvent> refusal(String reason) {
        return events.stream()
                .filter(e -> e.type() == SecurityEventType.DIALOG_REQUEST_REFUSED
                        && e.field("reason").orElse("").equals(reason))
                .findFirst();
    }

    String metadata(String callId) throws Exception {
        await("metadata of " + callId, () -> {
            try (Stream<Path> files = Files.list(voicemail)) {
                return files.anyMatch(p -> p.getFileName().toString().contains(callId)
                        && p.getFileName().toString().endsWith(".json"));
            } catch (IOException e) {
                return false;
            }
        });
        try (Stream<Path> files = Files.list(voicemail)) {
            return Files.readString(files.filter(p -> p.getFileName().toString().contains(callId)
                            && p.getFileName().toString().endsWith(".json"))
                    .findFirst()
                    .orElseThrow());
        }
    }

    /** gw1's Secured call over mutual TLS, ACKed; returns the 200. */
    static SipResponse securedCall(TestGateway gw, String callId) throws IOException {
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        SipResponse ok = gw.send(gw.request(
                "INVITE",
                callId,
                "gw1tag",
                "<sip:voicemail@um.example.test>",
                gw.offer("RTP/SAVP", TestGateway.crypto(1, suite, TestGateway.randomKey(suite)), 0),
                "application/sdp"));
        assertThat(ok.status()).isEqualTo(200);
        gw.send(gw.request("ACK", callId, "gw1tag", ok.header("To").orElseThrow(), null, null));
        return ok;
    }

    @Test
    void byeOverPlainTcpFromTheUnsecuredPbxDoesNotEndTheGatewaysSecuredCall() throws Exception {
        start(config().build());
        String callId = "victim-" + TestGateway.hex();
        try (TestGateway gw1 = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate());
                TestGateway pbx = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = securedCall(gw1, callId);
            String to = ok.header("To").orElseThrow();
            // the attacker knows everything: Call-ID, both tags, a higher CSeq
            SipResponse r = pbx.send(pbx.request("BYE", callId, "gw1tag", to, null, null));
            assertThat(r.status()).isEqualTo(403);
            assertThat(refusal("weaker-transport")).isPresent();
            assertThat(refusal("weaker-transport").get().field("dialogPeer")).contains("tls:gw1.example.test");
            assertThat(server.activeCalls()).isOne();
            // and with only the Call-ID: no dialog at all
            assertThat(pbx.send(pbx.request(
                                    "BYE", callId, "gw1tag", "<sip:voicemail@um.example.test>;tag=guess", null, null))
                            .status())
                    .isEqualTo(481);
            assertThat(server.activeCalls()).isOne();

            assertThat(gw1.send(gw1.request("BYE", callId, "gw1tag", to, null, null))
                            .status())
                    .isEqualTo(200);
        }
        assertThat(metadata(callId)).contains("\"endReason\": \"CALLER_HUNG_UP\"");
    }

    @Test
    void reInviteFromASecondTrustedGatewayWithTheFirstOnesCallIdGetsNoKey() throws Exception {
        start(config().build());
        String callId = "keyed-" + TestGateway.hex();
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        try (TestGateway gw1 = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate());
                TestGateway gw2 = TestGateway.tls(server.tlsPort(), GW2_CERT, PKI.rootCertificate())) {
            SipResponse ok = securedCall(gw1, callId);
            String to = ok.header("To").orElseThrow();
            String offer = gw2.offer("RTP/SAVP", TestGateway.crypto(1, suite, TestGateway.randomKey(suite)), 0);

            SipResponse reInvite = gw2.send(gw2.request("INVITE", callId, "gw1tag", to, offer, "application/sdp"));
            assertThat(reInvite.status()).isEqualTo(403);
            assertThat(reInvite.body()).isEmpty();
            assertThat(refusal("other-peer")).isPresent();

            // a new INVITE (no To tag) reusing the live Call-ID is refused too, before any SDP is read
            SipResponse join = gw2.send(gw2.request(
                    "INVITE", callId, "gw1tag", "<sip:voicemail@um.example.test>", offer, "application/sdp"));
            assertThat(join.status()).isEqualTo(403);
            assertThat(new String(join.body(), StandardCharsets.UTF_8)).doesNotContain("crypto");
            assertThat(refusal("call-id-in-use")).isPresent();
            assertThat(server.activeCalls()).isOne();

            // the real gateway's re-INVITE still works
            SipResponse again = gw1.send(gw1.request(
                    "INVITE",
                    callId,
                    "gw1tag",
                    to,
                    gw1.offer("RTP/SAVP", TestGateway.crypto(1, suite, TestGateway.randomKey(suite)), 0),
                    "application/sdp"));
            assertThat(again.status()).isEqualTo(200);
            gw1.send(gw1.request("ACK", callId, "gw1tag", to, null, null));
            assertThat(gw1.send(gw1.request("BYE", callId, "gw1tag", to, null, null))
                            .status())
                    .isEqualTo(200);
        }
    }

    @Test
    void aThousandOffersWithAnRtcpPortOutOfRangeAre488AndLeakNoCallSlot() throws Exception {
        start(config().build());
        try (RawSipPeer peer = new RawSipPeer(server.tcpPort())) {
            for (int i = 0; i < 1000; i++) {
                String sdp = "v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                        + "m=audio 40000 RTP/AVP 0\r\na=rtcp:70000\r\n";
                peer.write(invite(peer, "rtcp-" + i, sdp));
                SipResponse r = finalResponse(peer);
                assertThat(r.status()).as("INVITE %d", i).isEqualTo(488);
            }
            // the server still takes calls
            String sdp = TestGateway.offer(40000, 40001, "RTP/AVP", null, 0);
            peer.write(invite(peer, "after-flood", sdp));
            assertThat(finalResponse(peer).status()).isEqualTo(200);
        }
        assertThat(server.metrics().getCallsRejected()).containsEntry("bad-sdp", 1000L);
        await("no calls", () -> server.activeCalls() == 0);
    }

    @Test
    void aReasonWithCrLfInTheOfferStaysA488() throws Exception {
        start(config().build());
        try (RawSipPeer peer = new RawSipPeer(server.tcpPort())) {
            // a lone CR inside an SDP line: whatever the parser makes of it, the answer is a clean 488
            String sdp = "v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    + "m=audio 40000 RTP/AVP 0\r\na=rtcp:4\rX-Injected: yes\r\n";
            peer.write(invite(peer, "crlf", sdp));
            SipResponse r = finalResponse(peer);
            assertThat(r.status()).isEqualTo(488);
            assertThat(r.header("X-Injected")).isEmpty();
            assertThat(r.header("Warning").orElse("")).doesNotContain("\r", "\n");
        }
        assertThat(server.activeCalls()).isZero();
    }

    @Test
    void oneGatewayCannotTakeEveryCallSlot() throws Exception {
        start(config().callsPerGateway(2).build());
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort());
                TestGateway gw1 = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            String to1 = plainCall(pbx, "pbx-1");
            plainCall(pbx, "pbx-2");
            SipResponse third = pbx.send(pbx.request(
                    "INVITE",
                    "pbx-3",
                    "p3",
                    "<sip:voicemail@um.example.test>",
                    pbx.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(third.status()).isEqualTo(503);
            assertThat(third.header("Retry-After")).contains("5");
            SecurityEvent e = events.stream()
                    .filter(x -> x.type() == SecurityEventType.CALL_LIMIT_REACHED)
                    .findFirst()
                    .orElseThrow();
            assertThat(e.field("gateway")).contains("pbx");
            assertThat(e.field("limit")).contains("2");
            assertThat(server.metrics().getCallsRejected()).containsEntry("gateway-call-limit", 1L);

            // another gateway is not affected
            securedCall(gw1, "gw1-call");
            assertThat(server.activeCalls()).isEqualTo(3);

            // a slot comes back when a call ends
            assertThat(pbx.send(pbx.request("BYE", "pbx-1", "pbx-1", to1, null, null))
                            .status())
                    .isEqualTo(200);
            await("slot released", () -> server.activeCalls() == 2);
            plainCall(pbx, "pbx-4");
        }
    }

    @Test
    void noAckRetransmitsThe200ThenEndsTheCallWithByeOnVirtualTime() throws Exception {
        start(config().build());
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = pbx.send(pbx.request(
                    "INVITE",
                    "noack-v",
                    "na",
                    "<sip:voicemail@um.example.test>",
                    pbx.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            timers.advance(Duration.ofMillis(500)); // T1
            assertThat(((SipResponse) nextMessage(pbx)).status()).isEqualTo(200);
            timers.advance(Duration.ofMillis(1000)); // 2·T1
            assertThat(((SipResponse) nextMessage(pbx)).status()).isEqualTo(200);
            assertThat(server.activeCalls()).isOne();
            timers.advance(Duration.ofSeconds(31)); // 64·T1 = 32 s in all
            SipRequest bye;
            while (true) {
                SipMessage m = nextMessage(pbx);
                if (m instanceof SipRequest r) {
                    bye = r;
                    break;
                }
                assertThat(((SipResponse) m).status())
                        .as("only 200 retransmissions before the BYE")
                        .isEqualTo(200);
            }
            assertThat(bye.method()).isEqualTo("BYE");
            assertThat(bye.to().tag()).contains("na");
            assertThat(bye.cseq().sequence()).isOne();
        }
        assertThat(metadata("noack-v")).contains("\"endReason\": \"NO_ACK\"");
    }

    @Test
    void aMissedSessionRefreshEndsTheCallWithBye() throws Exception {
        start(config().build());
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort())) {
            SipRequest short1 = pbx
                    .request(
                            "INVITE",
                            "se-short",
                            "se",
                            "<sip:voicemail@um.example.test>",
                            pbx.offer("RTP/AVP", null, 0),
                            "application/sdp")
                    .toBuilder()
                    .header("Supported", "timer")
                    .header("Session-Expires", "30")
                    .build();
            SipResponse tooShort = pbx.send(short1);
            assertThat(tooShort.status()).isEqualTo(422);
            assertThat(tooShort.header("Min-SE")).contains("90");

            SipRequest invite = pbx
                    .request(
                            "INVITE",
                            "se-call",
                            "se",
                            "<sip:voicemail@um.example.test>",
                            pbx.offer("RTP/AVP", null, 0),
                            "application/sdp")
                    .toBuilder()
                    .header("Supported", "timer")
                    .header("Session-Expires", "90")
                    .build();
            SipResponse ok = pbx.send(invite);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("Session-Expires")).contains("90;refresher=uac");
            assertThat(ok.header("Require")).contains("timer");
            String to = ok.header("To").orElseThrow();
            pbx.send(pbx.request("ACK", "se-call", "se", to, null, null));
            // messages of one connection are handled in order: once OPTIONS is answered the ACK was taken,
            // so the virtual clock below cannot fire the ACK timeout first
            assertThat(pbx.send(pbx.request("OPTIONS", "se-sync", "se", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(200);

            // a refresh (UPDATE without SDP) at 50 s moves the end to 50 + 60 s
            timers.advance(Duration.ofSeconds(50));
            SipResponse refreshed = pbx.send(pbx.request("UPDATE", "se-call", "se", to, null, null).toBuilder()
                    .header("Supported", "timer")
                    .header("Session-Expires", "90")
                    .build());
            assertThat(refreshed.status()).isEqualTo(200);
            assertThat(refreshed.header("Session-Expires")).contains("90;refresher=uac");
            timers.advance(Duration.ofSeconds(59));
            assertThat(server.activeCalls()).isOne();
            timers.advance(Duration.ofSeconds(1));
            SipRequest bye = pbx.readRequest().orElseThrow();
            assertThat(bye.method()).isEqualTo("BYE");
        }
        assertThat(metadata("se-call")).contains("\"endReason\": \"SESSION_EXPIRED\"");
    }

    @Test
    void aFailingCallSetupUndoesEverythingSoSlotsNeverRunOut() throws Exception {
        // the handler refuses every call whose Call-ID starts with "fail" (IOException) or "boom" (runtime)
        CallHandler handler = info -> {
            if (info.callId().startsWith("fail")) {
                throw new IOException("disk full");
            }
            if (info.callId().startsWith("boom")) {
                throw new IllegalStateException("bug");
            }
            return new CallHandler.Call() {
                @Override
                public void audio(short[] samples, int off, int len) {}

                @Override
                public void end(CallSummary summary) {}
            };
        };
        server = UmsecServer.builder(config().build())
                .eventListener(events::add)
                .registerJmx(false)
                .timers(timers)
                .callHandler(handler)
                .build();
        server.start();
        // more than server.callsPerGateway (500): a leaked slot per failure would end in 503
        try (RawSipPeer peer = new RawSipPeer(server.tcpPort())) {
            String sdp = TestGateway.offer(40000, 40001, "RTP/AVP", null, 0);
            for (int i = 0; i < 600; i++) {
                peer.write(invite(peer, (i % 2 == 0 ? "fail-" : "boom-") + i, sdp));
                assertThat(finalResponse(peer).status()).as("INVITE %d", i).isEqualTo(500);
            }
            peer.write(invite(peer, "works", sdp));
            assertThat(finalResponse(peer).status()).isEqualTo(200);
            // the server counts the call once its 200 is on the wire: wait for that before the connection
            // closes and ends the call
            await("the good call counted", () -> server.metrics().getCallsAccepted() == 1);
        }
        assertThat(server.metrics().getCallsRejected()).containsEntry("handler-failed", 600L);
        // the server counts the call as accepted just after its 200 leaves: wait for it rather than race it
        await("the good call counted as accepted", () -> server.metrics().getCallsAccepted() == 1);
        await("the good call ended with its connection", () -> server.activeCalls() == 0);
    }

    static String plainCall(TestGateway gw, String callId) throws IOException {
        SipResponse ok = gw.send(gw.request(
                "INVITE",
                callId,
                callId,
                "<sip:voicemail@um.example.test>",
                gw.offer("RTP/AVP", null, 0),
                "application/sdp"));
        assertThat(ok.status()).isEqualTo(200);
        String to = ok.header("To").orElseThrow();
        gw.send(gw.request("ACK", callId, callId, to, null, null));
        return to;
    }

    static SipMessage nextMessage(TestGateway gw) throws IOException {
        return gw.read().orElseThrow(() -> new AssertionError("connection closed"));
    }

    static String invite(RawSipPeer peer, String callId, String sdp) {
        return SipRequest.builder("INVITE", "sip:voicemail@um.example.test")
                .via(Via.of("TCP", "127.0.0.1", peer.localPort(), Via.MAGIC_COOKIE + TestGateway.hex()))
                .header("From", "<sip:alice@pbx.example.test>;tag=" + callId)
                .header("To", "<sip:voicemail@um.example.test>")
                .callId(callId)
                .cseq(1)
                .maxForwards(70)
                .body("application/sdp", sdp)
                .build()
                .toWireString();
    }

    static SipResponse finalResponse(RawSipPeer peer) throws IOException {
        while (true) {
            SipMessage m = peer.read().orElseThrow(() -> new AssertionError("connection closed"));
            if (m instanceof SipResponse r && r.status() >= 200) {
                return r;
            }
        }
    }
}
