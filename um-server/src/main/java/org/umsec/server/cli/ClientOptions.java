package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Socket;
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
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.certs.StoreContents;
import org.umsec.core.TrustList;
import picocli.CommandLine.Option;

/**
 * The client side of mutual TLS for {@code test-connectivity} and {@code call}: our certificate
 * (from files or the store's selection), the roots we trust (from files or the store), and the
 * check that the server's certificate names the host we dialled (RFC 5922).
 */
final class ClientOptions {

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

    Socket handshake(Socket plain, TestConnectivityCommand.HostPort hp, int timeoutSeconds, PrintWriter out) throws Exception {
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

}
