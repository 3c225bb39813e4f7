package org.umsec.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code umsec}: the reference server and the administrator's tools, as one program with
 * subcommands. Each subcommand's {@code --help} lists its options. Errors print one line and exit
 * non-zero: 1 for a failure, 2 for a usage error.
 */
@Command(
        name = "umsec",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "SIP over mutual TLS, SRTP media and certificates for unified messaging (R22-R24).",
        subcommands = {
            ServerCommand.class,
            TestConnectivityCommand.class,
            CallCommand.class,
            CallOutCommand.class,
            LoadCommand.class,
            CertsCommand.class,
            SrtpCommand.class,
            ConfigCommand.class,
            CommandLine.HelpCommand.class
        })
public final class UmsecCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Builds the command line with the one-line error handling every subcommand shares.
     *
     * @param out standard output
     * @param err standard error
     * @return the configured command line
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new UmsecCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + msg);
            cmd.getErr().flush();
            return ex instanceof CliException c && c.isUsage() ? 2 : 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + ex.getMessage() + " (see: " + name + " --help)");
            cmd.getErr().flush();
            return 2;
        });
        return cl;
    }

    /**
     * Runs {@code umsec}.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        Logging.manage();
        // the tools print their own results, library logging is for problems only; the server
        // sets its own format and level from its options
        Logging.configure(Logging.Format.TEXT, ch.qos.logback.classic.Level.WARN);
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        if (code != 0 || !ServerCommand.running()) {
            System.exit(code);
        }
    }
}
