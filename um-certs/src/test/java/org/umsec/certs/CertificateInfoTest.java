package org.umsec.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.umsec.certs.internal.X509Builder;
import org.umsec.certs.testing.MutableClock;
import org.umsec.certs.testing.TestPki;

class CertificateInfoTest {
    final MutableClock clock = MutableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    final TestPki pki = TestPki.create("Info", clock);

    @Test
    void thumbprintsAreDigestsOfTheEncoding() throws Exception {
        PersonalCertificate pc = pki.leaf("t.info.test").build();
        byte[] der = pc.certificate().getEncoded();
        assertThat(pc.info().sha1Thumbprint())
                .isEqualTo(HexFormat.of()
                        .withUpperCase()
                        .formatHex(MessageDigest.getInstance("SHA-1").digest(der)))
                .hasSize(40);
        assertThat(pc.info().sha256Thumbprint())
                .isEqualTo(HexFormat.of()
                        .withUpperCase()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(der)));
    }

    @Test
    void identityFromSubjectAltNamesAndCommonName() {
        PersonalCertificate pc = pki.leaf("um1.contoso.test")
                .ipAddress("192.0.2.5")
                .ipAddress("2001:db8::1")
                .build();
        var id = pc.info().identity();
        assertThat(id.dnsNames()).containsExactly("um1.contoso.test");
        assertThat(id.ipAddresses()).hasSize(2).contains("192.0.2.5");
        assertThat(id.commonName()).contains("um1.contoso.test");

        // CN only: the most specific (last) CN is the identity
        var kp = KeyAlgorithm.EC_P256.generateKeyPair();
        var cnOnly = new X509Builder()
                .subject(new X500Principal("CN=Outer,O=Contoso,CN=gw.contoso.test"))
                .publicKey(kp.getPublic())
                .validity(clock.instant(), clock.instant().plus(Duration.ofDays(1)))
                .issuer(new X500Principal("CN=x"), kp.getPrivate(), kp.getPublic())
                .build();
        var info = CertificateInfo.of(cnOnly);
        assertThat(info.identity().dnsNames()).isEmpty();
        assertThat(info.identity().commonName()).isPresent();
        assertThat(info.identity().presentedIdentities())
                .containsExactly(info.identity().commonName().get());
    }

    @Test
    void issuerNameSerialNumberIsAValue() {
        PersonalCertificate pc = pki.leaf("v.info.test").build();
        IssuerNameSerialNumber a = pc.info().issuerNameSerialNumber();
        IssuerNameSerialNumber b = new IssuerNameSerialNumber(
                new X500Principal("cn=info test intermediate, o=umsec tests"),
                pc.certificate().getSerialNumber());
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a)
                .isNotEqualTo(
                        new IssuerNameSerialNumber(a.issuer(), a.serialNumber().add(BigInteger.ONE)));
        assertThat(a.toString())
                .contains("serial=" + pc.info().serialNumberHex())
                .contains("Info Test Intermediate");
        assertThatThrownBy(() -> new IssuerNameSerialNumber(null, BigInteger.ONE))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void classificationNeedsIssuerEqualsSubjectAndOwnSignature() {
        assertThat(pki.leaf("s.info.test").selfSigned().build().info().kind()).isEqualTo(CertificateKind.SELF_SIGNED);
        assertThat(pki.leaf("c.info.test").build().info().kind()).isEqualTo(CertificateKind.CA_ISSUED);
        // issuer == subject but signed by another key: not self-signed (R8)
        var own = KeyAlgorithm.EC_P256.generateKeyPair();
        var other = KeyAlgorithm.EC_P256.generateKeyPair();
        X500Principal name = new X500Principal("CN=same.info.test");
        var forged = new X509Builder()
                .subject(name)
                .publicKey(own.getPublic())
                .validity(clock.instant(), clock.instant().plus(Duration.ofDays(1)))
                .issuer(name, other.getPrivate(), other.getPublic())
                .build();
        assertThat(CertificateInfo.of(forged).kind()).isEqualTo(CertificateKind.CA_ISSUED);
    }

    @Test
    void purposesAndRemainingTime() {
        PersonalCertificate web = pki.leaf("w.info.test")
                .purposes(KeyPurpose.SERVER_AUTH)
                .validUntil(clock.instant().plus(Duration.ofHours(36)))
                .build();
        assertThat(web.info().allows(KeyPurpose.SERVER_AUTH)).isTrue();
        assertThat(web.info().allows(KeyPurpose.CLIENT_AUTH)).isFalse();
        assertThat(web.info().remaining(clock.instant())).isEqualTo(Duration.ofHours(36));
        PersonalCertificate any = pki.leaf("a.info.test").noExtendedKeyUsage().build();
        assertThat(any.info().allows(KeyPurpose.CLIENT_AUTH)).isTrue();
        assertThat(any.info().hasExtendedKeyUsage()).isFalse();
    }

    @Test
    void aliasesAreFileSafe() {
        PersonalCertificate pc = pki.leaf("x.info.test").build();
        assertThat(pc.alias()).matches("x\\.info\\.test-[0-9a-f]{8}");
        for (String bad : List.of("../etc/passwd", "", ".hidden", "a/b", "x".repeat(101))) {
            assertThatThrownBy(() -> PersonalCertificate.of(bad, pc.privateKey(), pc.chain()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void specArgumentsAreCheckedEarly() {
        assertThatThrownBy(() -> CertificateSpec.builder().dnsName("not a host"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CertificateSpec.builder().ipAddress("300.1.1.1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CertificateSpec.builder().validity(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CertificateSpec.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SelectionCriteria.builder().minRsaBits(1024))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(CertificateSpec.builder()
                        .dnsName("UM1.Contoso.Test.")
                        .build()
                        .dnsNames())
                .containsExactly("um1.contoso.test");
    }
}
