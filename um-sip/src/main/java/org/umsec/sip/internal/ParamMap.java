package org.umsec.sip.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable, insertion-ordered map of the header parameters of a parsed value, without a hash table per
 * Via or address. The first two parameters (all a Via or an address usually has: branch and rport, a tag)
 * live in fields, so the common case is one small object; more go to a flat
 * {@code [name2, value2, name3, value3, ...]} array. Lookups are linear, which is fastest for the handful of
 * parameters a header carries. Names are already lower-cased.
 */
public final class ParamMap extends AbstractMap<String, String> {
    private final int size;
    private final String k0;
    private final String v0;
    private final String k1;
    private final String v1;
    private final String[] more;

    /**
     * @param kv    names and values, alternating; read, not kept
     * @param count how many of {@code kv}'s entries are used (twice the number of parameters)
     */
    public ParamMap(String[] kv, int count) {
        this.size = count / 2;
        this.k0 = count > 0 ? kv[0] : null;
        this.v0 = count > 0 ? kv[1] : null;
        this.k1 = count > 2 ? kv[2] : null;
        this.v1 = count > 2 ? kv[3] : null;
        this.more = count > 4 ? java.util.Arrays.copyOfRange(kv, 4, count) : null;
    }

    private String key(int i) {
        return i == 0 ? k0 : i == 1 ? k1 : more[2 * (i - 2)];
    }

    private String value(int i) {
        return i == 0 ? v0 : i == 1 ? v1 : more[2 * (i - 2) + 1];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String get(Object key) {
        if (size > 0 && k0.equals(key)) {
            return v0;
        }
        if (size > 1 && k1.equals(key)) {
            return v1;
        }
        if (more != null) {
            for (int i = 0; i < more.length; i += 2) {
                if (more[i].equals(key)) {
                    return more[i + 1];
                }
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < size;
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (i >= size) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, String> e = new AbstractMap.SimpleImmutableEntry<>(key(i), value(i));
                        i++;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
