package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Fuzz target for every import of {@link CertificateFiles} (PEM, DER, PKCS#7 bundles, CRLs, PKCS#8 and OpenSSL
 * keys, PKCS#12) and for {@link CertificateRequest#parse}: each input goes through all of them. Invariants: the
 * only failure is a {@link CertificateImportException} with a reason and a message; whatever is accepted writes
 * back (PEM, DER, PKCS#12, the request's encoding) to something that reads back equal. Corpus (made with openssl):
 * {@code src/test/resources/org/umsec/certs/CertificateFilesFuzzTestInputs/importAny/}.
 */
class CertificateFilesFuzzTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @FuzzTest(maxDuration = "30s")
    void importAny(byte[] data) throws Exception {
        if (data == null) {
            return;
        }
        try {
            List<X509Certificate> certs = CertificateFiles.readCertificates(data);
            assertThat(certs).isNotEmpty();
            assertThat(CertificateFiles.readCertificates(
                            CertificateFiles.toPem(certs).getBytes(StandardCharsets.US_ASCII)))
                    .isEqualTo(certs);
            for (X509Certificate c : certs) {
                assertThat(CertificateFiles.readCertificates(CertificateFiles.toDer(c)))
                        .containsExactly(c);
                CertificateInfo.of(c);
            }
        } catch (CertificateImportException e) {
            typed(e);
        }
        try {
            List<X509CRL> crls = CertificateFiles.readCrls(data);
            for (X509CRL crl : crls) {
                assertThat(CertificateFiles.readCrls(CertificateFiles.toPem(crl).getBytes(StandardCharsets.US_ASCII)))
                        .containsExactly(crl);
            }
        } catch (CertificateImportException e) {
            typed(e);
        }
        for (char[] password : new char[][] {null, PASSWORD}) {
            try {
                PrivateKey key = CertificateFiles.readPrivateKey(data, password);
                PrivateKey again = CertificateFiles.readPrivateKey(
                        CertificateFiles.toPem(key).getBytes(StandardCharsets.US_ASCII), null);
                assertThat(again.getEncoded()).isEqualTo(key.getEncoded());
            } catch (CertificateImportException e) {
                typed(e);
            }
        }
        try {
            PersonalCertificate pc = CertificateFiles.readPkcs12(data, PASSWORD);
            PersonalCertificate again = CertificateFiles.readPkcs12(CertificateFiles.toPkcs12(pc, PASSWORD), PASSWORD);
            assertThat(again.chain()).isEqualTo(pc.chain());
        } catch (CertificateImportException e) {
            typed(e);
        }
        try {
            assertThat(CertificateFiles.readPkcs12Certificates(data, PASSWORD)).isNotEmpty();
        } catch (CertificateImportException e) {
            typed(e);
        }
        try {
            CertificateRequest csr = CertificateRequest.parse(data);
            CertificateRequest der = CertificateRequest.parse(csr.encoded());
            CertificateRequest pem = CertificateRequest.parse(csr.toPem().getBytes(StandardCharsets.US_ASCII));
            for (CertificateRequest again : List.of(der, pem)) {
                assertThat(again.subject()).isEqualTo(csr.subject());
                assertThat(again.publicKey()).isEqualTo(csr.publicKey());
                assertThat(again.dnsNames()).isEqualTo(csr.dnsNames());
                assertThat(again.ipAddresses()).isEqualTo(csr.ipAddresses());
                assertThat(again.requestedPurposes()).isEqualTo(csr.requestedPurposes());
                assertThat(again.signatureValid()).isEqualTo(csr.signatureValid());
            }
            assertThat(csr.toString()).isNotEmpty();
        } catch (CertificateImportException e) {
            typed(e);
        }
    }

    private static void typed(CertificateImportException e) {
        assertThat(e.reason()).isNotNull();
        assertThat(e.getMessage()).isNotBlank();
    }
}
