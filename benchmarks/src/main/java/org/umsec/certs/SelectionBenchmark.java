package org.umsec.certs;

import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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
 * Cost of one R9 selection ({@link CertificateSelector#select}) over a store of {@code size}
 * personal certificates: a realistic mix of 60 % CA-issued valid certificates (ECDSA P-256 leaf,
 * intermediate, root; each path built and checked by the JDK's PKIX validator), 20 % self-signed,
 * 10 % expired and 10 % with the wrong extended key usage, plus one CRL. File I/O and parsing are
 * excluded.
 *
 * <p>{@code snapshot=cold}: every selection sees freshly parsed certificate objects, as after a store
 * reload (what {@link CertificateProvider#refresh()} pays; the JDK caches a verified signature on the
 * certificate object, so this is the honest cost of a refresh). {@code snapshot=warm}: the same
 * snapshot is selected again (a re-selection without reload), signatures already verified.
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

    /** {@code cold}: freshly parsed certificates per selection; {@code warm}: the same objects again. */
    @Param({"cold", "warm"})
    public String snapshot;

    private final SelectionCriteria criteria = SelectionCriteria.serverAuth();
    private Instant now;
    private StoreContents contents;
    private List<List<byte[]>> chains;
    private List<PersonalCertificate> personal;
    private StoreContents trustOnly;

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
            TestPki.LeafBuilder leaf = pki.leaf("host" + i + ".bench.test")
                    .alias("c" + i)
                    .keyPair(keys[i % keys.length])
                    .validUntil(now.plus(Duration.ofDays(30 + (i * 7L) % 700)));
            int kind = i % 10;
            if (kind < 6) {
                b.addPersonal(leaf.build());
            } else if (kind < 8) {
                b.addPersonal(leaf.selfSigned().build());
            } else if (kind == 8) {
                b.addPersonal(leaf.validFrom(now.minus(Duration.ofDays(400)))
                        .validUntil(now.minus(Duration.ofDays(1)))
                        .build());
            } else {
                b.addPersonal(leaf.purposes(KeyPurpose.CLIENT_AUTH).build());
            }
        }
        b.addCrl(pki.intermediate().crl(Duration.ofDays(7)));
        contents = b.build();
        personal = contents.personal();
        chains = new ArrayList<>();
        for (PersonalCertificate pc : personal) {
            List<byte[]> ders = new ArrayList<>();
            pc.chain().forEach(c -> ders.add(CertificateFiles.toDer(c)));
            chains.add(ders);
        }
        StoreContents.Builder t = StoreContents.builder();
        contents.trustedRoots().forEach(t::addTrustedRoot);
        contents.intermediates().forEach(t::addIntermediate);
        contents.crls().forEach(t::addCrl);
        trustOnly = t.build();
        if (CertificateSelector.select(contents, criteria, now).selected().isEmpty()) {
            throw new IllegalStateException("benchmark store has no valid certificate");
        }
    }

    /**
     * For {@code cold}: parses every certificate again, as a store reload does (not measured).
     *
     * @throws CertificateException never for these certificates
     */
    @Setup(Level.Invocation)
    public void reparse() throws CertificateException {
        if (!snapshot.equals("cold")) {
            return;
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        StoreContents.Builder b = StoreContents.builder();
        for (X509Certificate root : trustOnly.trustedRoots()) {
            b.addTrustedRoot(
                    (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(CertificateFiles.toDer(root))));
        }
        for (X509Certificate ca : trustOnly.intermediates()) {
            b.addIntermediate(
                    (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(CertificateFiles.toDer(ca))));
        }
        trustOnly.crls().forEach(b::addCrl);
        for (int i = 0; i < personal.size(); i++) {
            List<X509Certificate> chain = new ArrayList<>();
            for (byte[] der : chains.get(i)) {
                chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
            b.addPersonal(PersonalCertificate.of(
                    personal.get(i).alias(), personal.get(i).privateKey(), chain));
        }
        contents = b.build();
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
