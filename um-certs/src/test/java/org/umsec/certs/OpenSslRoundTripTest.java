package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.umsec.certs.testing.TestPki;

/**
 * Interoperability with the {@code openssl} command-line tool: requests made here signed by
 * {@code openssl x509 -req}, PKCS#12 files made by {@code openssl pkcs12 -export} imported here, and
 * the reverse directions. Skipped, with a logged reason, where openssl is absent.
 */
class OpenSslRoundTripTest {
    static boolean available;

    @TempDir
    Path dir;

    final Clock clock = Clock.systemUTC();
    final TestPki pki = TestPki.create("OpenSSL", clock);

    @BeforeAll
    static void probe() {
        try {
            available = run(Path.of("."), "openssl", "version").startsWith("OpenSSL");
        } catch (IOException | InterruptedException e) {
            available = false;
        }
        if (!available) {
            LoggerFactory.getLogger(OpenSslRoundTripTest.class)
                    .warn("openssl not found on PATH: round-trip tests skipped");
        }
    }

    private static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    private String openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        return run(dir, cmd.toArray(new String[0]));
    }

    @Test
    void umsecRequestSignedByOpensslImportsAndSelects() throws Exception {
        requireOpenssl();
        CertificateStore store =
                CertificateStore.builder(dir.resolve("store")).clock(clock).open();
        PendingRequest req = store.createRequest(
                CertificateRequest.builder()
                        .subject("CN=um1.openssl.test,O=Contoso")
                        .dnsName("um1.openssl.test")
                        .ipAddress("198.51.100.7"),
                KeyAlgorithm.RSA_2048);
        Files.writeString(dir.resolve("req.csr"), req.request().toPem());
        // openssl checks our request's signature
        assertThat(openssl("req", "-in", "req.csr", "-noout", "-verify")).containsIgnoringCase("verify OK");

        // a CA made entirely by openssl
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-subj",
                "/CN=OpenSSL Lab CA",
                "-days",
                "30");
        Files.writeString(
                dir.resolve("ext.cnf"),
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                        + "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:um1.openssl.test,IP:198.51.100.7\n");
        openssl(
                "x509",
                "-req",
                "-in",
                "req.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "signed.crt",
                "-days",
                "20",
                "-extfile",
                "ext.cnf");

        store.importTrusted(Files.readAllBytes(dir.resolve("ca.crt")));
        PersonalCertificate pc = store.importSignedCertificate(Files.readAllBytes(dir.resolve("signed.crt")));
        assertThat(pc.alias()).isEqualTo(req.alias());
        assertThat(pc.info().subject().getName()).isEqualTo("CN=um1.openssl.test,O=Contoso");
        assertThat(pc.info().identity().ipAddresses()).containsExactly("198.51.100.7");
        // thumbprint agrees with openssl's SHA-1 fingerprint
        String fp = openssl("x509", "-in", "signed.crt", "-noout", "-fingerprint", "-sha1");
        assertThat(fp.trim()).endsWith(colonHex(pc.info().sha1Thumbprint()));
        String serial = openssl("x509", "-in", "signed.crt", "-noout", "-serial");
        assertThat(serial.trim())
                .isEqualToIgnoringCase("serial=" + pad(pc.info().serialNumberHex()));

        SelectionResult r =
                CertificateSelector.select(store.contents(), SelectionCriteria.serverAndClientAuth(), clock);
        assertThat(r.selected().orElseThrow().certificate().alias()).isEqualTo(req.alias());
        assertThat(r.selected().orElseThrow().kind()).isEqualTo(CertificateKind.CA_ISSUED);
    }

    @Test
    void opensslPkcs12ImportsWithItsChainAndRejectsWrongPassword() throws Exception {
        requireOpenssl();
        PersonalCertificate gw = pki.leaf("gw.openssl.test").build();
        Files.writeString(dir.resolve("gw.key"), CertificateFiles.toPem(gw.privateKey()));
        Files.writeString(dir.resolve("gw.crt"), CertificateFiles.toPem(gw.certificate()));
        Files.writeString(
                dir.resolve("chain.crt"),
                CertificateFiles.toPem(pki.intermediate().certificate()));
        openssl(
                "pkcs12",
                "-export",
                "-inkey",
                "gw.key",
                "-in",
                "gw.crt",
                "-certfile",
                "chain.crt",
                "-name",
                "gateway",
                "-passout",
                "pass:s3cret",
                "-out",
                "gw.p12");
        byte[] p12 = Files.readAllBytes(dir.resolve("gw.p12"));

        CertificateStore store =
                CertificateStore.builder(dir.resolve("store")).clock(clock).open();
        assertThatThrownBy(() -> store.importPkcs12(p12, "nope".toCharArray()))
                .isInstanceOf(CertificateImportException.class)
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.WRONG_PASSWORD);
        PersonalCertificate imported = store.importPkcs12(p12, "s3cret".toCharArray());
        assertThat(imported.certificate()).isEqualTo(gw.certificate());
        assertThat(imported.chain())
                .containsExactly(gw.certificate(), pki.intermediate().certificate());
        assertThat(imported.privateKey().getEncoded()).isEqualTo(gw.privateKey().getEncoded());

        // legacy algorithms (RC2/3DES, as older Windows exports) import too
        openssl(
                "pkcs12",
                "-export",
                "-legacy",
                "-inkey",
                "gw.key",
                "-in",
                "gw.crt",
                "-passout",
                "pass:old",
                "-out",
                "legacy.p12");
        assertThat(CertificateFiles.readPkcs12(Files.readAllBytes(dir.resolve("legacy.p12")), "old".toCharArray())
                        .certificate())
                .isEqualTo(gw.certificate());
    }

    @Test
    void umsecExportsAreReadByOpenssl() throws Exception {
        requireOpenssl();
        PersonalCertificate pc = pki.leaf("um1.openssl.test").build();
        Files.write(dir.resolve("um.p12"), CertificateFiles.toPkcs12(pc, "pw".toCharArray()));
        String info = openssl("pkcs12", "-in", "um.p12", "-passin", "pass:pw", "-nodes");
        List<X509Certificate> certs = CertificateFiles.readCertificates(info.getBytes(StandardCharsets.US_ASCII));
        assertThat(certs).containsExactlyInAnyOrderElementsOf(pc.chain());
        assertSameKey(CertificateFiles.readPrivateKey(info.getBytes(StandardCharsets.US_ASCII), null), pc);

        // public part for gateways, DER and PEM
        Files.write(dir.resolve("um.der"), CertificateFiles.toDer(pc.certificate()));
        assertThat(openssl("x509", "-inform", "DER", "-in", "um.der", "-noout", "-subject"))
                .contains("um1.openssl.test");

        // an encrypted PKCS#8 key written by openssl reads with its password only
        Files.writeString(dir.resolve("plain.key"), CertificateFiles.toPem(pc.privateKey()));
        openssl("pkcs8", "-topk8", "-in", "plain.key", "-passout", "pass:kpw", "-out", "enc.key");
        byte[] enc = Files.readAllBytes(dir.resolve("enc.key"));
        assertSameKey(CertificateFiles.readPrivateKey(enc, "kpw".toCharArray()), pc);
        assertThatThrownBy(() -> CertificateFiles.readPrivateKey(enc, "bad".toCharArray()))
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.WRONG_PASSWORD);
        assertThatThrownBy(() -> CertificateFiles.readPrivateKey(enc, null))
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.WRONG_PASSWORD);
        // a traditional "EC PRIVATE KEY" from openssl
        openssl("ec", "-in", "plain.key", "-out", "trad.key");
        assertThat(Files.readString(dir.resolve("trad.key"))).contains("BEGIN EC PRIVATE KEY");
        assertSameKey(CertificateFiles.readPrivateKey(Files.readAllBytes(dir.resolve("trad.key")), null), pc);
    }

    @Test
    void opensslSelfSignedCertificateIsClassifiedSelfSigned() throws Exception {
        requireOpenssl();
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ss.key",
                "-out",
                "ss.crt",
                "-subj",
                "/CN=gw.selfsigned.test",
                "-addext",
                "subjectAltName=DNS:gw.selfsigned.test",
                "-addext",
                "extendedKeyUsage=serverAuth",
                "-days",
                "10");
        CertificateStore store =
                CertificateStore.builder(dir.resolve("store")).clock(clock).open();
        PersonalCertificate pc = store.importPem(
                Files.readAllBytes(dir.resolve("ss.crt")), Files.readAllBytes(dir.resolve("ss.key")), null);
        assertThat(pc.info().kind()).isEqualTo(CertificateKind.SELF_SIGNED);
        SelectionResult r = CertificateSelector.select(store.contents(), SelectionCriteria.serverAuth(), clock);
        assertThat(r.selected().orElseThrow().tier()).contains(SelectionTier.SELF_SIGNED_LONGEST);
    }

    /** OpenSSL's PKCS#8 also carries the public point; compare the private scalar and prove possession. */
    private static void assertSameKey(java.security.PrivateKey key, PersonalCertificate pc) throws Exception {
        assertThat(((java.security.interfaces.ECPrivateKey) key).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) pc.privateKey()).getS());
        CertificateFiles.checkKeyMatches(key, pc.certificate());
    }

    private static String colonHex(String hex) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(hex, i, i + 2);
        }
        return sb.toString();
    }

    private static String pad(String hex) {
        return hex.length() % 2 == 1 ? "0" + hex : hex;
    }

    /** Skips without openssl, except in CI ({@code UMSEC_REQUIRE_TOOLS} set by .ci/run), where it fails. */
    private static void requireOpenssl() {
        if (System.getenv("UMSEC_REQUIRE_TOOLS") != null && !available) {
            throw new AssertionError("openssl is required (UMSEC_REQUIRE_TOOLS is set) but not installed");
        }
        Assumptions.assumeTrue(available, "openssl not installed");
    }
}
