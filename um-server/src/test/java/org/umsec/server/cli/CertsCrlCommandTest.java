package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;

/** {@code umsec certs crl import|list|remove} through the real command line. */
class CertsCrlCommandTest {
    @TempDir
    Path dir;

    @Test
    void importListRemoveAndTheirRefusals() throws Exception {
        Clock clock = Clock.systemUTC();
        TestPki pki = TestPki.create("Cli", clock);
        Path storeDir = dir.resolve("store");
        CertificateStore store = CertificateStore.builder(storeDir).open();
        store.addTrustedRoot(pki.rootCertificate());
        store.addIntermediate(pki.intermediate().certificate());
        PersonalCertificate gw = pki.leaf("gw1.cli.test").build();
        Path crl = dir.resolve("inter.crl");
        Files.writeString(crl, CertificateFiles.toPem(pki.revoke(gw.certificate())), StandardCharsets.US_ASCII);
        String s = storeDir.toString();

        CliRunner imp = CliRunner.run("certs", "crl", "import", "--store", s, crl.toString());
        assertThat(imp.exit()).as(imp.err()).isZero();
        assertThat(imp.out()).contains("Imported CRL Cli_Test_Intermediate-", "1 revoked");

        CliRunner list = CliRunner.run("certs", "crl", "list", "--store", s);
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("CRLs (1):", "CN=Cli Test Intermediate", "nextUpdate");

        // a CRL of a CA the store does not trust
        TestPki other = TestPki.create("Elsewhere", clock);
        Path foreign = dir.resolve("foreign.crl");
        Files.write(foreign, other.intermediate().crl(Duration.ofDays(1)).getEncoded());
        CliRunner refused = CliRunner.run("certs", "crl", "import", "--store", s, foreign.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("foreign.crl", "UNTRUSTED_ISSUER");
        CliRunner garbage = CliRunner.run(
                "certs",
                "crl",
                "import",
                "--store",
                s,
                dir.resolve("missing.crl").toString());
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.err()).contains("missing.crl");

        // usage errors exit 2
        assertThat(CliRunner.run("certs", "crl", "import", "--store", s).exit()).isEqualTo(2);
        assertThat(CliRunner.run("certs", "crl", "remove", "--store", s).exit()).isEqualTo(2);
        assertThat(CliRunner.run("certs", "crl", "frobnicate").exit()).isEqualTo(2);

        CliRunner none = CliRunner.run("certs", "crl", "remove", "--store", s, "CN=Nobody");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no CRL matches");
        CliRunner removed = CliRunner.run("certs", "crl", "remove", "--store", s, "Cli Test Intermediate");
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("Removed CRL Cli_Test_Intermediate-");
        assertThat(CliRunner.run("certs", "crl", "list", "--store", s).out()).contains("CRLs (0):");
    }
}
