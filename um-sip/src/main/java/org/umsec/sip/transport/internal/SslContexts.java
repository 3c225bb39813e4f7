package org.umsec.sip.transport.internal;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import javax.net.ssl.SSLException;
import org.umsec.sip.transport.TlsEngine;
import org.umsec.sip.transport.TlsSettings;

/** Builds Netty SSL contexts from {@link TlsSettings}. */
public final class SslContexts {
    private SslContexts() {}

    /**
     * @param s settings (a key manager is required)
     * @param tm the trust manager checking clients
     * @return a server context requiring a client certificate
     * @throws SSLException when the engine cannot be set up
     */
    public static SslContext server(TlsSettings s, PeerTrustManager tm) throws SSLException {
        return server(s, tm, false);
    }

    /**
     * @param s settings (a key manager is required)
     * @param tm the trust manager checking clients
     * @param keyLog whether a TLS key log is on: then only TLS 1.2 is negotiated, whose secret the
     *     OpenSSL engine exposes ({@link KeyLog})
     * @return a server context requiring a client certificate
     * @throws SSLException when the engine cannot be set up
     * @throws IllegalStateException with a key log when the policy does not allow TLS 1.2
     */
    public static SslContext server(TlsSettings s, PeerTrustManager tm, boolean keyLog) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(s.keyManager()
                        .orElseThrow(() -> new IllegalStateException(
                                "a TLS listener needs a certificate (TlsSettings.certificates)")))
                .clientAuth(ClientAuth.REQUIRE);
        finishOptions(b, s, tm);
        if (keyLog) {
            if (!s.policy().protocols().contains("TLSv1.2")) {
                throw new IllegalStateException(
                        "a TLS key log needs TLS 1.2, which the policy " + s.policy() + " excludes");
            }
            b.protocols("TLSv1.2");
        }
        return b.build();
    }

    /**
     * @param s settings (a key manager is optional)
     * @param tm the trust manager checking servers
     * @return a client context
     * @throws SSLException when the engine cannot be set up
     */
    public static SslContext client(TlsSettings s, PeerTrustManager tm) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient();
        s.keyManager().ifPresent(b::keyManager);
        return finish(b, s, tm);
    }

    private static SslContext finish(SslContextBuilder b, TlsSettings s, PeerTrustManager tm) throws SSLException {
        finishOptions(b, s, tm);
        return b.build();
    }

    private static void finishOptions(SslContextBuilder b, TlsSettings s, PeerTrustManager tm) {
        b.trustManager(tm)
                .protocols(s.policy().protocols())
                .ciphers(s.policy().cipherSuites(), SupportedCipherSuiteFilter.INSTANCE)
                .sslProvider(s.engine().resolve() == TlsEngine.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK);
    }
}
