package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;

/**
 * A lab for transport tests: a test PKI ("Lab") and a foreign one ("Other"), the server's certificate
 * store on disk with um1.lab.test selected by um-certs, and recorders for events and messages.
 * Real time is used because openssl and JAIN-SIP check validity against the system clock.
 */
final class Lab {
    static final long WAIT_SECONDS = 10;
    static final String SERVER_FQDN = "um1.lab.test";
    static final String GATEWAY_FQDN = "gw1.lab.test";

    final Clock clock = Clock.systemUTC();
    final TestPki pki = TestPki.create("Lab", clock);
    final TestPki other = TestPki.create("Other", clock);
    final CertificateStore store;
    final CertificateProvider provider;
    final PeerCertificateValidator validator;
    final PersonalCertificate gateway;
    final BlockingQueue<SecurityEvent> events = new LinkedBlockingQueue<>();

    Lab(Path dir) throws IOException {
        store = CertificateStore.builder(dir.resolve("store")).clock(clock).open();
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        store.addPersonal(pki.leaf(SERVER_FQDN).build());
        provider = CertificateProvider.builder(store)
                .criteria(SelectionCriteria.serverAndClientAuth())
                .clock(clock)
                .build();
        validator = PeerCertificateValidator.builder().store(store).clock(clock).build();
        gateway = pki.leaf(GATEWAY_FQDN).build();
    }

    TlsSettings serverTls(TlsEngine engine) {
        return TlsSettings.builder()
                .certificates(provider)
                .peers(validator)
                .engine(engine)
                .build();
    }

    /** A gateway's client settings: trusts the Lab root, presents {@code cert} (or nothing when null). */
    TlsSettings clientTls(PersonalCertificate cert, TlsEngine engine) {
        TlsSettings.Builder b = TlsSettings.builder()
                .peers(PeerCertificateValidator.builder()
                        .contents(pki.trust().build())
                        .clock(clock)
                        .build())
                .engine(engine);
        if (cert != null) {
            b.certificate(cert.privateKey(), cert.chain());
        }
        return b.build();
    }

    SecurityEvent awaitEvent(SecurityEventType type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        List<SecurityEvent> seen = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            SecurityEvent e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                return fail("no " + type + " event; saw " + seen);
            }
            if (e.type() == type) {
                return e;
            }
            seen.add(e);
        }
    }

    static SipRequest options(String transport) {
        return request(SipRequest.OPTIONS, transport).build();
    }

    static SipRequest.Builder request(String method, String transport) {
        String id = UUID.randomUUID().toString();
        return SipRequest.builder(method, "sip:" + SERVER_FQDN)
                .via(Via.of(transport, GATEWAY_FQDN, 5061, Via.MAGIC_COOKIE + id.substring(0, 8)))
                .from(NameAddress.of("sip:gw@" + GATEWAY_FQDN).withTag(id.substring(9, 13)))
                .to(NameAddress.of("sip:um@" + SERVER_FQDN))
                .callId(id + "@" + GATEWAY_FQDN)
                .cseq(1)
                .contact(NameAddress.of("sip:gw@" + GATEWAY_FQDN + ";transport=" + transport.toLowerCase()));
    }

    static String sdp(boolean withCrypto) {
        return "v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio 40000 RTP/" + (withCrypto ? "SAVP" : "AVP") + " 0\r\n"
                + (withCrypto
                        ? "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
                        : "")
                + "a=rtpmap:0 PCMU/8000\r\n";
    }

    /** Server handler: answers OPTIONS 200 and INVITE 200 (with SDP), records what came in. */
    static final class Responder implements SipMessageHandler {
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final BlockingQueue<TransportConnection> connections = new LinkedBlockingQueue<>();

        @Override
        public void onMessage(TransportConnection connection, SipMessage message) {
            try {
                answer(connection, message);
            } finally {
                message.release();
            }
        }

        private void answer(TransportConnection connection, SipMessage message) {
            if (!(message instanceof SipRequest r)) {
                return;
            }
            received.add(r.method());
            connections.add(connection);
            if (r.isMethod(SipRequest.OPTIONS) || r.isMethod(SipRequest.BYE)) {
                connection.send(r.createResponse(200).toTag("um1").build());
            } else if (r.isMethod(SipRequest.INVITE)) {
                connection.send(r.createResponse(200)
                        .toTag("um1")
                        .contact(NameAddress.of("sip:um@"
                                + connection.localAddress().getAddress().getHostAddress() + ":"
                                + connection.localAddress().getPort() + ";transport="
                                + connection.transport().name().toLowerCase()))
                        .body("application/sdp", sdp(connection.transport() == org.umsec.core.SignallingTransport.TLS))
                        .build());
            }
        }
    }

    /** Client handler: records response statuses. */
    static final class Responses implements SipMessageHandler {
        final BlockingQueue<Integer> statuses = new LinkedBlockingQueue<>();
        final BlockingQueue<String> reasons = new LinkedBlockingQueue<>();

        @Override
        public void onMessage(TransportConnection connection, SipMessage message) {
            if (message instanceof SipResponse r) {
                reasons.add(r.reasonPhrase());
                statuses.add(r.status());
            }
            message.release();
        }

        int next() throws InterruptedException {
            Integer s = statuses.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            return s == null ? fail("no response") : s;
        }
    }

    static Path writePem(Path file, String type, byte[]... ders) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (byte[] der : ders) {
            sb.append("-----BEGIN ")
                    .append(type)
                    .append("-----\n")
                    .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der))
                    .append("\n-----END ")
                    .append(type)
                    .append("-----\n");
        }
        Files.writeString(file, sb.toString(), StandardCharsets.US_ASCII);
        return file;
    }

    static byte[][] ders(List<X509Certificate> certs) throws java.security.cert.CertificateEncodingException {
        byte[][] out = new byte[certs.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = certs.get(i).getEncoded();
        }
        return out;
    }
}
