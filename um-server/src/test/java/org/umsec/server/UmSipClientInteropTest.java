package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.StoreContents;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.IpGateway;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transport.SipClient;
import org.umsec.sip.transport.SipPeer;
import org.umsec.sip.transport.TlsSettings;
import org.umsec.sip.transport.TransportConnection;
import org.umsec.srtp.SrtpSuite;

/**
 * A gateway built on um-sip's own transport (Netty, mutual TLS with um-certs validation and RFC 5922
 * identity checks of the server) calls the server: the two implementations interoperate.
 */
class UmSipClientInteropTest {

    @TempDir
    Path dir;

    @Test
    void umSipMutualTlsClientGetsOptionsAndASecuredCallAnswered() throws Exception {
        TestPki pki = TestPki.create("Interop", Clock.systemUTC());
        PersonalCertificate serverCert = pki.leaf("um.example.test").build();
        PersonalCertificate gwCert = pki.leaf("gw1.example.test").build();
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(serverCert);
        store.addTrustedRoot(pki.rootCertificate());
        ServerConfiguration c = ServerConfiguration.builder()
                .fqdn("um.example.test")
                .bindAddress("127.0.0.1")
                .sipPort(0)
                .tlsPort(0)
                .store(dir.resolve("certs"))
                .voicemail(dir.resolve("vm"))
                .dialPlan("dp-secure", VoipSecurityMode.SECURED)
                .associateDialPlan("dp-secure")
                .gateway(IpGateway.builder("gw1")
                        .fqdn("gw1.example.test")
                        .port(5061)
                        .dialPlan("dp-secure")
                        .build())
                .mediaTimeout(Duration.ofSeconds(5))
                .build();
        BlockingQueue<SipMessage> inbox = new LinkedBlockingQueue<>();
        TlsSettings tls = TlsSettings.builder()
                .certificate(gwCert.privateKey(), gwCert.chain())
                .peers(PeerCertificateValidator.builder()
                        .contents(StoreContents.builder()
                                .addTrustedRoot(pki.rootCertificate())
                                .build())
                        .build())
                .build();
        try (UmsecServer server = UmsecServer.builder(c).registerJmx(false).build();
                SipClient client = SipClient.builder()
                        .tls(tls)
                        .handler((conn, m) -> inbox.add(m))
                        .build()) {
            server.start();
            TransportConnection conn = client.connect(SipPeer.tls("um.example.test", server.tlsPort())
                            .connectingTo(InetAddress.getLoopbackAddress()))
                    .get(15, TimeUnit.SECONDS);

            conn.send(request("OPTIONS", "interop-options", 1, null));
            SipResponse ok = response(inbox);
            try {
                assertThat(ok.status()).isEqualTo(200);
                assertThat(ok.header("Allow").orElseThrow()).contains("INVITE");
            } finally {
                ok.release();
            }

            String key = TestGateway.crypto(
                    1, SrtpSuite.AES_CM_128_HMAC_SHA1_80, TestGateway.randomKey(SrtpSuite.AES_CM_128_HMAC_SHA1_80));
            String offer = "v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    + "m=audio 40000 RTP/SAVP 0\r\na=crypto:" + key + "\r\n";
            conn.send(request("INVITE", "interop-call", 1, offer));
            SipResponse answer = response(inbox);
            String toWithTag;
            try {
                assertThat(answer.status()).isEqualTo(200);
                SessionDescription sdp = SessionDescription.parse(answer.body());
                assertThat(sdp.hasSdesKeys()).isTrue();
                assertThat(sdp.audio().orElseThrow().cryptos().get(0).suite()).isEqualTo("AES_CM_128_HMAC_SHA1_80");
                toWithTag = answer.header("To").orElseThrow();
            } finally {
                answer.release();
            }
            SipRequest ack = SipRequest.builder("ACK", "sip:voicemail@um.example.test")
                    .header("Via", "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKack1")
                    .header("From", "<sip:gw@gw1.example.test>;tag=gwtag")
                    .header("To", toWithTag)
                    .callId("interop-call")
                    .cseq(1)
                    .build();
            conn.send(ack);
            SipRequest bye = SipRequest.builder("BYE", "sip:voicemail@um.example.test")
                    .header("Via", "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKbye1")
                    .header("From", "<sip:gw@gw1.example.test>;tag=gwtag")
                    .header("To", toWithTag)
                    .callId("interop-call")
                    .cseq(2)
                    .build();
            conn.send(bye);
            SipResponse byeOk = response(inbox);
            try {
                assertThat(byeOk.status()).isEqualTo(200);
            } finally {
                byeOk.release();
            }
            assertThat(server.metrics().getCallsAccepted()).isEqualTo(1);
        }
    }

    private static SipRequest request(String method, String callId, int cseq, String sdp) {
        SipRequest.Builder b = SipRequest.builder(method, "sip:voicemail@um.example.test")
                .header("Via", "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK" + callId)
                .header("From", "<sip:gw@gw1.example.test>;tag=gwtag")
                .header("To", "<sip:voicemail@um.example.test>")
                .callId(callId)
                .cseq(cseq)
                .header("Contact", "<sip:gw@127.0.0.1:5061;transport=tls>");
        if (sdp != null) {
            b.body("application/sdp", sdp);
        }
        return b.build();
    }

    private static SipResponse response(BlockingQueue<SipMessage> inbox) throws InterruptedException {
        while (true) {
            SipMessage m = inbox.poll(15, TimeUnit.SECONDS);
            assertThat(m).as("a response").isNotNull();
            if (m instanceof SipResponse r && r.status() >= 200) {
                return r;
            }
            m.release();
        }
    }
}
