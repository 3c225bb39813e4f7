package org.umsec.certs.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.umsec.certs.PeerRole;
import org.umsec.certs.ValidationResult;

/**
 * Remembers chains that one {@link ChainValidator} (one trust snapshot, one set of rules) found
 * valid, so that a gateway reconnecting with the same chain does not pay for path building and
 * signature verification again.
 *
 * <p>What makes a hit safe:
 *
 * <ul>
 *   <li>The key is SHA-256 over the role and every certificate <em>as presented</em>, in order,
 *       each prefixed with its length: a chain with the same leaf but another (forged) intermediate,
 *       an extra certificate or another order is another key and is validated from scratch.
 *   <li>Only valid outcomes are stored, so a peer cannot fill the cache without a chain the
 *       snapshot trusts, and cannot evict good entries with junk.
 *   <li>An entry answers only at instants inside its window: from the instant it was validated (a
 *       clock set back misses) to the earliest of: the notAfter of any certificate of the path, the
 *       anchor included; the nextUpdate of any CRL of an issuer on the path (under
 *       {@link org.umsec.certs.RevocationPolicy#REQUIRE} a CRL past it refuses the peer); and the
 *       maximum age.
 *   <li>The cache belongs to one snapshot of trust material: new roots, intermediates or CRLs make
 *       a new snapshot, a new validator and an empty cache (the owner drops this one).
 * </ul>
 *
 * <p>Bounded: at most {@code capacity} entries, the least recently used evicted. Thread-safe.
 */
public final class ValidatedChainCache {
    private final int capacity;
    private final Duration maxAge;
    private final Map<Key, Entry> entries;

    /**
     * @param capacity most entries kept, at least 1
     * @param maxAge longest time an entry answers after its validation
     */
    public ValidatedChainCache(int capacity, Duration maxAge) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.maxAge = maxAge;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > ValidatedChainCache.this.capacity;
            }
        };
    }

    /** A chain's identity: SHA-256 over role and encodings. */
    public static final class Key {
        private final byte[] digest;
        private final int hash;

        private Key(byte[] digest) {
            this.digest = digest;
            this.hash = Arrays.hashCode(digest);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && MessageDigest.isEqual(digest, k.digest);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private record Entry(ValidationResult result, Instant validatedAt, Instant validUntil) {}

    /**
     * @param chain the chain as presented
     * @param role the role the peer plays
     * @return its key, or null when a certificate cannot be encoded (then it is not cached)
     */
    public static Key key(X509Certificate[] chain, PeerRole role) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
        sha.update((byte) role.ordinal());
        for (X509Certificate c : chain) {
            byte[] der;
            try {
                der = c.getEncoded();
            } catch (CertificateEncodingException | RuntimeException e) {
                return null;
            }
            int n = der.length;
            sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            sha.update(der);
        }
        return new Key(sha.digest());
    }

    /**
     * @param key a chain's key
     * @param now the validation instant
     * @return the remembered valid outcome, or null when absent or outside its window
     */
    public ValidationResult get(Key key, Instant now) {
        Entry e;
        synchronized (entries) {
            e = entries.get(key);
            if (e != null && (now.isBefore(e.validatedAt) || !now.isBefore(e.validUntil))) {
                entries.remove(key);
                e = null;
            }
        }
        return e == null ? null : e.result;
    }

    /**
     * Remembers a valid outcome; an invalid one is ignored.
     *
     * @param key the chain's key
     * @param result the outcome of validating it at {@code now}
     * @param now the validation instant
     * @param crls the CRLs the outcome was decided with
     */
    public void put(Key key, ValidationResult result, Instant now, List<X509CRL> crls) {
        if (!result.isValid()) {
            return;
        }
        Instant until = now.plus(maxAge);
        Set<X500Principal> issuers = new HashSet<>();
        for (X509Certificate c : result.path()) {
            Instant notAfter = c.getNotAfter().toInstant();
            if (notAfter.isBefore(until)) {
                until = notAfter;
            }
            issuers.add(c.getIssuerX500Principal());
        }
        for (X509CRL crl : crls) {
            if (crl.getNextUpdate() == null || !issuers.contains(crl.getIssuerX500Principal())) {
                continue;
            }
            Instant next = crl.getNextUpdate().toInstant();
            // a CRL already past nextUpdate decided the outcome as stale; one still current must not
            // be trusted beyond its nextUpdate (REQUIRE refuses then)
            if (next.isAfter(now) && next.isBefore(until)) {
                until = next;
            }
        }
        if (!until.isAfter(now)) {
            return;
        }
        synchronized (entries) {
            entries.put(key, new Entry(result, now, until));
        }
    }

    /** @return entries held */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
