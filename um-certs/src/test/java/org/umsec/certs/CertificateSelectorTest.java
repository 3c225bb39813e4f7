package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsec.certs.internal.X509Builder;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;

class CertificateSelectorTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static MutableClock clock;
    static TestPki pki;
    static TestPki other;

    @BeforeAll
    static void pki() {
        clock = MutableClock.at(NOW);
        pki = TestPki.create("Lab", clock);
        other = TestPki.create("Other", clock);
    }

    private static Duration days(long d) {
        return Duration.ofDays(d);
    }

    private static SelectionResult select(StoreContents c) {
        return CertificateSelector.select(c, SelectionCriteria.serverAuth(), clock);
    }

    private static SelectionCandidate only(StoreContents.Builder b, PersonalCertificate pc) {
        SelectionResult r = select(b.addPersonal(pc).build());
        assertThat(r.candidates()).hasSize(1);
        return r.candidates().get(0);
    }

    @Test
    void documentOrderAcrossAllFourTiers() {
        PersonalCertificate pkiLong = pki.leaf("long.lab.test")
                .alias("pki-long")
                .validUntil(NOW.plus(days(300)))
                .build();
        PersonalCertificate pkiShort = pki.leaf("short.lab.test")
                .alias("pki-short")
                .validUntil(NOW.plus(days(20)))
                .build();
        PersonalCertificate selfLong = pki.leaf("sl.lab.test")
                .alias("self-long")
                .selfSigned()
                .validUntil(NOW.plus(days(900)))
                .build();
        PersonalCertificate selfShort = pki.leaf("ss.lab.test")
                .alias("self-short")
                .selfSigned()
                .validUntil(NOW.plus(days(10)))
                .build();
        // insertion order deliberately scrambled
        SelectionResult r = select(pki.trust()
                .addPersonal(selfShort)
                .addPersonal(pkiShort)
                .addPersonal(selfLong)
                .addPersonal(pkiLong)
                .build());

        assertThat(r.candidates())
                .extracting(c -> c.certificate().alias())
                .containsExactly("pki-long", "pki-short", "self-long", "self-short");
        assertThat(r.candidates())
                .extracting(c -> c.tier().orElseThrow())
                .containsExactly(
                        SelectionTier.PKI_LONGEST, SelectionTier.PKI_SHORTER,
                        SelectionTier.SELF_SIGNED_LONGEST, SelectionTier.SELF_SIGNED_SHORTER);
        assertThat(r.candidates()).extracting(SelectionCandidate::position).containsExactly(1, 2, 3, 4);
        assertThat(r.selected().orElseThrow().certificate().alias()).isEqualTo("pki-long");
        assertThat(r.candidates().get(0).remaining()).isEqualTo(days(300));
        assertThat(r.candidates().get(0).kind()).isEqualTo(CertificateKind.CA_ISSUED);
        assertThat(r.candidates().get(2).kind()).isEqualTo(CertificateKind.SELF_SIGNED);
        assertThat(r.explain()).contains("selected pki-long", "tier 1 PKI_LONGEST", "tier 4 SELF_SIGNED_SHORTER");
    }

    @Test
    void shortLivedPkiCertificateBeatsLongLivedSelfSigned() {
        PersonalCertificate pkiShort = pki.leaf("a.lab.test")
                .alias("pki")
                .validUntil(NOW.plus(days(2)))
                .build();
        PersonalCertificate selfLong = pki.leaf("b.lab.test")
                .alias("self")
                .selfSigned()
                .validUntil(NOW.plus(days(3000)))
                .build();
        SelectionResult r =
                select(pki.trust().addPersonal(selfLong).addPersonal(pkiShort).build());
        assertThat(r.selected().orElseThrow().certificate().alias()).isEqualTo("pki");
        assertThat(r.selected().orElseThrow().tier()).contains(SelectionTier.PKI_LONGEST);
    }

    @Test
    void onlySelfSignedCertificatesStartAtTierThree() {
        PersonalCertificate s1 = pki.leaf("s1.lab.test")
                .alias("s1")
                .selfSigned()
                .validUntil(NOW.plus(days(50)))
                .build();
        PersonalCertificate s2 = pki.leaf("s2.lab.test")
                .alias("s2")
                .selfSigned()
                .validUntil(NOW.plus(days(60)))
                .build();
        SelectionResult r =
                select(StoreContents.builder().addPersonal(s1).addPersonal(s2).build());
        assertThat(r.candidates()).extracting(c -> c.certificate().alias()).containsExactly("s2", "s1");
        assertThat(r.candidates())
                .extracting(c -> c.tier().orElseThrow())
                .containsExactly(SelectionTier.SELF_SIGNED_LONGEST, SelectionTier.SELF_SIGNED_SHORTER);
    }

    @Test
    void tieOnExpiryIsBrokenByNewerNotBefore() {
        Instant end = NOW.plus(days(100));
        PersonalCertificate older = pki.leaf("t.lab.test")
                .alias("older")
                .validFrom(NOW.minus(days(30)))
                .validUntil(end)
                .build();
        PersonalCertificate newer = pki.leaf("t.lab.test")
                .alias("newer")
                .validFrom(NOW.minus(days(1)))
                .validUntil(end)
                .build();
        SelectionResult r1 =
                select(pki.trust().addPersonal(older).addPersonal(newer).build());
        SelectionResult r2 =
                select(pki.trust().addPersonal(newer).addPersonal(older).build());
        assertThat(r1.selected().orElseThrow().certificate().alias()).isEqualTo("newer");
        assertThat(r2.selected().orElseThrow().certificate().alias()).isEqualTo("newer");
        assertThat(r1.candidates().get(1).tier()).contains(SelectionTier.PKI_SHORTER);
    }

    @Test
    void fullTieIsBrokenByThumbprintIndependentOfStoreOrder() {
        Instant from = NOW.minus(days(1));
        Instant end = NOW.plus(days(100));
        PersonalCertificate a = pki.leaf("t.lab.test")
                .alias("a")
                .validFrom(from)
                .validUntil(end)
                .build();
        PersonalCertificate b = pki.leaf("t.lab.test")
                .alias("b")
                .validFrom(from)
                .validUntil(end)
                .build();
        String expected = a.info().sha256Thumbprint().compareTo(b.info().sha256Thumbprint()) < 0 ? "a" : "b";
        assertThat(select(pki.trust().addPersonal(a).addPersonal(b).build())
                        .selected()
                        .orElseThrow()
                        .certificate()
                        .alias())
                .isEqualTo(expected);
        assertThat(select(pki.trust().addPersonal(b).addPersonal(a).build())
                        .selected()
                        .orElseThrow()
                        .certificate()
                        .alias())
                .isEqualTo(expected);
    }

    @Test
    void expiredIsRejected() {
        SelectionCandidate c = only(
                pki.trust(),
                pki.leaf("e.lab.test")
                        .validFrom(NOW.minus(days(100)))
                        .validUntil(NOW.minus(Duration.ofSeconds(1)))
                        .build());
        assertThat(c.rejection()).contains(ValidationFailure.EXPIRED);
        assertThat(c.tier()).isEmpty();
        assertThat(c.position()).isZero();
        assertThat(c.remaining()).isNegative();
        assertThat(c.explain()).startsWith("rejected").contains("EXPIRED");
    }

    @Test
    void notYetValidIsRejected() {
        SelectionCandidate c = only(
                pki.trust(),
                pki.leaf("n.lab.test")
                        .validFrom(NOW.plus(days(1)))
                        .validUntil(NOW.plus(days(100)))
                        .build());
        assertThat(c.rejection()).contains(ValidationFailure.NOT_YET_VALID);
    }

    @Test
    void certificateFromUntrustedCaIsRejectedNamingTheIssuer() {
        SelectionCandidate c = only(
                pki.trust(),
                pki.leaf("w.lab.test").issuedBy(other.intermediate()).build());
        assertThat(c.rejection()).contains(ValidationFailure.UNKNOWN_CA);
        // the other PKI's chain is sent along: the path ends at its untrusted root
        assertThat(c.validation().detail()).contains("Other Test Root");
        assertThat(c.validation().failingIndex()).isEqualTo(1);
    }

    @Test
    void missingIntermediateIsUnknownCa() {
        PersonalCertificate leaf = pki.leaf("m.lab.test").build();
        PersonalCertificate bare = PersonalCertificate.of("bare", leaf.privateKey(), List.of(leaf.certificate()));
        SelectionCandidate c = only(StoreContents.builder().addTrustedRoot(pki.rootCertificate()), bare);
        assertThat(c.rejection()).contains(ValidationFailure.UNKNOWN_CA);
        assertThat(c.validation().detail()).contains("Lab Test Intermediate");
        assertThat(c.validation().failingIndex()).isZero();
        // with the intermediate in the store the same certificate is valid
        assertThat(only(pki.trust(), bare).isValid()).isTrue();
    }

    @Test
    void revokedByCrlIsRejected() {
        PersonalCertificate leaf = pki.leaf("r.lab.test").build();
        X509CRL crl = pki.revoke(leaf.certificate());
        SelectionCandidate c = only(pki.trust().addCrl(crl), leaf);
        assertThat(c.rejection()).contains(ValidationFailure.REVOKED);
        assertThat(c.validation().detail()).contains("revoked");
        // a CRL not covering it leaves another leaf valid
        assertThat(only(pki.trust().addCrl(crl), pki.leaf("ok.lab.test").build())
                        .isValid())
                .isTrue();
    }

    @Test
    void revokedIntermediateIsRejectedAtIndexOne() {
        TestPki p = TestPki.create("Rev", clock);
        p.root().revoke(p.intermediate().certificate());
        X509CRL rootCrl = p.root().crl(days(7));
        SelectionCandidate c =
                only(p.trust().addCrl(rootCrl), p.leaf("x.rev.test").build());
        assertThat(c.rejection()).contains(ValidationFailure.REVOKED);
        assertThat(c.validation().failingIndex()).isEqualTo(1);
    }

    @Test
    void crlSignedByAnotherKeyIsIgnored() {
        PersonalCertificate leaf = pki.leaf("f.lab.test").build();
        // a forged CRL: same issuer name, other key
        X509CRL forged = X509Builder.crl(
                pki.intermediate().certificate().getSubjectX500Principal(),
                other.intermediate().privateKey(),
                other.intermediate().certificate().getPublicKey(),
                NOW,
                NOW.plus(days(1)),
                java.util.Map.of(leaf.certificate().getSerialNumber(), NOW));
        assertThat(only(pki.trust().addCrl(forged), leaf).isValid()).isTrue();
    }

    @Test
    void wrongExtendedKeyUsageIsRejected() {
        SelectionCandidate clientOnly = only(
                pki.trust(),
                pki.leaf("c.lab.test").purposes(KeyPurpose.CLIENT_AUTH).build());
        assertThat(clientOnly.rejection()).contains(ValidationFailure.MISSING_EKU);
        assertThat(clientOnly.validation().detail()).contains("SERVER_AUTH");
        SelectionCandidate codeSigning = only(
                pki.trust(),
                pki.leaf("cs.lab.test").ekuOids("1.3.6.1.5.5.7.3.3").build());
        assertThat(codeSigning.rejection()).contains(ValidationFailure.MISSING_EKU);
    }

    @Test
    void clientAuthRequirementRejectsWebServerCertificates() {
        PersonalCertificate web = pki.leaf("web.lab.test")
                .alias("web")
                .purposes(KeyPurpose.SERVER_AUTH)
                .build();
        PersonalCertificate computer = pki.leaf("pc.lab.test")
                .alias("computer")
                .validUntil(NOW.plus(days(10)))
                .build();
        StoreContents c = pki.trust().addPersonal(web).addPersonal(computer).build();
        assertThat(select(c).selected().orElseThrow().certificate().alias()).isEqualTo("web");
        SelectionResult both = CertificateSelector.select(c, SelectionCriteria.serverAndClientAuth(), clock);
        assertThat(both.selected().orElseThrow().certificate().alias()).isEqualTo("computer");
        assertThat(both.rejected()).singleElement().satisfies(r -> {
            assertThat(r.certificate().alias()).isEqualTo("web");
            assertThat(r.rejection()).contains(ValidationFailure.MISSING_EKU);
            assertThat(r.validation().detail()).contains("CLIENT_AUTH");
        });
    }

    @Test
    void absentEkuMeansAnyPurpose() {
        assertThat(only(
                                pki.trust(),
                                pki.leaf("any.lab.test").noExtendedKeyUsage().build())
                        .isValid())
                .isTrue();
    }

    @Test
    void keyUsageWithoutDigitalSignatureIsRejected() {
        SelectionCandidate c = only(
                pki.trust(),
                pki.leaf("ku.lab.test")
                        .keyAlgorithm(KeyAlgorithm.RSA_2048)
                        .withoutDigitalSignature()
                        .build());
        assertThat(c.rejection()).contains(ValidationFailure.KEY_USAGE);
    }

    @Test
    void weakRsaKeyIsRejected() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        SelectionCandidate c = only(
                pki.trust(),
                pki.leaf("weak.lab.test").keyPair(g.generateKeyPair()).build());
        assertThat(c.rejection()).contains(ValidationFailure.WEAK_KEY);
        assertThat(c.validation().detail()).contains("1024");
        // 2048 passes by default, not with a 3072 minimum
        PersonalCertificate rsa2048 =
                pki.leaf("rsa.lab.test").keyAlgorithm(KeyAlgorithm.RSA_2048).build();
        assertThat(only(pki.trust(), rsa2048).isValid()).isTrue();
        SelectionResult strict = CertificateSelector.select(
                pki.trust().addPersonal(rsa2048).build(),
                SelectionCriteria.builder().minRsaBits(3072).build(),
                clock);
        assertThat(strict.candidates().get(0).rejection()).contains(ValidationFailure.WEAK_KEY);
    }

    @Test
    void dsaKeyIsUnsupported() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("DSA");
        g.initialize(2048);
        SelectionCandidate c = only(
                pki.trust(),
                pki.leaf("dsa.lab.test").keyPair(g.generateKeyPair()).build());
        assertThat(c.rejection()).contains(ValidationFailure.UNSUPPORTED_KEY);
    }

    @Test
    void expiredIntermediateIsReportedAtItsIndex() {
        MutableClock early = MutableClock.at(NOW.minus(days(400)));
        TestPki p = TestPki.create("Short", early);
        CertificateAuthority shortCa = p.root()
                .createIntermediate(CertificateSpec.builder()
                        .subject("CN=Short Lived CA")
                        .notBefore(NOW.minus(days(400)))
                        .notAfter(NOW.minus(days(1)))
                        .build());
        PersonalCertificate leaf = p.leaf("s.short.test")
                .issuedBy(shortCa)
                .validFrom(NOW.minus(days(10)))
                .validUntil(NOW.plus(days(30)))
                .build();
        SelectionCandidate c = only(StoreContents.builder().addTrustedRoot(p.rootCertificate()), leaf);
        assertThat(c.rejection()).contains(ValidationFailure.EXPIRED);
        assertThat(c.validation().failingIndex()).isEqualTo(1);
        assertThat(c.validation().failingCertificate().orElseThrow().subject().getName())
                .contains("Short Lived CA");
    }

    @Test
    void impostorIssuerWithSameNameIsBadSignature() {
        // a CA that copies the intermediate's name but has its own key
        CertificateAuthority impostor = CertificateAuthority.createRoot(
                CertificateSpec.builder()
                        .subject(pki.intermediate().certificate().getSubjectX500Principal())
                        .build(),
                clock);
        PersonalCertificate leaf = pki.leaf("i.lab.test").issuedBy(impostor).build();
        PersonalCertificate bare = PersonalCertificate.of("imp", leaf.privateKey(), List.of(leaf.certificate()));
        SelectionCandidate c = only(pki.trust(), bare);
        assertThat(c.rejection()).contains(ValidationFailure.BAD_SIGNATURE);
    }

    @Test
    void leafUsedAsIssuerIsNotACa() throws Exception {
        PersonalCertificate fakeCa = pki.leaf("notaca.lab.test").build();
        KeyPair kp = KeyAlgorithm.EC_P256.generateKeyPair();
        X509Certificate child = new X509Builder()
                .subject(new X500Principal("CN=child.lab.test"))
                .dnsNames(List.of("child.lab.test"))
                .publicKey(kp.getPublic())
                .validity(NOW.minus(days(1)), NOW.plus(days(30)))
                .extendedKeyUsage(List.of(KeyPurpose.SERVER_AUTH.oid()))
                .issuer(
                        fakeCa.certificate().getSubjectX500Principal(),
                        fakeCa.privateKey(),
                        fakeCa.certificate().getPublicKey())
                .build();
        PersonalCertificate pc = PersonalCertificate.of(
                "child",
                kp.getPrivate(),
                List.of(child, fakeCa.certificate(), pki.intermediate().certificate()));
        SelectionCandidate c = only(pki.trust(), pc);
        assertThat(c.rejection()).contains(ValidationFailure.ISSUER_NOT_CA);
        assertThat(c.validation().failingIndex()).isEqualTo(1);
    }

    @Test
    void emptyStoreSelectsNothing() {
        SelectionResult r = select(StoreContents.empty());
        assertThat(r.selected()).isEmpty();
        assertThat(r.candidates()).isEmpty();
        assertThat(r.explain()).contains("no valid certificate");
    }

    @Test
    void onlyInvalidCertificatesSelectNothingAndExplainEach() {
        SelectionResult r = select(pki.trust()
                .addPersonal(pki.leaf("a.lab.test")
                        .alias("expired")
                        .validUntil(NOW.minus(days(1)))
                        .build())
                .addPersonal(pki.leaf("b.lab.test")
                        .alias("client-only")
                        .purposes(KeyPurpose.CLIENT_AUTH)
                        .build())
                .build());
        assertThat(r.selected()).isEmpty();
        assertThat(r.rejected())
                .extracting(c -> c.certificate().alias() + ":" + c.rejection().orElseThrow())
                .containsExactly("client-only:MISSING_EKU", "expired:EXPIRED");
        assertThat(r.explain()).contains("rejected expired", "rejected client-only");
    }

    @Test
    void selectionTimeFollowsTheClock() {
        PersonalCertificate leaf =
                pki.leaf("clock.lab.test").validUntil(NOW.plus(days(5))).build();
        StoreContents c = pki.trust().addPersonal(leaf).build();
        assertThat(CertificateSelector.select(c, SelectionCriteria.serverAuth(), NOW)
                        .selected())
                .isPresent();
        assertThat(CertificateSelector.select(c, SelectionCriteria.serverAuth(), NOW.plus(days(6)))
                        .selected())
                .isEmpty();
    }

    @Test
    void md5SignatureInThePathIsWeakSignature() {
        KeyPair caKeys = KeyAlgorithm.RSA_2048.generateKeyPair();
        X500Principal caName = new X500Principal("CN=Old RSA CA");
        X509Certificate ca = new X509Builder()
                .subject(caName)
                .publicKey(caKeys.getPublic())
                .ca(true, 0)
                .validity(NOW.minus(days(10)), NOW.plus(days(100)))
                .issuer(
                        pki.rootCertificate().getSubjectX500Principal(),
                        pki.root().privateKey(),
                        pki.rootCertificate().getPublicKey())
                .build();
        KeyPair leafKeys = KeyAlgorithm.EC_P256.generateKeyPair();
        X509Certificate leaf = new X509Builder()
                .subject(new X500Principal("CN=md5.lab.test"))
                .dnsNames(List.of("md5.lab.test"))
                .publicKey(leafKeys.getPublic())
                .validity(NOW.minus(days(1)), NOW.plus(days(30)))
                .extendedKeyUsage(List.of(KeyPurpose.SERVER_AUTH.oid()))
                .signatureAlgorithm("MD5withRSA")
                .issuer(caName, caKeys.getPrivate(), caKeys.getPublic())
                .build();
        SelectionCandidate c =
                only(pki.trust(), PersonalCertificate.of("md5", leafKeys.getPrivate(), List.of(leaf, ca)));
        assertThat(c.rejection()).as(c.validation().detail()).contains(ValidationFailure.WEAK_SIGNATURE);
        assertThat(c.validation().failingIndex()).isZero();
    }
}
