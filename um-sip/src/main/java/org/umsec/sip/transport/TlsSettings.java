package org.umsec.sip.transport;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.X509ExtendedKeyManager;
import org.umsec.certs.CertificateProvider;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.sip.transport.internal.FixedKeyManager;

/**
 * The TLS material and policy of a {@link SipServer} or {@link SipClient}: our certificate (a key
 * manager, normally um-certs' {@link CertificateProvider#keyManager()}, which always offers the
 * currently selected certificate, so a rotation applies to the next handshake without a restart),
 * how peers' chains are validated ({@link PeerCertificateValidator}: trusted roots, CRLs, validity,
 * EKU), the protocol preset and the engine. Immutable and thread-safe; one instance can serve a
 * server and a client.
 *
 * <pre>{@code
 * TlsSettings tls = TlsSettings.builder()
 *         .certificates(provider)                                 // what we present
 *         .peers(PeerCertificateValidator.builder().store(store).build()) // what we accept
 *         .build();                                               // TlsPolicy.COMPATIBLE, TlsEngine.AUTO
 * }</pre>
 */
public final class TlsSettings {
    private final X509ExtendedKeyManager keyManager;
    private final PeerCertificateValidator peers;
    private final TlsPolicy policy;
    private final TlsEngine engine;

    private TlsSettings(Builder b) {
        this.keyManager = b.keyManager;
        this.peers = b.peers;
        this.policy = b.policy;
        this.engine = b.engine;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the key manager presenting our certificate; empty for a client without a certificate */
    public Optional<X509ExtendedKeyManager> keyManager() {
        return Optional.ofNullable(keyManager);
    }

    /** @return the validator peers' chains must pass */
    public PeerCertificateValidator peers() {
        return peers;
    }

    /** @return the protocol and cipher-suite preset */
    public TlsPolicy policy() {
        return policy;
    }

    /** @return the engine asked for (possibly {@link TlsEngine#AUTO}) */
    public TlsEngine engine() {
        return engine;
    }

    /**
     * @param other the engine to use instead
     * @return a copy with another engine (for comparing engines)
     */
    public TlsSettings withEngine(TlsEngine other) {
        Builder b = new Builder();
        b.keyManager = keyManager;
        b.peers = peers;
        b.policy = policy;
        b.engine = Objects.requireNonNull(other, "engine");
        return b.build();
    }

    /** Builder for {@link TlsSettings}. */
    public static final class Builder {
        private X509ExtendedKeyManager keyManager;
        private PeerCertificateValidator peers;
        private TlsPolicy policy = TlsPolicy.COMPATIBLE;
        private TlsEngine engine = TlsEngine.AUTO;

        private Builder() {}

        /**
         * Presents the certificate currently selected by the provider; rotations apply to the next
         * handshake.
         *
         * @param provider um-certs' certificate provider
         * @return this
         */
        public Builder certificates(CertificateProvider provider) {
            this.keyManager = Objects.requireNonNull(provider, "provider").keyManager();
            return this;
        }

        /**
         * @param km any key manager (it is asked on every handshake)
         * @return this
         */
        public Builder keyManager(X509ExtendedKeyManager km) {
            this.keyManager = Objects.requireNonNull(km, "keyManager");
            return this;
        }

        /**
         * Presents one fixed certificate (tools, tests, a client with its own identity).
         *
         * @param key the private key
         * @param chain the certificate first, then its issuing CAs
         * @return this
         * @throws IllegalArgumentException when the chain is empty
         */
        public Builder certificate(PrivateKey key, List<X509Certificate> chain) {
            this.keyManager = new FixedKeyManager(key, chain);
            return this;
        }

        /**
         * @param validator validates the peer's chain in every handshake (required)
         * @return this
         */
        public Builder peers(PeerCertificateValidator validator) {
            this.peers = Objects.requireNonNull(validator, "validator");
            return this;
        }

        /**
         * @param p protocol preset (default {@link TlsPolicy#COMPATIBLE})
         * @return this
         */
        public Builder policy(TlsPolicy p) {
            this.policy = Objects.requireNonNull(p, "policy");
            return this;
        }

        /**
         * @param e engine (default {@link TlsEngine#AUTO})
         * @return this
         * @throws IllegalArgumentException for {@link TlsEngine#OPENSSL} when it does not load here
         */
        public Builder engine(TlsEngine e) {
            Objects.requireNonNull(e, "engine");
            if (e == TlsEngine.OPENSSL && !TlsEngine.openSslAvailable()) {
                throw new IllegalArgumentException("the OpenSSL engine (netty-tcnative) is not available here");
            }
            this.engine = e;
            return this;
        }

        /**
         * @return the settings
         * @throws IllegalStateException without a peer validator
         */
        public TlsSettings build() {
            if (peers == null) {
                throw new IllegalStateException("a PeerCertificateValidator is required (peers(...))");
            }
            return new TlsSettings(this);
        }
    }
}
