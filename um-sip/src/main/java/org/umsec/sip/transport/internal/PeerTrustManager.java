package org.umsec.sip.transport.internal;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.CertificateVerifier;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.CertificateValidationException;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PeerRole;
import org.umsec.certs.ValidationFailure;
import org.umsec.certs.ValidationResult;
import org.umsec.core.CertificateIdentity;
import org.umsec.core.TrustList;
import org.umsec.sip.transport.HandshakeFailureReason;

/**
 * The trust manager of every TLS listener and client: validates the peer's chain with um-certs
 * (roots, CRLs, validity, EKU), then checks the identity (RFC 5922): as a server, the client's
 * certificate must match an entry of the trust list (R17); as a client, the server's certificate
 * must name the host dialled ({@link SSLEngine#getPeerHost()}), never the address connected to.
 *
 * <p>Each outcome is recorded against the engine so that the connection can raise a typed event;
 * the connection takes the record with {@link #take(SSLEngine)}. A handshake that never reached the
 * trust manager (an abbreviated, resumed handshake) leaves no record, and the connection runs
 * {@link #check} itself on the session's peer chain.
 *
 * <h2>TLS alerts</h2>
 * A refusal is thrown so that the engine sends the alert that matches it (issue 9 item 8), not
 * {@code internal_error}:
 * <ul>
 * <li>OpenSSL (BoringSSL): an {@link OpenSslCertificateException} whose X.509 error code BoringSSL
 *     maps to the alert: expired → {@code certificate_expired}, revoked → {@code certificate_revoked},
 *     unknown issuer → {@code unknown_ca}, not yet valid → {@code bad_certificate}, wrong key usage →
 *     {@code unsupported_certificate}, identity not on the trust list and anything else →
 *     {@code bad_certificate} (BoringSSL maps no verification result to {@code access_denied}).</li>
 * <li>JDK: a {@link CertificateException} whose cause is a {@link CertPathValidatorException} with
 *     the matching {@link CertPathValidatorException.BasicReason}/{@link PKIXReason}. The JDK client maps
 *     it to the same alerts; the JDK <em>server</em> sends {@code certificate_unknown} for every
 *     refused client certificate whatever the cause (sun.security.ssl has no hook), which is why the
 *     OpenSSL engine is the default where it loads.</li>
 * </ul>
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
    private final PeerCertificateValidator validator;
    private final Supplier<TrustList> trustList;
    private final Map<SSLEngine, PeerCheck> outcomes = new ConcurrentHashMap<>();

    /**
     * @param validator chain validation
     * @param trustList server side: the current trust list; client side: null
     */
    public PeerTrustManager(PeerCertificateValidator validator, Supplier<TrustList> trustList) {
        this.validator = Objects.requireNonNull(validator, "validator");
        this.trustList = trustList;
    }

    /**
     * Checks a chain the way a handshake does.
     *
     * @param chain the peer's chain
     * @param role the role the peer plays
     * @param dialledHost client side: the host dialled; server side: ignored
     * @return the outcome
     */
    public PeerCheck check(X509Certificate[] chain, PeerRole role, String dialledHost) {
        if (chain == null || chain.length == 0) {
            return new PeerCheck(
                    role == PeerRole.CLIENT
                            ? HandshakeFailureReason.NO_CLIENT_CERTIFICATE
                            : HandshakeFailureReason.OTHER,
                    "peer presented no certificate",
                    null,
                    null,
                    null);
        }
        X509Certificate peer = chain[0];
        ValidationResult r = validator.validate(chain, role);
        if (!r.isValid()) {
            return new PeerCheck(reasonOf(r.failure().orElseThrow()), r.toString(), peer, identityOf(peer), null);
        }
        CertificateIdentity id = identityOf(peer);
        if (id == null) {
            return new PeerCheck(
                    HandshakeFailureReason.IDENTITY_NOT_TRUSTED, "certificate identities unreadable", peer, null, null);
        }
        if (role == PeerRole.CLIENT) {
            TrustList list = trustList == null ? null : trustList.get();
            Optional<String> m = list == null ? Optional.empty() : list.matchCertificate(id);
            if (m.isEmpty()) {
                return new PeerCheck(
                        HandshakeFailureReason.IDENTITY_NOT_TRUSTED,
                        "no identity of the certificate is on the trust list: " + id.presentedIdentities(),
                        peer,
                        id,
                        null);
            }
            return new PeerCheck(null, "accepted", peer, id, m.get());
        }
        if (dialledHost == null) {
            return new PeerCheck(
                    HandshakeFailureReason.IDENTITY_NOT_TRUSTED,
                    "no dialled host to check the server against",
                    peer,
                    id,
                    null);
        }
        // RFC 5922 §7.2: the FQDN dialled in SAN DNS (CN only without SAN DNS), no wildcards. A server
        // dialled by IP literal may be named by an IP SAN (the only case where an address identifies).
        if (!namesDialledHost(id, dialledHost)) {
            return new PeerCheck(
                    HandshakeFailureReason.IDENTITY_NOT_TRUSTED,
                    "server certificate does not name " + dialledHost + ": " + id.presentedIdentities(),
                    peer,
                    id,
                    null);
        }
        return new PeerCheck(null, "accepted", peer, id, dialledHost);
    }

    private static boolean namesDialledHost(CertificateIdentity id, String dialledHost) {
        TrustList dialled;
        try {
            dialled = TrustList.of(List.of(dialledHost));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (dialled.matchCertificate(id).isPresent()) {
            return true;
        }
        for (InetAddress want : dialled.addressEntries()) {
            for (String ip : id.ipAddresses()) {
                try {
                    // certificate IP SANs are literals: parsed, never looked up
                    if (InetAddress.getByAddress(
                                    InetAddress.getByName(ip.strip()).getAddress())
                            .equals(want)) {
                        return true;
                    }
                } catch (UnknownHostException e) {
                    // not an address
                }
            }
        }
        return false;
    }

    /**
     * @param id a client certificate's identities
     * @return the entry of the current trust list it matches, or empty (also when there is no list)
     */
    public Optional<String> matchIdentity(CertificateIdentity id) {
        TrustList list = trustList == null ? null : trustList.get();
        return list == null || id == null ? Optional.empty() : list.matchCertificate(id);
    }

    /**
     * @param engine the connection's engine
     * @return the outcome recorded during its handshake, removed from the registry; null if none
     */
    public PeerCheck take(SSLEngine engine) {
        return engine == null ? null : outcomes.remove(engine);
    }

    private static CertificateIdentity identityOf(X509Certificate cert) {
        try {
            return CertificateInfo.of(cert).identity();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * @param f um-certs' failure
     * @return the handshake reason
     */
    public static HandshakeFailureReason reasonOf(ValidationFailure f) {
        switch (f) {
            case EMPTY_CHAIN:
                return HandshakeFailureReason.NO_CLIENT_CERTIFICATE;
            case EXPIRED:
                return HandshakeFailureReason.EXPIRED;
            case NOT_YET_VALID:
                return HandshakeFailureReason.NOT_YET_VALID;
            case UNKNOWN_CA:
            case BAD_SIGNATURE:
            case INVALID_PATH:
            case ISSUER_NOT_CA:
                return HandshakeFailureReason.UNKNOWN_CA;
            case REVOKED:
                return HandshakeFailureReason.REVOKED;
            case REVOCATION_UNKNOWN:
                return HandshakeFailureReason.REVOCATION_UNKNOWN;
            case WEAK_SIGNATURE:
            case WEAK_ALGORITHM:
                return HandshakeFailureReason.WEAK_SIGNATURE;
            case WEAK_KEY:
                return HandshakeFailureReason.WEAK_KEY;
            case MISSING_EKU:
            case KEY_USAGE:
                return HandshakeFailureReason.BAD_EKU;
            default:
                return HandshakeFailureReason.OTHER;
        }
    }

    private void run(X509Certificate[] chain, PeerRole role, SSLEngine engine) throws CertificateException {
        PeerCheck c = check(chain, role, engine == null ? null : engine.getPeerHost());
        if (engine != null) {
            outcomes.put(engine, c);
        }
        if (!c.accepted()) {
            throw refusal(c, chain, role, engine);
        }
    }

    private CertificateException refusal(PeerCheck c, X509Certificate[] chain, PeerRole role, SSLEngine engine) {
        CertificateException base;
        if (chain != null && chain.length > 0 && c.reason() != HandshakeFailureReason.IDENTITY_NOT_TRUSTED) {
            base = new CertificateValidationException(role, validator.validate(chain, role));
        } else {
            base = new CertificateException(c.reason() + ": " + LogText.escape(c.detail()));
        }
        CertPathValidatorException path = new CertPathValidatorException(
                c.reason() + ": " + LogText.escape(c.detail()), base, null, -1, pathReason(c.reason()));
        if (engine instanceof ReferenceCountedOpenSslEngine) {
            return new OpenSslCertificateException(
                    c.reason() + ": " + LogText.escape(c.detail()), path, verifyError(c.reason()));
        }
        return new CertificateException(c.reason() + ": " + LogText.escape(c.detail()), path);
    }

    /** The reason the JDK maps to an alert (CertificateMessage.getCertificateAlert). */
    static CertPathValidatorException.Reason pathReason(HandshakeFailureReason r) {
        switch (r) {
            case EXPIRED:
                return CertPathValidatorException.BasicReason.EXPIRED;
            case NOT_YET_VALID:
                return CertPathValidatorException.BasicReason.NOT_YET_VALID;
            case REVOKED:
                return CertPathValidatorException.BasicReason.REVOKED;
            case UNKNOWN_CA:
                return PKIXReason.NO_TRUST_ANCHOR;
            case BAD_EKU:
                return PKIXReason.INVALID_KEY_USAGE;
            default:
                return CertPathValidatorException.BasicReason.UNSPECIFIED;
        }
    }

    /** The X.509 verification error BoringSSL maps to the alert (SSL_alert_from_verify_result). */
    static int verifyError(HandshakeFailureReason r) {
        switch (r) {
            case EXPIRED:
                return CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case NOT_YET_VALID:
                return CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
            case REVOKED:
                return CertificateVerifier.X509_V_ERR_CERT_REVOKED;
            case UNKNOWN_CA:
                return CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case BAD_EKU:
                return CertificateVerifier.X509_V_ERR_INVALID_PURPOSE;
            default:
                return CertificateVerifier.X509_V_ERR_CERT_REJECTED;
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        run(chain, PeerRole.CLIENT, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        run(chain, PeerRole.SERVER, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        run(chain, PeerRole.CLIENT, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        run(chain, PeerRole.SERVER, null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        run(chain, PeerRole.CLIENT, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        run(chain, PeerRole.SERVER, null);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return validator.trustManager().getAcceptedIssuers();
    }
}
