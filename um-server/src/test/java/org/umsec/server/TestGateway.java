package org.umsec.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.StoreContents;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transport.SipClient;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipPeer;
import org.umsec.sip.transport.TlsSettings;
import org.umsec.sip.transport.TransportConnection;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * A test IP gateway built from um-sip and um-srtp: places calls over um-sip's client (TCP, or mutual
 * TLS with its own certificate, checking that the server's certificate names the FQDN dialled),
 * offers SDP (with SDES keys when asked), sends G.711 audio as RTP or SRTP and receives the server's
 * greeting. Requests are sent as they are (no transaction layer), so a test controls every header.
 */
final class TestGateway implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Object CLOSED = new Object();
    /** The name the server's certificate must present. */
    static final String SERVER_FQDN = "um.example.test";

    private final SipClient client;
    private final BlockingQueue<Object> inbox;
    final TransportConnection connection;
    final DatagramSocket media;
    final DatagramSocket mediaRtcp;
    private final boolean tls;
    private int cseq = 1;
    private int inviteCseq;

    private TestGateway(SipClient client, BlockingQueue<Object> inbox, TransportConnection connection)
            throws IOException {
        this.client = client;
        this.inbox = inbox;
        this.connection = connection;
        this.tls = connection.isSecure();
        this.media = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.mediaRtcp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        media.setSoTimeout(3000);
    }

    private static TestGateway connect(SipPeer peer, TlsSettings settings) throws IOException {
        BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        SipClient.Builder b = SipClient.builder().handler(new SipMessageHandler() {
            @Override
            public void onMessage(TransportConnection c, SipMessage m) {
                try {
                    inbox.add(m.copy());
                } finally {
                    m.release();
                }
            }

            @Override
            public void onConnectionClosed(TransportConnection c) {
                inbox.add(CLOSED);
            }
        });
        if (settings != null) {
            b.tls(settings);
        }
        SipClient client = b.build();
        try {
            TransportConnection c = client.connect(peer.connectingTo(InetAddress.getLoopbackAddress()))
                    .get(15, TimeUnit.SECONDS);
            return new TestGateway(client, inbox, c);
        } catch (ExecutionException e) {
            client.close();
            throw new IOException("cannot connect to " + peer + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            client.close();
            throw new IOException("cannot connect to " + peer + ": " + e, e);
        }
    }

    static TestGateway tcp(int port) throws IOException {
        return connect(SipPeer.tcp("127.0.0.1", port), null);
    }

    static TlsSettings tlsSettings(PersonalCertificate cert, X509Certificate... roots) {
        StoreContents.Builder trust = StoreContents.builder();
        for (X509Certificate r : roots) {
            trust.addTrustedRoot(r);
        }
        return TlsSettings.builder()
                .certificate(cert.privateKey(), cert.chain())
                .peers(PeerCertificateValidator.builder()
                        .contents(trust.build())
                        .build())
                .build();
    }

    /** Mutual TLS to the server, whose certificate must name {@value #SERVER_FQDN}. */
    static TestGateway tls(int port, PersonalCertificate cert, X509Certificate... roots) throws IOException {
        return connect(SipPeer.tls(SERVER_FQDN, port), tlsSettings(cert, roots));
    }

    X509Certificate serverCertificate() {
        return connection.tls().orElseThrow().peerCertificates().get(0);
    }

    /** Sends a message; for requests other than ACK, returns the final response. */
    SipResponse send(SipRequest m) throws IOException {
        boolean ack = m.isMethod(SipRequest.ACK);
        org.umsec.sip.CSeq cseq = m.cseq();
        try {
            connection.sendAsync(m).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("not sent: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (ack) {
            return null;
        }
        while (true) {
            // skip what answers an earlier request (a 2xx retransmitted until its ACK was processed)
            SipResponse r = finalResponse();
            if (r.cseq().equals(cseq)) {
                return r;
            }
        }
    }

    /** The next message from the server, or empty once the connection closed. */
    Optional<SipMessage> read() throws IOException {
        Object o;
        try {
            o = inbox.poll(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (o == null) {
            throw new IOException("nothing from the server within 10 s");
        }
        if (o == CLOSED) {
            inbox.add(CLOSED);
            return Optional.empty();
        }
        return Optional.of((SipMessage) o);
    }

    /** The next request from the server (a BYE is answered 200), or empty once the connection closed. */
    Optional<SipRequest> readRequest() throws IOException {
        while (true) {
            Optional<SipMessage> m = read();
            if (m.isEmpty()) {
                return Optional.empty();
            }
            if (m.get() instanceof SipRequest r) {
                if (r.isMethod(SipRequest.BYE)) {
                    connection.send(r.createResponse(200).build());
                }
                return Optional.of(r);
            }
        }
    }

    /** Reads until a final response. */
    SipResponse finalResponse() throws IOException {
        while (true) {
            SipMessage m = read().orElseThrow(() -> new IOException("connection closed"));
            if (m instanceof SipResponse r && r.status() >= 200) {
                return r;
            }
        }
    }

    SipRequest request(String method, String callId, String fromTag, String to, String body, String contentType) {
        String t = tls ? "TLS" : "TCP";
        int port = connection.localAddress().getPort();
        // an ACK carries its INVITE's CSeq number (RFC 3261 §17.1.1.3, §13.2.2.4)
        int number = method.equals("ACK") ? inviteCseq : cseq++;
        if (method.equals("INVITE")) {
            inviteCseq = number;
        }
        SipRequest.Builder m = SipRequest.builder(method, "sip:voicemail@um.example.test")
                .via(Via.of(t, "127.0.0.1", port, Via.MAGIC_COOKIE + hex()))
                .maxForwards(70)
                .header("From", "\"Alice\" <sip:alice@gw1.example.test>;tag=" + fromTag)
                .header("To", to)
                .callId(callId)
                .cseq(number)
                .header("Contact", "<sip:alice@127.0.0.1:" + port + ";transport=" + t.toLowerCase() + ">");
        return body == null ? m.build() : m.body(contentType, body).build();
    }

    String offer(String profile, String cryptoLine, int... payloadTypes) {
        return offer(media.getLocalPort(), mediaRtcp.getLocalPort(), profile, cryptoLine, payloadTypes);
    }

    static String offer(int rtpPort, int rtcpPort, String profile, String cryptoLine, int... payloadTypes) {
        StringBuilder pts = new StringBuilder();
        for (int p : payloadTypes) {
            pts.append(' ').append(p);
        }
        return "v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio " + rtpPort + " " + profile + pts + "\r\n"
                + "a=rtcp:" + rtcpPort + "\r\n"
                + (cryptoLine == null ? "" : "a=crypto:" + cryptoLine + "\r\n");
    }

    static SrtpMasterKey randomKey(SrtpSuite suite) {
        byte[] k = new byte[suite.masterKeyLength()];
        byte[] s = new byte[suite.masterSaltLength()];
        RANDOM.nextBytes(k);
        RANDOM.nextBytes(s);
        return SrtpMasterKey.of(k, s);
    }

    /** The value of an {@code a=crypto} line ({@code 1 SUITE inline:...}), written by um-sip. */
    static String crypto(int tag, SrtpSuite suite, SrtpMasterKey key) {
        return org.umsec.sip.sdp.SdesSrtp.attribute(tag, suite, key).toSdpValue();
    }

    /** The server's answer: RTP port, and its key if it sent one. */
    record Answer(int port, int rtcpPort, Optional<SrtpMasterKey> key, Optional<SrtpSuite> suite, String profile) {}

    /** Reads the server's SDP answer with um-sip's SDP parser. */
    static Answer answer(SipResponse ok) {
        SessionDescription sdp;
        try {
            sdp = SessionDescription.parse(ok.body());
        } catch (SdpParseException e) {
            throw new AssertionError("um-sip rejects the server's SDP: " + e.getMessage(), e);
        }
        MediaDescription audio = sdp.audio().orElseThrow();
        int rtcp = audio.attributeValues("rtcp").stream()
                .findFirst()
                .map(v -> Integer.parseInt(v.split(" ")[0]))
                .orElse(audio.port() + 1);
        Optional<CryptoAttribute> c = audio.cryptos().stream().findFirst();
        Optional<SrtpSuite> suite = c.flatMap(x -> SrtpSuite.fromSdesName(x.suite()));
        Optional<SrtpMasterKey> key = c.flatMap(x -> suite.map(s -> {
            byte[] km = x.keyParams().get(0).keyMaterial();
            return SrtpMasterKey.of(
                    java.util.Arrays.copyOf(km, s.masterKeyLength()),
                    java.util.Arrays.copyOfRange(km, s.masterKeyLength(), km.length));
        }));
        return new Answer(audio.port(), rtcp, key, suite, audio.proto());
    }

    /** Protects (when tx is not null) and sends the samples as 20 ms G.711 packets. Returns the packets sent. */
    List<byte[]> sendAudio(
            short[] samples, int payloadType, SrtpSession tx, int serverPort, int seq0, long ts0, long ssrc)
            throws Exception {
        List<byte[]> sent = new ArrayList<>();
        byte[] payload = new byte[160];
        long start = System.nanoTime();
        for (int off = 0, i = 0; off < samples.length; off += 160, i++) {
            int n = Math.min(160, samples.length - off);
            G711.encode(payloadType, samples, off, n, payload, 0);
            byte[] buf = new byte[12 + n + 64];
            int len = RtpPacket.write(buf, 0, payloadType, i == 0, (seq0 + i) & 0xFFFF, ts0 + off, ssrc, payload, 0, n);
            if (tx != null) {
                len = tx.protectRtp(buf, 0, len);
                if (len < 0) {
                    throw new IllegalStateException("protect failed " + len);
                }
            }
            byte[] pkt = java.util.Arrays.copyOf(buf, len);
            sent.add(pkt);
            sendRaw(pkt, serverPort);
            // in real time, as a gateway sends: the server records no more audio than the wall clock allows
            long wait = start + (i + 1) * 20_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        return sent;
    }

    void sendRaw(byte[] pkt, int port) throws IOException {
        media.send(new DatagramPacket(pkt, pkt.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
    }

    /** Receives one media packet from the server, or empty on timeout. */
    Optional<byte[]> receiveMedia() throws IOException {
        byte[] b = new byte[2048];
        DatagramPacket p = new DatagramPacket(b, b.length);
        try {
            media.receive(p);
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
        return Optional.of(java.util.Arrays.copyOf(b, p.getLength()));
    }

    /** Receives one RTCP packet from the server, or empty on timeout. */
    Optional<byte[]> receiveRtcp() throws IOException {
        byte[] b = new byte[2048];
        DatagramPacket p = new DatagramPacket(b, b.length);
        mediaRtcp.setSoTimeout(3000);
        try {
            mediaRtcp.receive(p);
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        }
        return Optional.of(java.util.Arrays.copyOf(b, p.getLength()));
    }

    /** An RTCP sender report (no report blocks), protected with SRTCP when tx is given. */
    void sendRtcp(SrtpSession tx, long ssrc, int serverRtcpPort) throws IOException {
        byte[] b = new byte[28 + 64];
        b[0] = (byte) 0x80;
        b[1] = (byte) 200;
        b[3] = 6;
        b[4] = (byte) (ssrc >> 24);
        b[5] = (byte) (ssrc >> 16);
        b[6] = (byte) (ssrc >> 8);
        b[7] = (byte) ssrc;
        b[8] = (byte) 0xE0; // NTP seconds, some value
        int len = 28;
        if (tx != null) {
            len = tx.protectRtcp(b, 0, len);
        }
        mediaRtcp.send(
                new DatagramPacket(b, len, new InetSocketAddress(InetAddress.getLoopbackAddress(), serverRtcpPort)));
    }

    static String hex() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static SrtpPolicy policy(SrtpSuite suite, SrtpMasterKey key) {
        return SrtpPolicy.builder(suite).masterKey(key).build();
    }

    @Override
    public void close() {
        client.close();
        media.close();
        mediaRtcp.close();
    }
}
