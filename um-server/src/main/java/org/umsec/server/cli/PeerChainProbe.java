package org.umsec.server.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Fetches the certificate chain a TLS server presents, for diagnostics only: when the real
 * (validating) handshake failed, {@code test-connectivity} shows the administrator what the server
 * sent. The probe's trust manager records the chain and then refuses it, so the probe handshake
 * always fails right after the server's Certificate message: nothing is ever sent over it, and no
 * trust decision is taken from it.
 */
final class PeerChainProbe {

    private PeerChainProbe() {}

    /** Thrown by the recording trust manager to stop the handshake once the chain is in hand. */
    private static final class Captured extends CertificateException {
        private static final long serialVersionUID = 1L;
        private final transient List<X509Certificate> chain;

        Captured(X509Certificate[] chain) {
            super("chain captured for diagnostics; not trusted");
            this.chain = List.of(chain);
        }
    }

    /**
     * @param address the server
     * @param sniHost the name sent as SNI
     * @param timeoutMillis connect and read timeout
     * @return the chain the server presented, or empty if it sent none (or the connection failed first)
     */
    static List<X509Certificate> fetch(InetSocketAddress address, String sniHost, int timeoutMillis) {
        X509TrustManager recorder = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("client side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new Captured(chain);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {recorder}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                s.connect(address, timeoutMillis);
                s.setSoTimeout(timeoutMillis);
                javax.net.ssl.SSLParameters p = s.getSSLParameters();
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                if (sniHost != null && !sniHost.isEmpty() && !sniHost.contains(":") && !sniHost.matches("[0-9.]+")) {
                    p.setServerNames(List.of(new javax.net.ssl.SNIHostName(sniHost)));
                }
                s.setSSLParameters(p);
                s.startHandshake();
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof Captured c) {
                    return c.chain;
                }
            }
        }
        return List.of();
    }
}
