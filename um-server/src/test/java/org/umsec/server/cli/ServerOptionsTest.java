package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.server.config.ServerConfiguration;
import picocli.CommandLine;

/** {@code umsec server} options, {@code --version}, and file errors that say which file and why. */
class ServerOptionsTest {

    @TempDir
    Path dir;

    private ServerCommand parse(String... args) {
        CommandLine cl =
                UmsecCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        CommandLine.ParseResult r = cl.parseArgs(args);
        return (ServerCommand) r.subcommand().commandSpec().userObject();
    }

    @Test
    void theDefaultServerTakesPortsAndAWorkDirectory() throws Exception {
        ServerConfiguration c = parse("server", "--workdir", dir.toString(), "--sip-port", "5070", "--tls-port", "5071")
                .configuration();
        assertThat(c.sipPort()).isEqualTo(5070);
        assertThat(c.tlsPort()).isEqualTo(5071);
        assertThat(c.store()).isEqualTo(dir.toAbsolutePath().resolve("var/certs"));
        assertThat(c.voicemail()).isEqualTo(dir.toAbsolutePath().resolve("var/voicemail"));
        // and the start-up description names those ports, not 5060/5061
        assertThat(c.startupPlan().describe(c.sipPort(), c.tlsPort()))
                .contains("TLS 5071")
                .doesNotContain("5061");
    }

    @Test
    void portsOverrideAFileAndAreCheckedLikeTheFile() throws Exception {
        Path f = dir.resolve("umsec.yaml");
        Files.writeString(f, "server:\n  startSecured: 0\n  bind: 127.0.0.1\n");
        assertThat(parse("server", "--config", f.toString(), "--sip-port", "5072")
                        .configuration()
                        .sipPort())
                .isEqualTo(5072);
        CliRunner same = CliRunner.run("server", "--config", f.toString(), "--sip-port", "5061", "--tls-port", "5061");
        assertThat(same.exit()).isEqualTo(1);
        assertThat(same.err()).contains("TCP and TLS need separate ports");
    }

    @Test
    void usageErrorsExitWithTwo() {
        CliRunner both = CliRunner.run("server", "--config", "x.yaml", "--workdir", dir.toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--workdir applies to the embedded default only");
        CliRunner port = CliRunner.run("server", "--sip-port", "70000");
        assertThat(port.exit()).isEqualTo(2);
        assertThat(port.err()).contains("a port must be 0..65535, was 70000");
        CliRunner noDir =
                CliRunner.run("server", "--workdir", dir.resolve("missing").toString());
        assertThat(noDir.exit()).isEqualTo(1);
        assertThat(noDir.err()).contains("missing: no such directory");
    }

    @Test
    void versionComesFromTheBuild() throws Exception {
        CliRunner v = CliRunner.run("--version");
        assertThat(v.exit()).isZero();
        String expected;
        try (var in = ServerOptionsTest.class.getResourceAsStream("/org/umsec/server/version.properties")) {
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            expected = p.getProperty("version");
        }
        // the resource is filtered by Maven: project.version, never a placeholder or a constant in the code
        assertThat(expected).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(v.out()).startsWith("umsec " + expected + System.lineSeparator());
    }

    @Test
    void configCheckSaysWhichFileAndWhy() throws Exception {
        Path missing = dir.resolve("nope.yaml");
        assertThat(CliRunner.run("config", "check", missing.toString()).err())
                .contains(missing + ": cannot read the configuration: no such file or directory");
        assertThat(CliRunner.run("config", "check", dir.toString()).err())
                .contains(dir + ": cannot read the configuration: is a directory, not a file");
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(
                latin1,
                "server:\n  name: um1\n  fqdn: caf\u00e9.example.test\n"
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliRunner bad = CliRunner.run("config", "check", latin1.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err())
                .contains(latin1 + ":3: cannot read the configuration: not UTF-8 text (malformed byte 0xe9");
        Path big = dir.resolve("big.yaml");
        Files.write(big, new byte[ServerConfiguration.MAX_FILE_BYTES + 1]);
        assertThat(CliRunner.run("config", "check", big.toString()).err())
                .contains(big + ": cannot read the" + " configuration: the file is larger than "
                        + ServerConfiguration.MAX_FILE_BYTES + " bytes");
        // the server says the same
        assertThat(CliRunner.run("server", "--config", missing.toString()).err())
                .contains(missing + ": cannot read the configuration: no such file or directory");
    }

    @Test
    void anUnreadableFileIsPermissionDenied() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads every file");
        Path f = dir.resolve("secret.yaml");
        Files.writeString(f, "server: {}\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assertThat(CliRunner.run("config", "check", f.toString()).err())
                .contains(f + ": cannot read the configuration: permission denied");
    }
}
