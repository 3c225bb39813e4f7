package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsec.certs.internal.Bc;
import org.umsec.certs.internal.X509Builder;

/**
 * R25 / issue 9 item 2: below the trust anchor, MD5 and SHA-1 signatures are refused with
 * {@link ValidationFailure#WEAK_SIGNATURE}; RSA keys under 2048 bits and EC keys on curves other
 * than P-256/P-384/P-521 with {@link ValidationFailure#WEAK_KEY}. The anchor itself is exempt.
 */
class WeakAlgorithmTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    final KeyPair rootKey;
    final X509Certificate root;
    final KeyPair rsaRootKey;
    final X509Certificate rsaRoot;

    WeakAlgorithmTest() throws Exception {
        rootKey = Forge.ec256();
        root = Forge.ca(NOW, "EC Root", rootKey).build();
        rsaRootKey = Forge.rsa(2048);
        rsaRoot = Forge.ca(NOW, "RSA Root", rsaRootKey).build();
    }

    private ValidationResult validate(X509Certificate... chain) {
        StoreContents trust = StoreContents.builder()
                .addTrustedRoot(root)
                .addTrustedRoot(rsaRoot)
                .build();
        return PeerCertificateValidator.builder()
                .contents(trust)
                .clock(java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC))
                .build()
                .validate(chain, PeerRole.CLIENT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHA1withECDSA"})
    void ecLeafSignedWithSha1IsAWeakSignature(String alg) {
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(root, rootKey)
                .signatureAlgorithm(alg)
                .build();
        ValidationResult r = validate(leaf);
        assertThat(r.failure()).contains(ValidationFailure.WEAK_SIGNATURE);
        assertThat(r.failingIndex()).isZero();
        assertThat(r.detail()).contains("SHA1withECDSA");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHA1withRSA", "MD5withRSA"})
    void rsaLeafSignedWithSha1OrMd5IsAWeakSignature(String alg) {
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(rsaRoot, rsaRootKey)
                .signatureAlgorithm(alg)
                .build();
        ValidationResult r = validate(leaf);
        // MD5 used to surface as the JDK's WEAK_ALGORITHM, SHA-1 was accepted: both are WEAK_SIGNATURE now
        assertThat(r.failure()).contains(ValidationFailure.WEAK_SIGNATURE);
        assertThat(r.detail()).contains(alg);
        X509Certificate good = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(rsaRoot, rsaRootKey)
                .build();
        assertThat(validate(good).isValid()).isTrue();
    }

    @Test
    void rsassaPssOverSha1IsAWeakSignature() throws Exception {
        KeyPair leafKey = Forge.ec256();
        X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                X500Name.getInstance(rsaRoot.getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(7),
                Date.from(NOW.minus(Duration.ofDays(1))),
                Date.from(NOW.plus(Duration.ofDays(30))),
                new X500Name("CN=gw1.example.test"),
                SubjectPublicKeyInfo.getInstance(leafKey.getPublic().getEncoded()));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate pss = X509Builder.toJdk(b.build(new JcaContentSignerBuilder("SHA1withRSAandMGF1")
                        .setProvider(Bc.PROVIDER)
                        .build(rsaRootKey.getPrivate()))
                .getEncoded());
        assertThat(pss.getSigAlgOID()).isEqualTo("1.2.840.113549.1.1.10");
        ValidationResult r = validate(pss);
        assertThat(r.failure()).contains(ValidationFailure.WEAK_SIGNATURE);
        assertThat(r.detail()).contains("RSASSA-PSS");
    }

    @Test
    void intermediateSignedWithSha1IsAWeakSignatureAtItsIndex() {
        KeyPair midKey = Forge.ec256();
        X509Certificate mid = Forge.ca(NOW, "Mid CA", midKey)
                .signedBy(rsaRoot, rsaRootKey)
                .signatureAlgorithm("SHA1withRSA")
                .build();
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(mid, midKey)
                .build();
        ValidationResult r = validate(leaf, mid);
        assertThat(r.failure()).contains(ValidationFailure.WEAK_SIGNATURE);
        assertThat(r.failingIndex()).isEqualTo(1);
        assertThat(r.failingCertificate().orElseThrow().certificate()).isEqualTo(mid);
    }

    @Test
    void theAnchorIsExemptFromSignatureAndKeyChecks() throws Exception {
        // an old root: RSA-1024, self-signed with SHA-1; what it signs is SHA-256
        KeyPair oldKey = Forge.rsa(1024);
        X509Certificate oldRoot = Forge.ca(NOW, "Old Root", oldKey)
                .signatureAlgorithm("SHA1withRSA")
                .build();
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(oldRoot, oldKey)
                .build();
        ValidationResult r = PeerCertificateValidator.builder()
                .contents(StoreContents.builder().addTrustedRoot(oldRoot).build())
                .clock(java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC))
                .build()
                .validate(new X509Certificate[] {leaf}, PeerRole.CLIENT);
        assertThat(r.isValid()).as(r.toString()).isTrue();
        // a pinned self-signed gateway certificate is its own anchor: its SHA-1 self-signature is exempt
        X509Certificate pinned = Forge.leaf(NOW, "gwx.example.test", Forge.ec256())
                .signatureAlgorithm("SHA1withECDSA")
                .build();
        ValidationResult p = PeerCertificateValidator.builder()
                .contents(StoreContents.builder().addTrustedRoot(pinned).build())
                .clock(java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC))
                .build()
                .validate(new X509Certificate[] {pinned}, PeerRole.CLIENT);
        assertThat(p.isValid()).isTrue();
    }

    @Test
    void rsaUnder2048IsAWeakKeyInTheLeafAndInTheChain() throws Exception {
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.rsa(1024))
                .signedBy(root, rootKey)
                .build();
        ValidationResult r = validate(leaf);
        assertThat(r.failure()).contains(ValidationFailure.WEAK_KEY);
        assertThat(r.detail()).contains("1024");
        KeyPair midKey = Forge.rsa(1024);
        X509Certificate mid =
                Forge.ca(NOW, "Weak Mid", midKey).signedBy(root, rootKey).build();
        X509Certificate leaf2 = Forge.leaf(NOW, "gw2.example.test", Forge.ec256())
                .signedBy(mid, midKey)
                .build();
        ValidationResult r2 = validate(leaf2, mid);
        assertThat(r2.failure()).contains(ValidationFailure.WEAK_KEY);
        assertThat(r2.failingIndex()).isEqualTo(1);
        assertThat(r2.detail()).contains("Weak Mid", "1024");
    }

    @ParameterizedTest
    @ValueSource(strings = {"brainpoolP256r1", "secp256k1", "secp224r1"})
    void ecKeysOnOtherCurvesAreWeakEvenAt256Bits(String curve) throws Exception {
        // brainpoolP256r1 and secp256k1 have 256-bit orders: a size check alone let them through
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ecOn(curve))
                .signedBy(root, rootKey)
                .build();
        ValidationResult r = validate(leaf);
        assertThat(r.failure()).contains(ValidationFailure.WEAK_KEY);
        assertThat(r.detail()).contains(curve);
        KeyPair midKey = Forge.ecOn(curve);
        X509Certificate mid =
                Forge.ca(NOW, "Odd Curve CA", midKey).signedBy(root, rootKey).build();
        X509Certificate leaf2 = Forge.leaf(NOW, "gw2.example.test", Forge.ec256())
                .signedBy(mid, midKey)
                .signatureAlgorithm("SHA256withECDSA")
                .build();
        assertThat(validate(leaf2, mid).failure()).contains(ValidationFailure.WEAK_KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp384r1", "secp521r1"})
    void nistCurvesAreAccepted(String curve) throws Exception {
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ecOn(curve))
                .signedBy(root, rootKey)
                .build();
        assertThat(validate(leaf).isValid()).isTrue();
    }
}
