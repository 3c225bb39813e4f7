package org.umsec.srtp.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * An open-addressing hash map from {@code int} keys to object values, without boxing.
 *
 * <p>Linear probing over power-of-two tables; a {@code null} value marks a free slot, so every
 * {@code int} (including 0) is a valid key and {@code null} values are refused. Removal uses
 * backward-shift deletion, so there are no tombstones and lookups never degrade after churn.
 * {@link #get(int)} never allocates; {@link #put(int, Object)} allocates only when the table grows.
 * Not thread-safe.
 *
 * @param <V> the value type
 */
public final class IntObjectMap<V> {

    private static final float LOAD_FACTOR = 0.5f;

    private int[] keys;
    private Object[] values;
    private int mask;
    private int size;
    private int resizeAt;

    /** Creates a map sized for {@code expected} entries without growing. */
    public IntObjectMap(int expected) {
        if (expected < 0) {
            throw new IllegalArgumentException("expected < 0: " + expected);
        }
        int capacity = Integer.highestOneBit(Math.max(4, (int) (expected / LOAD_FACTOR)) * 2 - 1);
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        resizeAt = (int) (capacity * LOAD_FACTOR);
    }

    private static int hash(int key) {
        // Murmur3 fmix32: SSRCs are random but tests and attackers may send sequential ones.
        int h = key;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** Returns the value for {@code key}, or {@code null}. */
    @SuppressWarnings("unchecked")
    public V get(int key) {
        final int[] k = keys;
        final Object[] v = values;
        final int m = mask;
        int i = hash(key) & m;
        Object value;
        while ((value = v[i]) != null) {
            if (k[i] == key) {
                return (V) value;
            }
            i = (i + 1) & m;
        }
        return null;
    }

    /** Associates {@code value} with {@code key}; returns the previous value or {@code null}. */
    @SuppressWarnings("unchecked")
    public V put(int key, V value) {
        Objects.requireNonNull(value, "value");
        int i = hash(key) & mask;
        Object existing;
        while ((existing = values[i]) != null) {
            if (keys[i] == key) {
                values[i] = value;
                return (V) existing;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        if (++size > resizeAt) {
            rehash(keys.length * 2);
        }
        return null;
    }

    /** Removes the entry for {@code key}; returns the removed value or {@code null}. */
    @SuppressWarnings("unchecked")
    public V remove(int key) {
        int i = hash(key) & mask;
        Object existing;
        while ((existing = values[i]) != null) {
            if (keys[i] == key) {
                shiftBack(i);
                size--;
                return (V) existing;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    private void shiftBack(int free) {
        int gap = free;
        int i = (gap + 1) & mask;
        while (values[i] != null) {
            int home = hash(keys[i]) & mask;
            // Move the entry into the gap if its home slot is not cyclically in (gap, i].
            if (((i - home) & mask) >= ((i - gap) & mask)) {
                keys[gap] = keys[i];
                values[gap] = values[i];
                gap = i;
            }
            i = (i + 1) & mask;
        }
        values[gap] = null;
        keys[gap] = 0;
    }

    private void rehash(int capacity) {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(capacity);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                int j = hash(oldKeys[i]) & mask;
                while (values[j] != null) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }

    /** Number of entries. */
    public int size() {
        return size;
    }

    /** Removes every entry, keeping the table. */
    public void clear() {
        Arrays.fill(values, null);
        Arrays.fill(keys, 0);
        size = 0;
    }

    /** Visits every value (order unspecified); the visitor must not modify the map. */
    @SuppressWarnings("unchecked")
    public void forEachValue(java.util.function.Consumer<? super V> visitor) {
        for (Object v : values) {
            if (v != null) {
                visitor.accept((V) v);
            }
        }
    }
}
