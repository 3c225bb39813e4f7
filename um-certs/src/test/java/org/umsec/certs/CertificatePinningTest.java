package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;

/**
 * Issue 12 item 2: the certificate in use can be pinned, never silently downgraded from CA-issued to
 * self-signed, and an unreadable key is an error rather than a reason to generate. Time moves on an
 * injected clock.
 */
class CertificatePinningTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final CertificateSpec SELF =
            CertificateSpec.builder().dnsName("um1.pin.test").build();

    @TempDir
    Path dir;

    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Pin", clock);
    final TestEvents events = new TestEvents();

    private CertificateStore store() throws Exception {
        CertificateStore s =
                CertificateStore.builder(dir).clock(clock).events(events).open();
        s.addTrustedRoot(pki.rootCertificate());
        s.addIntermediate(pki.intermediate().certificate());
        events.clear();
        return s;
    }

    private CertificateProvider.Builder provider(CertificateStore s) {
        return CertificateProvider.builder(s).clock(clock).events(events).selfSigned(SELF);
    }

    @Test
    void pinByThumbprintOrAliasUsesOnlyThatCertificate() throws Exception {
        CertificateStore s = store();
        PersonalCertificate ca = pki.leaf("um1.pin.test")
                .alias("ca")
                .validUntil(NOW.plus(Duration.ofDays(300)))
                .build();
        PersonalCertificate self =
                pki.leaf("um1.pin.test").alias("self").selfSigned().build();
        s.addPersonal(ca);
        s.addPersonal(self);
        // selection alone would pick the CA-issued one (R9); the pin says the self-signed one peers imported
        String thumb = self.info().sha1Thumbprint();
        String colons = thumb.replaceAll("(..)(?!$)", "$1:").toLowerCase();
        CertificateProvider byThumb = provider(s).pin(colons).build();
        assertThat(byThumb.pin()).contains(thumb);
        assertThat(byThumb.current().orElseThrow().certificate().alias()).isEqualTo("self");
        assertThat(provider(s)
                        .pin("ca")
                        .build()
                        .current()
                        .orElseThrow()
                        .certificate()
                        .alias())
                .isEqualTo("ca");
        // a longer-lived newcomer does not take over a pinned server
        s.addPersonal(pki.leaf("um1.pin.test")
                .alias("newer")
                .selfSigned()
                .validUntil(NOW.plus(Duration.ofDays(900)))
                .build());
        byThumb.refresh();
        assertThat(byThumb.current().orElseThrow().certificate().alias()).isEqualTo("self");
        assertThat(events.of(SecurityEventType.CERTIFICATE_CHANGED)).isEmpty();
        assertThatThrownBy(() -> CertificateProvider.builder(s).pin("not a pin!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither a SHA-1 thumbprint");
    }

    @Test
    void missingOrInvalidPinFailsStartWithAnEventAndNeverGenerates() throws Exception {
        CertificateStore s = store();
        assertThatThrownBy(() -> provider(s)
                        .pin("0123456789abcdef0123456789abcdef01234567")
                        .build())
                .isInstanceOf(CertificateUnavailableException.class)
                .hasMessageContaining(
                        "pinned certificate 0123456789ABCDEF0123456789ABCDEF01234567 is not in the store");
        SecurityEvent e = events.of(SecurityEventType.CERTIFICATE_PIN_FAILED).get(0);
        assertThat(e.field("pin")).contains("0123456789ABCDEF0123456789ABCDEF01234567");
        assertThat(events.of(SecurityEventType.CERTIFICATE_GENERATED)).isEmpty();
        assertThat(s.contents().personal()).isEmpty();

        s.addPersonal(pki.leaf("um1.pin.test")
                .alias("old")
                .validUntil(NOW.minusSeconds(1))
                .build());
        assertThatThrownBy(() -> provider(s).pin("old").build())
                .isInstanceOf(CertificateUnavailableException.class)
                .hasMessageContaining("not valid", "EXPIRED");
    }

    @Test
    void pinnedCertificateThatExpiresOrVanishesIsKeptWithAnEvent() throws Exception {
        CertificateStore s = store();
        s.addPersonal(pki.leaf("um1.pin.test")
                .alias("pinned")
                .validUntil(NOW.plus(Duration.ofDays(10)))
                .build());
        s.addPersonal(pki.leaf("um1.pin.test")
                .alias("other")
                .validUntil(NOW.plus(Duration.ofDays(100)))
                .build());
        CertificateProvider p = provider(s).pin("pinned").build();
        events.clear();

        clock.advance(Duration.ofDays(11));
        p.refresh();
        p.refresh();

        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("pinned");
        assertThat(events.of(SecurityEventType.CERTIFICATE_PIN_FAILED))
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("not valid", "keeping the certificate in use"));
        s.removePersonal("pinned");
        p.refresh();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("pinned");
        assertThat(events.of(SecurityEventType.CERTIFICATE_PIN_FAILED)).hasSize(2);
        assertThat(events.of(SecurityEventType.CERTIFICATE_CHANGED)).isEmpty();
        assertThat(events.of(SecurityEventType.CERTIFICATE_GENERATED)).isEmpty();
    }

    @Test
    void caIssuedToSelfSignedIsRefusedUnlessAllowed() throws Exception {
        CertificateStore s = store();
        s.addPersonal(pki.leaf("um1.pin.test")
                .alias("pki")
                .validUntil(NOW.plus(Duration.ofDays(10)))
                .build());
        s.addPersonal(pki.leaf("um1.pin.test")
                .alias("self")
                .selfSigned()
                .validUntil(NOW.plus(Duration.ofDays(100)))
                .build());
        CertificateProvider p = provider(s).build();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("pki");
        events.clear();

        clock.advance(Duration.ofDays(11));
        p.refresh();

        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("pki");
        SecurityEvent e =
                events.of(SecurityEventType.CERTIFICATE_SWITCH_REFUSED).get(0);
        assertThat(e.message()).contains("downgrade", "self");
        assertThat(e.field("candidateAlias")).contains("self");
        assertThat(e.field("keptKind")).contains("CA_ISSUED");
        assertThat(events.of(SecurityEventType.CERTIFICATE_CHANGED)).isEmpty();
        // nothing valid at all: generating would be a downgrade too
        s.removePersonal("self");
        p.refresh();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("pki");
        assertThat(events.of(SecurityEventType.CERTIFICATE_GENERATED)).isEmpty();
        assertThat(s.contents().personal()).hasSize(1);
        // a new CA-issued certificate is a switch within the tier: accepted
        s.addPersonal(pki.leaf("um1.pin.test").alias("renewed").build());
        p.refresh();
        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("renewed");
        assertThat(events.of(SecurityEventType.CERTIFICATE_CHANGED)).hasSize(1);
    }

    @Test
    void corruptPrivateKeyIsAnErrorNamingTheFileNotAReasonToGenerate() throws Exception {
        CertificateStore s = store();
        PersonalCertificate pc = pki.leaf("um1.pin.test").alias("main").build();
        s.addPersonal(pc);
        Path key = dir.resolve("personal").resolve("main.key");
        Files.writeString(
                key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        events.clear();

        assertThatThrownBy(() -> provider(s).build())
                .isInstanceOf(CertificateUnavailableException.class)
                .hasMessageContaining(key.toString())
                .hasMessageContaining("no self-signed certificate is generated");
        assertThat(events.of(SecurityEventType.CERTIFICATE_GENERATED)).isEmpty();
        assertThat(events.of(SecurityEventType.NO_VALID_CERTIFICATE))
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains(key.toString()));
        assertThat(s.contents().personal()).isEmpty();
        try (var files = Files.list(dir.resolve("personal"))) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("main.crt", "main.key");
        }
    }

    @Test
    void keyBreakingWhileRunningKeepsTheCertificateInUse() throws Exception {
        CertificateStore s = store();
        s.addPersonal(pki.leaf("um1.pin.test").alias("main").build());
        CertificateProvider p = provider(s).allowTierDowngrade(true).build();
        events.clear();
        Files.writeString(dir.resolve("personal").resolve("main.key"), "garbage", StandardCharsets.US_ASCII);

        p.refresh();

        assertThat(p.current().orElseThrow().certificate().alias()).isEqualTo("main");
        assertThat(events.of(SecurityEventType.CERTIFICATE_SWITCH_REFUSED))
                .singleElement()
                .satisfies(e -> assertThat(e.message()).contains("main.key", "keeping the certificate in use"));
        assertThat(events.of(SecurityEventType.CERTIFICATE_GENERATED)).isEmpty();
    }
}
