package org.umsec.server.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
            "Edits of the configuration file and of the certificate store apply without a restart;"
                + " SIGHUP re-reads both at once. SIGTERM (or Ctrl-C) stops: new calls are refused, calls in"
                + " progress get --grace seconds."})
final class ServerCommand implements Callable<Integer> {

    private static volatile boolean running;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (see umsec config default)")
    Path config;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "on stop, how long calls in progress may continue (default ${DEFAULT-VALUE})")
    int graceSeconds;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "log records on standard error as 'text' or 'json' (one object per line); default ${DEFAULT-VALUE}")
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO",
            description = "lowest level logged: ERROR, WARN, INFO, DEBUG, TRACE; default ${DEFAULT-VALUE}")
    String logLevel;

    private final Object reloading = new Object();

    static boolean running() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        Logging.Format format;
        ch.qos.logback.classic.Level level;
        try {
            format = Logging.Format.parse(logFormat);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--log-format must be text or json, was '"
                    + logFormat + "'");
        }
        try {
            level = Logging.level(logLevel);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        if (Logging.managed()) {
            Logging.configure(format, level);
        }
        Logger log = LoggerFactory.getLogger(ServerCommand.class);
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
        UmsecServer server = b.build();
        try {
            server.start();
        } catch (java.io.IOException e) {
            throw new CliException("server did not start: " + e.getMessage(), e);
        }
        running = true;
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping: new calls are refused; draining {} call(s) in progress for up to {} s",
                    server.activeCalls(), graceSeconds);
            server.stop(Duration.ofSeconds(graceSeconds));
            done.countDown();
        }, "umsec-shutdown"));
        Signals.handle("TERM", () -> log.info("SIGTERM received: stopping the server, {} call(s) in progress",
                server.activeCalls()), true);
        if (Signals.handle("HUP", () -> reload(server, log), false)) {
            log.info("SIGHUP re-reads {} and the certificate store", config == null ? "the certificate store"
                    : "the configuration " + config);
        }
        spec.commandLine().getOut().println("umsec server " + cfg.serverName() + " running"
                + (server.tcpPort() > 0 ? "; SIP/TCP on " + server.tcpPort() : "")
                + (server.tlsPort() > 0 ? "; SIP/mutual TLS on " + server.tlsPort() : "")
                + server.certificate().map(i -> "; certificate SHA-1 " + i.sha1Thumbprint()).orElse("")
                + ". Stop with Ctrl-C.");
        spec.commandLine().getOut().flush();
        done.await();
        return 0;
    }

    /** SIGHUP: the configuration file (if any) and the certificate store, re-read now. */
    private void reload(UmsecServer server, Logger log) {
        synchronized (reloading) {
            log.info("SIGHUP received: reloading {}the certificate store", config == null ? "" : config + " and ");
            if (config != null) {
                try {
                    server.reload(ServerConfiguration.load(config));
                } catch (ConfigurationException e) {
                    log.error("SIGHUP: configuration {} refused; the running configuration stays: {}", config,
                            e.getMessage().replace('\n', ' '));
                    server.rejected(e);
                } catch (java.io.IOException | RuntimeException e) {
                    log.error("SIGHUP: configuration {} not applied; the running configuration stays: {}", config,
                            e.toString());
                }
            }
            try {
                server.refreshCertificates();
                log.info("SIGHUP: reload done; certificate in use: {}", server.certificate()
                        .map(i -> "SHA-1 " + i.sha1Thumbprint() + ", valid until " + i.notAfter()).orElse("none"));
            } catch (java.io.IOException | RuntimeException e) {
                log.error("SIGHUP: certificate store not re-read: {}", e.toString());
            }
        }
    }
}
