package org.umsec.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.StoreContents;
import org.umsec.core.TrustList;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipRequest;
import org.umsec.sip.Via;
import org.umsec.sip.sdp.Connection;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.Origin;
import org.umsec.sip.sdp.SdesCryptoSuite;
import org.umsec.sip.sdp.SdesNegotiator;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.SipRequestHandler;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipServer;
import org.umsec.sip.transport.TlsSettings;
import org.umsec.srtp.SrtpSession;

/**
 * A fake IP gateway for calls the server places: um-sip's {@link SipServer} (mutual TLS with a certificate
 * made in the test, or TCP) behind um-sip's transaction layer. It answers an INVITE as told (ring and
 * answer with SDP, with its own SDES key when SRTP is offered; refuse with a status; ring until
 * cancelled), receives the audio on a real UDP socket and, for SRTP, authenticates and decrypts every
 * packet with the key the server offered, decoding the G.711 payloads back to PCM.
 */
public final class FakeGateway implements AutoCloseable {

    /** What to do with an INVITE. */
    public enum Answer {
        ANSWER,
        RING_FOREVER,
        REFUSE_486,
        /** Answer, then hang up (BYE) after the fifth audio packet. */
        ANSWER_THEN_HANG_UP
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    public final List<SipRequest> requests = new CopyOnWriteArrayList<>();
    public final AtomicLong rtpReceived = new AtomicLong();
    public final AtomicLong rtpDecrypted = new AtomicLong();
    public final AtomicLong rtpRejected = new AtomicLong();
    /** The decoded audio, in arrival order. */
    final short[] pcm = new short[8000 * 20];

    public volatile Answer answer = Answer.ANSWER;
    private volatile int pcmLength;
    private final SipServer server;
    private final TransactionLayer layer;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final DatagramSocket rtp;
    private final Thread receiver;
    private volatile SrtpSession inbound;
    private volatile SipRequest invite;
    private volatile SipConnection inviteConnection;
    private volatile String inviteTag;

    private FakeGateway(boolean tls, TlsSettings settings, TrustList trust) throws IOException {
        SipRequestHandler handler = new SipRequestHandler() {
            @Override
            public void onRequest(ServerTransaction tx) {
                requests.add(tx.request());
                handle(tx);
            }

            @Override
            public void onAck(SipRequest ack, SipConnection connection) {
                requests.add(ack);
            }
        };
        this.layer = TransactionLayer.builder()
                .handler(handler)
                .scheduler(TimerScheduler.of(timers))
                .build();
        SipServer.Builder b = SipServer.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .trustList(trust)
                .handler(new SipMessageHandler() {
                    @Override
                    public void onMessage(org.umsec.sip.transport.TransportConnection c, org.umsec.sip.SipMessage m) {
                        layer.onMessage(c, m);
                    }

                    @Override
                    public void onConnectionClosed(org.umsec.sip.transport.TransportConnection c) {
                        layer.connectionClosed(c);
                    }
                });
        if (tls) {
            b.tcp(false).tlsListener(true).tlsPort(0).tls(settings);
        } else {
            b.tcp(true).tlsListener(false).tcpPort(0);
        }
        this.server = b.start();
        this.rtp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.receiver = new Thread(this::receive, "fake-gateway-rtp");
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * A gateway on mutual TLS presenting {@code cert}, accepting clients whose chain leads to {@code root}
     * and whose identity is {@code serverIdentity}.
     */
    public static FakeGateway tls(PersonalCertificate cert, X509Certificate root, String serverIdentity)
            throws IOException {
        TlsSettings settings = TlsSettings.builder()
                .certificate(cert.privateKey(), cert.chain())
                .peers(PeerCertificateValidator.builder()
                        .contents(StoreContents.builder().addTrustedRoot(root).build())
                        .build())
                .build();
        return new FakeGateway(true, settings, TrustList.of(List.of(serverIdentity)));
    }

    /** A gateway on plain TCP taking calls from 127.0.0.1. */
    public static FakeGateway tcp() throws IOException {
        return new FakeGateway(false, null, TrustList.of(List.of("127.0.0.1")));
    }

    /** @return where it listens */
    public InetSocketAddress address() {
        int port = server.tlsPort().orElseGet(() -> server.tcpPort().getAsInt());
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** @return the requests of one method received so far */
    public List<SipRequest> received(String method) {
        return requests.stream().filter(r -> r.isMethod(method)).toList();
    }

    /** @return the decoded audio received so far */
    public short[] audio() {
        return java.util.Arrays.copyOf(pcm, pcmLength);
    }

    private void handle(ServerTransaction tx) {
        SipRequest r = tx.request();
        if (r.isMethod(SipRequest.BYE) || r.isMethod(SipRequest.OPTIONS)) {
            tx.respond(tx.createResponse(200).build());
            return;
        }
        if (!r.isMethod(SipRequest.INVITE)) {
            tx.respond(tx.createResponse(501).build());
            return;
        }
        switch (answer) {
            case REFUSE_486 -> tx.respond(tx.createResponse(486).build());
            case RING_FOREVER -> tx.respond(tx.createResponse(180).build()); // CANCEL gets 487 from the layer
            default -> {
                tx.respond(tx.createResponse(180).build());
                try {
                    tx.respond(tx.createResponse(200)
                            .header("Contact", "<sip:gw@127.0.0.1:" + address().getPort() + ">")
                            .body("application/sdp", answerSdp(SessionDescription.parse(r.body())))
                            .build());
                    invite = r;
                    inviteTag = tx.localTag();
                    inviteConnection = tx.connection();
                } catch (Exception e) {
                    tx.respond(tx.createResponse(488)
                            .reason("Not Acceptable Here - " + e)
                            .build());
                }
            }
        }
    }

    private String answerSdp(SessionDescription offer) throws Exception {
        MediaDescription a = offer.audio().orElseThrow();
        MediaDescription.Builder m =
                MediaDescription.builder("audio", rtp.getLocalPort(), a.proto()).rtpFormat(0, "PCMU/8000");
        if (a.isSecureProfile()) {
            SdesNegotiator.Selection sel = SdesNegotiator.answer(
                            a.cryptos(), EnumSet.allOf(SdesCryptoSuite.class), RANDOM)
                    .orElseThrow();
            inbound = SrtpSession.inbound(SdesSrtp.policy(sel.offered()));
            m.crypto(sel.answer());
        }
        return SessionDescription.builder()
                .origin(new Origin("gw", "1", "1", "IN", "IP4", "127.0.0.1"))
                .sessionName("fake gateway")
                .connection(new Connection("IN", "IP4", "127.0.0.1"))
                .media(m.build())
                .build()
                .toSdp();
    }

    private void receive() {
        byte[] b = new byte[2048];
        DatagramPacket p = new DatagramPacket(b, b.length);
        while (true) {
            try {
                p.setLength(b.length);
                rtp.receive(p);
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            rtpReceived.incrementAndGet();
            SrtpSession s = inbound;
            int len = s == null ? p.getLength() : s.unprotectRtp(b, 0, p.getLength());
            if (len < 0) {
                rtpRejected.incrementAndGet();
                continue;
            }
            Optional<RtpPacket> pkt = RtpPacket.parse(b, 0, len);
            if (pkt.isEmpty()) {
                rtpRejected.incrementAndGet();
                continue;
            }
            if (s != null) {
                rtpDecrypted.incrementAndGet();
            }
            int n = Math.min(pkt.get().payloadLength(), pcm.length - pcmLength);
            G711.decode(pkt.get().payloadType(), b, pkt.get().payloadOffset(), n, pcm, pcmLength);
            pcmLength += n;
            if (answer == Answer.ANSWER_THEN_HANG_UP && rtpReceived.get() == 5) {
                hangUp();
            }
        }
    }

    /** Sends BYE for the answered call (the gateway's side of the dialog: From our tag, To the server's). */
    private void hangUp() {
        SipRequest inv = invite;
        SipConnection c = inviteConnection;
        String localTag = inviteTag;
        String contact = inv.contacts().get(0).uri();
        SipRequest bye = SipRequest.builder(SipRequest.BYE, contact)
                .via(Via.of(c.isSecure() ? "TLS" : "TCP", "127.0.0.1", address().getPort(), layer.newBranch()))
                .maxForwards(70)
                .from(inv.to().withTag(localTag))
                .to(inv.from())
                .callId(inv.callId())
                .cseq(1)
                .build();
        layer.sendRequest(c, bye, r -> {});
    }

    @Override
    public void close() {
        server.close();
        rtp.close();
        timers.shutdownNow();
    }
}
