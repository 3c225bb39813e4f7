package org.umsec.server.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.server.UmsecServer;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ServerConfiguration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code umsec server [--config FILE] [--sip-port N] [--tls-port N] [--workdir DIR]}: runs the
 * reference server until interrupted. Every option can also come from the environment
 * ({@code UMSEC_CONFIG}, {@code UMSEC_SIP_PORT}, {@code UMSEC_TLS_PORT}, {@code UMSEC_WORKDIR}); an
 * option on the command line wins over the environment, and both win over the file.
 */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        description = {
            "Run the reference server.",
            "Without --config it runs on the embedded default: one Secured dial plan, this machine as trusted gateway,"
                    + " certificates and recordings under ./var (of --workdir), a self-signed certificate generated on"
                    + " first start.",
            "Edits of the configuration file and of the certificate store apply without a restart;"
                    + " SIGHUP re-reads both at once. SIGTERM (or Ctrl-C) stops: new calls are refused, calls in"
                    + " progress get --grace seconds.",
            "Environment: UMSEC_CONFIG, UMSEC_SIP_PORT, UMSEC_TLS_PORT, UMSEC_WORKDIR stand for the options."
        })
final class ServerCommand implements Callable<Integer> {

    private static volatile boolean running;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            defaultValue = "${env:UMSEC_CONFIG}",
            description = "YAML configuration file (see umsec config default); env UMSEC_CONFIG")
    Path config;

    @Option(
            names = "--sip-port",
            paramLabel = "PORT",
            defaultValue = "${env:UMSEC_SIP_PORT}",
            description = "port for SIP over TCP (0 = any free port), overriding server.sipPort; env UMSEC_SIP_PORT")
    Integer sipPort;

    @Option(
            names = "--tls-port",
            paramLabel = "PORT",
            defaultValue = "${env:UMSEC_TLS_PORT}",
            description = "port for SIP over mutual TLS (0 = any free port), overriding server.tlsPort;"
                    + " env UMSEC_TLS_PORT")
    Integer tlsPort;

    @Option(
            names = "--workdir",
            paramLabel = "DIR",
            defaultValue = "${env:UMSEC_WORKDIR}",
            description = "directory the embedded default keeps ./var (certificates, recordings) in;"
                    + " default the current directory; env UMSEC_WORKDIR. Not used with --config (paths in a file"
                    + " are relative to the file)")
    Path workdir;

    @Option(
            names = "--grace",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "on stop, how long calls in progress may continue (default ${DEFAULT-VALUE})")
    int graceSeconds;

    @Option(
            names = "--sip-trace",
            description =
                    "log every SIP message in and out (log category org.umsec.sip.trace);" + " SDES keys are masked")
    boolean sipTrace;

    @Option(
            names = "--trace-keys",
            description = "show SDES keys (a=crypto) in the SIP trace instead of masking them;"
                    + " and, when the SSLKEYLOGFILE environment variable names a file, write the TLS secrets there"
                    + " (NSS key log format, TLS 1.2, OpenSSL engine) so that Wireshark can decrypt a capture")
    boolean traceKeys;

    @Option(
            names = "--log-format",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description =
                    "log records on standard error as 'text' or 'json' (one object per line); default ${DEFAULT-VALUE}")
    String logFormat;

    @Option(
            names = "--log-level",
            paramLabel = "LEVEL",
            defaultValue = "INFO",
            description = "lowest level logged: ERROR, WARN, INFO, DEBUG, TRACE; default ${DEFAULT-VALUE}")
    String logLevel;

    private final Object reloading = new Object();

    static boolean running() {
        return running;
    }

    /**
     * The configuration the options select: the file or the embedded default (under --workdir), with
     * --sip-port and --tls-port applied; checked like every configuration.
     */
    ServerConfiguration configuration() throws CliException {
        if (config != null && workdir != null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--workdir applies to the embedded default only; paths in " + config + " are relative to the file");
        }
        for (Integer p : new Integer[] {sipPort, tlsPort}) {
            if (p != null && (p < 0 || p > 65535)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "a port must be 0..65535, was " + p);
            }
        }
        if (workdir != null && !Files.isDirectory(workdir)) {
            throw new CliException("--workdir " + workdir + ": "
                    + (Files.exists(workdir) ? "is not a directory" : "no such directory"));
        }
        try {
            ServerConfiguration cfg = config == null
                    ? ServerConfiguration.embeddedDefault(workdir == null ? Path.of("") : workdir)
                    : ServerConfiguration.load(config);
            if (sipPort != null || tlsPort != null) {
                ServerConfiguration.Builder b = cfg.toBuilder();
                if (sipPort != null) {
                    b.sipPort(sipPort);
                }
                if (tlsPort != null) {
                    b.tlsPort(tlsPort);
                }
                cfg = b.build();
            }
            return cfg;
        } catch (ConfigurationException e) {
            spec.commandLine().getErr().println(e.getMessage());
            throw new CliException("configuration " + (config == null ? "<embedded default>" : config) + " has "
                    + e.errors().size() + " error(s); not starting");
        } catch (java.io.IOException e) {
            throw new CliException("configuration " + config + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.Format format;
        ch.qos.logback.classic.Level level;
        try {
            format = Logging.Format.parse(logFormat);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--log-format must be text or json, was '" + logFormat + "'");
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
        ServerConfiguration cfg = configuration();
        UmsecServer.Builder b = UmsecServer.builder(cfg);
        if (config != null && sipPort == null && tlsPort == null) {
            // edits of the file apply live; with ports overridden on the command line a reload would drop them
            b.configFile(config);
        }
        b.sipTrace(sipTrace || traceKeys).traceKeys(traceKeys);
        String keyLog = System.getenv("SSLKEYLOGFILE");
        if (traceKeys && keyLog != null && !keyLog.isBlank()) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "WARNING: writing TLS secrets to " + keyLog
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
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info(
                                    "Stopping: new calls are refused; draining {} call(s) in progress for up to {} s",
                                    server.activeCalls(),
                                    graceSeconds);
                            server.stop(Duration.ofSeconds(graceSeconds));
                            done.countDown();
                        },
                        "umsec-shutdown"));
        Signals.handle(
                "TERM",
                () -> log.info("SIGTERM received: stopping the server, {} call(s) in progress", server.activeCalls()),
                true);
        if (Signals.handle("HUP", () -> reload(server, log), false)) {
            log.info(
                    "SIGHUP re-reads {} and the certificate store",
                    config == null ? "the certificate store" : "the configuration " + config);
        }
        spec.commandLine()
                .getOut()
                .println("umsec server " + cfg.serverName() + " running"
                        + (server.tcpPort() > 0
                                ? "; SIP/TCP on " + cfg.bindAddress() + " port " + server.tcpPort()
                                : "")
                        + (server.tlsPort() > 0
                                ? "; SIP/mutual TLS on " + cfg.bindAddress() + " port " + server.tlsPort()
                                : "")
                        + server.certificate()
                                .map(i -> "; certificate SHA-1 " + i.sha1Thumbprint())
                                .orElse("")
                        + ". Stop with Ctrl-C.");
        spec.commandLine().getOut().flush();
        done.await();
        return 0;
    }

    /** SIGHUP: the configuration file (if any, with the command line's port overrides) and the certificate store. */
    private void reload(UmsecServer server, Logger log) {
        synchronized (reloading) {
            log.info("SIGHUP received: reloading {}the certificate store", config == null ? "" : config + " and ");
            if (config != null) {
                try {
                    if (sipPort == null && tlsPort == null) {
                        server.reloadConfigFile(); // a refused file is reported as event 6002 there
                    } else {
                        server.reload(configuration());
                    }
                } catch (ConfigurationException e) {
                    log.error(
                            "SIGHUP: configuration {} refused; the running configuration stays: {}",
                            config,
                            e.getMessage().replace('\n', ' '));
                } catch (CliException e) {
                    log.error(
                            "SIGHUP: configuration {} refused; the running configuration stays: {}",
                            config,
                            e.getMessage());
                } catch (java.io.IOException | RuntimeException e) {
                    log.error(
                            "SIGHUP: configuration {} not applied; the running configuration stays: {}",
                            config,
                            e.toString());
                }
            }
            try {
                server.refreshCertificates();
                log.info(
                        "SIGHUP: reload done; certificate in use: {}",
                        server.certificate()
                                .map(i -> "SHA-1 " + i.sha1Thumbprint() + ", valid until " + i.notAfter())
                                .orElse("none"));
            } catch (java.io.IOException | RuntimeException e) {
                log.error("SIGHUP: certificate store not re-read: {}", e.toString());
            }
        }
    }
}
