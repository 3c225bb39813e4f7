package org.umsec.directory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS client side of a directory connection: TLS 1.3 or 1.2 only, the server's certificate checked
 * against the given roots (PKIX, the JDK's rules: validity, key usage, signature algorithms). The host
 * name is checked by UnboundID's host name verifier after the handshake, for LDAPS and StartTLS alike.
 */
final class TlsSockets {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private TlsSockets() {}

    /**
     * @param roots trusted CA certificates (or pinned end-entity certificates); must not be empty
     * @return a socket factory
     * @throws GeneralSecurityException if the JDK cannot build the context
     */
    static SSLSocketFactory factory(Collection<X509Certificate> roots) throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (X509Certificate c : roots) {
            ks.setCertificateEntry("root-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return factory(tmf.getTrustManagers());
    }

    /** The JDK's default trusted roots (cacerts). */
    static SSLSocketFactory jdkDefault() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        return factory(tmf.getTrustManagers());
    }

    private static SSLSocketFactory factory(TrustManager[] tms) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tms, null);
        return new Restricted(ctx.getSocketFactory());
    }

    /**
     * Reads CA certificates from a PEM (or DER) file.
     *
     * @throws IllegalArgumentException naming the file and why it is unusable
     */
    static List<X509Certificate> readCaFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = certs.stream()
                    .filter(X509Certificate.class::isInstance)
                    .map(X509Certificate.class::cast)
                    .toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException("directory.tls.ca " + file + ": no certificate in the file");
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("directory.tls.ca " + file + ": no such file or directory");
        } catch (IOException e) {
            throw new IllegalArgumentException("directory.tls.ca " + file + ": cannot be read: " + e.getMessage());
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException(
                    "directory.tls.ca " + file + ": not a PEM or DER certificate file: " + e.getMessage());
        }
    }

    /** Enables TLS 1.3 and 1.2 only on every socket it makes. */
    private static final class Restricted extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        Restricted(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        private Socket restrict(Socket s) {
            if (s instanceof SSLSocket ssl) {
                List<String> supported = Arrays.asList(ssl.getSupportedProtocols());
                ssl.setEnabledProtocols(
                        Arrays.stream(PROTOCOLS).filter(supported::contains).toArray(String[]::new));
            }
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return restrict(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return restrict(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return restrict(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return restrict(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return restrict(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return restrict(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
