package org.umsec.sip.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable, insertion-ordered map over a flat {@code [name0, value0, name1, value1, ...]} array: the
 * header parameters of a parsed value, without a hash table per Via or address. Lookups are linear,
 * which is fastest for the handful of parameters a header carries. Names are already lower-cased.
 */
public final class ParamMap extends AbstractMap<String, String> {
    private final String[] kv;

    /** @param kv names and values, alternating; not copied (the caller hands it over) */
    public ParamMap(String[] kv) {
        this.kv = kv;
    }

    @Override
    public int size() {
        return kv.length / 2;
    }

    @Override
    public String get(Object key) {
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i].equals(key)) {
                return kv[i + 1];
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
                        return i < kv.length;
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (i >= kv.length) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, String> e = new AbstractMap.SimpleImmutableEntry<>(kv[i], kv[i + 1]);
                        i += 2;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return kv.length / 2;
            }
        };
    }
}
