package org.umsec.certs;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
 * Cost of one R9 selection ({@link CertificateSelector#select}) over an in-memory store of
 * {@code size} personal certificates: a realistic mix of 60 % CA-issued valid certificates
 * (ECDSA P-256 leaf, intermediate, root, each path validated with PKIX), 20 % self-signed, 10 %
 * expired and 10 % with the wrong extended key usage, plus one CRL. Disk I/O is excluded (the store
 * is parsed once at load; selection runs on the snapshot).
 *
 * <pre>
 * mvn -B -o -pl benchmarks package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar org.umsec.certs.SelectionBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SelectionBenchmark {
    /** Number of personal certificates in the store. */
    @Param({"10", "100", "1000"})
    public int size;

    private StoreContents contents;
    private Instant now;
    private final SelectionCriteria criteria = SelectionCriteria.serverAuth();

    /** Builds the PKI and the store snapshot. */
    @Setup(Level.Trial)
    public void setUp() {
        now = Instant.parse("2030-01-01T00:00:00Z");
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        TestPki pki = TestPki.create("Bench", clock);
        StoreContents.Builder b = pki.trust();
        // a handful of key pairs reused: key generation is not what is measured
        KeyPair[] keys = new KeyPair[8];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = KeyAlgorithm.EC_P256.generateKeyPair();
        }
        for (int i = 0; i < size; i++) {
            String name = "host" + i + ".bench.test";
            TestPki.LeafBuilder leaf = pki.leaf(name).alias("c" + i).keyPair(keys[i % keys.length])
                    .validUntil(now.plus(Duration.ofDays(30 + (i * 7L) % 700)));
            int kind = i % 10;
            if (kind < 6) {
                b.addPersonal(leaf.build());
            } else if (kind < 8) {
                b.addPersonal(leaf.selfSigned().build());
            } else if (kind == 8) {
                b.addPersonal(leaf.validFrom(now.minus(Duration.ofDays(400))).validUntil(now.minus(Duration.ofDays(1))).build());
            } else {
                b.addPersonal(leaf.purposes(KeyPurpose.CLIENT_AUTH).build());
            }
        }
        b.addCrl(pki.intermediate().crl(Duration.ofDays(7)));
        contents = b.build();
        if (CertificateSelector.select(contents, criteria, now).selected().isEmpty()) {
            throw new IllegalStateException("benchmark store has no valid certificate");
        }
    }

    /**
     * One full selection with explanation.
     *
     * @return the result (consumed by JMH)
     */
    @Benchmark
    public SelectionResult select() {
        return CertificateSelector.select(contents, criteria, now);
    }
}
