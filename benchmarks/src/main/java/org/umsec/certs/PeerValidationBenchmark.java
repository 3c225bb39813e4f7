package org.umsec.certs;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.umsec.certs.testing.TestPki;

/**
 * One peer-chain validation as the TLS listener runs it in every full handshake
 * ({@link PeerCertificateValidator#validate}, role CLIENT): an ECDSA P-256 gateway leaf and its
 * intermediate, parsed from their encodings as a TLS engine does per handshake, against a store with the root, the intermediate and the intermediate's CRL.
 * {@code cache=on} answers from the validated-chain cache (SHA-256 over the chain, a look-up);
 * {@code cache=off} builds and checks the path (signatures, PKIX, CRL) every time.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PeerValidationBenchmark -f 1 -wi 2 -i 3 -r 2
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PeerValidationBenchmark {
    /** Whether the validated-chain cache is on. */
    @Param({"on", "off"})
    public String cache;

    private PeerCertificateValidator validator;
    private byte[][] encoded;
    private java.security.cert.CertificateFactory factory;

    /**
     * Builds the PKI and the validator.
     *
     * @throws Exception on set-up failure
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TestPki pki = TestPki.create("Bench", Clock.systemUTC());
        PersonalCertificate gateway = pki.leaf("gw1.bench.test").build();
        StoreContents trust = pki.trust()
                .addCrl(pki.intermediate().crl(java.time.Duration.ofDays(7)))
                .build();
        validator = PeerCertificateValidator.builder()
                .contents(trust)
                .chainCache(
                        cache.equals("on") ? PeerCertificateValidator.DEFAULT_CACHE_SIZE : 0,
                        PeerCertificateValidator.DEFAULT_CACHE_MAX_AGE)
                .build();
        encoded = new byte[gateway.chain().size()][];
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = gateway.chain().get(i).getEncoded();
        }
        factory = java.security.cert.CertificateFactory.getInstance("X.509");
    }

    /**
     * @return the outcome
     * @throws Exception on parse failure
     */
    @Benchmark
    public ValidationResult validateGatewayChain() throws Exception {
        X509Certificate[] chain = new X509Certificate[encoded.length];
        for (int i = 0; i < chain.length; i++) {
            // parsed from the wire bytes as the TLS engines do (the JDK's factory may return its
            // cached object for the same bytes, which remembers a verified signature)
            chain[i] = (X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(encoded[i]));
        }
        return validator.validate(chain, PeerRole.CLIENT);
    }
}
