package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.testing.TestPki;

/** {@link CertificateStore#removeTrustedRoot} and {@link CertificateStore#removePendingRequest}. */
class CertificateStoreRemovalTest {

    @TempDir
    Path dir;

    @Test
    void removesATrustedRootByEitherThumbprintAndRewritesAFileHoldingOthers() throws Exception {
        TestPki a = TestPki.create("Removal A", Clock.systemUTC());
        TestPki b = TestPki.create("Removal B", Clock.systemUTC());
        CertificateStore st = CertificateStore.open(dir);
        st.addTrustedRoot(a.rootCertificate());
        // a bundle file as administrators drop them: two roots in one PEM
        Files.writeString(
                dir.resolve("trusted").resolve("bundle.pem"),
                CertificateFiles.toPem(List.of(b.rootCertificate(), a.rootCertificate())),
                StandardCharsets.US_ASCII);
        st.reload();
        assertThat(st.contents().trustedRoots()).contains(a.rootCertificate(), b.rootCertificate());

        CertificateInfo ia = CertificateInfo.of(a.rootCertificate());
        String colons = ia.sha1Thumbprint().toLowerCase(java.util.Locale.ROOT).replaceAll("(..)(?!$)", "$1:");
        assertThat(st.removeTrustedRoot(colons)).hasSize(2).containsOnly(a.rootCertificate()); // both copies
        assertThat(st.contents().trustedRoots()).containsExactly(b.rootCertificate());
        assertThat(dir.resolve("trusted").resolve("bundle.pem")).exists(); // rewritten, B kept

        assertThat(st.removeTrustedRoot(CertificateInfo.of(b.rootCertificate()).sha256Thumbprint()))
                .containsExactly(b.rootCertificate());
        assertThat(st.contents().trustedRoots()).isEmpty();
        assertThat(dir.resolve("trusted").resolve("bundle.pem")).doesNotExist();
        assertThat(st.removeTrustedRoot(ia.sha1Thumbprint())).isEmpty();
    }

    @Test
    void dropsAPendingRequestSoItsCertificateCanNoLongerBeImported() throws Exception {
        CertificateStore st = CertificateStore.open(dir);
        PendingRequest p = st.createRequest(
                CertificateRequest.builder().subject("CN=um9.example.test").dnsName("um9.example.test"),
                KeyAlgorithm.EC_P256);
        CertificateAuthority ca = CertificateAuthority.createRoot(
                CertificateSpec.builder()
                        .subject("CN=Removal CA")
                        .validity(java.time.Duration.ofDays(30))
                        .build(),
                Clock.systemUTC());
        java.security.cert.X509Certificate signed =
                ca.sign(p.request(), CertificateProfile.COMPUTER, java.time.Duration.ofDays(10));
        assertThat(st.removePendingRequest(p.alias())).isTrue();
        assertThat(st.pendingRequests()).isEmpty();
        assertThat(st.removePendingRequest(p.alias())).isFalse();
        assertThatThrownBy(() -> st.importSignedCertificate(
                        CertificateFiles.toPem(signed).getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(CertificateImportException.class)
                .hasMessageContaining("no pending request");
        assertThatThrownBy(() -> st.removePendingRequest("../personal/x")).isInstanceOf(IllegalArgumentException.class);
    }
}
