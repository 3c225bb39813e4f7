package org.umsec.certs;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.internal.ChainValidator;
import org.umsec.certs.internal.ValidatedChainCache;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventListener;
import org.umsec.core.SecurityEventType;

/**
 * Validates peers' certificate chains against the trusted roots, intermediates and CRLs of a store
 * (R16, R17): validity at the injected clock's time, a PKIX path to a trusted root, revocation by
 * store CRLs under a {@link RevocationPolicy}, a TLS-capable key and the extended key usage of the
 * peer's role (a server needs server authentication; a client, by default, client authentication).
 *
 * <p>Trust anchors (R25): only a trusted certificate that is a CA (basicConstraints CA:TRUE, and
 * keyCertSign when it has a key usage extension) may issue; its path length constraint is honoured,
 * as are those of intermediates, which must be CAs too. A trusted end-entity certificate (a gateway's
 * self-signed one, R12) is an exact-match pin: the peer must present that very certificate, byte for
 * byte; a certificate signed with the pinned certificate's key is refused with
 * {@link ValidationFailure#ISSUER_NOT_CA}. Below the anchor, signatures with MD5 or SHA-1 are refused
 * ({@link ValidationFailure#WEAK_SIGNATURE}), as are RSA keys under the minimum and EC keys on curves
 * other than P-256, P-384 and P-521 ({@link ValidationFailure#WEAK_KEY}).
 *
 * <p>A CRL past its nextUpdate met during validation, or found by {@link #reportStaleCrls()}, raises
 * one {@link org.umsec.core.SecurityEventType#CRL_STALE} event per CRL (issuer and thisUpdate).
 *
 * <p>The trust material is read from the supplier on every call, so roots imported into the store
 * take effect on the next handshake without a restart. Identity (is this peer on the trusted list,
 * RFC 5922) is <em>not</em> checked here: that is the SIP layer's job with
 * {@code org.umsec.core.TrustList} and {@link CertificateInfo#identity()}.
 *
 * <pre>{@code
 * PeerCertificateValidator peers = PeerCertificateValidator.builder().store(store).clock(clock).build();
 * ValidationResult r = peers.validate(chain, PeerRole.CLIENT);
 * if (!r.isValid()) { reject(r.failure().get(), r.detail()); }
 * SSLContext ctx = SSLContext.getInstance("TLS");
 * ctx.init(new KeyManager[] {provider.keyManager()}, new TrustManager[] {peers.trustManager()}, null);
 * }</pre>
 *
 * <h2>Validated-chain cache</h2>
 * Validating a chain costs a path search and a signature verification per certificate (about a
 * millisecond of CPU for an ECDSA P-256 leaf and intermediate), paid on every TLS handshake. Chains
 * found valid are remembered, by default {@value #DEFAULT_CACHE_SIZE} of them for at most
 * {@link #DEFAULT_CACHE_MAX_AGE}, so a gateway reconnecting with the same chain costs a SHA-256 over
 * its certificates. The cache cannot change an outcome:
 * <ul>
 * <li>the key is SHA-256 over the role and every certificate as presented, in order: the same leaf
 *     with another (forged) intermediate is another key, validated from scratch;</li>
 * <li>only valid outcomes are kept, so a peer cannot fill or flush the cache without a chain the
 *     store trusts;</li>
 * <li>a remembered outcome answers only from the instant it was reached (a clock set back misses)
 *     until the earliest notAfter on its path, the anchor's included, the nextUpdate of a CRL of an
 *     issuer on the path, and the maximum age, whichever comes first;</li>
 * <li>it belongs to one snapshot of the trust material: a new root, intermediate or CRL (a new
 *     {@link StoreContents} from the store or supplier) starts an empty cache; the rules (purposes,
 *     RSA minimum, revocation policy) are fixed per validator, so a configuration change builds a new
 *     validator with a cache of its own.</li>
 * </ul>
 * Identity (the trust list, the FQDN dialled) is not part of a chain's validity and is checked by the
 * caller on every connection. {@link Builder#chainCache(int, Duration) chainCache(0, ...)} turns the
 * cache off; {@link #cacheStatistics()} tells how it does.
 *
 * <p>Thread-safe.
 */
public final class PeerCertificateValidator {
    /** Default number of validated chains remembered ({@value}); a gateway usually has one. */
    public static final int DEFAULT_CACHE_SIZE = 1024;

    /** Default longest time a validated chain is remembered: 10 minutes. */
    public static final Duration DEFAULT_CACHE_MAX_AGE = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(PeerCertificateValidator.class);
    private static final int MAX_REPORTED_STALE = 1024;
    private final Supplier<StoreContents> trust;
    private final Clock clock;
    private final Map<PeerRole, Set<KeyPurpose>> purposes;
    private final int minRsaBits;
    private final RevocationPolicy revocation;
    private final SecurityEventListener events;
    private final CertificateStore store;
    private final Set<String> reportedStale = ConcurrentHashMap.newKeySet();
    private final int cacheSize;
    private final Duration cacheMaxAge;
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong cacheMisses = new AtomicLong();
    private volatile Cached cached;

    /** The validator and the validated-chain cache of one trust snapshot. */
    private static final class Cached {
        final StoreContents contents;
        final ChainValidator validator;
        final ValidatedChainCache chains;

        Cached(StoreContents contents, RevocationPolicy revocation, Consumer<X509CRL> stale, int size, Duration age) {
            this.contents = contents;
            this.validator = new ChainValidator(contents, revocation, stale);
            this.chains = size == 0 ? null : new ValidatedChainCache(size, age);
        }
    }

    private PeerCertificateValidator(Builder b) {
        this.trust = b.trust;
        this.clock = b.clock;
        this.purposes = Collections.unmodifiableMap(new EnumMap<>(b.purposes));
        this.minRsaBits = b.minRsaBits;
        this.revocation = b.revocation;
        this.events = b.events;
        this.store = b.store;
        this.cacheSize = b.cacheSize;
        this.cacheMaxAge = b.cacheMaxAge;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Validates a peer's chain as presented in the TLS handshake.
     *
     * @param chain the peer's certificate first, then what it sent along
     * @param role the role the peer plays
     * @return the typed outcome: valid with the path, or expired, not yet valid, unknown CA,
     *     revoked, missing EKU, ... (from the validated-chain cache when this very chain was found
     *     valid before under the same trust material and its window still covers the clock's time)
     */
    public ValidationResult validate(X509Certificate[] chain, PeerRole role) {
        if (chain == null || chain.length == 0) {
            return ValidationResult.invalid(ValidationFailure.EMPTY_CHAIN, "peer presented no certificate", -1, null);
        }
        Objects.requireNonNull(role, "role");
        Cached c = current();
        Instant now = clock.instant();
        ValidatedChainCache.Key key = c.chains == null ? null : ValidatedChainCache.key(chain, role);
        if (key != null) {
            ValidationResult hit = c.chains.get(key, now);
            if (hit != null) {
                cacheHits.incrementAndGet();
                return hit;
            }
            cacheMisses.incrementAndGet();
        }
        ValidationResult r = c.validator.validate(
                Arrays.asList(chain), CertificateInfo.of(chain[0]), now, purposes.get(role), minRsaBits, false);
        if (key != null) {
            c.chains.put(key, r, now, c.contents.crls());
        }
        return r;
    }

    private Cached current() {
        StoreContents now = trust.get();
        Cached c = cached;
        if (c == null || c.contents != now) {
            c = new Cached(now, revocation, this::stale, cacheSize, cacheMaxAge);
            cached = c;
        }
        return c;
    }

    /**
     * How the validated-chain cache does.
     *
     * @param hits validations answered from the cache
     * @param misses validations of chains not remembered (or outside their window)
     * @param size chains remembered for the current trust snapshot
     */
    public record CacheStatistics(long hits, long misses, int size) {}

    /** @return counts since the validator was built; all zero when the cache is off */
    public CacheStatistics cacheStatistics() {
        Cached c = cached;
        return new CacheStatistics(
                cacheHits.get(), cacheMisses.get(), c == null || c.chains == null ? 0 : c.chains.size());
    }

    /**
     * Looks at every CRL of the current trust snapshot and raises
     * {@link org.umsec.core.SecurityEventType#CRL_STALE} for each one past its nextUpdate at the
     * clock's time (once per CRL: a later CRL of the same issuer is a new one). Validation raises the
     * same event when it meets such a CRL; call this from a scheduler (hourly is plenty, next to
     * {@link ExpiryMonitor#check()}) so that an outdated CRL is reported before a peer meets it.
     *
     * @return how many CRLs of the snapshot are past their nextUpdate
     */
    public int reportStaleCrls() {
        int n = 0;
        java.time.Instant now = clock.instant();
        for (X509CRL crl : trust.get().crls()) {
            if (ChainValidator.isStale(crl, now)) {
                n++;
                stale(crl);
            }
        }
        return n;
    }

    private void stale(X509CRL crl) {
        String key = crl.getIssuerX500Principal().getName() + "|"
                + crl.getThisUpdate().getTime();
        if (reportedStale.size() > MAX_REPORTED_STALE) {
            reportedStale.clear();
        }
        if (!reportedStale.add(key) || events == null) {
            return;
        }
        String issuer = crl.getIssuerX500Principal().getName();
        SecurityEvent e = SecurityEvent.builder(SecurityEventType.CRL_STALE, clock)
                .message("CRL of " + issuer + " is past its nextUpdate "
                        + crl.getNextUpdate().toInstant()
                        + (revocation == RevocationPolicy.REQUIRE
                                ? "; peers of this issuer are refused until a current" + " CRL is imported"
                                : "; its entries are still applied"))
                .field("issuer", issuer)
                .field("thisUpdate", crl.getThisUpdate().toInstant())
                .field("nextUpdate", crl.getNextUpdate().toInstant())
                .field("policy", revocation)
                .build();
        try {
            events.onEvent(e);
        } catch (RuntimeException ex) {
            LOG.warn("security event listener failed on {}", e, ex);
        }
    }

    /** @return how missing or outdated CRLs are treated */
    public RevocationPolicy revocationPolicy() {
        return revocation;
    }

    /**
     * Registers a listener told when the trust material this validator reads (trusted roots,
     * intermediates, CRLs) changes: the moment to re-check established connections. Only a validator
     * built with {@link Builder#store} can notice changes ({@link CertificateStore#addTrustListener});
     * for a fixed snapshot or a supplier the registration is accepted and never fires. Time alone can
     * also change an outcome (a certificate or CRL expiring), which no listener reports.
     *
     * @param listener runs on the thread that reloaded the store
     * @return closes the registration
     */
    public AutoCloseable addTrustListener(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        return store == null ? () -> {} : store.addTrustListener(listener);
    }

    /** @return the key purposes required per role */
    public Map<PeerRole, Set<KeyPurpose>> requiredPurposes() {
        return purposes;
    }

    /**
     * A JSSE trust manager over {@link #validate}: {@code checkClientTrusted} validates for
     * {@link PeerRole#CLIENT}, {@code checkServerTrusted} for {@link PeerRole#SERVER}. Failures throw
     * {@link CertificateValidationException}. Endpoint identification is not performed (RFC 5922 is
     * applied by the SIP layer).
     *
     * @return the trust manager
     */
    public X509ExtendedTrustManager trustManager() {
        return new TrustManager();
    }

    private final class TrustManager extends X509ExtendedTrustManager {
        private void check(X509Certificate[] chain, PeerRole role) throws CertificateException {
            ValidationResult r = validate(chain, role);
            if (!r.isValid()) {
                throw new CertificateValidationException(role, r);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, PeerRole.CLIENT);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, PeerRole.SERVER);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain, PeerRole.CLIENT);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain, PeerRole.SERVER);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain, PeerRole.CLIENT);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain, PeerRole.SERVER);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust.get().trustedRoots().toArray(new X509Certificate[0]);
        }
    }

    /** Builder for {@link PeerCertificateValidator}. */
    public static final class Builder {
        private Supplier<StoreContents> trust;
        private Clock clock = Clock.systemUTC();
        private final Map<PeerRole, Set<KeyPurpose>> purposes = new EnumMap<>(PeerRole.class);
        private int minRsaBits = SelectionCriteria.DEFAULT_MIN_RSA_BITS;
        private RevocationPolicy revocation = RevocationPolicy.PREFER;
        private SecurityEventListener events;
        private CertificateStore store;
        private int cacheSize = DEFAULT_CACHE_SIZE;
        private Duration cacheMaxAge = DEFAULT_CACHE_MAX_AGE;

        private Builder() {
            purposes.put(PeerRole.SERVER, Collections.unmodifiableSet(EnumSet.of(KeyPurpose.SERVER_AUTH)));
            purposes.put(PeerRole.CLIENT, Collections.unmodifiableSet(EnumSet.of(KeyPurpose.CLIENT_AUTH)));
        }

        /**
         * @param store read live: imports take effect on the next validation
         * @return this
         */
        public Builder store(CertificateStore store) {
            Objects.requireNonNull(store, "store");
            this.trust = store::contents;
            this.store = store;
            return this;
        }

        /**
         * @param contents a fixed snapshot
         * @return this
         */
        public Builder contents(StoreContents contents) {
            Objects.requireNonNull(contents, "contents");
            this.trust = () -> contents;
            this.store = null;
            return this;
        }

        /**
         * @param supplier any source of snapshots, read on every validation
         * @return this
         */
        public Builder trust(Supplier<StoreContents> supplier) {
            this.trust = Objects.requireNonNull(supplier, "supplier");
            this.store = null;
            return this;
        }

        /**
         * @param c the clock for validity checks (default system UTC)
         * @return this
         */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /**
         * Overrides the purposes required of a role. Weakening the default (for example accepting
         * "web server" certificates from gateways acting as TLS clients) is an explicit choice.
         *
         * @param role the role
         * @param required the purposes; empty accepts any EKU
         * @return this
         */
        public Builder requiredPurposes(PeerRole role, Set<KeyPurpose> required) {
            EnumSet<KeyPurpose> s = EnumSet.noneOf(KeyPurpose.class);
            s.addAll(required);
            purposes.put(Objects.requireNonNull(role), Collections.unmodifiableSet(s));
            return this;
        }

        /**
         * @param bits smallest RSA modulus accepted from peers, at least 2048
         * @return this
         */
        public Builder minRsaBits(int bits) {
            SelectionCriteria.builder().minRsaBits(bits);
            this.minRsaBits = bits;
            return this;
        }

        /**
         * @param policy how missing or outdated CRLs are treated (default {@link RevocationPolicy#PREFER})
         * @return this
         */
        public Builder revocation(RevocationPolicy policy) {
            this.revocation = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param listener receives {@link org.umsec.core.SecurityEventType#CRL_STALE} events (default
         *     none)
         * @return this
         */
        public Builder events(SecurityEventListener listener) {
            this.events = listener;
            return this;
        }

        /**
         * Sizes the validated-chain cache (see the class documentation).
         *
         * @param entries most chains remembered (default {@value PeerCertificateValidator#DEFAULT_CACHE_SIZE},
         *     least recently used evicted); 0 turns the cache off, so every validation runs in full
         * @param maxAge longest time a chain is remembered after its validation (default 10 minutes),
         *     also bounded by its certificates' notAfter and its CRLs' nextUpdate
         * @return this
         * @throws IllegalArgumentException for a negative size or a max age not positive
         */
        public Builder chainCache(int entries, Duration maxAge) {
            if (entries < 0) {
                throw new IllegalArgumentException("cache size must be 0 (off) or more, got " + entries);
            }
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("cache max age must be positive, got " + maxAge);
            }
            this.cacheSize = entries;
            this.cacheMaxAge = maxAge;
            return this;
        }

        /**
         * @return the validator
         * @throws IllegalStateException when no trust source was given
         */
        public PeerCertificateValidator build() {
            if (trust == null) {
                throw new IllegalStateException("a trust source (store, contents or supplier) is required");
            }
            return new PeerCertificateValidator(this);
        }
    }
}
