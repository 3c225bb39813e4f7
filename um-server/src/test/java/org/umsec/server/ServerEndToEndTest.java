package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.VoicemailRecorder;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * The server on real sockets, called by {@link TestGateway} in each mode: mutual TLS with
 * certificates from a test PKI, SDES-keyed SRTP, recordings compared with what was sent.
 */
class ServerEndToEndTest {

    @TempDir
    Path dir;

    static final TestPki PKI = TestPki.create("E2E", Clock.systemUTC());
    static final PersonalCertificate SERVER_CERT = PKI.leaf("um.example.test").build();
    static final PersonalCertificate GW1_CERT = PKI.leaf("gw1.example.test").build();
    static final PersonalCertificate GW2_CERT = PKI.leaf("gw2.example.test").build();

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    /** Drives the media timeout (the server's clock) and the dialog timers (ACK timeout) by hand. */
    final AdjustableClock clock = new AdjustableClock();

    final ManualTimers timers = new ManualTimers();
    UmsecServer server;
    Path voicemail;

    @BeforeEach
    void storeWithServerCertificate() throws IOException {
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
                .serverName("um-e2e")
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
                .mediaTimeout(Duration.ofSeconds(3))
                .ackTimeout(Duration.ofSeconds(2))
                .maxRecording(Duration.ofSeconds(20))
                .rtcpInterval(Duration.ofMillis(200));
    }

    UmsecServer start(ServerConfiguration c) throws IOException {
        server = UmsecServer.builder(c)
                .clock(clock)
                .timers(timers)
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
        return server;
    }

    static short[] signal(int n) {
        short[] s = new short[n];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < n; i++) {
            s[i] = (short) (Math.sin(2 * Math.PI * 400 * i / 8000) * 9000 + r.nextGaussian() * 300);
        }
        return s;
    }

    static short[] g711RoundTrip(int pt, short[] s) {
        byte[] enc = new byte[s.length];
        short[] dec = new short[s.length];
        G711.encode(pt, s, 0, s.length, enc, 0);
        G711.decode(pt, enc, 0, enc.length, dec, 0);
        return dec;
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    Path recording(String callId, String ext) throws IOException {
        try (Stream<Path> files = Files.list(voicemail)) {
            return files.filter(p -> p.getFileName().toString().contains(VoicemailRecorder.safe(callId, 64))
                            && p.getFileName().toString().endsWith(ext))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + ext + " for " + callId));
        }
    }

    String metadata(String callId) throws Exception {
        await("metadata of " + callId, () -> {
            try {
                return Files.exists(recording(callId, ".json"));
            } catch (IOException | AssertionError e) {
                return false;
            }
        });
        return Files.readString(recording(callId, ".json"));
    }

    static short[] wavSamples(Path wav) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            short[] s = new short[b.remaining() / 2];
            for (int i = 0; i < s.length; i++) {
                s[i] = b.getShort();
            }
            return s;
        }
    }

    boolean hasEvent(SecurityEventType t) {
        return events.stream().anyMatch(e -> e.type() == t);
    }

    Optional<SecurityEvent> event(SecurityEventType t) {
        return events.stream().filter(e -> e.type() == t).reduce((a, b) -> b);
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void securedCallOverMutualTlsWithSdesRecordsExactlyWhatWasSent() throws Exception {
        start(config().build());
        assertThat(hasEvent(SecurityEventType.SECURED_CERTIFICATE_LOADED)).isTrue();
        assertThat(hasEvent(SecurityEventType.SERVICE_STARTED_SECURED)).isTrue();
        assertThat(event(SecurityEventType.SECURED_CERTIFICATE_LOADED)
                        .orElseThrow()
                        .field("thumbprint"))
                .contains(SERVER_CERT.info().sha1Thumbprint());
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        SrtpMasterKey gwKey = TestGateway.randomKey(suite);
        short[] sent = signal(8000);
        String callId = "secured-" + TestGateway.hex();
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            assertThat(CertificateInfo.of(gw.serverCertificate()).sha1Thumbprint())
                    .isEqualTo(SERVER_CERT.info().sha1Thumbprint());
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "gwtag1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/SAVP", TestGateway.crypto(1, suite, gwKey), 0, 8),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            TestGateway.Answer a = TestGateway.answer(ok);
            assertThat(a.profile()).isEqualTo("RTP/SAVP");
            assertThat(a.suite()).contains(suite);
            assertThat(a.key()).isPresent();
            assertThat(a.key().get().key()).isNotEqualTo(gwKey.key()); // the server answers with its own key
            gw.send(gw.request("ACK", callId, "gwtag1", ok.header("To").orElseThrow(), null, null));

            // our SRTCP report first: the audio sent after it, once counted, shows the server has read it too
            // (a report sent last could still be in the socket when the BYE closes it)
            gw.sendRtcp(SrtpSession.outbound(TestGateway.policy(suite, gwKey)), 0x1234L, a.rtcpPort());
            SrtpSession tx = SrtpSession.outbound(TestGateway.policy(suite, gwKey));
            List<byte[]> packets = gw.sendAudio(sent, 0, tx, a.port(), 1000, 5000, 0x1234L);
            gw.sendRaw(packets.get(10), a.port()); // a replay
            // a packet with a fresh sequence number under a key the attacker made up: fails authentication
            SrtpSession forger = SrtpSession.outbound(TestGateway.policy(suite, TestGateway.randomKey(suite)));
            byte[] forged = new byte[12 + 160 + 16];
            int flen = forger.protectRtp(
                    forged, 0, RtpPacket.write(forged, 0, 0, false, 1050, 5000 + 8000, 0x1234L, new byte[160], 0, 160));
            gw.sendRaw(java.util.Arrays.copyOf(forged, flen), a.port());

            // the greeting comes back as SRTP under the server's key
            SrtpSession rx =
                    SrtpSession.inbound(TestGateway.policy(suite, a.key().get()));
            byte[] greeting = gw.receiveMedia().orElseThrow(() -> new AssertionError("no greeting"));
            int len = rx.unprotectRtp(greeting, 0, greeting.length);
            assertThat(len).isPositive();
            assertThat(RtpPacket.parse(greeting, 0, len).orElseThrow().payloadType())
                    .isZero();

            await("all audio received", () -> server.metrics().getRtpPacketsReceived() >= 50);
            // the server's RTCP reports arrive as SRTCP under its key
            byte[] report = gw.receiveRtcp().orElseThrow(() -> new AssertionError("no SRTCP from the server"));
            int rlen = SrtpSession.inbound(TestGateway.policy(suite, a.key().get()))
                    .unprotectRtcp(report, 0, report.length);
            assertThat(rlen).isPositive();
            assertThat(report[1] & 0xFF).isIn(200, 201);
            assertThat(gw.send(gw.request(
                                    "BYE", callId, "gwtag1", ok.header("To").orElseThrow(), null, null))
                            .status())
                    .isEqualTo(200);
        }
        String meta = metadata(callId);
        assertThat(meta)
                .contains(
                        "\"mode\": \"Secured\"",
                        "\"srtpSuite\": \"AES_CM_128_HMAC_SHA1_80\"",
                        "\"packetsReceived\": 50",
                        "\"packetsLost\": 0",
                        "\"authenticationFailed\": 1",
                        "\"replayed\": 1",
                        "\"endReason\": \"CALLER_HUNG_UP\"",
                        "\"gateway\": \"gw1\"",
                        "\"rtcpReceived\": 1");
        assertThat(meta).doesNotContain("\"rtcpSent\": 0");
        assertThat(wavSamples(recording(callId, ".wav"))).containsExactly(g711RoundTrip(0, sent));
        assertThat(recording(callId, ".wav").getFileName().toString()).contains("alice-gw1.example.test");
        assertThat(server.metrics().getSrtpPacketsFailed()).containsEntry("AUTH_FAILED", 1L);
        assertThat(server.metrics().getCallsAccepted()).isEqualTo(1);
    }

    @Test
    void unsecuredCallOverTcpIsPlainRtpAndRecordsALaw() throws Exception {
        start(config().build());
        short[] sent = signal(4000);
        String callId = "plain-" + TestGateway.hex();
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "t2",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 8, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            TestGateway.Answer a = TestGateway.answer(ok);
            assertThat(a.profile()).isEqualTo("RTP/AVP");
            assertThat(a.key()).isEmpty();
            gw.send(gw.request("ACK", callId, "t2", ok.header("To").orElseThrow(), null, null));
            // a plain-RTP greeting
            byte[] g = gw.receiveMedia().orElseThrow(() -> new AssertionError("no greeting"));
            assertThat(RtpPacket.parse(g, 0, g.length).orElseThrow().payloadType())
                    .isEqualTo(8);
            gw.sendAudio(sent, 8, null, a.port(), 7, 0, 99);
            await("audio", () -> server.metrics().getRtpPacketsReceived() >= 25);
            assertThat(gw.send(gw.request("BYE", callId, "t2", ok.header("To").orElseThrow(), null, null))
                            .status())
                    .isEqualTo(200);
        }
        assertThat(metadata(callId)).contains("\"mode\": \"Unsecured\"", "\"srtpSuite\": null", "\"payloadType\": 8");
        assertThat(wavSamples(recording(callId, ".wav"))).containsExactly(g711RoundTrip(8, sent));
    }

    @Test
    void sipSecuredCallUsesTlsSignallingAndPlainRtp() throws Exception {
        start(config().build());
        short[] sent = signal(1600);
        String callId = "sipsec-" + TestGateway.hex();
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW2_CERT, PKI.rootCertificate())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "t3",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            TestGateway.Answer a = TestGateway.answer(ok);
            assertThat(a.key()).isEmpty();
            gw.send(gw.request("ACK", callId, "t3", ok.header("To").orElseThrow(), null, null));
            gw.sendAudio(sent, 0, null, a.port(), 1, 0, 5);
            await("audio", () -> server.metrics().getRtpPacketsReceived() >= 10);
            assertThat(gw.send(gw.request("BYE", callId, "t3", ok.header("To").orElseThrow(), null, null))
                            .status())
                    .isEqualTo(200);
        }
        assertThat(metadata(callId)).contains("\"mode\": \"SIPSecured\"", "\"gateway\": \"gw2\"");
        assertThat(wavSamples(recording(callId, ".wav"))).containsExactly(g711RoundTrip(0, sent));
    }

    @Test
    void securedDialPlanWithoutCryptoIsRefusedWith488AndAnEvent() throws Exception {
        start(config().build());
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    "nocrypto",
                    "t4",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(r.status()).isEqualTo(488);
            assertThat(r.header("Warning").orElseThrow()).contains("Secured", "a=crypto");
        }
        SecurityEvent e = event(SecurityEventType.CALL_REJECTED_WRONG_MODE).orElseThrow();
        assertThat(e.field("reason")).contains("no-sdes-crypto");
        assertThat(server.metrics().getCallsRejected()).containsEntry("no-sdes-crypto", 1L);
    }

    @Test
    void securedOfferPicksTheStrongestUsableLineAndExplainsUnusableOnes() throws Exception {
        start(config().build());
        SrtpSuite weak = SrtpSuite.AES_CM_128_HMAC_SHA1_32;
        SrtpSuite strong = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        String weakening = TestGateway.crypto(3, strong, TestGateway.randomKey(strong)) + " UNENCRYPTED_SRTP";
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            // only a line that would switch encryption off: refused, and the Warning says why
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    "weakened",
                    "t4b",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/SAVP", weakening, 0),
                    "application/sdp"));
            assertThat(r.status()).isEqualTo(488);
            assertThat(r.header("Warning").orElseThrow()).contains("no usable a=crypto", "UNENCRYPTED_SRTP");
            // a weak line first, then a strong one: the strong one is answered, under its tag
            String offer = gw.offer("RTP/SAVP", TestGateway.crypto(1, weak, TestGateway.randomKey(weak)), 0)
                    + "a=crypto:" + TestGateway.crypto(2, strong, TestGateway.randomKey(strong)) + "\r\n";
            SipResponse ok = gw.send(gw.request(
                    "INVITE", "strongest", "t4c", "<sip:voicemail@um.example.test>", offer, "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(TestGateway.answer(ok).suite()).contains(strong);
            assertThat(SessionDescription.parse(ok.body())
                            .audio()
                            .orElseThrow()
                            .cryptos()
                            .get(0)
                            .tag())
                    .isEqualTo(2);
            gw.send(gw.request("BYE", "strongest", "t4c", ok.header("To").orElseThrow(), null, null));
        }
        assertThat(server.metrics().getCallsRejected()).containsEntry("no-sdes-crypto", 1L);
    }

    @Test
    void untrustedGatewayIsRefusedEvenWithAChainThatVerifies() throws Exception {
        start(config().build());
        PersonalCertificate evil = PKI.leaf("evil.example.test").build();
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), evil, PKI.rootCertificate())) {
            assertThatThrownBy(() -> gw.send(gw.request("OPTIONS", "o1", "t5", "<sip:um.example.test>", null, null)))
                    .isInstanceOf(IOException.class);
        }
        SecurityEvent e = event(SecurityEventType.UNTRUSTED_PEER_REFUSED).orElseThrow();
        assertThat(e.field("identities").orElseThrow()).contains("evil.example.test");
    }

    @Test
    void gatewayFromAnotherPkiFailsTheHandshakeWithAnEvent() throws Exception {
        start(config().build());
        TestPki other = TestPki.create("Other", Clock.systemUTC());
        PersonalCertificate stranger = other.leaf("gw1.example.test").build();
        assertThatThrownBy(() -> {
                    try (TestGateway gw = TestGateway.tls(server.tlsPort(), stranger, PKI.rootCertificate())) {
                        gw.send(gw.request("OPTIONS", "o2", "t6", "<sip:um.example.test>", null, null));
                        gw.finalResponse();
                    }
                })
                .isInstanceOf(IOException.class);
        await("handshake event", () -> hasEvent(SecurityEventType.TLS_HANDSHAKE_FAILED));
        // counted by um-sip's typed reason (the event's reason field)
        await("handshake counted", () -> !server.metrics().getHandshakesFailed().isEmpty());
        assertThat(server.metrics().getHandshakesFailed()).containsEntry("unknown-ca", 1L);
    }

    @Test
    void wrongTransportAndUntrustedAddressAfterALiveConfigurationChange() throws Exception {
        start(config().build());
        // TCP from 127.0.0.1 is the plain PBX: accepted
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = gw.send(gw.request("OPTIONS", "o3", "t7", "<sip:um.example.test>", null, null));
            assertThat(r.status()).isEqualTo(200);
        }
        // the PBX is removed while the server runs: 127.0.0.1 is now only gw1, whose dial plan is Secured
        ServerConfiguration.Builder b = config().clearGateways()
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .address("127.0.0.1")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build());
        server.reload(b.build());
        assertThat(hasEvent(SecurityEventType.CONFIGURATION_APPLIED)).isTrue();
        // R26 (issue 9 item 3): the TCP listener trusts only Unsecured plans' gateways, so a Secured
        // gateway's address is refused by the transport itself (403, then the connection closes)
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    "wrongmode",
                    "t8",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.reasonPhrase()).contains("not trusted");
        }
        assertThat(event(SecurityEventType.UNTRUSTED_PEER_REFUSED)
                        .orElseThrow()
                        .field("identities")
                        .orElseThrow())
                .contains("127.0.0.1");
        assertThat(hasEvent(SecurityEventType.CALL_REJECTED_WRONG_MODE)).isFalse();
        // and with no gateway at 127.0.0.1 at all, the peer is untrusted
        server.reload(config().clearGateways()
                .gateway(IpGateway.builder("far")
                        .address("192.0.2.7")
                        .port(5060)
                        .dialPlan("dp-plain")
                        .build())
                .build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    "untrusted",
                    "t9",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(r.status()).isEqualTo(403);
        }
        assertThat(hasEvent(SecurityEventType.UNTRUSTED_PEER_REFUSED)).isTrue();
    }

    @Test
    void sdesKeysOverPlainTcpAreRefused() throws Exception {
        start(config().build());
        SrtpSuite suite = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
        // um-sip's client will not send SDES keys over TCP at all (R19): a raw peer does
        try (RawSipPeer peer = new RawSipPeer(server.tcpPort())) {
            String sdp = TestGateway.offer(
                    40000, 40001, "RTP/SAVP", TestGateway.crypto(1, suite, TestGateway.randomKey(suite)), 0);
            peer.write(SipRequest.builder("INVITE", "sip:voicemail@um.example.test")
                    .via(Via.of("TCP", "127.0.0.1", peer.localPort(), "z9hG4bKsdes1"))
                    .header("From", "<sip:alice@gw1.example.test>;tag=t10")
                    .header("To", "<sip:voicemail@um.example.test>")
                    .callId("sdes-tcp")
                    .cseq(1)
                    .body("application/sdp", sdp)
                    .build()
                    .toWireString());
            SipResponse r = (SipResponse) peer.read().orElseThrow();
            assertThat(r.status()).isEqualTo(488);
        }
        assertThat(hasEvent(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT)).isTrue();
        assertThat(server.metrics().getCallsRejected()).containsEntry("sdes-over-tcp", 1L);
        assertThat(server.activeCalls()).isZero();
    }

    @Test
    void certificateChangedInTheStoreIsUsedByTheNextHandshake() throws Exception {
        start(config().build());
        PersonalCertificate longer = PKI.leaf("um.example.test")
                .validUntil(Clock.systemUTC().instant().plus(Duration.ofDays(300)))
                .build();
        CertificateStore.open(dir.resolve("certs")).addPersonal(longer);
        // no call to refreshCertificates(): the store watcher notices the new files
        await(
                "certificate rotation",
                () -> server.certificate()
                        .orElseThrow()
                        .sha1Thumbprint()
                        .equals(longer.info().sha1Thumbprint()));
        try (TestGateway gw = TestGateway.tls(server.tlsPort(), GW1_CERT, PKI.rootCertificate())) {
            assertThat(CertificateInfo.of(gw.serverCertificate()).sha1Thumbprint())
                    .isEqualTo(longer.info().sha1Thumbprint());
        }
        assertThat(hasEvent(SecurityEventType.CERTIFICATE_CHANGED)).isTrue();
        assertThat(server.certificate().orElseThrow().sha1Thumbprint())
                .isEqualTo(longer.info().sha1Thumbprint());
    }

    @Test
    void aCallWithoutAckIsEndedWithByeAndItsRecordingKept() throws Exception {
        start(config().build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "noack",
                    "t11",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            timers.advance(Duration.ofMillis(1999));
            assertThat(server.activeCalls()).isOne();
            timers.advance(Duration.ofMillis(1)); // the configured ACK timeout, 64·T1
            SipRequest bye = gw.readRequest().orElseThrow();
            assertThat(bye.method()).isEqualTo("BYE");
            assertThat(bye.to().tag()).contains("t11");
        }
        assertThat(metadata("noack")).contains("\"endReason\": \"NO_ACK\"");
    }

    @Test
    void mediaTimeoutAndVanishedPeerEndCallsCleanly() throws Exception {
        start(config().build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "silent",
                    "t12",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            gw.send(gw.request("ACK", "silent", "t12", ok.header("To").orElseThrow(), null, null));
            clock.advance(Duration.ofSeconds(3)); // the configured media timeout passes without media
            SipRequest bye = gw.readRequest().orElseThrow();
            assertThat(bye.method()).isEqualTo("BYE");
        }
        assertThat(metadata("silent")).contains("\"endReason\": \"MEDIA_TIMEOUT\"");

        short[] sent = signal(800);
        TestGateway gw = TestGateway.tcp(server.tcpPort());
        SipResponse ok = gw.send(gw.request(
                "INVITE",
                "vanish",
                "t13",
                "<sip:voicemail@um.example.test>",
                gw.offer("RTP/AVP", null, 0),
                "application/sdp"));
        gw.send(gw.request("ACK", "vanish", "t13", ok.header("To").orElseThrow(), null, null));
        gw.sendAudio(sent, 0, null, TestGateway.answer(ok).port(), 1, 0, 1);
        await("audio", () -> server.metrics().getRtpPacketsReceived() >= 5);
        gw.close(); // the gateway vanishes mid-call
        assertThat(metadata("vanish")).contains("\"endReason\": \"CONNECTION_LOST\"", "\"packetsReceived\": 5");
        assertThat(wavSamples(recording("vanish", ".wav"))).containsExactly(g711RoundTrip(0, sent));
        await("no calls", () -> server.activeCalls() == 0);
    }

    @Test
    void anEmbeddingApplicationPlugsInItsOwnCallHandler() throws Exception {
        List<CallSummary> ended = new CopyOnWriteArrayList<>();
        long[] samples = {0};
        server = UmsecServer.builder(config().build())
                .registerJmx(false)
                .callHandler(info -> new CallHandler.Call() {
                    @Override
                    public void audio(short[] s, int off, int len) {
                        samples[0] += len;
                    }

                    @Override
                    public void end(CallSummary s) {
                        ended.add(s);
                    }
                })
                .build();
        server.start();
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "embedded",
                    "t14",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            gw.send(gw.request("ACK", "embedded", "t14", ok.header("To").orElseThrow(), null, null));
            gw.sendAudio(signal(960), 0, null, TestGateway.answer(ok).port(), 1, 0, 1);
            await("audio", () -> samples[0] == 960);
            // graceful stop: the call in progress is ended with BYE when the grace period is over
            server.stop(Duration.ofMillis(200));
            assertThat(gw.readRequest().orElseThrow().method()).isEqualTo("BYE");
        }
        assertThat(ended).singleElement().satisfies(s -> {
            assertThat(s.reason()).isEqualTo(CallEndReason.SERVER_STOPPING);
            assertThat(s.info().callId()).isEqualTo("embedded");
        });
        assertThat(voicemail).doesNotExist();
    }

    @Test
    void optionsAndUnknownMethodsAndMalformedInput() throws Exception {
        start(config().build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = gw.send(gw.request("OPTIONS", "o9", "t15", "<sip:um.example.test>", null, null));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Allow").orElseThrow()).contains("INVITE", "OPTIONS");
            assertThat(gw.send(gw.request("REGISTER", "r1", "t16", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(405);
            assertThat(gw.send(gw.request("BYE", "nope", "t17", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(481);
        }
        try (RawSipPeer peer = new RawSipPeer(server.tcpPort())) {
            peer.write("GARBAGE\r\n\r\n");
            assertThat(peer.read()).isEmpty(); // the server closes the connection
        }
        assertThat(server.metrics().getOptionsAnswered()).isEqualTo(1);
    }

    @Test
    void anEditedConfigurationFileAppliesWithoutRestartAndABrokenEditIsRefused() throws Exception {
        Path f = dir.resolve("umsec.yaml");
        String yaml = "server:\n  name: live\n  fqdn: um.example.test\n  bind: 127.0.0.1\n  sipPort: 0\n  tlsPort: 0\n"
                + "  store: certs\n  voicemail: voicemail\n  dialPlans: [plain]\n"
                + "dialPlans:\n  - name: plain\n    voipSecurity: Unsecured\n"
                + "gateways:\n  - name: pbx\n    address: %s\n    port: 5060\n    dialPlan: plain\n";
        Files.writeString(f, String.format(yaml, "127.0.0.1"));
        server = UmsecServer.builder(ServerConfiguration.load(f))
                .configFile(f)
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
        int port = server.tcpPort();
        try (TestGateway gw = TestGateway.tcp(port)) {
            assertThat(gw.send(gw.request("OPTIONS", "l1", "a", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(200);
        }
        Files.writeString(f, "server:\n  sipPort: [oops\n");
        await("rejected", () -> hasEvent(SecurityEventType.CONFIGURATION_REJECTED));
        try (TestGateway gw = TestGateway.tcp(port)) {
            assertThat(gw.send(gw.request("OPTIONS", "l2", "a", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(200); // the running configuration stayed
        }
        long applied = events.stream()
                .filter(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED)
                .count();
        Files.writeString(f, String.format(yaml, "192.0.2.9"));
        await(
                "applied",
                () -> events.stream()
                                .filter(e -> e.type() == SecurityEventType.CONFIGURATION_APPLIED)
                                .count()
                        > applied);
        try (TestGateway gw = TestGateway.tcp(port)) {
            assertThat(gw.send(gw.request("OPTIONS", "l3", "a", "<sip:um.example.test>", null, null))
                            .status())
                    .isEqualTo(403); // 127.0.0.1 is no longer a trusted gateway
        }
        assertThat(server.configuration().gateways().get(0).address().map(a -> a.getHostAddress()))
                .contains("192.0.2.9");
    }

    @Test
    void aCertificateNearExpiryRaisesTheExpiryEventAtStart() throws Exception {
        Path store = dir.resolve("expiring");
        CertificateStore st = CertificateStore.open(store);
        st.addPersonal(PKI.leaf("um.example.test")
                .validUntil(Clock.systemUTC().instant().plus(Duration.ofDays(10)))
                .build());
        st.addTrustedRoot(PKI.rootCertificate());
        start(config().store(store).build());
        await("expiry event", () -> hasEvent(SecurityEventType.CERTIFICATE_EXPIRING));
    }

    @Test
    void figuresAreReadableOverJmxUnderTheDocumentedName() throws Exception {
        server = UmsecServer.builder(config().serverName("um-jmx").build()).build();
        server.start();
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            gw.send(gw.request("OPTIONS", "j1", "a", "<sip:um.example.test>", null, null));
        }
        javax.management.MBeanServer mbs = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName(
                String.format(ServerMetrics.OBJECT_NAME_PATTERN, javax.management.ObjectName.quote("um-jmx")));
        assertThat(mbs.getAttribute(name, "OptionsAnswered")).isEqualTo(1L);
        assertThat((String) mbs.getAttribute(name, "Report")).contains("sip.options.answered 1", "events.1112 1");
        server.stop(Duration.ZERO);
        assertThat(mbs.isRegistered(name)).isFalse();
        server = null;
    }
}
