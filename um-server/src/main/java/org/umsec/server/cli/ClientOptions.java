package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.SelectionCriteria;
import org.umsec.certs.StoreContents;
import org.umsec.sip.transport.TlsSettings;
import picocli.CommandLine.Option;

/**
 * The client side of mutual TLS for {@code test-connectivity} and {@code call}: our certificate
 * (from files or the store's selection), the roots we trust (from files or the store), and the
 * name the server's certificate must present (RFC 5922; um-sip's client checks it).
 */
final class ClientOptions {

    @Option(
            names = "--store",
            paramLabel = "DIR",
            defaultValue = "var/certs",
            description = "certificate store for the client certificate and trusted roots (default ${DEFAULT-VALUE})")
    Path store;

    @Option(
            names = "--cert",
            paramLabel = "FILE",
            description = "client certificate chain (PEM), instead of the store's")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "private key for --cert (PEM, PKCS#8 or PKCS#1)")
    Path key;

    @Option(
            names = "--key-password",
            paramLabel = "PASSWORD",
            description = "password of an encrypted --key",
            arity = "0..1",
            interactive = true)
    char[] keyPassword;

    @Option(
            names = "--trust",
            paramLabel = "FILE",
            description = "trusted root certificate(s) (PEM/DER), instead of the store's")
    List<Path> trust = new ArrayList<>();

    @Option(
            names = "--server-name",
            paramLabel = "NAME",
            description = "identity the server's certificate must present" + " (default HOST)")
    String serverName;

    /**
     * Our side of mutual TLS for um-sip's client: our certificate (always presented, see
     * {@link AlwaysPresent}) and the roots the server's chain must lead to. The server's name is
     * checked by the client against {@link #expectedName}.
     */
    TlsSettings tlsSettings(PrintWriter out) throws Exception {
        return TlsSettings.builder()
                .keyManager(keyManager(out))
                .peers(validator())
                .build();
    }

    /** @return the identity the server's certificate must present: --server-name, else the host dialled */
    String expectedName(TestConnectivityCommand.HostPort hp) {
        return serverName != null ? serverName : hp.host();
    }

    private X509ExtendedKeyManager keyManager(PrintWriter out) throws Exception {
        PersonalCertificate pc;
        if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw CliException.usage("--cert and --key go together");
            }
            PrivateKey k = CertificateFiles.readPrivateKey(Files.readAllBytes(key), keyPassword);
            List<X509Certificate> chain = CertificateFiles.readCertificates(Files.readAllBytes(cert));
            CertificateFiles.checkKeyMatches(k, chain.get(0));
            pc = PersonalCertificate.of(k, chain);
        } else {
            CertificateStore st = openStore();
            try (CertificateProvider p = CertificateProvider.builder(st)
                    .criteria(SelectionCriteria.serverAuth())
                    .clock(Clock.systemUTC())
                    .build()) {
                pc = p.refresh()
                        .orElseThrow(() -> new CliException("no valid certificate in " + store
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
        return new AlwaysPresent(km);
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

    private PeerCertificateValidator validator() throws Exception {
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
        return v;
    }

    private CertificateStore openStore() throws IOException, CliException {
        if (!Files.isDirectory(store)) {
            throw new CliException(
                    "certificate store " + store + " does not exist; give --store, or --cert/--key/--trust");
        }
        return CertificateStore.builder(store).open();
    }
}
