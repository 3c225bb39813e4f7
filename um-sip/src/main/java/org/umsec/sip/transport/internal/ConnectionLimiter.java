package org.umsec.sip.transport.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps connections in total and per source address, keeping the last {@code reserved} slots of the
 * total for configured gateways: a peer that is not a known gateway address may open a connection
 * only while fewer than {@code maxTotal - reserved} are open, so untrusted peers cannot fill the
 * table and push a trusted PBX out. Thread-safe.
 */
public final class ConnectionLimiter {
    private final int maxTotal;
    private final int maxPerAddress;
    private final int reserved;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

    /**
     * @param maxTotal cap on open connections
     * @param maxPerAddress cap on open connections from one address
     * @param reserved slots of {@code maxTotal} only known gateway addresses may take
     */
    public ConnectionLimiter(int maxTotal, int maxPerAddress, int reserved) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.reserved = Math.min(reserved, maxTotal);
    }

    /**
     * @param a source address
     * @param gateway whether the address is a known gateway's (may use the reserved slots)
     * @return null when admitted (call {@link #release} on close), else why not
     */
    public String tryAcquire(InetAddress a, boolean gateway) {
        int cap = gateway ? maxTotal : maxTotal - reserved;
        if (total.incrementAndGet() > cap) {
            total.decrementAndGet();
            return "connection cap " + cap + " reached"
                    + (gateway || reserved == 0 ? "" : " (" + reserved + " more kept for gateways)");
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
