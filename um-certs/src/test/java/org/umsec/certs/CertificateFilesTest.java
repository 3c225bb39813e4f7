package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.umsec.certs.CertificateImportException.Reason;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;

class CertificateFilesTest {
    final MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    final TestPki pki = TestPki.create("Files", clock);
    final PersonalCertificate pc = pki.leaf("f.files.test").build();

    private static void fails(Reason reason, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOf(CertificateImportException.class)
                .satisfies(e -> assertThat(((CertificateImportException) e).reason())
                        .as(e.getMessage())
                        .isEqualTo(reason));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void pemAndDerRoundTrip() throws Exception {
        assertThat(CertificateFiles.readCertificates(ascii(CertificateFiles.toPem(pc.chain()))))
                .isEqualTo(pc.chain());
        assertThat(CertificateFiles.readCertificates(CertificateFiles.toDer(pc.certificate())))
                .containsExactly(pc.certificate());
        // CRLF line endings and surrounding text are fine
        String crlf =
                "Bag Attributes\r\n" + CertificateFiles.toPem(pc.certificate()).replace("\n", "\r\n");
        assertThat(CertificateFiles.readCertificates(ascii(crlf))).containsExactly(pc.certificate());
        assertThat(CertificateFiles.readPrivateKey(ascii(CertificateFiles.toPem(pc.privateKey())), null))
                .isEqualTo(pc.privateKey());
        assertThat(CertificateFiles.readPrivateKey(pc.privateKey().getEncoded(), null))
                .isEqualTo(pc.privateKey());
        var crl = pki.revoke(pc.certificate());
        assertThat(CertificateFiles.readCrls(ascii(CertificateFiles.toPem(crl))))
                .containsExactly(crl);
        assertThat(CertificateFiles.readCrls(crl.getEncoded())).containsExactly(crl);
    }

    @Test
    void pkcs12RoundTripAndErrors() throws Exception {
        byte[] p12 = CertificateFiles.toPkcs12(pc, "pw".toCharArray());
        PersonalCertificate back = CertificateFiles.readPkcs12(p12, "pw".toCharArray());
        assertThat(back.chain()).isEqualTo(pc.chain());
        assertThat(back.privateKey()).isEqualTo(pc.privateKey());
        fails(Reason.WRONG_PASSWORD, () -> CertificateFiles.readPkcs12(p12, "wrong".toCharArray()));
        fails(
                Reason.MALFORMED,
                () -> CertificateFiles.readPkcs12(Arrays.copyOf(p12, p12.length / 2), "pw".toCharArray()));
        fails(Reason.MALFORMED, () -> CertificateFiles.readPkcs12(ascii("garbage garbage"), "pw".toCharArray()));
        assertThatThrownBy(() -> CertificateFiles.toPkcs12(pc, new char[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(CertificateFiles.readPkcs12Certificates(p12, "pw".toCharArray()))
                .contains(pc.certificate());
    }

    @Test
    void garbageTruncatedEmptyAndHugeInputsFailClearly() {
        String pem = CertificateFiles.toPem(pc.certificate());
        fails(Reason.MALFORMED, () -> CertificateFiles.readCertificates(new byte[0]));
        fails(Reason.MALFORMED, () -> CertificateFiles.readCertificates(ascii("hello world")));
        fails(Reason.MALFORMED, () -> CertificateFiles.readCertificates(ascii(pem.substring(0, pem.length() - 40))));
        byte[] der = CertificateFiles.toDer(pc.certificate());
        fails(Reason.MALFORMED, () -> CertificateFiles.readCertificates(Arrays.copyOf(der, der.length - 10)));
        fails(
                Reason.MALFORMED,
                () -> CertificateFiles.readCertificates(
                        ascii("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n")));
        fails(
                Reason.NO_CERTIFICATE,
                () -> CertificateFiles.readCertificates(ascii(CertificateFiles.toPem(pc.privateKey()))));
        fails(
                Reason.TOO_LARGE,
                () -> CertificateFiles.readCertificates(new byte[CertificateFiles.MAX_INPUT_BYTES + 1]));
        fails(Reason.NO_PRIVATE_KEY, () -> CertificateFiles.readPrivateKey(ascii(pem), null));
        fails(Reason.MALFORMED, () -> CertificateFiles.readPrivateKey(ascii("not a key"), null));
        fails(
                Reason.MALFORMED,
                () -> CertificateFiles.readCrls(ascii("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")));
        fails(Reason.MALFORMED, () -> CertificateRequest.parse(ascii("nonsense")));
        fails(Reason.TOO_LARGE, () -> CertificateRequest.parse(new byte[CertificateRequest.MAX_ENCODED_BYTES + 1]));
    }

    /** Found by Jazzer: a request whose subject BouncyCastle reads but the JDK refuses ("AVA not a sequence"). */
    @Test
    void requestWithASubjectTheJdkRefusesIsMalformedAtImport() throws Exception {
        byte[] input;
        try (java.io.InputStream in = getClass()
                .getResourceAsStream("CertificateFilesFuzzTestInputs/importAny/finding-csr-subject-the-jdk-refuses")) {
            input = in.readAllBytes();
        }
        fails(Reason.MALFORMED, () -> CertificateRequest.parse(input));
    }

    /** Found by Jazzer: a subjectAltName with a bad implicit tag makes BouncyCastle throw IllegalStateException. */
    @Test
    void requestWithAMalformedSubjectAltNameIsMalformedAtImport() throws Exception {
        byte[] input;
        try (java.io.InputStream in = getClass()
                .getResourceAsStream("CertificateFilesFuzzTestInputs/importAny/finding-csr-san-bad-implicit-tag")) {
            input = in.readAllBytes();
        }
        fails(Reason.MALFORMED, () -> CertificateRequest.parse(input));
    }

    @Test
    void keyMismatchIsDetected() throws Exception {
        PersonalCertificate other = pki.leaf("o.files.test").build();
        CertificateFiles.checkKeyMatches(pc.privateKey(), pc.certificate());
        fails(Reason.KEY_MISMATCH, () -> CertificateFiles.checkKeyMatches(other.privateKey(), pc.certificate()));
        PersonalCertificate rsa =
                pki.leaf("r.files.test").keyAlgorithm(KeyAlgorithm.RSA_2048).build();
        fails(Reason.KEY_MISMATCH, () -> CertificateFiles.checkKeyMatches(rsa.privateKey(), pc.certificate()));
        PersonalCertificate mixed = PersonalCertificate.of("mixed", other.privateKey(), List.of(pc.certificate()));
        fails(
                Reason.KEY_MISMATCH,
                () -> CertificateFiles.readPkcs12(
                        CertificateFiles.toPkcs12(mixed, "pw".toCharArray()), "pw".toCharArray()));
    }
}
