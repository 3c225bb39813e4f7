package org.umsec.sip.transport;

import io.netty.handler.ssl.OpenSsl;

/**
 * Which TLS implementation runs the handshakes. Both are configured identically (protocols, cipher
 * suites, key and trust managers); they differ in speed only.
 */
public enum TlsEngine {
    /** OpenSSL (BoringSSL via netty-tcnative) when it loads on this platform, the JDK otherwise. */
    AUTO,
    /** The JDK's SSLEngine: always available. */
    JDK,
    /** BoringSSL via netty-tcnative; fails at build time when it does not load. */
    OPENSSL;

    /**
     * @return whether netty-tcnative loaded and supports key managers (needed for live rotation)
     */
    public static boolean openSslAvailable() {
        return OpenSsl.isAvailable() && OpenSsl.supportsKeyManagerFactory();
    }

    /**
     * @return the engine {@link #AUTO} stands for here; the others stand for themselves
     */
    public TlsEngine resolve() {
        if (this != AUTO) {
            return this;
        }
        return openSslAvailable() ? OPENSSL : JDK;
    }
}
