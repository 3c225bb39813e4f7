package org.umsec.sip.transport;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.umsec.core.CertificateIdentity;

/**
 * What a completed TLS handshake established: protocol, cipher suite, engine, the peer's chain and
 * identities, (server side) the trust-list entry the peer matched and the SNI it asked for, and
 * whether the session was resumed (an abbreviated handshake on a TLS 1.3 ticket or a TLS 1.2 session
 * id: no certificates exchanged, the peer's chain and identity checked again all the same).
 * Immutable.
 */
public final class TlsSessionInfo {
    private final String protocol;
    private final String cipherSuite;
    private final TlsEngine engine;
    private final List<X509Certificate> peerCertificates;
    private final CertificateIdentity peerIdentity;
    private final String trustedAs;
    private final String serverName;
    private final boolean resumed;

    /**
     * @param protocol for example {@code TLSv1.3}
     * @param cipherSuite the negotiated suite
     * @param engine {@link TlsEngine#JDK} or {@link TlsEngine#OPENSSL}
     * @param peerCertificates the peer's chain, its certificate first
     * @param peerIdentity the identities the peer's certificate presents (RFC 5922)
     * @param trustedAs the trust-list entry (server side) or dialled host (client side) it matched
     * @param serverName the SNI host name the client asked for, or null
     * @param resumed whether the handshake resumed an earlier session
     */
    public TlsSessionInfo(
            String protocol,
            String cipherSuite,
            TlsEngine engine,
            List<X509Certificate> peerCertificates,
            CertificateIdentity peerIdentity,
            String trustedAs,
            String serverName,
            boolean resumed) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.cipherSuite = Objects.requireNonNull(cipherSuite, "cipherSuite");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.peerCertificates = List.copyOf(peerCertificates);
        this.peerIdentity = Objects.requireNonNull(peerIdentity, "peerIdentity");
        this.trustedAs = Objects.requireNonNull(trustedAs, "trustedAs");
        this.serverName = serverName;
        this.resumed = resumed;
    }

    /** @return the protocol version, {@code TLSv1.3} or {@code TLSv1.2} */
    public String protocol() {
        return protocol;
    }

    /** @return the negotiated cipher suite */
    public String cipherSuite() {
        return cipherSuite;
    }

    /** @return the engine that ran the handshake */
    public TlsEngine engine() {
        return engine;
    }

    /** @return the peer's chain as presented, its own certificate first */
    public List<X509Certificate> peerCertificates() {
        return peerCertificates;
    }

    /** @return the identities the peer's certificate presents */
    public CertificateIdentity peerIdentity() {
        return peerIdentity;
    }

    /**
     * @return server side: the trust-list entry the peer's certificate matched (R17); client side:
     *     the host dialled, which the server's certificate named
     */
    public String trustedAs() {
        return trustedAs;
    }

    /** @return server side: the SNI host name the client sent, if any */
    public Optional<String> serverName() {
        return Optional.ofNullable(serverName);
    }

    /**
     * @return whether this connection resumed an earlier session (TLS 1.3 ticket, TLS 1.2 session
     *     id) instead of a full handshake; the peer was checked again either way
     */
    public boolean resumed() {
        return resumed;
    }

    @Override
    public String toString() {
        return protocol + " " + cipherSuite + " (" + engine + (resumed ? ", resumed" : "") + ") peer "
                + peerIdentity.presentedIdentities() + " trusted as " + trustedAs;
    }
}
