package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.umsec.certs.testing.MutableClock;

class CertificateAuthorityTest {
    final MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    final CertificateAuthority root = CertificateAuthority.createRoot(
            CertificateSpec.builder()
                    .subject("CN=Contoso Lab Root,O=Contoso")
                    .validity(Duration.ofDays(3650))
                    .build(),
            clock);

    @Test
    void rootIsASelfSignedCa() {
        X509Certificate c = root.certificate();
        assertThat(c.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(c.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(CertificateInfo.of(c).kind()).isEqualTo(CertificateKind.SELF_SIGNED);
        assertThat(CertificateInfo.of(c).hasExtendedKeyUsage()).isFalse();
        assertThat(c.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(3650)));
    }

    @Test
    void profilesSetTheExtendedKeyUsage() throws Exception {
        KeyPair kp = KeyAlgorithm.EC_P256.generateKeyPair();
        CertificateRequest csr = CertificateRequest.builder()
                .subject("CN=gw.contoso.test")
                .dnsName("gw.contoso.test")
                .purposes(Set.of(KeyPurpose.CLIENT_AUTH))
                .build(kp);
        assertThat(csr.signatureValid()).isTrue();
        assertThat(csr.requestedPurposes()).containsExactly(KeyPurpose.CLIENT_AUTH);
        X509Certificate web = root.sign(csr, CertificateProfile.WEB_SERVER, Duration.ofDays(30));
        X509Certificate computer = root.sign(csr, CertificateProfile.COMPUTER, Duration.ofDays(30));
        assertThat(web.getExtendedKeyUsage()).containsExactly(KeyPurpose.SERVER_AUTH.oid());
        assertThat(computer.getExtendedKeyUsage())
                .containsExactlyInAnyOrder(KeyPurpose.SERVER_AUTH.oid(), KeyPurpose.CLIENT_AUTH.oid());
        assertThat(web.getPublicKey()).isEqualTo(kp.getPublic());
        assertThat(web.getSubjectX500Principal().getName()).isEqualTo("CN=gw.contoso.test");
        assertThat(CertificateInfo.of(web).identity().dnsNames()).containsExactly("gw.contoso.test");
        assertThat(web.getIssuerX500Principal()).isEqualTo(root.certificate().getSubjectX500Principal());
        web.verify(root.certificate().getPublicKey());
        assertThat(web.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(30)));
    }

    @Test
    void tamperedRequestIsRefused() throws Exception {
        KeyPair kp = KeyAlgorithm.EC_P256.generateKeyPair();
        byte[] der =
                CertificateRequest.builder().dnsName("t.contoso.test").build(kp).encoded();
        der[der.length - 5] ^= 1; // corrupt the signature
        CertificateRequest bad = CertificateRequest.parse(der);
        assertThat(bad.signatureValid()).isFalse();
        assertThatThrownBy(() -> root.sign(bad, CertificateProfile.WEB_SERVER, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("signature");
    }

    @Test
    void serialNumbersAreUniquePositiveAndAtMostTwentyOctets() {
        Set<BigInteger> serials = new HashSet<>();
        KeyPair kp = KeyAlgorithm.EC_P256.generateKeyPair();
        CertificateSpec spec =
                CertificateSpec.builder().dnsName("s.contoso.test").build();
        for (int i = 0; i < 300; i++) {
            BigInteger s = root.issue(spec, kp.getPublic()).getSerialNumber();
            assertThat(s.signum()).isPositive();
            assertThat(s.toByteArray().length).isLessThanOrEqualTo(20);
            serials.add(s);
        }
        assertThat(serials).hasSize(300);
    }

    @Test
    void intermediateChainsToRootAndRevocationListsSerials() {
        CertificateAuthority sub = root.createIntermediate(
                CertificateSpec.builder().subject("CN=Contoso Issuing CA").build());
        assertThat(sub.chain()).containsExactly(sub.certificate(), root.certificate());
        assertThat(sub.rootCertificate()).isEqualTo(root.certificate());
        assertThat(sub.certificate().getBasicConstraints()).isZero();
        PersonalCertificate leaf =
                sub.issue(CertificateSpec.builder().dnsName("l.contoso.test").build());
        assertThat(leaf.chain()).containsExactly(leaf.certificate(), sub.certificate(), root.certificate());
        sub.revoke(leaf.certificate());
        var crl = sub.crl(Duration.ofDays(7));
        assertThat(crl.isRevoked(leaf.certificate())).isTrue();
        assertThat(crl.getNextUpdate().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(7)));
        assertThatThrownBy(() -> sub.revoke(root.certificate())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CertificateAuthority.of(leaf.privateKey(), leaf.chain(), clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rsaKeysOfBothSizes() {
        for (KeyAlgorithm alg : new KeyAlgorithm[] {KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072}) {
            PersonalCertificate pc = CertificateGenerator.selfSigned(
                    CertificateSpec.builder()
                            .dnsName("rsa.contoso.test")
                            .keyAlgorithm(alg)
                            .build(),
                    clock);
            assertThat(pc.info().keyAlgorithm()).isEqualTo("RSA");
            assertThat(pc.info().keySize()).isEqualTo(alg.bits());
            assertThat(pc.info().kind()).isEqualTo(CertificateKind.SELF_SIGNED);
        }
    }
}
