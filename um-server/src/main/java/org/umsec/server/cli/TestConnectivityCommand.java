package org.umsec.server.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.umsec.core.VoipSecurityMode;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code umsec test-connectivity}: the {@code Test-UMConnectivity} analogue (R23). Connects in the
 * given mode, shows the TLS handshake and the peer's chain, sends OPTIONS and prints the answer and
 * the round-trip time. Exit 0 on a 2xx answer, 1 with the reason otherwise.
 */
@Command(
        name = "test-connectivity",
        mixinStandardHelpOptions = true,
        description = {
            "Connect to a UM server, gateway or IP PBX, send SIP OPTIONS and report (R23).",
            "With --secured=true (the default) the connection is mutual TLS: the client certificate comes from"
                    + " --cert/--key or from the store's selection, the server's chain is checked against --trust"
                    + " or the store's trusted roots, and the server's certificate must name HOST (or --server-name)."
        })
final class TestConnectivityCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--secured",
            arity = "0..1",
            fallbackValue = "true",
            defaultValue = "true",
            paramLabel = "true|false",
            description = "mutual TLS (default, port 5061) or plain TCP (port 5060)")
    boolean secured;

    @Parameters(paramLabel = "HOST[:PORT]", description = "the peer, for example localhost:5061 or [::1]:5061")
    String target;

    @CommandLine.Mixin
    ClientOptions client = new ClientOptions();

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "5",
            description = "connect/answer timeout (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HostPort hp = HostPort.parse(target, secured ? VoipSecurityMode.SECURED_PORT : VoipSecurityMode.UNSECURED_PORT);
        out.println("Testing " + hp + " " + (secured ? "secured (SIP over mutual TLS)" : "unsecured (SIP over TCP)"));
        try (SipDialer d = SipDialer.connect(hp, secured, client, timeoutSeconds, out)) {
            return options(d, hp, out);
        }
    }

    private int options(SipDialer d, HostPort hp, PrintWriter out) throws CliException {
        String transport = secured ? "tls" : "tcp";
        String local = d.localHost();
        SipRequest req = SipRequest.builder(SipRequest.OPTIONS, "sip:" + hp + ";transport=" + transport)
                .via(d.via())
                .maxForwards(70)
                .from(NameAddress.of("sip:umsec-test@" + local).withTag(d.newTag()))
                .to(NameAddress.of("sip:" + hp))
                .callId(d.newTag() + d.newTag() + "@umsec-test")
                .cseq(1)
                .contact(NameAddress.of("sip:umsec-test@" + d.localHostPort() + ";transport=" + transport))
                .header("Accept", "application/sdp")
                .header("User-Agent", "umsec test-connectivity")
                .build();
        String uri = req.requestUri();
        long t0 = System.nanoTime();
        out.println("Sent OPTIONS " + uri);
        SipResponse r = d.request(
                req, secured ? " (it may not trust our certificate, or our identity is not on its list)" : "");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String line = "SIP/2.0 " + r.status() + " " + r.reasonPhrase();
        out.println("Answer: " + line + " (round trip " + ms + " ms)");
        r.header("Server").or(() -> r.header("User-Agent")).ifPresent(a -> out.println("Peer: " + a));
        r.header("Allow").ifPresent(a -> out.println("Allow: " + a));
        if (r.status() >= 300) {
            throw new CliException("the peer answered " + r.status() + " " + r.reasonPhrase()
                    + r.header("Warning").map(w -> " (" + w + ")").orElse(""));
        }
        out.println("Connectivity OK");
        out.flush();
        return 0;
    }

    /** A host and port from the command line. */
    record HostPort(String host, int port) {
        static HostPort parse(String s, int defaultPort) throws CliException {
            String host;
            String port = null;
            if (s.startsWith("[")) {
                int end = s.indexOf(']');
                if (end < 0) {
                    throw CliException.usage("bad address " + s + ": missing ]");
                }
                host = s.substring(1, end);
                if (end + 1 < s.length()) {
                    if (s.charAt(end + 1) != ':') {
                        throw CliException.usage("bad address " + s);
                    }
                    port = s.substring(end + 2);
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (colon >= 0 && s.indexOf(':') == colon) {
                    host = s.substring(0, colon);
                    port = s.substring(colon + 1);
                } else {
                    host = s;
                }
            }
            if (host.isEmpty()) {
                throw CliException.usage("bad address " + s + ": no host");
            }
            int p = defaultPort;
            if (port != null) {
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    throw CliException.usage("bad port in " + s);
                }
                if (p < 1 || p > 65535) {
                    throw CliException.usage("port must be 1..65535 in " + s);
                }
            }
            return new HostPort(host, p);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
