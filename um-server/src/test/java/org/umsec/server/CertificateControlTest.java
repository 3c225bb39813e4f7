package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.RevocationPolicy;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ServerConfiguration;

/**
 * Issue 12 item 2 and issue 9 item 7 at server level: the configuration keys {@code server.certificate},
 * {@code server.generateSelfSigned}, {@code server.allowTierDowngrade} and {@code server.revocation},
 * and a server that refuses to start rather than run with a certificate it was not told to use.
 */
class CertificateControlTest {
    static final TestPki PKI = TestPki.create("Ctl", Clock.systemUTC());

    @TempDir
    Path dir;

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    UmsecServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    private ServerConfiguration load(String serverKeys) throws Exception {
        String yaml = "server:\n  fqdn: um.ctl.test\n  bind: 127.0.0.1\n  sipPort: 0\n  tlsPort: 0\n  store: certs\n"
                + "  voicemail: voicemail\n  dialPlans: [sec]\n" + serverKeys
                + "dialPlans:\n  - name: sec\n    voipSecurity: Secured\n"
                + "gateways:\n  - name: gw\n    fqdn: gw.ctl.test\n    port: 5061\n    dialPlan: sec\n";
        return ServerConfiguration.load("ctl.yaml", new StringReader(yaml), dir);
    }

    private UmsecServer start(ServerConfiguration c) throws Exception {
        server = UmsecServer.builder(c)
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
        return server;
    }

    @Test
    void keysAreReadWithDefaultsAndCheckedWithTheirLines() throws Exception {
        ServerConfiguration plain = load("");
        assertThat(plain.certificatePin()).isEmpty();
        assertThat(plain.generateSelfSigned()).isFalse();
        assertThat(plain.allowTierDowngrade()).isFalse();
        assertThat(plain.revocation()).isEqualTo(RevocationPolicy.PREFER);
        assertThat(ServerConfiguration.embeddedDefault().generateSelfSigned()).isTrue();
        assertThat(ServerConfiguration.builder().build().generateSelfSigned()).isTrue();

        ServerConfiguration all =
                load("  certificate: \"ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01\"\n"
                        + "  allowTierDowngrade: true\n  revocation: require\n");
        assertThat(all.certificatePin()).contains("ABCDEF0123456789ABCDEF0123456789ABCDEF01");
        assertThat(all.allowTierDowngrade()).isTrue();
        assertThat(all.revocation()).isEqualTo(RevocationPolicy.REQUIRE);
        assertThat(load("  certificate: um-main\n").certificatePin()).contains("um-main");

        assertThatThrownBy(
                        () -> load("  certificate: \"not a pin\"\n  generateSelfSigned: maybe\n  revocation: never\n"))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.getMessage())
                                .contains("server.certificate", "neither a SHA-1 thumbprint")
                                .contains("generateSelfSigned must be true or false")
                                .contains("server.revocation must be prefer or require"));
        assertThatThrownBy(() -> load("  certificate: um-main\n  generateSelfSigned: true\n"))
                .isInstanceOfSatisfying(
                        ConfigurationException.class,
                        e -> assertThat(e.getMessage()).contains("contradicts server.certificate"));
    }

    @Test
    void aConfigurationFileWithAnEmptyStoreFailsStartInsteadOfGenerating() throws Exception {
        assertThatThrownBy(() -> start(load("")))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("no valid certificate");
        assertThat(CertificateStore.open(dir.resolve("certs")).contents().personal())
                .isEmpty();
        assertThat(events).extracting(SecurityEvent::type).doesNotContain(SecurityEventType.CERTIFICATE_GENERATED);
    }

    @Test
    void aMissingPinnedCertificateFailsStartWithAnEventAndThePinnedOneIsUsed() throws Exception {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addTrustedRoot(PKI.rootCertificate());
        PersonalCertificate ca = PKI.leaf("um.ctl.test").alias("ca").build();
        PersonalCertificate self =
                PKI.leaf("um.ctl.test").alias("self").selfSigned().build();
        store.addPersonal(ca);
        store.addPersonal(self);

        assertThatThrownBy(() -> start(load("  certificate: gone\n")))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("pinned certificate gone is not in the store");
        assertThat(events).extracting(SecurityEvent::type).contains(SecurityEventType.CERTIFICATE_PIN_FAILED);
        server.stop(Duration.ZERO);
        server = null;
        events.clear();

        start(load("  certificate: " + self.info().sha1Thumbprint() + "\n"));
        SecurityEvent inUse = events.stream()
                .filter(e -> e.type() == SecurityEventType.CERTIFICATE_IN_USE)
                .findFirst()
                .orElseThrow();
        assertThat(inUse.field("thumbprint")).contains(self.info().sha1Thumbprint());
        assertThat(Files.exists(dir.resolve("certs").resolve("personal").resolve("self.crt")))
                .isTrue();
    }
}
