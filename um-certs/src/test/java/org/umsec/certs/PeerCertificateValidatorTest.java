package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;

class PeerCertificateValidatorTest {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    final MutableClock clock = MutableClock.at(NOW);
    final TestPki pki = TestPki.create("Peer", clock);

    @TempDir
    Path dir;

    private PeerCertificateValidator validator(StoreContents c) {
        return PeerCertificateValidator.builder().contents(c).clock(clock).build();
    }

    private static X509Certificate[] chain(PersonalCertificate pc) {
        return pc.chain().toArray(new X509Certificate[0]);
    }

    @Test
    void validChainReportsThePathToTheRoot() {
        PersonalCertificate gw = pki.leaf("gw.peer.test").build();
        ValidationResult r = validator(pki.trust().build()).validate(chain(gw), PeerRole.CLIENT);
        assertThat(r.isValid()).isTrue();
        assertThat(r.path())
                .containsExactly(gw.certificate(), pki.intermediate().certificate(), pki.rootCertificate());
        // the intermediate may also come only from the peer
        StoreContents rootOnly =
                StoreContents.builder().addTrustedRoot(pki.rootCertificate()).build();
        assertThat(validator(rootOnly).validate(chain(gw), PeerRole.SERVER).isValid())
                .isTrue();
    }

    @Test
    void everyPeerFailureIsTyped() throws Exception {
        PeerCertificateValidator v = validator(pki.trust()
                .addCrl(pki.revoke(pki.leaf("x").build().certificate()))
                .build());
        assertThat(v.validate(new X509Certificate[0], PeerRole.SERVER).failure())
                .contains(ValidationFailure.EMPTY_CHAIN);
        assertThat(v.validate(null, PeerRole.SERVER).failure()).contains(ValidationFailure.EMPTY_CHAIN);
        assertThat(v.validate(
                                chain(pki.leaf("e")
                                        .validUntil(NOW.minusSeconds(1))
                                        .build()),
                                PeerRole.SERVER)
                        .failure())
                .contains(ValidationFailure.EXPIRED);
        assertThat(v.validate(chain(pki.leaf("n").validFrom(NOW.plusSeconds(60)).build()), PeerRole.SERVER)
                        .failure())
                .contains(ValidationFailure.NOT_YET_VALID);
        assertThat(v.validate(chain(TestPki.create("Else", clock).leaf("u").build()), PeerRole.SERVER)
                        .failure())
                .contains(ValidationFailure.UNKNOWN_CA);
        PersonalCertificate revoked = pki.leaf("r").build();
        PeerCertificateValidator v2 =
                validator(pki.trust().addCrl(pki.revoke(revoked.certificate())).build());
        assertThat(v2.validate(chain(revoked), PeerRole.CLIENT).failure()).contains(ValidationFailure.REVOKED);
        PersonalCertificate web =
                pki.leaf("web").purposes(KeyPurpose.SERVER_AUTH).build();
        assertThat(v.validate(chain(web), PeerRole.SERVER).isValid()).isTrue();
        ValidationResult noClient = v.validate(chain(web), PeerRole.CLIENT);
        assertThat(noClient.failure()).contains(ValidationFailure.MISSING_EKU);
        assertThat(noClient.failingIndex()).isZero();
        assertThat(noClient.failingCertificate().orElseThrow().subject().getName())
                .isEqualTo("CN=web");
    }

    @Test
    void clientPurposeCanBeRelaxedExplicitly() {
        PersonalCertificate web =
                pki.leaf("web").purposes(KeyPurpose.SERVER_AUTH).build();
        PeerCertificateValidator lenient = PeerCertificateValidator.builder()
                .contents(pki.trust().build())
                .clock(clock)
                .requiredPurposes(PeerRole.CLIENT, Set.of(KeyPurpose.SERVER_AUTH))
                .build();
        assertThat(lenient.validate(chain(web), PeerRole.CLIENT).isValid()).isTrue();
    }

    @Test
    void selfSignedPeerIsTrustedOnlyAfterImportAndImportTakesEffectLive() throws Exception {
        CertificateStore store = CertificateStore.builder(dir).clock(clock).open();
        PeerCertificateValidator v =
                PeerCertificateValidator.builder().store(store).clock(clock).build();
        PersonalCertificate gw = pki.leaf("gw.selfsigned.test").selfSigned().build();
        ValidationResult before = v.validate(chain(gw), PeerRole.CLIENT);
        assertThat(before.failure()).contains(ValidationFailure.UNKNOWN_CA);
        assertThat(before.detail()).contains("self-signed", "not in the trusted root store");
        assertThatThrownBy(() -> v.trustManager().checkClientTrusted(chain(gw), "EC"))
                .isInstanceOf(CertificateValidationException.class);

        store.importTrusted(CertificateFiles.toDer(gw.certificate()));
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).isValid()).isTrue();
        v.trustManager().checkClientTrusted(chain(gw), "EC");
        assertThat(v.trustManager().getAcceptedIssuers()).containsExactly(gw.certificate());
        // trusted, but expiry still applies
        clock.advance(Duration.ofDays(365));
        assertThat(v.validate(chain(gw), PeerRole.CLIENT).failure()).contains(ValidationFailure.EXPIRED);
    }

    @Test
    void builderRequiresATrustSource() {
        assertThatThrownBy(() -> PeerCertificateValidator.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PeerCertificateValidator.builder().minRsaBits(1024))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
