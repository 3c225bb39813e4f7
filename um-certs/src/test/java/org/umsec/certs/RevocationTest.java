package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.internal.X509Builder;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;

/**
 * Issue 9 item 7, certificate side: CRLs imported into the store only from trusted issuers, never
 * rolled back, listed and removed by id or issuer; revocation under {@link RevocationPolicy#PREFER}
 * and {@link RevocationPolicy#REQUIRE}; outdated CRLs reported; trust changes announced.
 */
class RevocationTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Rev", clock);
    final TestEvents events = new TestEvents();

    @TempDir
    Path dir;

    CertificateStore store;

    @BeforeEach
    void open() throws Exception {
        store = CertificateStore.builder(dir).clock(clock).events(events).open();
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        events.clear();
    }

    private static byte[] pem(X509CRL crl) {
        return CertificateFiles.toPem(crl).getBytes(StandardCharsets.US_ASCII);
    }

    private PeerCertificateValidator validator(RevocationPolicy policy) {
        return PeerCertificateValidator.builder()
                .store(store)
                .clock(clock)
                .revocation(policy)
                .events(events)
                .build();
    }

    private static X509Certificate[] chain(PersonalCertificate pc) {
        return pc.chain().toArray(new X509Certificate[0]);
    }

    @Test
    void importedCrlIsVerifiedListedAndApplied() throws Exception {
        PersonalCertificate revoked = pki.leaf("gw-revoked.rev.test").build();
        PersonalCertificate fine = pki.leaf("gw-fine.rev.test").build();
        PeerCertificateValidator v = validator(RevocationPolicy.PREFER);
        assertThat(v.validate(chain(revoked), PeerRole.CLIENT).isValid()).isTrue();

        List<CrlInfo> in = store.importCrl(pem(pki.revoke(revoked.certificate())));

        assertThat(in).hasSize(1);
        CrlInfo info = store.crls().get(0);
        assertThat(info.id()).startsWith("Rev_Test_Intermediate-");
        assertThat(info.issuer()).isEqualTo(pki.intermediate().certificate().getSubjectX500Principal());
        assertThat(info.revokedCount()).isEqualTo(1);
        assertThat(info.nextUpdate()).contains(NOW.plus(Duration.ofDays(7)));
        assertThat(Files.exists(info.file())).isTrue();
        SecurityEvent e = events.of(SecurityEventType.CERTIFICATE_IMPORTED).get(0);
        assertThat(e.field("kind")).contains("crl");
        assertThat(v.validate(chain(revoked), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOKED);
        assertThat(v.validate(chain(fine), PeerRole.CLIENT).isValid()).isTrue();
    }

    @Test
    void crlsFromUntrustedIssuersAreRefusedAndNothingIsWritten() throws Exception {
        assertThatThrownBy(() -> store.importCrl("not a crl".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOfSatisfying(
                        CertificateImportException.class,
                        e -> assertThat(e.reason()).isEqualTo(CertificateImportException.Reason.MALFORMED));
        // another PKI
        TestPki other = TestPki.create("Other", clock);
        assertThatThrownBy(() ->
                        store.importCrl(pem(other.revoke(other.leaf("x").build().certificate()))))
                .isInstanceOfSatisfying(CertificateImportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(CertificateImportException.Reason.UNTRUSTED_ISSUER);
                    assertThat(e.getMessage()).contains("no trusted root or intermediate of that name");
                });
        // an impostor CA with the trusted intermediate's name but its own key: an attacker's CRL
        CertificateAuthority impostor = TestPki.create("Rev", clock).intermediate();
        X509CRL forged = impostor.crl(Duration.ofDays(7));
        assertThat(forged.getIssuerX500Principal())
                .isEqualTo(pki.intermediate().certificate().getSubjectX500Principal());
        assertThatThrownBy(() -> store.importCrl(pem(forged)))
                .isInstanceOfSatisfying(CertificateImportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(CertificateImportException.Reason.UNTRUSTED_ISSUER);
                    assertThat(e.getMessage()).contains("signature does not verify");
                });
        // a trusted self-signed gateway (an exact-match pin) is no CRL issuer either
        PersonalCertificate gwx = pki.leaf("gwx.rev.test").selfSigned().build();
        store.addTrustedRoot(gwx.certificate());
        X509CRL byPin = X509Builder.crl(
                gwx.certificate().getSubjectX500Principal(),
                gwx.privateKey(),
                gwx.certificate().getPublicKey(),
                NOW,
                NOW.plus(Duration.ofDays(1)),
                Map.of());
        assertThatThrownBy(() -> store.importCrl(pem(byPin)))
                .isInstanceOfSatisfying(CertificateImportException.class, e -> {
                    assertThat(e.reason()).isEqualTo(CertificateImportException.Reason.UNTRUSTED_ISSUER);
                    assertThat(e.getMessage()).contains("not a CA");
                });
        assertThat(store.crls()).isEmpty();
        try (var files = Files.list(dir.resolve("crl"))) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void anOlderCrlCannotReplaceANewerOne() throws Exception {
        PersonalCertificate revoked = pki.leaf("gw-revoked.rev.test").build();
        X509CRL before = pki.intermediate().crl(Duration.ofDays(7));
        clock.advance(Duration.ofHours(1));
        X509CRL after = pki.revoke(revoked.certificate());
        store.importCrl(pem(after));

        // rollback: the old CRL does not list the revoked certificate
        assertThatThrownBy(() -> store.importCrl(pem(before)))
                .isInstanceOfSatisfying(
                        CertificateImportException.class,
                        e -> assertThat(e.reason()).isEqualTo(CertificateImportException.Reason.OUTDATED));
        assertThat(store.crls())
                .singleElement()
                .satisfies(c -> assertThat(c.revokedCount()).isEqualTo(1));
        assertThat(validator(RevocationPolicy.PREFER)
                        .validate(chain(revoked), PeerRole.CLIENT)
                        .failure())
                .contains(ValidationFailure.REVOKED);
        // a newer one replaces it in the same file
        clock.advance(Duration.ofHours(1));
        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        assertThat(store.crls())
                .singleElement()
                .satisfies(c -> assertThat(c.thisUpdate()).isEqualTo(clock.instant()));
    }

    @Test
    void crlsAreRemovedByIdOrIssuer() throws Exception {
        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        store.importCrl(pem(pki.root().crl(Duration.ofDays(30))));
        assertThat(store.crls()).hasSize(2);
        String interId = store.crls().stream()
                .filter(c -> c.issuerCommonName().equals("Rev Test Intermediate"))
                .findFirst()
                .orElseThrow()
                .id();

        assertThat(store.removeCrl("no such thing")).isEmpty();
        assertThat(store.removeCrl(interId)).extracting(CrlInfo::id).containsExactly(interId);
        assertThat(store.crls()).extracting(CrlInfo::issuerCommonName).containsExactly("Rev Test Root");
        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        assertThat(store.removeCrl(pki.intermediate()
                        .certificate()
                        .getSubjectX500Principal()
                        .getName()))
                .hasSize(1);
        assertThat(store.removeCrl("Rev Test Root")).hasSize(1);
        assertThat(store.crls()).isEmpty();
    }

    @Test
    void trustListenersHearImportsAndRemovalsButNotPersonalChanges() throws Exception {
        AtomicInteger heard = new AtomicInteger();
        long g0 = store.trustGeneration();
        AutoCloseable reg = validator(RevocationPolicy.PREFER).addTrustListener(heard::incrementAndGet);
        store.addPersonal(pki.leaf("um1.rev.test").build());
        assertThat(heard).hasValue(0);
        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        assertThat(heard).hasValue(1);
        store.reload();
        assertThat(heard).hasValue(1);
        store.removeCrl("Rev Test Intermediate");
        assertThat(heard).hasValue(2);
        store.importTrusted(CertificateFiles.toDer(
                pki.leaf("gwx.rev.test").selfSigned().build().certificate()));
        assertThat(heard).hasValue(3);
        reg.close();
        assertThat(store.trustGeneration()).isEqualTo(g0 + 3);
        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        assertThat(heard).hasValue(3);
        // a validator over a fixed snapshot cannot hear changes; registration is harmless
        PeerCertificateValidator fixed =
                PeerCertificateValidator.builder().contents(store.contents()).build();
        fixed.addTrustListener(heard::incrementAndGet).close();
    }

    @Test
    void requirePolicyRefusesPeersWithoutACurrentCrlOfEveryIssuer() throws Exception {
        PersonalCertificate gw = pki.leaf("gw.rev.test").build();
        PeerCertificateValidator require = validator(RevocationPolicy.REQUIRE);
        assertThat(require.revocationPolicy()).isEqualTo(RevocationPolicy.REQUIRE);

        ValidationResult none = require.validate(chain(gw), PeerRole.CLIENT);
        assertThat(none.failure()).contains(ValidationFailure.REVOCATION_UNKNOWN);
        assertThat(none.failingIndex()).isZero();
        assertThat(none.detail()).contains("no CRL of", "Rev Test Intermediate");

        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        ValidationResult noRootCrl = require.validate(chain(gw), PeerRole.CLIENT);
        assertThat(noRootCrl.failure()).contains(ValidationFailure.REVOCATION_UNKNOWN);
        assertThat(noRootCrl.failingIndex()).isEqualTo(1);

        store.importCrl(pem(pki.root().crl(Duration.ofDays(30))));
        assertThat(require.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        // PREFER, the default, accepted all along
        assertThat(PeerCertificateValidator.builder()
                        .store(store)
                        .clock(clock)
                        .build()
                        .revocationPolicy())
                .isEqualTo(RevocationPolicy.PREFER);
        // a pinned self-signed gateway has no issuer to publish a CRL: not subject to the policy
        PersonalCertificate gwx = pki.leaf("gwx.rev.test").selfSigned().build();
        store.addTrustedRoot(gwx.certificate());
        assertThat(require.validate(chain(gwx), PeerRole.CLIENT).isValid()).isTrue();
    }

    @Test
    void crlPastItsNextUpdateRaisesOneEventAndFailsPeersUnderRequire() throws Exception {
        PersonalCertificate gw = pki.leaf("gw.rev.test").build();
        PersonalCertificate revoked = pki.leaf("gw-revoked.rev.test").build();
        store.importCrl(pem(pki.revoke(revoked.certificate())));
        store.importCrl(pem(pki.root().crl(Duration.ofDays(30))));
        PeerCertificateValidator require = validator(RevocationPolicy.REQUIRE);
        PeerCertificateValidator prefer = validator(RevocationPolicy.PREFER);
        assertThat(require.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(require.reportStaleCrls()).isZero();
        assertThat(events.of(SecurityEventType.CRL_STALE)).isEmpty();

        clock.advance(Duration.ofDays(7).plusSeconds(1));

        assertThat(require.reportStaleCrls()).isEqualTo(1);
        assertThat(require.reportStaleCrls()).isEqualTo(1);
        List<SecurityEvent> stale = events.of(SecurityEventType.CRL_STALE);
        assertThat(stale).hasSize(1);
        assertThat(stale.get(0).field("issuer").orElseThrow()).contains("Rev Test Intermediate");
        assertThat(stale.get(0).field("nextUpdate"))
                .contains(NOW.plus(Duration.ofDays(7)).toString());
        ValidationResult r = require.validate(chain(gw), PeerRole.CLIENT);
        assertThat(r.failure()).contains(ValidationFailure.REVOCATION_UNKNOWN);
        assertThat(r.detail()).contains("past its nextUpdate");
        assertThat(events.of(SecurityEventType.CRL_STALE)).hasSize(1);
        // PREFER: the peer gets in, its own validator reports the stale CRL once, entries still count
        assertThat(prefer.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(prefer.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(events.of(SecurityEventType.CRL_STALE)).hasSize(2);
        assertThat(prefer.validate(chain(revoked), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOKED);
        // a fresh CRL heals
        store.importCrl(pem(pki.intermediate().crl(Duration.ofDays(7))));
        assertThat(require.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(require.validate(chain(revoked), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOKED);
    }
}
