package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.certs.PersonalCertificate;
import org.umsec.core.TrustList;

/**
 * Issue 9 item 8: the TLS listener sends the alert that matches why it refused a client
 * certificate, observed by a real JDK client on a real socket, for each engine and TLS version.
 * With OpenSSL (the default where it loads) each refusal has its own alert; it was
 * {@code internal_error} for all of them. The JDK server sends {@code certificate_unknown} for every
 * refused client certificate and offers no hook to change it (documented in PeerTrustManager).
 */
class TlsAlertTest {
    @org.junit.jupiter.api.io.TempDir
    static Path dir;

    private static Lab lab;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        lab = new Lab(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        MutualTlsTest.engines().forEach(engine -> {
            for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                for (MutualTlsTest.Refusal r : MutualTlsTest.Refusal.values()) {
                    if (r != MutualTlsTest.Refusal.NO_CERTIFICATE) {
                        all.add(Arguments.of(engine, protocol, r));
                    }
                }
            }
        });
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void refusalSendsTheMatchingAlert(TlsEngine engine, String protocol, MutualTlsTest.Refusal refusal)
            throws Exception {
        SipServer server = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(engine))
                .trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(new Lab.Responder())
                .events(lab.events::add)
                .ioThreads(1)
                .start();
        open.add(server);
        PersonalCertificate cert = refusal.certificate(lab);
        String alert = alertReceived(cert, protocol, server.tlsPort().getAsInt());
        // was internal_error with OpenSSL for every refusal the trust manager made
        assertThat(alert).isEqualTo(engine == TlsEngine.OPENSSL ? expectedOpenSsl(refusal) : "certificate_unknown");
    }

    /** BoringSSL: the alert for the X.509 error code the trust manager reports (PeerTrustManager). */
    private static String expectedOpenSsl(MutualTlsTest.Refusal r) {
        switch (r) {
            case UNKNOWN_CA:
                return "unknown_ca";
            case EXPIRED:
            case NOT_YET_VALID:
                // RFC 8446 §6.2 certificate_expired: "expired or is not currently valid" (BoringSSL)
                return "certificate_expired";
            case REVOKED:
                return "certificate_revoked";
            case WRONG_EKU:
                return "unsupported_certificate";
            default:
                return "bad_certificate";
        }
    }

    static String alertReceived(PersonalCertificate cert, String protocol, int port) throws Exception {
        // presents the certificate whatever CAs the server names (a JDK key manager would hold back a
        // certificate from an unknown CA and send none)
        X509ExtendedKeyManager km = new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"gw"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "gw";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return "gw";
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return new String[0];
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return cert.chain().toArray(new X509Certificate[0]);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return cert.privateKey();
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(
                new KeyManager[] {km},
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                new SecureRandom());
        // An SSLEngine over a plain socket, each flight written in one piece: an SSLSocket writes its
        // flight record by record and may hit the server's close (broken pipe) before it reads the alert.
        SSLEngine engine = ctx.createSSLEngine("um1.lab.test", port);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {protocol});
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            int size = engine.getSession().getPacketBufferSize();
            ByteBuffer net = ByteBuffer.allocate(size * 4);
            ByteBuffer in = ByteBuffer.allocate(size * 4);
            ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 4);
            ByteBuffer empty = ByteBuffer.allocate(0);
            engine.beginHandshake();
            byte[] buf = new byte[size];
            while (true) {
                try {
                    SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                    if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                        Runnable t;
                        while ((t = engine.getDelegatedTask()) != null) {
                            t.run();
                        }
                        continue;
                    }
                    if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                        net.clear();
                        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                            engine.wrap(empty, net);
                        }
                        net.flip();
                        try {
                            s.getOutputStream().write(net.array(), 0, net.limit());
                        } catch (IOException peerClosed) {
                            // the alert may already be waiting to be read
                        }
                        continue;
                    }
                    // NEED_UNWRAP, or done (TLS 1.3: the server's verdict on our certificate comes after)
                    in.flip();
                    SSLEngineResult r = in.hasRemaining() ? engine.unwrap(in, app) : null;
                    in.compact();
                    if (r == null
                            || r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                            || r.bytesConsumed() == 0) {
                        int n = s.getInputStream().read(buf);
                        if (n < 0) {
                            return "closed without alert";
                        }
                        in.put(buf, 0, n);
                    }
                } catch (SSLException e) {
                    String m = String.valueOf(e.getMessage());
                    int i = m.indexOf("Received fatal alert: ");
                    return i < 0
                            ? "other: " + m
                            : m.substring(i + "Received fatal alert: ".length()).strip();
                }
            }
        }
    }
}
