package org.umsec.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ConfigurationProblem;
import org.umsec.server.config.ServerConfiguration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code umsec config check FILE} and {@code umsec config default}. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Check a configuration file or print the default.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Default.class})
final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = {
                "Check a YAML configuration; prints every problem with file and line.",
                "Exit code 0 when the server would start (warnings are printed too), 1 when it would refuse."
            })
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "the configuration file")
        Path file;

        @Override
        public Integer call() throws Exception {
            try {
                // the same load as `umsec server` and a live reload: same rules, same messages
                ServerConfiguration c = ServerConfiguration.load(file);
                for (ConfigurationProblem p : c.warnings()) {
                    spec.commandLine().getErr().println(p);
                }
                spec.commandLine().getOut().println("OK: " + c);
                return 0;
            } catch (ConfigurationException e) {
                for (ConfigurationProblem p : e.problems()) {
                    spec.commandLine().getErr().println(p);
                }
                return 1;
            }
        }
    }

    @Command(
            name = "default",
            mixinStandardHelpOptions = true,
            description = "Print the embedded default configuration (a starting point for a file).")
    static final class Default implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (var in = ServerConfiguration.class.getResourceAsStream(ServerConfiguration.DEFAULT_RESOURCE)) {
                spec.commandLine()
                        .getOut()
                        .print(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
