package org.umsec.server.cli;

import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.umsec.certs.CertificateInfo;
import org.umsec.core.SignallingTransport;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.transaction.ResponseListener;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.SipRequestHandler;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;
import org.umsec.sip.transport.HandshakeFailureReason;
import org.umsec.sip.transport.SipClient;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipPeer;
import org.umsec.sip.transport.TlsHandshakeException;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;

/**
 * One SIP connection for the command-line clients, on um-sip: {@link SipClient} (TCP, or mutual TLS
 * checking the server's certificate against the name dialled), a {@link TransactionLayer} for the
 * requests we send, and answers to the requests the server sends us (a BYE ends our call: 200).
 * Failures become one clear {@link CliException}.
 */
final class SipDialer implements AutoCloseable {

    private final SipClient client;
    private final ScheduledExecutorService timers;
    private final TransactionLayer layer;
    private final int timeoutSeconds;
    private TransportConnection connection;
    private volatile Dialog dialog;
    private final CompletableFuture<SipRequest> peerBye = new CompletableFuture<>();

    /** Our call as the server knows it: only a BYE naming it ends it (anything else gets 481). */
    record Dialog(String callId, String localTag, String remoteTag) {}

    private SipDialer(ClientOptions options, boolean secured, int timeoutSeconds, PrintWriter out) throws Exception {
        this.timeoutSeconds = timeoutSeconds;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umsec-cli-timers");
            t.setDaemon(true);
            return t;
        });
        SipRequestHandler answerRequests = this::answer;
        this.layer = TransactionLayer.builder()
                .handler(answerRequests)
                .scheduler(TimerScheduler.of(timers))
                .build();
        SipClient.Builder b = SipClient.builder()
                .handler(SipMessageHandler.of(layer))
                .connectTimeout(java.time.Duration.ofSeconds(timeoutSeconds))
                .handshakeTimeout(java.time.Duration.ofSeconds(timeoutSeconds));
        if (secured) {
            b.tls(options.tlsSettings(out));
        }
        this.client = b.build();
    }

    private void answer(ServerTransaction tx) {
        SipRequest r = tx.request();
        if (!r.isMethod(SipRequest.BYE)) {
            tx.respond(tx.createResponse(501).build());
            return;
        }
        Dialog d = dialog;
        // the peer's BYE: From carries its tag, To ours (RFC 3261 §12.2.2)
        if (d == null
                || !d.callId().equals(r.callId())
                || !r.to().tag().orElse("").equals(d.localTag())
                || !r.from().tag().orElse("").equals(d.remoteTag())) {
            tx.respond(tx.createResponse(481).build());
            return;
        }
        tx.respond(tx.createResponse(200).build());
        peerBye.complete(r);
    }

    /**
     * Starts accepting the peer's BYE for this dialog (before it, and for any other dialog, a BYE
     * gets 481).
     *
     * @param d the established dialog
     */
    void dialog(Dialog d) {
        dialog = d;
    }

    /** @return completes with the peer's BYE of the current dialog, answered 200 already */
    CompletableFuture<SipRequest> peerBye() {
        return peerBye;
    }

    /**
     * Connects and prints what the connection established (TLS: protocol, cipher, the server's
     * chain with thumbprints, the name it matched).
     */
    static SipDialer connect(
            TestConnectivityCommand.HostPort hp,
            boolean secured,
            ClientOptions options,
            int timeoutSeconds,
            PrintWriter out)
            throws Exception {
        SipDialer d = new SipDialer(options, secured, timeoutSeconds, out);
        try {
            d.open(hp, secured, options, out);
            return d;
        } catch (Exception e) {
            d.close();
            throw e;
        }
    }

    private void open(TestConnectivityCommand.HostPort hp, boolean secured, ClientOptions options, PrintWriter out)
            throws CliException {
        InetAddress address;
        try {
            address = InetAddress.getByName(hp.host());
        } catch (UnknownHostException e) {
            throw new CliException("cannot connect to " + hp + ": unknown host " + hp.host());
        }
        String expected = secured ? options.expectedName(hp) : hp.host();
        SipPeer peer = SipPeer.of(secured ? SignallingTransport.TLS : SignallingTransport.TCP, expected, hp.port())
                .connectingTo(address);
        long t0 = System.nanoTime();
        try {
            connection = client.connect(peer).get(timeoutSeconds * 2L, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TlsHandshakeException) {
                // the validating handshake failed: show what the server presented, and then why
                List<X509Certificate> chain = PeerChainProbe.fetch(
                        new InetSocketAddress(address, hp.port()), expected, timeoutSeconds * 1000);
                if (chain.isEmpty()) {
                    out.println("Server certificate chain: not received (the server closed the handshake before"
                            + " sending it, or sent none)");
                } else {
                    printChain(out, "Server certificate chain (as presented; the handshake failed):", chain);
                }
                out.flush();
            }
            throw connectFailure(hp, expected, e.getCause());
        } catch (TimeoutException e) {
            throw new CliException("cannot connect to " + hp + ": no answer within " + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while connecting to " + hp);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (connection.tls().isEmpty()) {
            out.printf("TCP connected in %d ms%n", ms);
            return;
        }
        TlsSessionInfo tls = connection.tls().get();
        out.printf("TLS handshake in %d ms: %s, %s (%s engine)%n", ms, tls.protocol(), tls.cipherSuite(), tls.engine());
        printChain(out, "Server certificate chain:", tls.peerCertificates());
        out.println("Server identity " + tls.trustedAs() + " matches the certificate (RFC 5922)");
    }

    private static void printChain(PrintWriter out, String title, List<X509Certificate> chain) {
        out.println(title);
        for (int i = 0; i < chain.size(); i++) {
            CertificateInfo info = CertificateInfo.of(chain.get(i));
            out.printf(
                    "  [%d] subject %s%n      issuer  %s%n      serial %s, SHA-1 %s, %s, valid %s .. %s%n",
                    i,
                    info.subject().getName(),
                    info.issuer().getName(),
                    info.serialNumberHex(),
                    info.sha1Thumbprint(),
                    info.kind(),
                    info.notBefore(),
                    info.notAfter());
        }
    }

    private static CliException connectFailure(TestConnectivityCommand.HostPort hp, String expected, Throwable cause) {
        if (cause instanceof TlsHandshakeException t) {
            if (t.reason() == HandshakeFailureReason.IDENTITY_NOT_TRUSTED) {
                return new CliException("the server's certificate does not name " + expected + " ("
                        + t.peerCertificate().orElse(t.getMessage()) + "); use --server-name to expect another name");
            }
            return new CliException("TLS handshake with " + hp + " failed (" + t.reason() + "): " + t.getMessage()
                    + t.peerCertificate().map(c -> "; server certificate " + c).orElse(""));
        }
        if (cause instanceof ConnectException || cause instanceof java.nio.channels.ClosedChannelException) {
            return new CliException("cannot connect to " + hp + ": " + cause.getMessage());
        }
        return new CliException("cannot connect to " + hp + ": " + cause);
    }

    /** @return the connection */
    TransportConnection connection() {
        return connection;
    }

    /** @return our address as {@code host:port}, IPv6 in brackets */
    String localHostPort() {
        InetSocketAddress a = connection.localAddress();
        return host(a.getAddress()) + ":" + a.getPort();
    }

    /** @return our address, IPv6 in brackets */
    String localHost() {
        return host(connection.localAddress().getAddress());
    }

    private static String host(InetAddress a) {
        String h = a.getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    /** @return a Via for a new request from us, with a fresh branch */
    Via via() {
        InetSocketAddress a = connection.localAddress();
        return Via.of(connection.transport().name(), host(a.getAddress()), a.getPort(), layer.newBranch());
    }

    /** @return a fresh tag */
    String newTag() {
        return layer.newTag();
    }

    /**
     * Sends a request in a client transaction and waits for its final response.
     *
     * @param request the request
     * @param closedHint what to add when the peer closes the connection instead of answering
     */
    SipResponse request(SipRequest request, String closedHint) throws CliException {
        CompletableFuture<SipResponse> f =
                layer.sendRequest(connection, request, ResponseListener.IGNORE).finalResponse();
        try {
            return f.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new CliException("the peer closed the connection without answering" + closedHint);
        } catch (TimeoutException e) {
            if (!connection.isOpen()) {
                throw new CliException("the peer closed the connection without answering" + closedHint);
            }
            throw new CliException("no answer within " + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /** Sends a message outside a transaction (the ACK of a 2xx). */
    void send(SipRequest ack) {
        connection.send(ack);
    }

    /** @return the layer (to build ACKs) */
    TransactionLayer layer() {
        return layer;
    }

    @Override
    public void close() {
        client.close();
        timers.shutdownNow();
    }
}
