package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.Severity;

class CertificateProviderTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final CertificateSpec SELF = CertificateSpec.builder()
            .dnsName("um1.contoso.test")
            .ipAddress("192.0.2.1")
            .build();

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Prov", clock);
    final TestEvents events = new TestEvents();

    private CertificateStore store() throws Exception {
        CertificateStore s =
                CertificateStore.builder(dir).clock(clock).events(events).open();
        if (s.contents().trustedRoots().isEmpty()) {
            s.addTrustedRoot(pki.rootCertificate());
            s.addIntermediate(pki.intermediate().certificate());
        }
        events.clear();
        return s;
    }

    private CertificateProvider.Builder provider(CertificateStore s) {
        return CertificateProvider.builder(s).clock(clock).events(events).selfSigned(SELF);
    }

    @Test
    void emptyStoreGeneratesSelfSignedStoresItAndWarns() throws Exception {
        CertificateStore s = store();
        CertificateProvider p = provider(s).build();
        SelectedCertificate sel = p.current().orElseThrow();
        assertThat(sel.generated()).isTrue();
        assertThat(sel.info().kind()).isEqualTo(CertificateKind.SELF_SIGNED);
        assertThat(sel.info().identity().dnsNames()).containsExactly("um1.contoso.test");
        assertThat(sel.info().identity().ipAddresses()).containsExactly("192.0.2.1");
        assertThat(sel.info().keyPurposes()).containsExactlyInAnyOrder(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH);
        assertThat(sel.info().keyAlgorithm()).isEqualTo("EC");
        assertThat(events.types())
                .containsExactly(SecurityEventType.CERTIFICATE_GENERATED, SecurityEventType.CERTIFICATE_IN_USE);
        SecurityEvent gen = events.of(SecurityEventType.CERTIFICATE_GENERATED).get(0);
        assertThat(gen.severity()).isEqualTo(Severity.WARNING);
        assertThat(gen.message()).contains("imported", "every");
        assertThat(gen.field("warning")).contains(CertificateGenerator.SELF_SIGNED_WARNING);
        // stored: a new provider on the reopened store uses it without generating again
        events.clear();
        CertificateProvider again =
                provider(CertificateStore.builder(dir).clock(clock).open()).build();
        assertThat(again.current().orElseThrow().certificate().certificate())
                .isEqualTo(sel.certificate().certificate());
        assertThat(again.current().orElseThrow().generated()).isFalse();
        assertThat(events.types()).containsExactly(SecurityEventType.CERTIFICATE_IN_USE);
    }

    @Test
    void onlyInvalidCertificatesAlsoGenerate() throws Exception {
        CertificateStore s = store();
        s.addPersonal(pki.leaf("old.test")
                .alias("old")
                .validUntil(NOW.minus(Duration.ofDays(1)))
                .build());
        s.addPersonal(pki.leaf("client.test")
                .alias("client")
                .purposes(KeyPurpose.CLIENT_AUTH)
                .build());
        CertificateProvider p = provider(s).build();
        assertThat(p.current().orElseThrow().generated()).isTrue();
        assertThat(p.lastSelection().rejected())
                .extracting(c -> c.certificate().alias())
                .contains("old", "client");
        assertThat(s.contents().personal()).hasSize(3);
    }

    @Test
    void withoutGenerationNothingValidIsAnError() throws Exception {
        CertificateStore s = store();
        s.addPersonal(
                pki.leaf("old.test").validUntil(NOW.minus(Duration.ofDays(1))).build());
        CertificateProvider p =
                CertificateProvider.builder(s).clock(clock).events(events).build();
        assertThat(p.current()).isEmpty();
        assertThat(p.keyManager().chooseServerAlias("EC", null, null)).isNull();
        SecurityEvent e = events.of(SecurityEventType.NO_VALID_CERTIFICATE).get(0);
        assertThat(e.severity()).isEqualTo(Severity.ERROR);
        assertThat(e.field("explanation").orElseThrow()).contains("EXPIRED");
    }

    @Test
    void inUseThenChangedEventsCarryIssuerSerialThumbprint() throws Exception {
        CertificateStore s = store();
        PersonalCertificate first = pki.leaf("um1.test")
                .alias("first")
                .validUntil(NOW.plus(Duration.ofDays(30)))
                .build();
        s.addPersonal(first);
        List<SelectedCertificate> heard = new CopyOnWriteArrayList<>();
        CertificateProvider p = provider(s).build();
        p.addListener(heard::add);
        SecurityEvent inUse = events.of(SecurityEventType.CERTIFICATE_IN_USE).get(0);
        assertThat(inUse.field("issuer")).contains(first.info().issuer().getName());
        assertThat(inUse.field("serial")).contains(first.info().serialNumberHex());
        assertThat(inUse.field("thumbprint")).contains(first.info().sha1Thumbprint());

        // refresh with nothing new: no event, no notification
        events.clear();
        p.refresh();
        assertThat(events.all).isEmpty();
        assertThat(heard).isEmpty();

        PersonalCertificate better = pki.leaf("um1.test")
                .alias("better")
                .validUntil(NOW.plus(Duration.ofDays(300)))
                .build();
        s.addPersonal(better);
        p.refresh();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("better");
        assertThat(heard)
                .singleElement()
                .satisfies(h -> assertThat(h.certificate().alias()).isEqualTo("better"));
        SecurityEvent changed = events.of(SecurityEventType.CERTIFICATE_CHANGED).get(0);
        assertThat(changed.field("thumbprint")).contains(better.info().sha1Thumbprint());
        assertThat(changed.field("serial")).contains(better.info().serialNumberHex());
        assertThat(changed.field("previousThumbprint")).contains(first.info().sha1Thumbprint());
    }

    @Test
    void brokenReplacementKeepsThePreviousCertificate() throws Exception {
        CertificateStore s = store();
        PersonalCertificate good = pki.leaf("um1.test").alias("good").build();
        s.addPersonal(good);
        CertificateProvider p = provider(s).build();
        events.clear();

        // a longer-lived certificate lands next to the wrong private key
        PersonalCertificate newer =
                pki.leaf("um1.test").validUntil(NOW.plus(Duration.ofDays(700))).build();
        PersonalCertificate unrelated = pki.leaf("x.test").build();
        Files.writeString(dir.resolve("personal/newer.crt"), CertificateFiles.toPem(newer.chain()));
        Files.writeString(dir.resolve("personal/newer.key"), CertificateFiles.toPem(unrelated.privateKey()));
        p.refresh();
        assertThat(p.lastSelection().selected().orElseThrow().certificate().alias())
                .isEqualTo("newer");
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("good");
        SecurityEvent rejected =
                events.of(SecurityEventType.CERTIFICATE_CANDIDATE_REJECTED).get(0);
        assertThat(rejected.field("alias")).contains("newer");
        assertThat(rejected.field("kept")).contains(good.info().sha1Thumbprint());
        assertThat(rejected.field("reason").orElseThrow()).contains("does not match");
        assertThat(events.of(SecurityEventType.CERTIFICATE_CHANGED)).isEmpty();
        // reported once, not on every refresh
        p.refresh();
        assertThat(events.of(SecurityEventType.CERTIFICATE_CANDIDATE_REJECTED)).hasSize(1);

        // fixing the key rotates
        Files.writeString(dir.resolve("personal/newer.key"), CertificateFiles.toPem(newer.privateKey()));
        p.refresh();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("newer");
    }

    @Test
    void expiryOfTheCurrentCertificateMovesToTheNextTierWhenDowngradesAreAllowed() throws Exception {
        CertificateStore s = store();
        s.addPersonal(pki.leaf("um1.test")
                .alias("pki")
                .validUntil(NOW.plus(Duration.ofDays(10)))
                .build());
        s.addPersonal(pki.leaf("um1.test")
                .alias("self")
                .selfSigned()
                .validUntil(NOW.plus(Duration.ofDays(100)))
                .build());
        CertificateProvider p = provider(s).allowTierDowngrade(true).build();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("pki");
        clock.advance(Duration.ofDays(11));
        p.refresh();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("self");
        assertThat(p.current()
                        .orElseThrow()
                        .selection()
                        .selected()
                        .orElseThrow()
                        .tier())
                .contains(SelectionTier.SELF_SIGNED_LONGEST);
    }

    @Test
    void keyManagerFollowsRotationAndKeepsRecentAliasesResolvable() throws Exception {
        CertificateStore s = store();
        PersonalCertificate first = pki.leaf("um1.test")
                .alias("a")
                .validUntil(NOW.plus(Duration.ofDays(30)))
                .build();
        s.addPersonal(first);
        CertificateProvider p = provider(s).build();
        var km = p.keyManager();
        String a1 = km.chooseServerAlias("EC", null, null);
        assertThat(a1).isEqualTo("umsec-" + first.info().sha1Thumbprint());
        assertThat(km.chooseServerAlias("RSA", null, null)).isNull();
        assertThat(km.chooseClientAlias(new String[] {"RSA", "EC"}, null, null)).isEqualTo(a1);
        assertThat(km.getCertificateChain(a1)).containsExactlyElementsOf(first.chain());

        PersonalCertificate second = pki.leaf("um1.test")
                .alias("b")
                .keyAlgorithm(KeyAlgorithm.RSA_2048)
                .validUntil(NOW.plus(Duration.ofDays(60)))
                .build();
        s.addPersonal(second);
        p.refresh();
        String a2 = km.chooseServerAlias("RSA", null, null);
        assertThat(a2).isEqualTo("umsec-" + second.info().sha1Thumbprint());
        assertThat(km.chooseServerAlias("EC", null, null)).isNull();
        assertThat(km.getPrivateKey(a2)).isEqualTo(second.privateKey());
        assertThat(km.getServerAliases("RSA", null)).containsExactly(a2);
        // a handshake that picked the old alias before the rotation can still finish
        assertThat(km.getPrivateKey(a1)).isEqualTo(first.privateKey());
        assertThat(km.getPrivateKey("unknown")).isNull();
    }

    @Test
    void storeWatcherRefreshesWithoutExplicitCall() throws Exception {
        CertificateStore s = store();
        s.addPersonal(pki.leaf("um1.test")
                .alias("first")
                .validUntil(NOW.plus(Duration.ofDays(30)))
                .build());
        try (CertificateProvider p = provider(s).watchStore(true).build()) {
            CountDownLatch changed = new CountDownLatch(1);
            p.addListener(sel -> {
                if (sel.certificate().alias().equals("dropped")) {
                    changed.countDown();
                }
            });
            PersonalCertificate dropped = pki.leaf("um1.test")
                    .validUntil(NOW.plus(Duration.ofDays(90)))
                    .build();
            // an administrator copies files in by hand
            Files.writeString(dir.resolve("personal/dropped.key"), CertificateFiles.toPem(dropped.privateKey()));
            Files.write(
                    dir.resolve("personal/dropped.crt"),
                    CertificateFiles.toPem(dropped.chain()).getBytes(StandardCharsets.US_ASCII));
            // generous bound: WatchService polling on some platforms takes seconds; this is not a timing assertion
            assertThat(changed.await(60, TimeUnit.SECONDS))
                    .as("watcher picked up the new certificate")
                    .isTrue();
            assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("dropped");
        }
    }

    @Test
    void selfSignedSpecMustSatisfyTheCriteria() throws Exception {
        CertificateStore s = store();
        CertificateSpec webOnly = CertificateSpec.builder()
                .dnsName("um1.test")
                .purposes(java.util.Set.of(KeyPurpose.SERVER_AUTH))
                .build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CertificateProvider.builder(s)
                        .selfSigned(webOnly)
                        .criteria(SelectionCriteria.serverAndClientAuth())
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CLIENT_AUTH");
        CertificateSpec rsa = CertificateSpec.builder()
                .dnsName("um1.test")
                .keyAlgorithm(KeyAlgorithm.RSA_2048)
                .build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CertificateProvider.builder(s)
                        .selfSigned(rsa)
                        .criteria(SelectionCriteria.builder().minRsaBits(3072).build())
                        .build())
                .isInstanceOf(IllegalStateException.class);
        assertThat(s.contents().personal()).isEmpty();
    }

    @Test
    void expiryMonitorFollowsTheProviderThroughARealEventBus() throws Exception {
        org.umsec.core.SecurityEventBus bus = new org.umsec.core.SecurityEventBus();
        bus.register(events);
        CertificateStore s = store();
        PersonalCertificate shortLived = pki.leaf("um1.test")
                .alias("short")
                .validUntil(NOW.plus(Duration.ofDays(20)))
                .build();
        s.addPersonal(shortLived);
        CertificateProvider p = CertificateProvider.builder(s)
                .clock(clock)
                .events(bus)
                .selfSigned(SELF)
                .build();
        ExpiryMonitor monitor = new ExpiryMonitor(clock, bus);
        AutoCloseable following = monitor.follow(p);
        assertThat(monitor.tracked().orElseThrow().sha1Thumbprint())
                .isEqualTo(shortLived.info().sha1Thumbprint());
        assertThat(monitor.check())
                .get()
                .satisfies(e -> assertThat(e.field("daysLeft")).contains("20"));
        s.addPersonal(pki.leaf("um1.test")
                .alias("renewed")
                .validUntil(NOW.plus(Duration.ofDays(400)))
                .build());
        p.refresh();
        String renewed = p.current().orElseThrow().info().sha1Thumbprint();
        assertThat(monitor.tracked().orElseThrow().sha1Thumbprint()).isEqualTo(renewed);
        assertThat(monitor.check()).isEmpty();
        following.close();
        s.addPersonal(pki.leaf("um1.test")
                .alias("newest")
                .validUntil(NOW.plus(Duration.ofDays(800)))
                .build());
        p.refresh();
        assertThat(monitor.tracked().orElseThrow().sha1Thumbprint())
                .as("no longer following")
                .isEqualTo(renewed);
        assertThat(events.types())
                .containsSubsequence(
                        SecurityEventType.CERTIFICATE_IN_USE,
                        SecurityEventType.CERTIFICATE_EXPIRING,
                        SecurityEventType.CERTIFICATE_CHANGED);
    }
}
