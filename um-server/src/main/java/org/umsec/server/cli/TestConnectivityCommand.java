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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.certs.StoreContents;
import org.umsec.core.TrustList;
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

    @Option(names = "--store", paramLabel = "DIR", defaultValue = "var/certs",
            description = "certificate store for the client certificate and trusted roots (default ${DEFAULT-VALUE})")
    Path store;

    @Option(names = "--cert", paramLabel = "FILE", description = "client certificate chain (PEM), instead of the store's")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "private key for --cert (PEM, PKCS#8 or PKCS#1)")
    Path key;

    @Option(names = "--key-password", paramLabel = "PASSWORD", description = "password of an encrypted --key",
            arity = "0..1", interactive = true)
    char[] keyPassword;

    @Option(names = "--trust", paramLabel = "FILE", description = "trusted root certificate(s) (PEM/DER), instead of the store's")
    List<Path> trust = new ArrayList<>();

    @Option(names = "--server-name", paramLabel = "NAME", description = "identity the server's certificate must present"
            + " (default HOST)")
    String serverName;

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
        try (Socket s = secured ? handshake(socket, hp, out) : socket) {
            s.setSoTimeout(timeoutSeconds * 1000);
            return options(s, hp, out);
        }
    }

    private Socket handshake(Socket plain, HostPort hp, PrintWriter out) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(out), trustManagers(), new SecureRandom());
        SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(plain, hp.host(), hp.port(), true);
        List<String> protocols = new ArrayList<>();
        for (String p : ssl.getSupportedProtocols()) {
            if (p.equals("TLSv1.3") || p.equals("TLSv1.2")) {
                protocols.add(p);
            }
        }
        ssl.setEnabledProtocols(protocols.toArray(new String[0]));
        ssl.setSoTimeout(timeoutSeconds * 1000);
        long t0 = System.nanoTime();
        try {
            ssl.startHandshake();
        } catch (SSLException e) {
            throw new CliException("TLS handshake with " + hp + " failed: " + e.getMessage());
        }
        SSLSession session = ssl.getSession();
        out.printf("TLS handshake in %d ms: %s, %s%n", (System.nanoTime() - t0) / 1_000_000, session.getProtocol(),
                session.getCipherSuite());
        Certificate[] chain = session.getPeerCertificates();
        out.println("Server certificate chain:");
        for (int i = 0; i < chain.length; i++) {
            CertificateInfo info = CertificateInfo.of((X509Certificate) chain[i]);
            out.printf("  [%d] subject %s%n      issuer  %s%n      serial %s, SHA-1 %s, %s, valid until %s%n", i,
                    info.subject().getName(), info.issuer().getName(), info.serialNumberHex(), info.sha1Thumbprint(),
                    info.kind(), info.notAfter());
        }
        CertificateInfo leaf = CertificateInfo.of((X509Certificate) chain[0]);
        String expected = serverName != null ? serverName : hp.host();
        if (TrustList.of(List.of(expected)).matchCertificate(leaf.identity()).isEmpty()) {
            ssl.close();
            throw new CliException("the server's certificate does not name " + expected + " (it presents "
                    + leaf.identity().presentedIdentities() + "); use --server-name to expect another name");
        }
        out.println("Server identity " + expected + " matches the certificate (RFC 5922)");
        return ssl;
    }

    private KeyManager[] keyManagers(PrintWriter out) throws Exception {
        PersonalCertificate pc;
        if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw new CliException("--cert and --key go together");
            }
            PrivateKey k = CertificateFiles.readPrivateKey(Files.readAllBytes(key), keyPassword);
            List<X509Certificate> chain = CertificateFiles.readCertificates(Files.readAllBytes(cert));
            CertificateFiles.checkKeyMatches(k, chain.get(0));
            pc = PersonalCertificate.of(k, chain);
        } else {
            CertificateStore st = openStore();
            try (CertificateProvider p = CertificateProvider.builder(st).criteria(SelectionCriteria.serverAuth())
                    .clock(Clock.systemUTC()).build()) {
                pc = p.refresh().orElseThrow(() -> new CliException("no valid certificate in " + store
                        + " to present as client certificate; use --cert/--key or umsec certs new-self-signed"))
                        .certificate();
            }
        }
        CertificateInfo i = pc.info();
        out.println("Client certificate: " + i.subject().getName() + " (SHA-1 " + i.sha1Thumbprint() + ")");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "umsec".toCharArray();
        ks.setKeyEntry("client", pc.privateKey(), pw, pc.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, pw);
        X509ExtendedKeyManager km = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        return new KeyManager[] {new AlwaysPresent(km)};
    }

    /**
     * Presents our certificate even when the server's list of acceptable issuers does not name our
     * CA: the point of a connectivity test is to let the server say why it refuses us.
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager d;

        AlwaysPresent(X509ExtendedKeyManager d) {
            this.d = d;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return d.getClientAliases(keyType, null);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return d.chooseClientAlias(keyType, null, socket);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return d.chooseEngineClientAlias(keyType, null, engine);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return d.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return d.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return d.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return d.getPrivateKey(alias);
        }
    }

    private TrustManager[] trustManagers() throws Exception {
        PeerCertificateValidator v;
        if (!trust.isEmpty()) {
            StoreContents.Builder b = StoreContents.builder();
            for (Path p : trust) {
                for (X509Certificate c : CertificateFiles.readCertificates(Files.readAllBytes(p))) {
                    b.addTrustedRoot(c);
                }
            }
            v = PeerCertificateValidator.builder().contents(b.build()).build();
        } else {
            v = PeerCertificateValidator.builder().store(openStore()).build();
        }
        return new TrustManager[] {v.trustManager()};
    }

    private CertificateStore openStore() throws IOException, CliException {
        if (!Files.isDirectory(store)) {
            throw new CliException("certificate store " + store + " does not exist; give --store, or --cert/--key/--trust");
        }
        return CertificateStore.builder(store).open();
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
