package org.umsec.server.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLException;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.internal.SipMessage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code umsec test-connectivity}: the {@code Test-UMConnectivity} analogue (R23). Connects in the
 * given mode, shows the TLS handshake and the peer's chain, sends OPTIONS and prints the answer and
 * the round-trip time. Exit 0 on a 2xx answer, 1 with the reason otherwise.
 */
@Command(name = "test-connectivity", mixinStandardHelpOptions = true,
        description = {"Connect to a UM server, gateway or IP PBX, send SIP OPTIONS and report (R23).",
            "With --secured=true (the default) the connection is mutual TLS: the client certificate comes from"
                + " --cert/--key or from the store's selection, the server's chain is checked against --trust"
                + " or the store's trusted roots, and the server's certificate must name HOST (or --server-name)."})
final class TestConnectivityCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--secured", arity = "0..1", fallbackValue = "true", defaultValue = "true", paramLabel = "true|false",
            description = "mutual TLS (default, port 5061) or plain TCP (port 5060)")
    boolean secured;

    @Parameters(paramLabel = "HOST[:PORT]", description = "the peer, for example localhost:5061 or [::1]:5061")
    String target;

    @CommandLine.Mixin
    ClientOptions client = new ClientOptions();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5", description = "connect/answer timeout (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HostPort hp = HostPort.parse(target, secured ? VoipSecurityMode.SECURED_PORT : VoipSecurityMode.UNSECURED_PORT);
        out.println("Testing " + hp + " " + (secured ? "secured (SIP over mutual TLS)" : "unsecured (SIP over TCP)"));
        Socket socket;
        long t0 = System.nanoTime();
        try {
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress(hp.host(), hp.port()), timeoutSeconds * 1000);
            socket = plain;
        } catch (ConnectException e) {
            throw new CliException("cannot connect to " + hp + ": " + e.getMessage());
        } catch (SocketTimeoutException e) {
            throw new CliException("cannot connect to " + hp + ": no answer within " + timeoutSeconds + " s");
        }
        out.printf("TCP connected in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        try (Socket s = secured ? client.handshake(socket, hp, timeoutSeconds, out) : socket) {
            s.setSoTimeout(timeoutSeconds * 1000);
            return options(s, hp, out);
        }
    }

    private int options(Socket s, HostPort hp, PrintWriter out) throws IOException, CliException {
        String transport = secured ? "TLS" : "TCP";
        String local = s.getLocalAddress().getHostAddress();
        if (local.contains(":")) {
            local = "[" + local + "]";
        }
        String tag = hex(6);
        SipMessage req = SipMessage.request("OPTIONS", "sip:" + hp + ";transport=" + transport.toLowerCase())
                .add("Via", "SIP/2.0/" + transport + " " + local + ":" + s.getLocalPort() + ";branch=z9hG4bK" + hex(8))
                .add("Max-Forwards", "70").add("From", "<sip:umsec-test@" + local + ">;tag=" + tag)
                .add("To", "<sip:" + hp + ">").add("Call-ID", hex(12) + "@umsec-test").add("CSeq", "1 OPTIONS")
                .add("Contact", "<sip:umsec-test@" + local + ":" + s.getLocalPort() + ";transport=" + transport.toLowerCase() + ">")
                .add("Accept", "application/sdp").add("User-Agent", "umsec test-connectivity");
        OutputStream o = s.getOutputStream();
        InputStream in = new BufferedInputStream(s.getInputStream());
        long t0 = System.nanoTime();
        try {
            o.write(req.encode());
            o.flush();
            out.println("Sent OPTIONS " + req.requestUri());
            while (true) {
                Optional<SipMessage> m = SipMessage.read(in);
                if (m.isEmpty()) {
                    throw new CliException("the peer closed the connection without answering"
                            + (secured ? " (it may not trust our certificate, or our identity is not on its list)" : ""));
                }
                SipMessage r = m.get();
                if (r.isRequest() || r.status() < 200) {
                    continue;
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String line = r.encode().length > 0 ? new String(r.encode(), java.nio.charset.StandardCharsets.UTF_8)
                        .lines().findFirst().orElse("") : "";
                out.println("Answer: " + line + " (round trip " + ms + " ms)");
                r.header("Server").or(() -> r.header("User-Agent")).ifPresent(a -> out.println("Peer: " + a));
                r.header("Allow").ifPresent(a -> out.println("Allow: " + a));
                if (r.status() >= 300) {
                    throw new CliException("the peer answered " + line.substring(Math.min(8, line.length()))
                            + r.header("Warning").map(w -> " (" + w + ")").orElse(""));
                }
                out.println("Connectivity OK");
                out.flush();
                return 0;
            }
        } catch (SSLException e) {
            throw new CliException("the TLS connection failed after the handshake: " + e.getMessage()
                    + " (the peer probably rejected our certificate)");
        } catch (SocketTimeoutException e) {
            throw new CliException("no answer to OPTIONS within " + timeoutSeconds + " s");
        } catch (java.net.SocketException e) {
            throw new CliException("the connection failed: " + e.getMessage()
                    + (secured ? " (the peer probably rejected our certificate)" : ""));
        }
    }

    private static String hex(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A host and port from the command line. */
    record HostPort(String host, int port) {
        static HostPort parse(String s, int defaultPort) throws CliException {
            String host;
            String port = null;
            if (s.startsWith("[")) {
                int end = s.indexOf(']');
                if (end < 0) {
                    throw new CliException("bad address " + s + ": missing ]");
                }
                host = s.substring(1, end);
                if (end + 1 < s.length()) {
                    if (s.charAt(end + 1) != ':') {
                        throw new CliException("bad address " + s);
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
                throw new CliException("bad address " + s + ": no host");
            }
            int p = defaultPort;
            if (port != null) {
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    throw new CliException("bad port in " + s);
                }
                if (p < 1 || p > 65535) {
                    throw new CliException("port must be 1..65535 in " + s);
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
