package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;

/**
 * Issue 13 item 5: the validated-chain cache of {@link PeerCertificateValidator} saves the work of
 * validating a chain seen before, and never changes an outcome. Attacks first: a certificate revoked
 * after it was cached, trust withdrawn, a certificate expiring while cached, a clock set back, and a
 * chain that shares the cached leaf (or its names) but not its signatures.
 */
class ValidatedChainCacheTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Cache", clock);
    final AtomicReference<StoreContents> trust =
            new AtomicReference<>(pki.trust().build());

    @TempDir
    Path dir;

    private PeerCertificateValidator validator(RevocationPolicy policy, int size, Duration maxAge) {
        return PeerCertificateValidator.builder()
                .trust(trust::get)
                .clock(clock)
                .revocation(policy)
                .chainCache(size, maxAge)
                .build();
    }

    private PeerCertificateValidator validator() {
        return validator(RevocationPolicy.PREFER, 16, Duration.ofDays(365));
    }

    private static X509Certificate[] chain(PersonalCertificate pc) {
        return pc.chain().toArray(new X509Certificate[0]);
    }

    @Test
    void aChainSeenBeforeIsAnsweredFromTheCache() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator();

        ValidationResult first = v.validate(chain(gw), PeerRole.CLIENT);
        ValidationResult second = v.validate(chain(gw), PeerRole.CLIENT);

        assertThat(first.isValid()).isTrue();
        assertThat(second.isValid()).isTrue();
        assertThat(second.path()).isEqualTo(first.path());
        assertThat(v.cacheStatistics()).isEqualTo(new PeerCertificateValidator.CacheStatistics(1, 1, 1));
    }

    @Test
    void theRoleIsPartOfTheKey() {
        PersonalCertificate clientOnly =
                pki.leaf("gw1.cache.test").purposes(KeyPurpose.CLIENT_AUTH).build();
        PeerCertificateValidator v = validator();

        assertThat(v.validate(chain(clientOnly), PeerRole.CLIENT).isValid()).isTrue();
        ValidationResult asServer = v.validate(chain(clientOnly), PeerRole.SERVER);

        assertThat(asServer.failure()).contains(ValidationFailure.MISSING_EKU);
    }

    @Test
    void aCertificateRevokedAfterItWasCachedIsRefused() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(v.cacheStatistics().hits()).isEqualTo(1);

        X509CRL crl = pki.revoke(gw.certificate());
        trust.set(pki.trust().addCrl(crl).build());

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOKED);
        assertThat(v.cacheStatistics().hits()).isEqualTo(1);
    }

    @Test
    void aCertificateRevokedThroughTheStoreIsRefused() throws Exception {
        CertificateStore store = CertificateStore.builder(dir).clock(clock).open();
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        PeerCertificateValidator v =
                PeerCertificateValidator.builder().store(store).clock(clock).build();
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();

        store.importCrl(CertificateFiles.toPem(pki.revoke(gw.certificate())).getBytes(StandardCharsets.US_ASCII));

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOKED);
    }

    @Test
    void withdrawnTrustDropsCachedResults() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();

        trust.set(TestPki.create("Other", clock).trust().build());

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.UNKNOWN_CA);
        assertThat(v.cacheStatistics().hits()).isZero();
        assertThat(v.cacheStatistics().size()).isZero();
    }

    @Test
    void aCertificateExpiringWhileCachedIsRefused() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test")
                .validUntil(NOW.plus(Duration.ofHours(1)))
                .build();
        PeerCertificateValidator v = validator();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        clock.advance(Duration.ofMinutes(59));
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(v.cacheStatistics().hits()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.EXPIRED);
    }

    @Test
    void anIntermediateExpiringWhileCachedIsRefused() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test")
                .validUntil(NOW.plus(Duration.ofDays(3000)))
                .build();
        PeerCertificateValidator v = validator(RevocationPolicy.PREFER, 16, Duration.ofDays(5000));
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();

        clock.advance(Duration.ofDays(1900)); // the intermediate lives 1825 days from yesterday

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.EXPIRED);
        assertThat(v.cacheStatistics().hits()).isZero();
    }

    @Test
    void aCrlPastItsNextUpdateEndsTheEntryUnderRequire() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        trust.set(pki.trust()
                .addCrl(pki.root().crl(Duration.ofDays(30)))
                .addCrl(pki.intermediate().crl(Duration.ofDays(7)))
                .build());
        PeerCertificateValidator v = validator(RevocationPolicy.REQUIRE, 16, Duration.ofDays(365));
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        clock.advance(Duration.ofDays(6));
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(v.cacheStatistics().hits()).isEqualTo(1);

        clock.advance(Duration.ofDays(2));

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOCATION_UNKNOWN);
    }

    @Test
    void theMaximumAgeEndsAnEntry() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator(RevocationPolicy.PREFER, 16, Duration.ofMinutes(10));
        v.validate(chain(gw), PeerRole.CLIENT);
        clock.advance(Duration.ofMinutes(11));

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();

        assertThat(v.cacheStatistics().hits()).isZero();
        assertThat(v.cacheStatistics().misses()).isEqualTo(2);
    }

    @Test
    void aClockSetBackMissesTheCache() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator();
        v.validate(chain(gw), PeerRole.CLIENT);
        clock.set(NOW.minus(Duration.ofDays(2))); // before the leaf's notBefore

        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.NOT_YET_VALID);
        assertThat(v.cacheStatistics().hits()).isZero();
    }

    @Test
    void theSameLeafWithAForgedIntermediateIsAnotherKey() {
        // the store knows only the root: the path must come from what the peer presents
        trust.set(StoreContents.builder().addTrustedRoot(pki.rootCertificate()).build());
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        // same names, other keys: "Cache Test Intermediate" of another PKI
        TestPki forger = TestPki.create("Cache", clock);
        X509Certificate[] forged = {gw.certificate(), forger.intermediate().certificate()};

        ValidationResult r = v.validate(forged, PeerRole.CLIENT);

        assertThat(r.isValid()).isFalse();
        assertThat(v.cacheStatistics().hits()).isZero();
    }

    @Test
    void aForgedLeafWithTheCachedLeafsNamesIsValidatedAndRefused() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator();
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        TestPki forger = TestPki.create("Cache", clock);
        PersonalCertificate fake = forger.leaf("gw1.cache.test").build();

        ValidationResult r = v.validate(chain(fake), PeerRole.CLIENT);

        assertThat(r.failure()).contains(ValidationFailure.BAD_SIGNATURE);
        assertThat(v.cacheStatistics().hits()).isZero();
    }

    @Test
    void refusedChainsAreNotCachedSoTheyCannotFillIt() {
        TestPki other = TestPki.create("Other", clock);
        PeerCertificateValidator v = validator(RevocationPolicy.PREFER, 2, Duration.ofDays(1));
        PersonalCertificate good = pki.leaf("gw1.cache.test").build();
        v.validate(chain(good), PeerRole.CLIENT);
        for (int i = 0; i < 5; i++) {
            assertThat(v.validate(chain(other.leaf("junk" + i + ".test").build()), PeerRole.CLIENT)
                            .isValid())
                    .isFalse();
        }

        assertThat(v.cacheStatistics().size()).isEqualTo(1);
        assertThat(v.validate(chain(good), PeerRole.CLIENT).isValid()).isTrue();
        assertThat(v.cacheStatistics().hits()).isEqualTo(1);
    }

    @Test
    void theCacheIsBoundedLeastRecentlyUsedFirst() {
        PeerCertificateValidator v = validator(RevocationPolicy.PREFER, 2, Duration.ofDays(1));
        PersonalCertificate a = pki.leaf("a.cache.test").build();
        PersonalCertificate b = pki.leaf("b.cache.test").build();
        PersonalCertificate c = pki.leaf("c.cache.test").build();
        v.validate(chain(a), PeerRole.CLIENT);
        v.validate(chain(b), PeerRole.CLIENT);
        v.validate(chain(a), PeerRole.CLIENT); // a is now the most recently used
        v.validate(chain(c), PeerRole.CLIENT); // evicts b

        v.validate(chain(a), PeerRole.CLIENT);
        v.validate(chain(b), PeerRole.CLIENT);

        assertThat(v.cacheStatistics()).isEqualTo(new PeerCertificateValidator.CacheStatistics(2, 4, 2));
    }

    @Test
    void sizeZeroTurnsTheCacheOff() {
        PersonalCertificate gw = pki.leaf("gw1.cache.test").build();
        PeerCertificateValidator v = validator(RevocationPolicy.PREFER, 0, Duration.ofDays(1));
        v.validate(chain(gw), PeerRole.CLIENT);
        v.validate(chain(gw), PeerRole.CLIENT);

        assertThat(v.cacheStatistics()).isEqualTo(new PeerCertificateValidator.CacheStatistics(0, 0, 0));
    }

    @Test
    void badSettingsFailInTheBuilder() {
        PeerCertificateValidator.Builder b = PeerCertificateValidator.builder();
        assertThatThrownBy(() -> b.chainCache(-1, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.chainCache(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
