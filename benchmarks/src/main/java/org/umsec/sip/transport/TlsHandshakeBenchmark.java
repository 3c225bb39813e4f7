package org.umsec.sip.transport;

import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
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
 * loads. The server's key manager counts full handshakes; the tear-down prints how many of the
 * operations were full handshakes (abbreviated, resumed ones would not ask for the key).
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
    private final AtomicLong fullHandshakes = new AtomicLong();
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
                .keyManager(new Counting(keyManager(serverCert), fullHandshakes))
                .peers(peers)
                .engine(e)
                .build();
        server = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(serverTls)
                .trustList(TrustList.of(List.of("gw1.bench.test")))
                .handler((c, m) -> m.release())
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
        System.out.println("\n[" + engine + "] full handshakes on the server: " + fullHandshakes.get() + " of "
                + operations + " connections");
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

    /** Counts the server key lookups, i.e. full handshakes. */
    private static final class Counting extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager d;
        private final AtomicLong count;

        Counting(X509ExtendedKeyManager d, AtomicLong count) {
            this.d = d;
            this.count = count;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return d.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return d.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return d.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            count.incrementAndGet();
            return d.getPrivateKey(alias);
        }
    }
}
