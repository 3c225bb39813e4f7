package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.umsec.core.DialingCheck;
import org.umsec.server.PlayOnPhoneRequest;
import org.umsec.server.PlayOnPhoneResult;
import org.umsec.server.UmsecServer;
import org.umsec.server.config.ConfigFiles;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.VoicemailRecorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code umsec call-out}: the server places one call and plays a WAV on the phone (play on phone, R6,
 * R18), as {@link UmsecServer#playOnPhone(PlayOnPhoneRequest)} does: the dialing rules of the dial plan
 * (or the mailbox policy's allowed groups) decide first, then the call goes through the dial plan's
 * gateway in its mode, over mutual TLS with the server's own certificate and store for secured plans. It
 * needs no running server and opens no listener.
 */
@Command(
        name = "call-out",
        mixinStandardHelpOptions = true,
        description = {
            "Place a call from the server through a gateway and play audio on the phone (play on phone)."
                    + " The dial plan's dialing rules, or the mailbox policy's allowed groups, are checked first:"
                    + " a blocked number is refused with the rule that blocked it (event 4001) and nothing is sent."
                    + " Secured and SIPSecured plans call over mutual TLS, presenting the server's certificate and"
                    + " accepting only a gateway certificate that names the gateway's FQDN; Unsecured plans over TCP.",
            "Exit 0 when the call was answered (the audio played, or the phone hung up first), 1 when it was"
                    + " blocked, refused, not answered or failed, 2 on a usage error."
        })
final class CallOutCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            defaultValue = "${env:UMSEC_CONFIG}",
            description = "YAML configuration of the server (dial plans with dialing rules, gateways, mailbox"
                    + " policies, certificate store); env UMSEC_CONFIG. Without it the embedded default, whose dial"
                    + " plan has no dialing rules and so blocks every number")
    Path config;

    @Option(
            names = "--workdir",
            paramLabel = "DIR",
            defaultValue = "${env:UMSEC_WORKDIR}",
            description = "where the embedded default keeps ./var (certificates); not used with --config")
    Path workdir;

    @Option(
            names = "--dial-plan",
            paramLabel = "NAME",
            description = "dial plan whose rules and gateway apply (default: the gateway's, the mailbox policy's,"
                    + " or the only dial plan with a gateway)")
    String dialPlan;

    @Option(
            names = "--gateway",
            paramLabel = "NAME",
            description = "gateway to call through (default: the dial plan's first)")
    String gateway;

    @Option(
            names = "--mailbox-policy",
            paramLabel = "NAME",
            description = "UM mailbox policy whose allowed dialing groups apply instead of the dial plan's")
    String mailboxPolicy;

    @Option(
            names = "--wav",
            paramLabel = "FILE",
            description = "audio to play (any WAV the JDK converts to 8 kHz mono; default the server's greeting)")
    Path wav;

    @Option(
            names = "--ring-timeout",
            paramLabel = "SECONDS",
            defaultValue = "" + PlayOnPhoneRequest.DEFAULT_RING_TIMEOUT_SECONDS,
            description = "cancel the call when nobody answers within this time (default ${DEFAULT-VALUE})")
    int ringTimeoutSeconds;

    @Option(
            names = "--connect-to",
            paramLabel = "HOST:PORT",
            description = "connect here instead of the gateway's configured address and port (a port forward, a"
                    + " lab); over TLS the certificate must still name the gateway's configured FQDN")
    String connectTo;

    @Parameters(paramLabel = "NUMBER", description = "the number to call, e.g. \"+1 (425) 555-0100\"")
    String number;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (ringTimeoutSeconds < 1 || ringTimeoutSeconds > PlayOnPhoneRequest.MAX_RING_TIMEOUT_SECONDS) {
            throw CliException.usage(
                    "--ring-timeout must be 1.." + PlayOnPhoneRequest.MAX_RING_TIMEOUT_SECONDS + " seconds");
        }
        ServerConfiguration cfg = configuration();
        short[] audio;
        try {
            audio = wav != null
                    ? VoicemailRecorder.readGreeting(wav)
                    : cfg.greeting().isPresent()
                            ? VoicemailRecorder.readGreeting(cfg.greeting().get())
                            : VoicemailRecorder.defaultGreeting();
        } catch (IOException e) {
            Path f = wav != null ? wav : cfg.greeting().orElseThrow();
            throw new CliException("audio " + ConfigFiles.explain(f, e));
        }
        PlayOnPhoneRequest.Builder b =
                PlayOnPhoneRequest.builder(number, audio).ringTimeout(Duration.ofSeconds(ringTimeoutSeconds));
        if (dialPlan != null) {
            b.dialPlan(dialPlan);
        }
        if (gateway != null) {
            b.gateway(gateway);
        }
        if (mailboxPolicy != null) {
            b.mailboxPolicy(mailboxPolicy);
        }
        if (connectTo != null) {
            TestConnectivityCommand.HostPort hp = TestConnectivityCommand.HostPort.parse(connectTo, -1);
            if (hp.port() < 1) {
                throw CliException.usage("--connect-to needs HOST:PORT");
            }
            try {
                b.connectTo(new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port()));
            } catch (UnknownHostException e) {
                throw new CliException("--connect-to: unknown host " + hp.host());
            }
        }
        UmsecServer server = UmsecServer.builder(cfg)
                .registerJmx(false)
                .watchStore(false)
                .watchConfigFile(false)
                .build();
        PlayOnPhoneResult r;
        try {
            r = server.playOnPhone(b.build()).get();
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        } catch (ExecutionException e) {
            throw new CliException("the call failed: " + e.getCause());
        } finally {
            server.stop(Duration.ZERO);
        }
        DialingCheck check = r.check();
        out.println("Dialing rules (R6), dial plan " + r.dialPlan()
                + (mailboxPolicy == null ? "" : ", mailbox policy " + mailboxPolicy) + ": " + check.reason());
        if (r.outcome() == PlayOnPhoneResult.Outcome.BLOCKED) {
            out.flush();
            throw new CliException("blocked by the dialing rules, nothing was sent (event 4001): " + check.reason());
        }
        out.println("Called " + check.dialedNumber().orElse("?") + " via gateway "
                + r.gateway().orElse("?") + " ("
                + r.mode().displayName()
                + (r.mode().mutualTls() ? ", mutual TLS" : ", TCP")
                + r.srtpSuite().map(s -> ", SRTP " + s).orElse(r.mode().mediaEncrypted() ? "" : ", RTP")
                + r.callId().map(id -> ", Call-ID " + id).orElse("")
                + ")");
        String line = r.outcome() + (r.status().isPresent() ? " (" + r.status().getAsInt() + ")" : "") + ": "
                + r.detail() + "; " + r.packetsSent() + " packets sent, " + r.packetsReceived() + " received";
        out.println(line);
        out.flush();
        if (!r.answered()) {
            throw new CliException(
                    r.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + r.detail());
        }
        return 0;
    }

    private ServerConfiguration configuration() throws CliException {
        if (config != null && workdir != null) {
            throw CliException.usage("--workdir applies to the embedded default only");
        }
        if (workdir != null && !Files.isDirectory(workdir)) {
            throw new CliException("--workdir " + workdir + ": "
                    + (Files.exists(workdir) ? "is not a directory" : "no such directory"));
        }
        try {
            return config == null
                    ? ServerConfiguration.embeddedDefault(workdir == null ? Path.of("") : workdir)
                    : ServerConfiguration.load(config);
        } catch (ConfigurationException e) {
            spec.commandLine().getErr().println(e.getMessage());
            throw new CliException("configuration " + (config == null ? "<embedded default>" : config) + " has "
                    + e.errors().size() + " error(s)");
        } catch (IOException e) {
            throw new CliException("configuration " + config + ": " + e.getMessage(), e);
        }
    }
}
