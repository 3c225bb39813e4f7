package org.umsec.sip.transport;

import java.net.InetAddress;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.TrustList;

/**
 * Mutual-TLS connection set-ups per second between a {@link SipClient} and a {@link SipServer} on
 * loopback: TCP connect, full TLS 1.3 handshake with client certificate (ECDSA P-256 chains of
 * leaf + intermediate, validated by um-certs on both sides, RFC 5922 identity checks), then close.
 * Both ends use the engine under test: the JDK's SSLEngine or BoringSSL (netty-tcnative) where it
 * loads. The client resumes its session when it reconnects, as a gateway does (TLS 1.3 tickets on
 * both engines), and the server checks the peer again on every resumed connection; the tear-down
 * prints how many connections the server saw resumed ({@link TlsSessionInfo#resumed()}) and how
 * many were full handshakes. For server CPU per <em>full</em> handshake, and the comparison with
 * kamailio, use {@code benchmarks/handshakes.sh} ({@link HandshakeLoad}).
 *
 * <pre>
 * mvn -B -o -pl benchmarks package
 * java -jar benchmarks/target/benchmarks.jar TlsHandshakeBenchmark -rf json -rff tls-handshakes.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsHandshakeBenchmark {
    /** Engine of both ends. */
    @Param({"JDK", "OPENSSL"})
    public String engine;

    private SipServer server;
    private SipClient client;
    private SipPeer peer;
    private final AtomicLong resumed = new AtomicLong();
    private final AtomicLong full = new AtomicLong();
    private long operations;

    /**
     * Builds the PKI, the server and the client.
     *
     * @throws Exception when the engine is not available or set-up fails
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TlsEngine e = TlsEngine.valueOf(engine);
        if (e == TlsEngine.OPENSSL && !TlsEngine.openSslAvailable()) {
            throw new IllegalStateException("netty-tcnative (OpenSSL) does not load on this platform");
        }
        TestPki pki = TestPki.create("Bench", Clock.systemUTC());
        PersonalCertificate serverCert = pki.leaf("um1.bench.test").build();
        PersonalCertificate gateway = pki.leaf("gw1.bench.test").build();
        PeerCertificateValidator peers =
                PeerCertificateValidator.builder().contents(pki.trust().build()).build();
        TlsSettings serverTls = TlsSettings.builder()
                .keyManager(keyManager(serverCert))
                .peers(peers)
                .engine(e)
                .build();
        server = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(serverTls)
                .trustList(TrustList.of(List.of("gw1.bench.test")))
                .handler(new SipMessageHandler() {
                    @Override
                    public void onMessage(TransportConnection c, org.umsec.sip.SipMessage m) {
                        m.release();
                    }

                    @Override
                    public void onConnectionClosed(TransportConnection c) {
                        c.tls().ifPresent(t -> (t.resumed() ? resumed : full).incrementAndGet());
                    }
                })
                .start();
        client = SipClient.builder()
                .handler((c, m) -> m.release())
                .tls(TlsSettings.builder()
                        .certificate(gateway.privateKey(), gateway.chain())
                        .peers(peers)
                        .engine(e)
                        .build())
                .build();
        peer = SipPeer.tls("um1.bench.test", server.tlsPort().getAsInt())
                .connectingTo(InetAddress.getLoopbackAddress());
    }

    /**
     * One mutual-TLS connection: connect, handshake, checks, close.
     *
     * @return the connection
     * @throws Exception on failure
     */
    @Benchmark
    public TransportConnection mutualTlsConnection() throws Exception {
        TransportConnection c = client.connect(peer).get(10, TimeUnit.SECONDS);
        c.close().get(10, TimeUnit.SECONDS);
        operations++;
        return c;
    }

    /** Prints the share of full handshakes and stops both ends. */
    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println("\n[" + engine + "] server: " + full.get() + " full handshakes, " + resumed.get()
                + " resumed, of " + operations + " connections");
        client.close();
        server.close();
    }

    private static X509ExtendedKeyManager keyManager(PersonalCertificate pc) throws Exception {
        char[] pw = "bench".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, pw);
        ks.setKeyEntry("server", pc.privateKey(), pw, pc.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
    }
}
