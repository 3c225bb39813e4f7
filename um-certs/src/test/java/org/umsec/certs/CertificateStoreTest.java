package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEventType;

class CertificateStoreTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Store", clock);
    final TestEvents events = new TestEvents();

    private CertificateStore open() throws Exception {
        return CertificateStore.builder(dir).clock(clock).events(events).open();
    }

    @Test
    void everythingPersistsAcrossReopen() throws Exception {
        CertificateStore store = open();
        PersonalCertificate leaf = pki.leaf("um1.store.test").alias("um1").build();
        store.addPersonal(leaf);
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        PersonalCertificate revoked = pki.leaf("gone.store.test").build();
        store.addCrl(pki.revoke(revoked.certificate()));

        CertificateStore again = open();
        StoreContents c = again.contents();
        assertThat(c.personal()).singleElement().satisfies(p -> {
            assertThat(p.alias()).isEqualTo("um1");
            assertThat(p.chain()).isEqualTo(leaf.chain());
            assertThat(p.privateKey().getEncoded()).isEqualTo(leaf.privateKey().getEncoded());
        });
        assertThat(c.trustedRoots()).containsExactly(pki.rootCertificate());
        assertThat(c.intermediates()).containsExactly(pki.intermediate().certificate());
        assertThat(c.crls())
                .singleElement()
                .satisfies(
                        crl -> assertThat(crl.isRevoked(revoked.certificate())).isTrue());
        assertThat(again.skippedFiles()).isEmpty();
        // the reloaded store selects the same certificate
        assertThat(CertificateSelector.select(c, SelectionCriteria.serverAuth(), clock)
                        .selected()
                        .orElseThrow()
                        .certificate()
                        .alias())
                .isEqualTo("um1");
        assertThat(events.of(SecurityEventType.CERTIFICATE_IMPORTED)).hasSize(1); // the trusted root
    }

    @Test
    void privateKeysAreOwnerOnlyAndNoTemporaryFilesRemain() throws Exception {
        CertificateStore store = open();
        store.addPersonal(pki.leaf("k.store.test").alias("k").build());
        assertThat(Files.getPosixFilePermissions(dir.resolve("personal/k.key")))
                .isEqualTo(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        try (Stream<Path> s = Files.walk(dir)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith(".")))
                    .isEmpty();
        }
        assertThat(Files.readString(dir.resolve("personal/k.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(dir.resolve("personal/k.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void replacingAnAliasOverwritesAtomically() throws Exception {
        CertificateStore store = open();
        store.addPersonal(pki.leaf("a.store.test").alias("srv").build());
        PersonalCertificate second = pki.leaf("b.store.test").alias("srv").build();
        store.addPersonal(second);
        assertThat(store.contents().personal())
                .singleElement()
                .satisfies(p -> assertThat(p.certificate()).isEqualTo(second.certificate()));
        assertThat(store.removePersonal("srv")).isTrue();
        assertThat(store.contents().personal()).isEmpty();
        assertThat(store.removePersonal("srv")).isFalse();
    }

    @Test
    void unreadableFilesAreSkippedWithAnEventAndTheRestLoads() throws Exception {
        CertificateStore store = open();
        PersonalCertificate good = pki.leaf("good.store.test").alias("good").build();
        store.addPersonal(good);
        String pem = CertificateFiles.toPem(pki.leaf("t.store.test").build().certificate());
        Files.writeString(dir.resolve("personal/garbage.crt"), "this is not a certificate");
        Files.writeString(dir.resolve("personal/garbage.key"), CertificateFiles.toPem(good.privateKey()));
        Files.writeString(dir.resolve("personal/truncated.crt"), pem.substring(0, pem.length() / 2));
        Files.writeString(dir.resolve("personal/truncated.key"), CertificateFiles.toPem(good.privateKey()));
        Files.writeString(dir.resolve("personal/nokey.crt"), pem);
        Files.writeString(dir.resolve("personal/orphan.key"), CertificateFiles.toPem(good.privateKey()));
        Files.writeString(dir.resolve("personal/badkey.crt"), pem);
        Files.writeString(
                dir.resolve("personal/badkey.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Files.write(
                dir.resolve("personal/wrongpass.p12"),
                CertificateFiles.toPkcs12(pki.leaf("p.store.test").build(), "secret".toCharArray()));
        Files.write(dir.resolve("trusted/binary.der"), new byte[] {0x30, (byte) 0x82, 0x7f, 0x00, 1, 2, 3});
        Files.writeString(dir.resolve("trusted/root.crt"), CertificateFiles.toPem(pki.rootCertificate()));
        Files.writeString(dir.resolve("crl/broken.crl"), "-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n");
        byte[] huge = new byte[CertificateFiles.MAX_INPUT_BYTES + 1];
        Arrays.fill(huge, (byte) 'A');
        Files.write(dir.resolve("intermediate/huge.crt"), huge);
        Files.writeString(dir.resolve("personal/.hidden.tmp-123"), "ignored");
        events.clear();

        store.reload();

        assertThat(store.contents().personal())
                .extracting(PersonalCertificate::alias)
                .containsExactly("good");
        assertThat(store.contents().trustedRoots()).containsExactly(pki.rootCertificate());
        assertThat(store.skippedFiles())
                .extracting(s -> s.file().getFileName().toString())
                .containsExactlyInAnyOrder(
                        "garbage.crt",
                        "truncated.crt",
                        "nokey.crt",
                        "orphan.key",
                        "badkey.key",
                        "wrongpass.p12",
                        "binary.der",
                        "broken.crl",
                        "huge.crt");
        assertThat(store.skippedFiles())
                .filteredOn(s -> s.file().endsWith("truncated.crt"))
                .singleElement()
                .satisfies(s -> assertThat(s.reason()).contains("truncated"));
        assertThat(store.skippedFiles())
                .filteredOn(s -> s.file().endsWith("wrongpass.p12"))
                .singleElement()
                .satisfies(s -> assertThat(s.reason()).contains("password"));
        assertThat(store.skippedFiles())
                .filteredOn(s -> s.file().endsWith("huge.crt"))
                .singleElement()
                .satisfies(s -> assertThat(s.reason()).contains("exceeds"));
        assertThat(events.of(SecurityEventType.CERTIFICATE_FILE_UNREADABLE))
                .hasSize(9)
                .allSatisfy(e -> {
                    assertThat(e.field("file")).isPresent();
                    assertThat(e.field("reason")).isPresent();
                });
        // reloading the same bad files does not repeat the events; changing one does
        events.clear();
        store.reload();
        assertThat(store.skippedFiles()).hasSize(9);
        assertThat(events.all).isEmpty();
        Files.writeString(dir.resolve("personal/garbage.crt"), "still not a certificate, but different");
        store.reload();
        assertThat(events.of(SecurityEventType.CERTIFICATE_FILE_UNREADABLE))
                .singleElement()
                .satisfies(e -> assertThat(e.field("file").orElseThrow()).endsWith("garbage.crt"));
    }

    @Test
    void pkcs12InPersonalDirectoryLoadsWithTheStorePassword() throws Exception {
        PersonalCertificate pc = pki.leaf("p12.store.test").build();
        Files.createDirectories(dir.resolve("personal"));
        Files.write(dir.resolve("personal/gw.pfx"), CertificateFiles.toPkcs12(pc, "pw".toCharArray()));
        CertificateStore store = CertificateStore.builder(dir)
                .clock(clock)
                .pkcs12Password("pw".toCharArray())
                .open();
        assertThat(store.contents().personal()).singleElement().satisfies(p -> {
            assertThat(p.alias()).isEqualTo("gw");
            assertThat(p.certificate()).isEqualTo(pc.certificate());
            assertThat(p.chain()).hasSize(2);
        });
    }

    @Test
    void importsTrustedRootsFromPemAndDer() throws Exception {
        CertificateStore store = open();
        TestPki gw = TestPki.create("Gateway", clock);
        X509Certificate selfSigned = gw.leaf("gw.example").selfSigned().build().certificate();
        store.importTrusted(
                CertificateFiles.toPem(List.of(gw.rootCertificate())).getBytes(StandardCharsets.US_ASCII));
        store.importTrusted(CertificateFiles.toDer(selfSigned));
        assertThat(open().contents().trustedRoots()).containsExactlyInAnyOrder(gw.rootCertificate(), selfSigned);
        assertThat(events.of(SecurityEventType.CERTIFICATE_IMPORTED)).hasSize(2);
        assertThatThrownBy(() -> store.importTrusted("garbage".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(CertificateImportException.class)
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.MALFORMED);
    }

    @Test
    void importsPkcs12AndPemWithClearErrors() throws Exception {
        CertificateStore store = open();
        PersonalCertificate pc = pki.leaf("imp.store.test").build();
        byte[] p12 = CertificateFiles.toPkcs12(pc, "right".toCharArray());
        assertThatThrownBy(() -> store.importPkcs12(p12, "wrong".toCharArray()))
                .isInstanceOf(CertificateImportException.class)
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.WRONG_PASSWORD);
        PersonalCertificate imported = store.importPkcs12(p12, "right".toCharArray());
        assertThat(imported.certificate()).isEqualTo(pc.certificate());
        assertThat(store.personal(imported.alias())).isPresent();

        PersonalCertificate other = pki.leaf("other.store.test").build();
        byte[] certPem = CertificateFiles.toPem(pc.chain()).getBytes(StandardCharsets.US_ASCII);
        byte[] wrongKey = CertificateFiles.toPem(other.privateKey()).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> store.importPem(certPem, wrongKey, null))
                .isInstanceOf(CertificateImportException.class)
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.KEY_MISMATCH);
        assertThat(store.contents().personal()).hasSize(1);
    }

    @Test
    void requestSignImportWorkflow() throws Exception {
        CertificateStore store = open();
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        PendingRequest req = store.createRequest(
                CertificateRequest.builder()
                        .subject("CN=um1.contoso.test,O=Contoso")
                        .dnsName("um1.contoso.test")
                        .ipAddress("192.0.2.10"),
                KeyAlgorithm.EC_P256);
        assertThat(Files.getPosixFilePermissions(dir.resolve("requests/" + req.alias() + ".key")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(open().pendingRequests()).extracting(PendingRequest::alias).containsExactly(req.alias());

        // the CA (elsewhere) signs the PEM request
        CertificateRequest atCa = CertificateRequest.parse(req.request().toPem().getBytes(StandardCharsets.US_ASCII));
        X509Certificate signed = pki.intermediate().sign(atCa, CertificateProfile.COMPUTER, Duration.ofDays(365));

        // an unrelated certificate does not match any request
        assertThatThrownBy(() -> store.importSignedCertificate(
                        CertificateFiles.toDer(pki.leaf("x.test").build().certificate())))
                .isInstanceOf(CertificateImportException.class)
                .extracting(e -> ((CertificateImportException) e).reason())
                .isEqualTo(CertificateImportException.Reason.NO_MATCHING_REQUEST);

        byte[] withChain = CertificateFiles.toPem(
                        List.of(signed, pki.intermediate().certificate()))
                .getBytes(StandardCharsets.US_ASCII);
        PersonalCertificate pc = store.importSignedCertificate(withChain);
        assertThat(pc.alias()).isEqualTo(req.alias());
        assertThat(store.pendingRequests()).isEmpty();
        assertThat(Files.exists(dir.resolve("requests/" + req.alias() + ".key")))
                .isFalse();
        assertThat(pc.info().identity().dnsNames()).containsExactly("um1.contoso.test");
        assertThat(pc.info().identity().ipAddresses()).containsExactly("192.0.2.10");
        assertThat(pc.info().keyPurposes()).containsExactlyInAnyOrder(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH);
        SelectionResult r =
                CertificateSelector.select(open().contents(), SelectionCriteria.serverAndClientAuth(), clock);
        assertThat(r.selected().orElseThrow().certificate().certificate()).isEqualTo(signed);
        assertThat(r.selected().orElseThrow().tier()).contains(SelectionTier.PKI_LONGEST);
    }

    @Test
    void labAuthorityPersists() throws Exception {
        CertificateStore store = open();
        assertThat(store.loadAuthority("lab")).isEmpty();
        store.saveAuthority("lab", pki.intermediate());
        CertificateAuthority loaded = open().loadAuthority("lab").orElseThrow();
        assertThat(loaded.chain()).isEqualTo(pki.intermediate().chain());
        PersonalCertificate issued =
                loaded.issue(CertificateSpec.builder().dnsName("new.store.test").build());
        assertThat(CertificateSelector.select(
                                pki.trust().addPersonal(issued).build(), SelectionCriteria.serverAuth(), clock)
                        .selected())
                .isPresent();
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca/lab.key")))
                .doesNotContain(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);
    }
}
