package org.umsec.server.call;

import java.util.HashMap;
import java.util.Map;

/**
 * Call slots: at most {@code total} calls in progress and at most {@code perGateway} per gateway
 * (issue 9 item 9: one trusted peer cannot take every slot). A slot is taken before a call is built and
 * released exactly once, whether the call was answered or its setup failed. Thread-safe.
 */
final class Admission {

    /** Why no slot was given. */
    enum Refusal {
        /** Every slot of the server is taken. */
        SERVER_FULL,
        /** The gateway has its share of slots. */
        GATEWAY_FULL
    }

    /**
     * The outcome of {@link #take}: a slot, or why there is none.
     *
     * @param slot the slot, null when refused
     * @param refusal why, null when a slot was given
     */
    record Decision(Slot slot, Refusal refusal) {}

    /** A taken slot; {@link #release()} is idempotent. */
    final class Slot {
        private final String gateway;
        private boolean released;

        private Slot(String gateway) {
            this.gateway = gateway;
        }

        void release() {
            synchronized (Admission.this) {
                if (released) {
                    return;
                }
                released = true;
                total--;
                perGatewayInUse.merge(gateway, -1, (a, b) -> a + b == 0 ? null : a + b);
            }
        }
    }

    private final int maxTotal;
    private int total;
    private final Map<String, Integer> perGatewayInUse = new HashMap<>();

    Admission(int maxTotal) {
        this.maxTotal = maxTotal;
    }

    /**
     * @param gateway the gateway the call comes from
     * @param perGateway its limit now (from the configuration in force)
     * @return a slot, or the refusal
     */
    synchronized Decision take(String gateway, int perGateway) {
        if (total >= maxTotal) {
            return new Decision(null, Refusal.SERVER_FULL);
        }
        if (perGatewayInUse.getOrDefault(gateway, 0) >= perGateway) {
            return new Decision(null, Refusal.GATEWAY_FULL);
        }
        total++;
        perGatewayInUse.merge(gateway, 1, Integer::sum);
        return new Decision(new Slot(gateway), null);
    }

    /** @return slots in use */
    synchronized int inUse() {
        return total;
    }

    /** @return slots in use by one gateway */
    synchronized int inUse(String gateway) {
        return perGatewayInUse.getOrDefault(gateway, 0);
    }
}
