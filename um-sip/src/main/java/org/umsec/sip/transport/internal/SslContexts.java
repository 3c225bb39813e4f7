package org.umsec.sip.transport.internal;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import javax.net.ssl.SSLException;
import org.umsec.sip.transport.TlsEngine;
import org.umsec.sip.transport.TlsSettings;

/**
 * Builds Netty SSL contexts from {@link TlsSettings}.
 *
 * <p>Session resumption: a gateway that reconnects resumes its session (TLS 1.3 tickets, TLS 1.2
 * session ids) for an abbreviated handshake without certificates or signatures, on both engines. The
 * server keeps up to {@value #SESSION_CACHE_SIZE} sessions for {@value #SESSION_TIMEOUT_SECONDS} s;
 * the OpenSSL engine issues TLS 1.3 tickets under keys BoringSSL makes and rotates itself (Netty turns
 * tickets off by default), the JDK issues its own. A resumed connection is not trusted on the strength
 * of the earlier handshake: the connection checks the session's peer chain and identity again
 * ({@code SipChannel}), so a revocation, a trust change or a trust-list change in between refuses it.
 */
public final class SslContexts {
    /** Sessions a server remembers for resumption ({@value}). */
    public static final int SESSION_CACHE_SIZE = 4096;

    /** Lifetime of a resumable session or ticket, in seconds ({@value}, one hour). */
    public static final int SESSION_TIMEOUT_SECONDS = 3600;

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
        b.sessionCacheSize(SESSION_CACHE_SIZE).sessionTimeout(SESSION_TIMEOUT_SECONDS);
        SslContext ctx = b.build();
        if (ctx.sessionContext() instanceof OpenSslSessionContext openSsl) {
            // no keys given: BoringSSL generates the ticket key and rotates it itself
            openSsl.setTicketKeys();
        }
        return ctx;
    }

    /**
     * @param s settings (a key manager is optional)
     * @param tm the trust manager checking servers
     * @return a client context
     * @throws SSLException when the engine cannot be set up
     */
    public static SslContext client(TlsSettings s, PeerTrustManager tm) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient().sessionTimeout(SESSION_TIMEOUT_SECONDS);
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
