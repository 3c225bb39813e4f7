package org.umsec.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.StoreContents;
import org.umsec.server.internal.Sdp;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.server.internal.SipMessage;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;

/**
 * A test IP gateway: places calls on a real socket (TCP, or mutual TLS with its own certificate),
 * offers SDP (with SDES keys when asked), sends G.711 audio as RTP or SRTP and receives the
 * server's greeting.
 */
final class TestGateway implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    final DatagramSocket media;
    final DatagramSocket mediaRtcp;
    private final boolean tls;
    private int cseq = 1;

    private TestGateway(Socket socket, boolean tls) throws IOException {
        this.socket = socket;
        this.tls = tls;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        socket.setSoTimeout(10_000);
        this.media = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.mediaRtcp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        media.setSoTimeout(3000);
    }

    static TestGateway tcp(int port) throws IOException {
        return new TestGateway(new Socket(InetAddress.getLoopbackAddress(), port), false);
    }

    static SSLContext clientContext(PersonalCertificate cert, X509Certificate... roots) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("gw", cert.privateKey(), "pw".toCharArray(), cert.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "pw".toCharArray());
        StoreContents.Builder trust = StoreContents.builder();
        for (X509Certificate r : roots) {
            trust.addTrustedRoot(r);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {
            PeerCertificateValidator.builder().contents(trust.build()).build().trustManager()}, null);
        return ctx;
    }

    static TestGateway tls(int port, PersonalCertificate cert, X509Certificate... roots) throws Exception {
        SSLSocket s = (SSLSocket) clientContext(cert, roots).getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port);
        s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        s.startHandshake();
        return new TestGateway(s, true);
    }

    X509Certificate serverCertificate() throws Exception {
        return (X509Certificate) ((SSLSocket) socket).getSession().getPeerCertificates()[0];
    }

    /** Sends a message; for requests other than ACK, returns the final response. */
    SipMessage send(SipMessage m) throws IOException {
        out.write(m.encode());
        out.flush();
        return m.isRequest() && !m.method().equals("ACK") ? finalResponse() : null;
    }

    /**
     * Reads one message. Every message the server sends is also parsed by um-sip's codec, an
     * implementation independent of the server's own, so the wire format is checked both ways.
     */
    Optional<SipMessage> read() throws IOException {
        Optional<SipMessage> m = SipMessage.read(in);
        if (m.isPresent()) {
            org.umsec.sip.SipMessage parsed;
            try {
                parsed = PARSER.parse(m.get().raw());
            } catch (org.umsec.sip.codec.SipDecodeException e) {
                throw new AssertionError("um-sip rejects what the server sent: " + e.getMessage() + "\n"
                        + new String(m.get().raw(), java.nio.charset.StandardCharsets.UTF_8), e);
            }
            try {
                if (parsed.callId() == null || !parsed.callId().equals(m.get().callId())) {
                    throw new AssertionError("um-sip reads another Call-ID: " + parsed.callId());
                }
                if (parsed instanceof org.umsec.sip.SipResponse r && r.status() != m.get().status()) {
                    throw new AssertionError("um-sip reads status " + r.status());
                }
            } finally {
                parsed.release();
            }
        }
        return m;
    }

    private static final org.umsec.sip.codec.SipMessageParser PARSER =
            org.umsec.sip.codec.SipMessageParser.withDefaults();

    /** Reads until a final response. */
    SipMessage finalResponse() throws IOException {
        while (true) {
            SipMessage m = read().orElseThrow(() -> new IOException("connection closed"));
            if (!m.isRequest() && m.status() >= 200) {
                return m;
            }
        }
    }

    SipMessage request(String method, String callId, String fromTag, String to, String body, String contentType) {
        String t = tls ? "TLS" : "TCP";
        SipMessage m = SipMessage.request(method, "sip:voicemail@um.example.test")
                .add("Via", "SIP/2.0/" + t + " 127.0.0.1:" + socket.getLocalPort() + ";branch=z9hG4bK" + hex())
                .add("Max-Forwards", "70").add("From", "\"Alice\" <sip:alice@gw1.example.test>;tag=" + fromTag)
                .add("To", to).add("Call-ID", callId).add("CSeq", (cseq++) + " " + method)
                .add("Contact", "<sip:alice@127.0.0.1:" + socket.getLocalPort() + ";transport=" + t.toLowerCase() + ">");
        return body == null ? m : m.withBody(contentType, body);
    }

    String offer(String profile, String cryptoLine, int... payloadTypes) {
        StringBuilder pts = new StringBuilder();
        for (int p : payloadTypes) {
            pts.append(' ').append(p);
        }
        return "v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio " + media.getLocalPort() + " " + profile + pts + "\r\n"
                + "a=rtcp:" + mediaRtcp.getLocalPort() + "\r\n"
                + (cryptoLine == null ? "" : "a=crypto:" + cryptoLine + "\r\n");
    }

    static SrtpMasterKey randomKey(SrtpSuite suite) {
        byte[] k = new byte[suite.masterKeyLength()];
        byte[] s = new byte[suite.masterSaltLength()];
        RANDOM.nextBytes(k);
        RANDOM.nextBytes(s);
        return SrtpMasterKey.of(k, s);
    }

    static String crypto(int tag, SrtpSuite suite, SrtpMasterKey key) {
        return Sdp.cryptoAttribute(tag, suite, key);
    }

    /** The server's answer: RTP port, and its key if it sent one. */
    record Answer(int port, int rtcpPort, Optional<SrtpMasterKey> key, Optional<SrtpSuite> suite, String profile) {
    }

    /** Reads the server's SDP answer with um-sip's SDP parser (independent of the server's). */
    static Answer answer(SipMessage ok) {
        SessionDescription sdp;
        try {
            sdp = SessionDescription.parse(ok.body());
        } catch (SdpParseException e) {
            throw new AssertionError("um-sip rejects the server's SDP: " + e.getMessage(), e);
        }
        MediaDescription audio = sdp.audio().orElseThrow();
        int rtcp = audio.attributeValues("rtcp").stream().findFirst().map(v -> Integer.parseInt(v.split(" ")[0]))
                .orElse(audio.port() + 1);
        Optional<CryptoAttribute> c = audio.cryptos().stream().findFirst();
        Optional<SrtpSuite> suite = c.flatMap(x -> SrtpSuite.fromSdesName(x.suite()));
        Optional<SrtpMasterKey> key = c.flatMap(x -> suite.map(s -> {
            byte[] km = x.keyParams().get(0).keyMaterial();
            return SrtpMasterKey.of(java.util.Arrays.copyOf(km, s.masterKeyLength()),
                    java.util.Arrays.copyOfRange(km, s.masterKeyLength(), km.length));
        }));
        return new Answer(audio.port(), rtcp, key, suite, audio.proto());
    }

    /** Protects (when tx is not null) and sends the samples as 20 ms G.711 packets. Returns the packets sent. */
    List<byte[]> sendAudio(short[] samples, int payloadType, SrtpSession tx, int serverPort, int seq0, long ts0,
            long ssrc) throws Exception {
        List<byte[]> sent = new ArrayList<>();
        byte[] payload = new byte[160];
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
            Thread.sleep(1); // loopback is fast; a little pacing keeps the receive buffer from overflowing
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
        mediaRtcp.send(new DatagramPacket(b, len, new InetSocketAddress(InetAddress.getLoopbackAddress(), serverRtcpPort)));
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
    public void close() throws IOException {
        socket.close();
        media.close();
        mediaRtcp.close();
    }
}
