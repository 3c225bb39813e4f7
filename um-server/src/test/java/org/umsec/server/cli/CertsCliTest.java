package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertPath;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;

/** {@code umsec certs}: remove, untrust, dropped requests, export formats and the advice and warnings around trust. */
class CertsCliTest {

    static final TestPki PKI = TestPki.create("Certs CLI", Clock.systemUTC());

    @TempDir
    Path dir;

    Path store;
    PersonalCertificate caIssued;

    @BeforeEach
    void storeWithACaIssuedCertificate() throws Exception {
        store = dir.resolve("certs");
        CertificateStore st = CertificateStore.open(store);
        caIssued = PKI.leaf("um.example.test").alias("um1").build();
        st.addPersonal(caIssued);
        st.addTrustedRoot(PKI.rootCertificate());
    }

    CliRunner certs(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "certs";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--store";
        all[args.length + 2] = store.toString();
        return CliRunner.run(all);
    }

    static X509Certificate read(Path p) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(p)));
    }

    @Test
    void exportingACaIssuedCertificateAdvisesTrustingTheRootAndExportsIt() throws Exception {
        CliRunner pem = certs(
                "export", "--alias", "um1", "--out", dir.resolve("um1.pem").toString());
        assertThat(pem.exit()).as(pem.err()).isZero();
        assertThat(pem.out())
                .contains(
                        "issued by the CA",
                        "peers should trust that CA's root, not this certificate",
                        "umsec certs export --root --alias um1");
        assertThat(read(dir.resolve("um1.pem"))).isEqualTo(caIssued.certificate());

        CliRunner root = certs(
                "export",
                "--root",
                "--alias",
                "um1",
                "--out",
                dir.resolve("root.pem").toString());
        assertThat(root.exit()).as(root.err()).isZero();
        assertThat(read(dir.resolve("root.pem"))).isEqualTo(PKI.rootCertificate());
        assertThat(root.out()).contains("import it on the peer as a trusted root");
    }

    @Test
    void exportsDerPkcs7AndPkcs12WithThePasswordFromAFile() throws Exception {
        assertThat(certs(
                                "export",
                                "--alias",
                                "um1",
                                "--format",
                                "DER",
                                "--out",
                                dir.resolve("um1.der").toString())
                        .exit())
                .isZero();
        assertThat(read(dir.resolve("um1.der"))).isEqualTo(caIssued.certificate());
        assertThat(Files.readAllBytes(dir.resolve("um1.der")))
                .isEqualTo(caIssued.certificate().getEncoded());

        assertThat(certs(
                                "export",
                                "--alias",
                                "um1",
                                "--format",
                                "PKCS7",
                                "--out",
                                dir.resolve("um1.p7b").toString())
                        .exit())
                .isZero();
        CertPath path = CertificateFactory.getInstance("X.509")
                .generateCertPath(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("um1.p7b"))), "PKCS7");
        // a PKCS#7 certificate set has no order
        assertThat(new java.util.ArrayList<Object>(path.getCertificates()))
                .containsExactlyInAnyOrderElementsOf(caIssued.chain());

        Path pwFile = Files.writeString(dir.resolve("pw.txt"), "s3cret pass\nignored second line\n");
        CliRunner p12 = certs(
                "export",
                "--alias",
                "um1",
                "--format",
                "PKCS12",
                "--password",
                "file:" + pwFile,
                "--out",
                dir.resolve("um1.p12").toString());
        assertThat(p12.exit()).as(p12.err()).isZero();
        assertThat(p12.out()).contains("with the private key");
        assertThat(Files.getPosixFilePermissions(dir.resolve("um1.p12")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(Files.newInputStream(dir.resolve("um1.p12")), "s3cret pass".toCharArray());
        String entry = ks.aliases().nextElement();
        assertThat(ks.getKey(entry, "s3cret pass".toCharArray())).isEqualTo(caIssued.privateKey());
        assertThat(ks.getCertificate(entry)).isEqualTo(caIssued.certificate());
        // and back into another store with pass:
        CliRunner back = CliRunner.run(
                "certs",
                "import",
                "--pkcs12",
                dir.resolve("um1.p12").toString(),
                "--password",
                "pass:s3cret pass",
                "--store",
                dir.resolve("other").toString());
        assertThat(back.exit()).as(back.err()).isZero();
        // the other store does not trust the CA: it says so
        assertThat(back.err()).contains("Warning", "does not trust", "umsec certs trust ROOT.pem");

        // usage errors: 2
        assertThat(certs(
                                "export",
                                "--alias",
                                "um1",
                                "--format",
                                "PKCS12",
                                "--out",
                                dir.resolve("x.p12").toString())
                        .exit())
                .isEqualTo(2);
        assertThat(certs(
                                "export",
                                "--alias",
                                "um1",
                                "--password",
                                "x",
                                "--out",
                                dir.resolve("x.pem").toString())
                        .exit())
                .isEqualTo(2);
        assertThat(certs(
                                "export",
                                "--root",
                                "--format",
                                "PKCS12",
                                "--password",
                                "x",
                                "--out",
                                dir.resolve("x.p12").toString())
                        .exit())
                .isEqualTo(2);
        CliRunner noFile = certs(
                "export",
                "--alias",
                "um1",
                "--format",
                "PKCS12",
                "--password",
                "file:" + dir.resolve("missing"),
                "--out",
                dir.resolve("x.p12").toString());
        assertThat(noFile.exit()).isEqualTo(1);
        assertThat(noFile.err()).contains("no such file", "missing");
        assertThat(dir.resolve("x.p12")).doesNotExist();
    }

    @Test
    void passwordSourcesAreLikeOpensslPassin() throws Exception {
        assertThat(Passwords.resolve("env:UMSEC_PW", Map.of("UMSEC_PW", "from env")))
                .isEqualTo("from env".toCharArray());
        assertThatThrownBy(() -> Passwords.resolve("env:NOPE", Map.of()))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("NOPE is not set");
        assertThat(Passwords.resolve("pass:env:literal", Map.of())).isEqualTo("env:literal".toCharArray());
        assertThat(Passwords.resolve("plain", Map.of())).isEqualTo("plain".toCharArray());
        Path crlf = Files.writeString(dir.resolve("crlf"), "windows\r\n");
        assertThat(Passwords.resolve("file:" + crlf, Map.of())).isEqualTo("windows".toCharArray());
        assertThatThrownBy(() -> Passwords.resolve("file:" + dir, Map.of()))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("is a directory");
        Path big = Files.write(dir.resolve("big"), new byte[Passwords.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> Passwords.resolve("file:" + big, Map.of()))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("larger than");
    }

    @Test
    void untrustRemovesARootByThumbprint() throws Exception {
        String sha1 = CertificateInfo.of(PKI.rootCertificate()).sha1Thumbprint();
        CliRunner r = certs("untrust", sha1.toLowerCase(java.util.Locale.ROOT));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("No longer trusted", sha1);
        assertThat(CertificateStore.open(store).contents().trustedRoots()).doesNotContain(PKI.rootCertificate());
        CliRunner again = certs("untrust", sha1);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("no trusted root with thumbprint");
        assertThat(certs("untrust", "not-hex").exit()).isEqualTo(2);
        // by SHA-256, after trusting it again
        assertThat(certs(
                                "trust",
                                Files.writeString(
                                                dir.resolve("root.pem"), CertificateFiles.toPem(PKI.rootCertificate()))
                                        .toString())
                        .exit())
                .isZero();
        assertThat(certs("untrust", CertificateInfo.of(PKI.rootCertificate()).sha256Thumbprint())
                        .exit())
                .isZero();
        assertThat(CertificateStore.open(store).contents().trustedRoots()).isEmpty();
    }

    @Test
    void trustingACaIssuedLeafWarns() throws Exception {
        Path leaf = Files.writeString(
                dir.resolve("gw.pem"),
                CertificateFiles.toPem(PKI.leaf("gw1.example.test").build().certificate()));
        CliRunner r = certs("trust", leaf.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err())
                .contains(
                        "Warning",
                        "is a leaf certificate issued by the CA",
                        "trust that CA's root instead",
                        "umsec certs untrust");
        Path root = Files.writeString(dir.resolve("root.pem"), CertificateFiles.toPem(PKI.rootCertificate()));
        assertThat(certs("trust", root.toString()).err()).doesNotContain("Warning");
    }

    @Test
    void removeDeletesPersonalCertificatesAndDropsPendingRequests() throws Exception {
        CliRunner req = certs(
                "request",
                "--dns",
                "um2.example.test",
                "--out",
                dir.resolve("um2.csr").toString());
        assertThat(req.exit()).as(req.err()).isZero();
        String requestAlias =
                CertificateStore.open(store).pendingRequests().get(0).alias();
        CliRunner wrongKind = certs("remove", requestAlias);
        assertThat(wrongKind.exit()).isEqualTo(1);
        assertThat(wrongKind.err()).contains("is a pending request", "--request");
        CliRunner drop = certs("remove", "--request", requestAlias);
        assertThat(drop.exit()).as(drop.err()).isZero();
        assertThat(CertificateStore.open(store).pendingRequests()).isEmpty();
        assertThat(Files.list(store.resolve("requests")).toList()).isEmpty();

        CliRunner rm = certs("remove", "um1");
        assertThat(rm.exit()).as(rm.err()).isZero();
        assertThat(CertificateStore.open(store).personal("um1")).isEmpty();
        assertThat(certs("remove", "um1").exit()).isEqualTo(1);
        assertThat(certs("remove", "--request", "nope").exit()).isEqualTo(1);
        assertThat(certs("remove", "../escape").exit()).isNotZero();
        assertThat(certs("remove").exit()).isEqualTo(2);
    }

    @Test
    void importSignedWarnsWhenTheRootIsNotTrustedHere() throws Exception {
        assertThat(certs(
                                "request",
                                "--dns",
                                "um3.example.test",
                                "--out",
                                dir.resolve("um3.csr").toString())
                        .exit())
                .isZero();
        // a lab CA in another store signs it: this store does not trust that CA
        Path caStore = dir.resolve("ca-store");
        CliRunner sign = CliRunner.run(
                "certs",
                "sign",
                "--csr",
                dir.resolve("um3.csr").toString(),
                "--out",
                dir.resolve("um3.pem").toString(),
                "--store",
                caStore.toString());
        assertThat(sign.exit()).as(sign.err()).isZero();
        CliRunner imp = certs("import", "--signed", dir.resolve("um3.pem").toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.err()).contains("Warning", "umsec lab CA lab-ca", "does not trust");
        // once the CA root is trusted, the same kind of import is quiet
        CliRunner rootOut = CliRunner.run(
                "certs",
                "export",
                "--ca",
                "lab-ca",
                "--out",
                dir.resolve("lab.pem").toString(),
                "--store",
                caStore.toString());
        assertThat(rootOut.exit()).isZero();
        assertThat(certs("trust", dir.resolve("lab.pem").toString()).exit()).isZero();
        assertThat(certs(
                                "request",
                                "--dns",
                                "um4.example.test",
                                "--out",
                                dir.resolve("um4.csr").toString())
                        .exit())
                .isZero();
        assertThat(CliRunner.run(
                                "certs",
                                "sign",
                                "--csr",
                                dir.resolve("um4.csr").toString(),
                                "--out",
                                dir.resolve("um4.pem").toString(),
                                "--store",
                                caStore.toString())
                        .exit())
                .isZero();
        CliRunner quiet = certs("import", "--signed", dir.resolve("um4.pem").toString());
        assertThat(quiet.exit()).isZero();
        assertThat(quiet.err()).doesNotContain("Warning");
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(certs("import").exit()).isEqualTo(2);
        assertThat(certs("import", "--cert", "x.pem").exit()).isEqualTo(2);
        assertThat(certs("new-self-signed").exit()).isEqualTo(2);
        assertThat(certs("request", "--out", dir.resolve("r.csr").toString()).exit())
                .isEqualTo(2);
        assertThat(certs(
                                "export",
                                "--ca",
                                "lab",
                                "--root",
                                "--out",
                                dir.resolve("x.pem").toString())
                        .exit())
                .isEqualTo(2);
        assertThat(certs(
                                "export",
                                "--format",
                                "XML",
                                "--out",
                                dir.resolve("x.pem").toString())
                        .exit())
                .isEqualTo(2);
    }
}
