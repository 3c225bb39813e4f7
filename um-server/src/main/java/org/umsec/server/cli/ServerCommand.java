package org.umsec.server.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.umsec.server.ConfigurationException;
import org.umsec.server.ServerConfiguration;
import org.umsec.server.UmsecServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code umsec server [--config FILE]}: runs the reference server until interrupted. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run the reference server.",
            "Without --config it runs on the embedded default: one Secured dial plan, this machine as trusted gateway,"
                + " certificates and recordings under ./var, a self-signed certificate generated on first start.",
            "Edits of the configuration file and of the certificate store apply without a restart."})
final class ServerCommand implements Callable<Integer> {

    private static volatile boolean running;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (see umsec config default)")
    Path config;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "on stop, how long calls in progress may continue (default ${DEFAULT-VALUE})")
    int graceSeconds;

    @Option(names = "--sip-trace", description = "log every SIP message in and out (log category org.umsec.sip.trace);"
            + " SDES keys are masked")
    boolean sipTrace;

    @Option(names = "--trace-keys", description = "show SDES keys (a=crypto) in the SIP trace instead of masking them;"
            + " and, when the SSLKEYLOGFILE environment variable names a file, write the TLS secrets there"
            + " (NSS key log format, TLS 1.2, OpenSSL engine) so that Wireshark can decrypt a capture")
    boolean traceKeys;

    static boolean running() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        ServerConfiguration cfg;
        try {
            cfg = config == null ? ServerConfiguration.embeddedDefault() : ServerConfiguration.load(config);
        } catch (ConfigurationException e) {
            spec.commandLine().getErr().println(e.getMessage());
            throw new CliException("configuration " + config + " has " + e.problems().size() + " problem(s); not starting");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CliException("configuration file not found: " + config);
        }
        UmsecServer.Builder b = UmsecServer.builder(cfg);
        if (config != null) {
            b.configFile(config);
        }
        b.sipTrace(sipTrace || traceKeys).traceKeys(traceKeys);
        String keyLog = System.getenv("SSLKEYLOGFILE");
        if (traceKeys && keyLog != null && !keyLog.isBlank()) {
            spec.commandLine().getErr().println("WARNING: writing TLS secrets to " + keyLog
                    + " (SSLKEYLOGFILE): anyone who reads it can decrypt the signalling and the media keys of every call");
            b.keyLogFile(Path.of(keyLog));
        }
        UmsecServer server = b.build();
        try {
            server.start();
        } catch (java.io.IOException e) {
            throw new CliException("server did not start: " + e.getMessage(), e);
        }
        running = true;
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(Duration.ofSeconds(graceSeconds));
            done.countDown();
        }, "umsec-shutdown"));
        spec.commandLine().getOut().println("umsec server " + cfg.serverName() + " running"
                + (server.tcpPort() > 0 ? "; SIP/TCP on " + server.tcpPort() : "")
                + (server.tlsPort() > 0 ? "; SIP/mutual TLS on " + server.tlsPort() : "")
                + server.certificate().map(i -> "; certificate SHA-1 " + i.sha1Thumbprint()).orElse("")
                + ". Stop with Ctrl-C.");
        spec.commandLine().getOut().flush();
        done.await();
        return 0;
    }
}
