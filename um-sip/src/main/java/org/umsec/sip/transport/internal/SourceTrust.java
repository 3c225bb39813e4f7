package org.umsec.sip.transport.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.AddressResolver;
import org.umsec.core.TrustList;

/**
 * Source-address trust for the plain TCP listener (R5, R26) without blocking an I/O thread and without
 * putting every peer behind one slow DNS lookup: the trust list's IP entries are matched at once; its
 * FQDN entries are resolved on a resolver pool, one lookup per name at a time, each bounded by a
 * timeout, and the answers (including failures) are cached for a TTL. A stale answer is used while a
 * fresh one is fetched. Thread-safe.
 *
 * <p>Also answers, without waiting, whether an address is a known gateway address (an IP entry or a
 * cached resolution of a name on any registered list), which decides whether a new connection may
 * take one of the slots reserved for configured gateways.
 */
public final class SourceTrust {
    private static final Logger LOG = LoggerFactory.getLogger(SourceTrust.class);
    private static final int MAX_CACHED_NAMES = 10_000;

    private final Executor pool;
    private final Clock clock;
    private final Duration ttl;
    private final Duration timeout;
    private final Map<Key, Cached> cache = new ConcurrentHashMap<>();
    private volatile List<TrustList> lists = List.of();

    /**
     * @param pool runs the lookups
     * @param clock decides expiry of cached answers
     * @param ttl how long an answer is used without asking again
     * @param timeout how long one lookup may take before it counts as failed
     */
    public SourceTrust(Executor pool, Clock clock, Duration ttl, Duration timeout) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * Sets the lists whose addresses count as known gateways and starts resolving their names.
     *
     * @param current the trust lists in force (nulls ignored)
     */
    public void register(List<TrustList> current) {
        List<TrustList> l = new ArrayList<>();
        for (TrustList t : current) {
            if (t != null) {
                l.add(t);
                for (String name : t.nameEntries()) {
                    lookup(new Key(t.resolver(), name));
                }
            }
        }
        lists = List.copyOf(l);
    }

    /**
     * Matches a source address against a list. Completes at once when an IP entry or a fresh cached
     * answer matches; otherwise when the outstanding lookups end (each bounded by the timeout).
     *
     * @param list the list
     * @param source the peer's address
     * @return completes with the entry that matched, or null; never exceptionally
     */
    public CompletableFuture<String> match(TrustList list, InetAddress source) {
        InetAddress s = normalise(source);
        if (list.addressEntries().contains(s)) {
            return CompletableFuture.completedFuture(canonical(list, s));
        }
        List<CompletableFuture<Cached>> waits = new ArrayList<>();
        List<String> waitNames = new ArrayList<>();
        for (String name : list.nameEntries()) {
            Key k = new Key(list.resolver(), name);
            Cached c = cache.get(k);
            if (c != null && c.addresses.contains(s)) {
                if (c.expired(clock.millis())) {
                    lookup(k); // stale but matching: use it, refresh behind
                }
                return CompletableFuture.completedFuture(name);
            }
            if (c == null || c.expired(clock.millis())) {
                waits.add(lookup(k));
                waitNames.add(name);
            }
        }
        if (waits.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        // the first lookup that names the source decides; a slow name delays only a peer it does not name
        CompletableFuture<String> result = new CompletableFuture<>();
        for (int i = 0; i < waits.size(); i++) {
            String name = waitNames.get(i);
            waits.get(i).thenAccept(c -> {
                if (c.addresses.contains(s)) {
                    result.complete(name);
                }
            });
        }
        CompletableFuture.allOf(waits.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> result.complete(null));
        return result;
    }

    /**
     * @param source a connecting address
     * @return whether it is an IP entry, or a cached address of a name, of a registered list
     */
    public boolean isKnownGateway(InetAddress source) {
        InetAddress s = normalise(source);
        for (TrustList t : lists) {
            if (t.addressEntries().contains(s)) {
                return true;
            }
            for (String name : t.nameEntries()) {
                Cached c = cache.get(new Key(t.resolver(), name));
                if (c != null && c.addresses.contains(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private CompletableFuture<Cached> lookup(Key k) {
        long now = clock.millis();
        Cached current = cache.get(k);
        if (current != null && !current.expired(now)) {
            return CompletableFuture.completedFuture(current);
        }
        if (cache.size() > MAX_CACHED_NAMES) {
            cache.clear();
        }
        Cached[] holder = new Cached[1];
        Cached pending = cache.compute(k, (key, c) -> {
            if (c != null && c.refreshing != null) {
                return c; // one lookup per name at a time
            }
            Cached n = new Cached(
                    c == null ? List.of() : c.addresses, c == null ? 0 : c.expiresAt, new CompletableFuture<>());
            holder[0] = n;
            return n;
        });
        if (holder[0] == null) {
            return pending.refreshing;
        }
        CompletableFuture<Cached> done = pending.refreshing;
        CompletableFuture<List<InetAddress>> resolved = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    List<InetAddress> r = k.resolver.resolve(k.name);
                    resolved.complete(r == null ? List.of() : r);
                } catch (UnknownHostException e) {
                    LOG.debug("trusted name {} does not resolve: {}", k.name, e.getMessage());
                    resolved.complete(List.of());
                } catch (RuntimeException e) {
                    LOG.warn("resolver failed for trusted name {}", k.name, e);
                    resolved.complete(List.of());
                }
            });
        } catch (RejectedExecutionException e) {
            resolved.complete(List.of());
        }
        // the answer, whenever it comes, is cached for the TTL and ends the lookup
        resolved.thenAccept(addrs -> {
            List<InetAddress> a = new ArrayList<>();
            for (InetAddress x : addrs) {
                if (x != null) {
                    a.add(normalise(x));
                }
            }
            Cached fresh = new Cached(List.copyOf(a), clock.millis() + ttl.toMillis(), null);
            cache.put(k, fresh);
            done.complete(fresh);
        });
        // waiting peers get an answer in bounded time: past the timeout the name matches only what it
        // matched before, and no second lookup of it starts until the first one returns
        resolved.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionally(t -> {
            if (!done.isDone()) {
                LOG.warn(
                        "resolving trusted name {} takes longer than {} ms; it matches nothing new until it answers",
                        k.name,
                        timeout.toMillis());
                done.complete(new Cached(pending.addresses, 0, done));
            }
            return null;
        });
        return done;
    }

    private static String canonical(TrustList list, InetAddress s) {
        for (String e : list.entries()) {
            if (list.nameEntries().contains(e) || e.startsWith("*.")) {
                continue;
            }
            try {
                // an IP literal entry: parsed, never looked up
                if (normalise(InetAddress.getByName(e)).equals(s)) {
                    return e;
                }
            } catch (UnknownHostException ignored) {
                // cannot happen for a literal
            }
        }
        return s.getHostAddress();
    }

    private static InetAddress normalise(InetAddress a) {
        try {
            // drops host names and scope ids; an IPv4-mapped IPv6 address becomes IPv4
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            return a;
        }
    }

    private record Key(AddressResolver resolver, String name) {}

    private record Cached(List<InetAddress> addresses, long expiresAt, CompletableFuture<Cached> refreshing) {
        boolean expired(long now) {
            return now >= expiresAt;
        }
    }
}
