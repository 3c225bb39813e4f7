package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.server.config.ServerConfiguration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The manual pages and bash completion of the distribution archive, and its example configuration. */
class ManPagesTest {

    @TempDir
    Path dir;

    @Test
    void everyCommandHasAPageListingEveryOptionAndCompletionKnowsEverySubcommand() throws Exception {
        List<Path> written = ManPages.write(dir);
        CommandLine root =
                UmsecCommand.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        int pages = check(root, dir.resolve("man/man1"));
        assertThat(written).hasSize(pages + 1);
        assertThat(pages).isGreaterThan(10);
        String completion = Files.readString(dir.resolve("bash-completion/umsec"));
        assertThat(completion).contains("complete -F");
        for (String sub : root.getSubcommands().keySet()) {
            assertThat(completion).contains(sub);
        }
    }

    private static int check(CommandLine cl, Path man) throws Exception {
        CommandSpec spec = cl.getCommandSpec();
        if (spec.userObject() instanceof CommandLine.HelpCommand) {
            assertThat(man.resolve(spec.qualifiedName("-") + ".1")).doesNotExist();
            return 0;
        }
        Path page = man.resolve(spec.qualifiedName("-") + ".1");
        assertThat(page).exists();
        String t = Files.readString(page);
        assertThat(t)
                .startsWith(".\\\"")
                .contains(
                        ".TH \"" + spec.qualifiedName("-").toUpperCase(java.util.Locale.ROOT) + "\" \"1\"",
                        ".SH NAME",
                        ".SH SYNOPSIS",
                        ".SH EXIT STATUS");
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                assertThat(t).as(page + " documents " + o.longestName()).contains(ManPages.esc(o.longestName()));
            }
        }
        assertThat(t).doesNotContain("${DEFAULT-VALUE}");
        // no text line may start with a troff control character, or it would be swallowed
        for (String line : t.split("\n")) {
            if (line.startsWith(".") || line.startsWith("'")) {
                assertThat(line).matches("^\\.(\\\\\"|TH|SH|PP|TP|nf|fi) ?.*");
            }
        }
        int n = 1;
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == spec) {
                n += check(sub, man);
            }
        }
        return n;
    }

    @Test
    void troffEscapesLeadingDotsBackslashesAndHyphens() {
        assertThat(ManPages.esc(".hidden")).isEqualTo("\\&.hidden");
        assertThat(ManPages.esc("a\\b-c")).isEqualTo("a\\eb\\-c");
        assertThat(ManPages.esc("one\n.two")).isEqualTo("one\n\\&.two");
    }

    @Test
    void theDistributionsExampleConfigurationChecksOut() throws Exception {
        ServerConfiguration c = ServerConfiguration.load(Path.of("src/dist/etc/umsec.yaml"));
        assertThat(c.store()).isEqualTo(Path.of("/var/lib/umsec/certs"));
        assertThat(c.voicemail()).isEqualTo(Path.of("/var/lib/umsec/voicemail"));
        assertThat(c.admin()).isPresent();
        assertThat(c.tlsListener()).isTrue();
        // the unit the archive ships runs it with the hardening the README promises
        String unit = Files.readString(Path.of("src/dist/systemd/umsec.service"));
        assertThat(unit)
                .contains(
                        "User=umsec",
                        "NoNewPrivileges=yes",
                        "ProtectSystem=strict",
                        "ReadWritePaths=/var/lib/umsec",
                        "CapabilityBoundingSet=\n",
                        "ExecReload=/bin/kill -HUP $MAINPID",
                        "SuccessExitStatus=143",
                        "--config /etc/umsec/umsec.yaml")
                .doesNotContain("MemoryDenyWriteExecute=yes");
    }
}
