package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.AllowedDialingGroups;
import org.umsec.core.DialPlan;
import org.umsec.core.DialingCheck;
import org.umsec.core.DialingRuleGroup;
import org.umsec.core.DialingRules;
import org.umsec.core.DialingScope;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.UmMailboxPolicy;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.PlayOnPhoneResult.Outcome;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.G711;
import org.umsec.sip.SipRequest;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.SessionDescription;

/**
 * Calls the server places (play on phone, R6, R18) to a {@link FakeGateway} on real sockets: mutual TLS
 * with certificates from a test PKI, SDES-keyed SRTP the gateway decrypts, dialing rules and mailbox
 * policies enforced before anything is sent, and the gateway's certificate identity checked.
 */
class OutboundCallTest {

    @TempDir
    Path dir;

    static final TestPki PKI = TestPki.create("Outbound", Clock.systemUTC());
    static final PersonalCertificate SERVER_CERT = PKI.leaf("um.example.test").build();
    static final PersonalCertificate GW1_CERT = PKI.leaf("gw1.example.test").build();
    static final PersonalCertificate OTHER_CERT = PKI.leaf("gw9.example.test").build();

    /** Local numbers of area 425 are allowed and dialed with a 9; everything else is international. */
    static final DialingRules RULES = DialingRules.builder()
            .group(DialingRuleGroup.builder("Local", DialingScope.IN_COUNTRY)
                    .rule("+1425xxxxxxx", "9xxxxxxx")
                    .build())
            .group(DialingRuleGroup.builder("Anywhere", DialingScope.INTERNATIONAL)
                    .rule("*", "*")
                    .build())
            .allowInCountry("Local")
            .build();

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    UmsecServer server;

    @BeforeEach
    void store() throws IOException {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(SERVER_CERT);
        store.addTrustedRoot(PKI.rootCertificate());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    ServerConfiguration config(int plainGatewayPort) throws Exception {
        return ServerConfiguration.builder()
                .serverName("um-out")
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .mediaAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .admin("off")
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("voicemail"))
                .dialPlan(DialPlan.builder("dp-secure")
                        .mode(VoipSecurityMode.SECURED)
                        .dialingRules(RULES)
                        .build())
                .dialPlan(DialPlan.builder("dp-plain").dialingRules(RULES).build())
                .associateDialPlan("dp-secure")
                .associateDialPlan("dp-plain")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .address("127.0.0.1")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .gateway(IpGateway.builder("pbx")
                        .address("127.0.0.1")
                        .port(plainGatewayPort)
                        .dialPlan("dp-plain")
                        .build())
                .mailboxPolicy(UmMailboxPolicy.builder("Restricted", "dp-secure")
                        .allowed(AllowedDialingGroups.none())
                        .build())
                .build();
    }

    UmsecServer start(ServerConfiguration c) throws IOException {
        server = UmsecServer.builder(c)
                .eventListener(events::add)
                .registerJmx(false)
                .watchStore(false)
                .build();
        server.start();
        return server;
    }

    <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    static short[] tone(int samples) {
        short[] s = new short[samples];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (Math.sin(2 * Math.PI * 440 * i / 8000) * 8000);
        }
        return s;
    }

    /** What the gateway should hear: the tone through G.711 PCMU and back. */
    static short[] throughPcmu(short[] pcm) {
        byte[] u = new byte[pcm.length];
        short[] back = new short[pcm.length];
        G711.encode(G711.PAYLOAD_TYPE_PCMU, pcm, 0, pcm.length, u, 0);
        G711.decode(G711.PAYLOAD_TYPE_PCMU, u, 0, u.length, back, 0);
        return back;
    }

    static PlayOnPhoneResult await(CompletableFuture<PlayOnPhoneResult> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    @Test
    void securedCallToAnAllowedNumberPlaysSrtpThatTheGatewayDecrypts() throws Exception {
        FakeGateway gw = keep(FakeGateway.tls(GW1_CERT, PKI.rootCertificate(), "um.example.test"));
        start(config(5060));
        short[] audio = tone(8000 / 2); // 0.5 s: 25 packets of 20 ms
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+1 (425) 555-0100", audio)
                .dialPlan("dp-secure")
                .connectTo(gw.address())
                .build()));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.COMPLETED);
        assertThat(r.status()).hasValue(200);
        assertThat(r.gateway()).contains("gw1");
        assertThat(r.srtpSuite()).contains("AES_CM_128_HMAC_SHA1_80");
        assertThat(r.check().dialedNumber()).contains("95550100");
        assertThat(r.packetsSent()).isEqualTo(25);
        // the INVITE: the number the Local rule dials, an SRTP offer with an SDES key, over mutual TLS
        SipRequest invite = gw.received(SipRequest.INVITE).get(0);
        assertThat(invite.requestUri()).startsWith("sip:95550100@gw1.example.test");
        MediaDescription offer = SessionDescription.parse(invite.body()).audio().orElseThrow();
        assertThat(offer.proto()).isEqualTo("RTP/SAVP");
        assertThat(offer.cryptos()).hasSize(1);
        assertThat(invite.topVia().transport()).isEqualTo("TLS");
        // ACK, then the audio, every packet authenticated and decrypted under the offered key, then BYE
        assertThat(gw.received(SipRequest.ACK)).hasSize(1);
        assertThat(gw.received(SipRequest.BYE))
                .singleElement()
                .satisfies(b -> assertThat(b.callId()).isEqualTo(invite.callId()));
        assertThat(gw.rtpRejected.get()).isZero();
        assertThat(gw.rtpDecrypted.get()).isEqualTo(25);
        assertThat(gw.audio()).isEqualTo(throughPcmu(audio));
    }

    @Test
    void wrongGatewayCertificateIdentityIsRefusedBeforeAnyInvite() throws Exception {
        // the gateway at the configured place presents a valid certificate of the same PKI, for another name
        FakeGateway gw = keep(FakeGateway.tls(OTHER_CERT, PKI.rootCertificate(), "um.example.test"));
        start(config(5060));
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+14255550100", tone(800))
                .dialPlan("dp-secure")
                .connectTo(gw.address())
                .build()));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.detail()).contains("IDENTITY_NOT_TRUSTED").contains("gw1.example.test");
        assertThat(r.callId()).isEmpty();
        assertThat(gw.requests).isEmpty();
        assertThat(gw.rtpReceived.get()).isZero();
        assertThat(events).anySatisfy(e -> assertThat(e.type()).isEqualTo(SecurityEventType.TLS_HANDSHAKE_FAILED));
    }

    @Test
    void blockedNumberIsRefusedWithItsRuleAndEvent4001AndNothingIsSent() throws Exception {
        try (ServerSocket nobody = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            start(config(nobody.getLocalPort()));
            CompletableFuture<PlayOnPhoneResult> f =
                    server.playOnPhone(PlayOnPhoneRequest.builder("+44 20 7946 0000", tone(800))
                            .dialPlan("dp-plain")
                            .build());
            assertThat(f).isDone(); // decided before any connection is attempted
            PlayOnPhoneResult r = f.join();

            assertThat(r.outcome()).isEqualTo(Outcome.BLOCKED);
            assertThat(r.check().outcome()).isEqualTo(DialingCheck.Outcome.BLOCKED_BY_RULE);
            assertThat(r.check().matchedGroup().orElseThrow().name()).isEqualTo("Anywhere");
            assertThat(r.detail()).contains("international group 'Anywhere' rule *");
            assertThat(r.callId()).isEmpty();
            SecurityEvent e = events.stream()
                    .filter(x -> x.type() == SecurityEventType.DIALING_RESTRICTION_BLOCKED)
                    .findFirst()
                    .orElseThrow();
            assertThat(e.id()).isEqualTo(4001);
            assertThat(e.field("rule")).contains("*");
            assertThat(e.field("group")).contains("Anywhere");
            assertThat(e.field("number")).contains("+442079460000");
            nobody.setSoTimeout(300);
            assertThatThrownBy(nobody::accept).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void mailboxPolicyAllowsLessThanItsDialPlan() throws Exception {
        FakeGateway gw = keep(FakeGateway.tls(GW1_CERT, PKI.rootCertificate(), "um.example.test"));
        start(config(5060));
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+14255550100", tone(800))
                .mailboxPolicy("Restricted")
                .connectTo(gw.address())
                .build()));

        assertThat(r.outcome()).isEqualTo(Outcome.BLOCKED);
        assertThat(r.dialPlan()).isEqualTo("dp-secure"); // the policy's dial plan
        assertThat(r.detail()).contains("in-country group 'Local' rule +1425xxxxxxx");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.id()).isEqualTo(4001);
            assertThat(e.field("mailboxPolicy")).contains("Restricted");
        });
        assertThat(gw.requests).isEmpty();
    }

    @Test
    void unsecuredPlanCallsOverTcpWithPlainRtp() throws Exception {
        FakeGateway gw = keep(FakeGateway.tcp());
        start(config(gw.address().getPort()));
        short[] audio = tone(1600);
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+1 425 555 0199", audio)
                .gateway("pbx")
                .build()));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.COMPLETED);
        assertThat(r.mode()).isEqualTo(VoipSecurityMode.UNSECURED);
        assertThat(r.srtpSuite()).isEmpty();
        SipRequest invite = gw.received(SipRequest.INVITE).get(0);
        assertThat(invite.topVia().transport()).isEqualTo("TCP");
        MediaDescription offer = SessionDescription.parse(invite.body()).audio().orElseThrow();
        assertThat(offer.proto()).isEqualTo("RTP/AVP");
        assertThat(offer.cryptos()).isEmpty();
        assertThat(gw.rtpReceived.get()).isEqualTo(10);
        assertThat(gw.audio()).isEqualTo(throughPcmu(audio));
        assertThat(gw.received(SipRequest.BYE)).hasSize(1);
    }

    @Test
    void gatewayRefusalIsReportedWithItsStatus() throws Exception {
        FakeGateway gw = keep(FakeGateway.tcp());
        gw.answer = FakeGateway.Answer.REFUSE_486;
        start(config(gw.address().getPort()));
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+14255550100", tone(800))
                .gateway("pbx")
                .build()));

        assertThat(r.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(r.status()).hasValue(486);
        assertThat(r.detail()).contains("486");
        assertThat(gw.rtpReceived.get()).isZero();
    }

    @Test
    void ringTimeoutCancelsTheInvite() throws Exception {
        FakeGateway gw = keep(FakeGateway.tcp());
        gw.answer = FakeGateway.Answer.RING_FOREVER;
        start(config(gw.address().getPort()));
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+14255550100", tone(800))
                .gateway("pbx")
                .ringTimeout(Duration.ofSeconds(1))
                .build()));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.NO_ANSWER);
        assertThat(r.status()).hasValue(487);
        assertThat(gw.received(SipRequest.INVITE)).hasSize(1);
    }

    @Test
    void calledPartyHangingUpEndsTheCall() throws Exception {
        FakeGateway gw = keep(FakeGateway.tcp());
        gw.answer = FakeGateway.Answer.ANSWER_THEN_HANG_UP;
        start(config(gw.address().getPort()));
        PlayOnPhoneResult r = await(server.playOnPhone(PlayOnPhoneRequest.builder("+14255550100", tone(8000 * 5))
                .gateway("pbx")
                .build()));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.HUNG_UP);
        assertThat(r.packetsSent()).isLessThan(250);
        assertThat(gw.received(SipRequest.BYE)).isEmpty(); // the gateway hung up, the server sent none
    }

    @Test
    void stoppingTheServerEndsACallInProgressWithBye() throws Exception {
        FakeGateway gw = keep(FakeGateway.tcp());
        start(config(gw.address().getPort()));
        CompletableFuture<PlayOnPhoneResult> f =
                server.playOnPhone(PlayOnPhoneRequest.builder("+14255550100", tone(8000 * 30))
                        .gateway("pbx")
                        .build());
        while (gw.rtpReceived.get() < 5 && !f.isDone()) {
            Thread.sleep(20); // until the audio flows
        }
        server.stop(Duration.ZERO);
        PlayOnPhoneResult r = await(f);

        assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.FAILED);
        assertThat(r.detail()).contains("SERVER_STOPPING");
        assertThat(gw.received(SipRequest.BYE)).hasSize(1);
        assertThatThrownBy(() -> server.playOnPhone("1", tone(80))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void namesThatDoNotExistOrDoNotFitAreRefusedAtOnce() throws Exception {
        start(config(5060));
        short[] a = tone(80);
        assertThatThrownBy(() -> server.playOnPhone(
                        PlayOnPhoneRequest.builder("1", a).dialPlan("nope").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no dial plan 'nope'");
        assertThatThrownBy(() -> server.playOnPhone(PlayOnPhoneRequest.builder("1", a)
                        .dialPlan("dp-plain")
                        .gateway("gw1")
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("serves dial plan 'dp-secure'");
        assertThatThrownBy(() -> server.playOnPhone(PlayOnPhoneRequest.builder("1", a)
                        .dialPlan("dp-plain")
                        .mailboxPolicy("Restricted")
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to dial plan 'dp-secure'");
        assertThatThrownBy(() -> server.playOnPhone("1", a))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name a dial plan");
        assertThatThrownBy(() -> PlayOnPhoneRequest.builder("1", a).ringTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        PlayOnPhoneRequest.builder("1", a).connectTo(InetSocketAddress.createUnresolved("gw", 5061)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
