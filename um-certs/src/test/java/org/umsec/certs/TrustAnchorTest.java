package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.internal.X509Builder;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;

/**
 * R25 / issue 9 item 1: only a trusted CA (CA:TRUE with keyCertSign) may issue; a trusted end-entity
 * certificate is an exact-match pin. The attack: a gateway's self-signed certificate was trusted
 * ({@code certs trust gwx.pem}), and whoever holds gwx's key signs a leaf for another gateway's name.
 */
class TrustAnchorTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Anchor", clock);
    final KeyPair gwxKey = Forge.ec256();
    /** gwx's own self-signed end-entity certificate (CA:FALSE), as a gateway makes it. */
    final X509Certificate gwx = Forge.leaf(NOW, "gwx.example.test", gwxKey).build();

    @TempDir
    Path dir;

    private PeerCertificateValidator validator(StoreContents c) {
        return PeerCertificateValidator.builder().contents(c).clock(clock).build();
    }

    private static X509Certificate[] chain(X509Certificate... certs) {
        return certs;
    }

    @Test
    void leafSignedWithTheKeyOfATrustedSelfSignedGatewayIsRefused() throws Exception {
        CertificateStore store = CertificateStore.builder(dir).clock(clock).open();
        store.importTrusted(CertificateFiles.toDer(gwx));
        PeerCertificateValidator v =
                PeerCertificateValidator.builder().store(store).clock(clock).build();
        X509Certificate forged = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .notCa()
                .signedBy(gwx, gwxKey)
                .build();
        assertThat(X509Builder.toJdk(forged.getEncoded()).getIssuerX500Principal())
                .isEqualTo(gwx.getSubjectX500Principal());

        for (X509Certificate[] presented : new X509Certificate[][] {chain(forged), chain(forged, gwx)}) {
            ValidationResult r = v.validate(presented, PeerRole.CLIENT);
            assertThat(r.failure()).contains(ValidationFailure.ISSUER_NOT_CA);
            assertThat(r.detail()).contains("gwx.example.test", "not a CA", "exact-match pin");
            assertThat(r.failingCertificate().orElseThrow().certificate()).isEqualTo(gwx);
            assertThat(r.failingIndex()).isEqualTo(1);
        }
        assertThatThrownBy(() -> v.trustManager().checkClientTrusted(chain(forged), "EC"))
                .isInstanceOfSatisfying(
                        CertificateValidationException.class,
                        e -> assertThat(e.failure()).isEqualTo(ValidationFailure.ISSUER_NOT_CA));
        // the same attack as a server certificate
        assertThat(v.validate(chain(forged), PeerRole.SERVER).failure()).contains(ValidationFailure.ISSUER_NOT_CA);
    }

    @Test
    void selfSignedGatewayPinIsAcceptedOnlyAsThatVeryCertificate() throws Exception {
        PeerCertificateValidator v =
                validator(StoreContents.builder().addTrustedRoot(gwx).build());
        ValidationResult ok = v.validate(chain(gwx), PeerRole.CLIENT);
        assertThat(ok.isValid()).isTrue();
        assertThat(ok.path()).containsExactly(gwx);
        // same name, same key, re-issued (another serial): not the pinned certificate
        X509Certificate reissued = Forge.leaf(NOW, "gwx.example.test", gwxKey).build();
        ValidationResult r = v.validate(chain(reissued), PeerRole.CLIENT);
        assertThat(r.failure()).contains(ValidationFailure.UNKNOWN_CA);
        assertThat(r.detail()).contains("byte for byte");
    }

    @Test
    void trustedCaRootIssuesDirectlyAndThroughAnIntermediate() {
        PeerCertificateValidator rootOnly = validator(
                StoreContents.builder().addTrustedRoot(pki.rootCertificate()).build());
        PersonalCertificate direct = pki.leaf("gw.root.test").issuedByRoot().build();
        assertThat(rootOnly.validate(direct.chain().toArray(new X509Certificate[0]), PeerRole.CLIENT)
                        .path())
                .containsExactly(direct.certificate(), pki.rootCertificate());
        PersonalCertificate viaIntermediate = pki.leaf("gw.inter.test").build();
        assertThat(rootOnly.validate(viaIntermediate.chain().toArray(new X509Certificate[0]), PeerRole.CLIENT)
                        .path())
                .containsExactly(
                        viaIntermediate.certificate(), pki.intermediate().certificate(), pki.rootCertificate());
    }

    @Test
    void intermediateWithoutCaTrueIsRefused() {
        KeyPair rootKey = Forge.ec256();
        X509Certificate root = Forge.ca(NOW, "Root CA", rootKey).build();
        KeyPair midKey = Forge.ec256();
        // an end entity of the root (CA:FALSE) used as an issuer
        X509Certificate notCa = Forge.leaf(NOW, "mid.example.test", midKey)
                .signedBy(root, rootKey)
                .build();
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(notCa, midKey)
                .build();
        PeerCertificateValidator v =
                validator(StoreContents.builder().addTrustedRoot(root).build());
        ValidationResult r = v.validate(chain(leaf, notCa), PeerRole.CLIENT);
        assertThat(r.failure()).contains(ValidationFailure.ISSUER_NOT_CA);
        assertThat(r.failingCertificate().orElseThrow().certificate()).isEqualTo(notCa);
        // known to the store as an "intermediate" changes nothing
        PeerCertificateValidator v2 = validator(StoreContents.builder()
                .addTrustedRoot(root)
                .addIntermediate(notCa)
                .build());
        assertThat(v2.validate(chain(leaf), PeerRole.CLIENT).failure()).contains(ValidationFailure.ISSUER_NOT_CA);
        // CA:TRUE but key usage without keyCertSign
        X509Certificate noCertSign = Forge.ca(NOW, "Mid CA", midKey)
                .signedBy(root, rootKey)
                .keyUsage(X509Builder.KU_DIGITAL_SIGNATURE | X509Builder.KU_CRL_SIGN)
                .build();
        X509Certificate leaf2 = Forge.leaf(NOW, "gw2.example.test", Forge.ec256())
                .signedBy(noCertSign, midKey)
                .build();
        ValidationResult r2 = v.validate(chain(leaf2, noCertSign), PeerRole.CLIENT);
        assertThat(r2.failure()).contains(ValidationFailure.ISSUER_NOT_CA);
        assertThat(r2.detail()).contains("keyCertSign");
        // a proper CA intermediate works
        X509Certificate mid =
                Forge.ca(NOW, "Mid CA", midKey).signedBy(root, rootKey).build();
        X509Certificate leaf3 = Forge.leaf(NOW, "gw3.example.test", Forge.ec256())
                .signedBy(mid, midKey)
                .build();
        assertThat(v.validate(chain(leaf3, mid), PeerRole.CLIENT).path()).containsExactly(leaf3, mid, root);
    }

    @Test
    void trustedRootWithoutKeyCertSignMayNotIssue() {
        KeyPair rootKey = Forge.ec256();
        X509Certificate root = Forge.ca(NOW, "Signing Only", rootKey)
                .keyUsage(X509Builder.KU_DIGITAL_SIGNATURE)
                .build();
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(root, rootKey)
                .build();
        ValidationResult r =
                validator(StoreContents.builder().addTrustedRoot(root).build()).validate(chain(leaf), PeerRole.CLIENT);
        assertThat(r.failure()).contains(ValidationFailure.ISSUER_NOT_CA);
        assertThat(r.detail()).contains("keyCertSign");
    }

    @Test
    void pathLengthConstraintsAreHonouredIncludingTheAnchors() {
        KeyPair rootKey = Forge.ec256();
        KeyPair midKey = Forge.ec256();
        KeyPair subKey = Forge.ec256();
        // the JDK ignores a trust anchor's pathLenConstraint: checked here
        X509Certificate root0 = Forge.ca(NOW, "Root Zero", rootKey).pathLen(0).build();
        X509Certificate mid =
                Forge.ca(NOW, "Mid CA", midKey).signedBy(root0, rootKey).build();
        X509Certificate leaf = Forge.leaf(NOW, "gw1.example.test", Forge.ec256())
                .signedBy(mid, midKey)
                .build();
        ValidationResult r = validator(
                        StoreContents.builder().addTrustedRoot(root0).build())
                .validate(chain(leaf, mid), PeerRole.CLIENT);
        assertThat(r.failure()).contains(ValidationFailure.ISSUER_NOT_CA);
        assertThat(r.detail()).contains("pathLenConstraint");
        // an intermediate with pathLen 0 may not have a CA below it
        X509Certificate root = Forge.ca(NOW, "Root CA", rootKey).build();
        X509Certificate mid0 = Forge.ca(NOW, "Mid Zero", midKey)
                .signedBy(root, rootKey)
                .pathLen(0)
                .build();
        X509Certificate sub =
                Forge.ca(NOW, "Sub CA", subKey).signedBy(mid0, midKey).build();
        X509Certificate leaf2 = Forge.leaf(NOW, "gw2.example.test", Forge.ec256())
                .signedBy(sub, subKey)
                .build();
        PeerCertificateValidator v =
                validator(StoreContents.builder().addTrustedRoot(root).build());
        assertThat(v.validate(chain(leaf2, sub, mid0), PeerRole.CLIENT).failure())
                .contains(ValidationFailure.ISSUER_NOT_CA);
        X509Certificate leaf3 = Forge.leaf(NOW, "gw3.example.test", Forge.ec256())
                .signedBy(mid0, midKey)
                .build();
        assertThat(v.validate(chain(leaf3, mid0), PeerRole.CLIENT).isValid()).isTrue();
    }

    @Test
    void serverSelectionStillAcceptsItsOwnSelfSignedCertificate() {
        PersonalCertificate own = pki.leaf("um1.anchor.test").selfSigned().build();
        SelectionResult r = CertificateSelector.select(
                StoreContents.builder().addPersonal(own).build(), SelectionCriteria.serverAuth(), clock);
        assertThat(r.selected()).isPresent();
    }
}
