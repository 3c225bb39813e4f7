package org.umsec.sip.transport.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Caps connections in total and per source address. Thread-safe. */
public final class ConnectionLimiter {
    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

    /**
     * @param maxTotal cap on open connections
     * @param maxPerAddress cap on open connections from one address
     */
    public ConnectionLimiter(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /**
     * @param a source address
     * @return null when admitted (call {@link #release} on close), else why not
     */
    public String tryAcquire(InetAddress a) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return "connection cap " + maxTotal + " reached";
        }
        boolean[] ok = {true};
        perAddress.compute(a, (k, n) -> {
            int v = n == null ? 0 : n;
            if (v >= maxPerAddress) {
                ok[0] = false;
                return n;
            }
            return v + 1;
        });
        if (!ok[0]) {
            total.decrementAndGet();
            return "per-address cap " + maxPerAddress + " reached for " + a.getHostAddress();
        }
        return null;
    }

    /** @param a an admitted address whose connection closed */
    public void release(InetAddress a) {
        perAddress.computeIfPresent(a, (k, n) -> n <= 1 ? null : n - 1);
        total.decrementAndGet();
    }

    /** @return connections open now */
    public int open() {
        return total.get();
    }
}
