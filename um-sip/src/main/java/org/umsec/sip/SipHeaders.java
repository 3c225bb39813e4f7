package org.umsec.sip;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.umsec.sip.internal.HeaderTable;

/**
 * The header fields of a SIP message, in wire order (RFC 3261 §7.3).
 *
 * <p>Names compare case-insensitively and compact forms are equivalent to their long forms
 * ({@code i} = {@code Call-ID}, {@code m} = {@code Contact}, {@code v} = {@code Via}, ...; RFC 3261
 * §7.3.3). {@link #value(int)} returns a field's value with line folding replaced by a single space and
 * surrounding white space removed. {@link #getAll(String)} returns one string per header line;
 * {@link #values(String)} additionally splits comma-separated lists, leaving commas inside quoted strings
 * and angle brackets alone.
 *
 * <p>Headers of a decoded message are read lazily from the received bytes: a value becomes a
 * {@code String} only when asked for. Instances are immutable; a decoded message's headers are valid
 * only while the message has not been released.
 */
public final class SipHeaders {
    private static final String[] NO_STRINGS = new String[0];

    private final byte[] src;
    private final int base;
    private final int count;
    /**
     * Per header, relative to {@code base}: name start, name end, value start, value end. Packed (two ints per
     * header, {@code start << 16 | end}) when every offset fits in 16 bits, as it does for any header section
     * under 64 KiB; four ints per header otherwise.
     */
    private final int[] spans;

    private final boolean packed;
    private final byte[] ids;
    private String[] names;
    private String[] values;

    /**
     * @param wide the scanner's spans, four ints per header (at least {@code 4 * count} of them); copied
     */
    SipHeaders(byte[] src, int base, int count, int[] wide, byte[] ids) {
        this.src = src;
        this.base = base;
        this.count = count;
        this.ids = ids;
        boolean fits = count == 0 || wide[4 * count - 1] <= 0xFFFF;
        for (int i = 0; fits && i < 4 * count; i++) {
            fits = wide[i] >= 0 && wide[i] <= 0xFFFF;
        }
        if (fits) {
            int[] p = new int[2 * count];
            for (int i = 0; i < count; i++) {
                p[2 * i] = wide[4 * i] << 16 | wide[4 * i + 1];
                p[2 * i + 1] = wide[4 * i + 2] << 16 | wide[4 * i + 3];
            }
            this.spans = p;
        } else {
            this.spans = java.util.Arrays.copyOf(wide, 4 * count);
        }
        this.packed = fits;
    }

    private SipHeaders(byte[] src, int base, int count, int[] spans, boolean packed, byte[] ids) {
        this.src = src;
        this.base = base;
        this.count = count;
        this.spans = spans;
        this.packed = packed;
        this.ids = ids;
    }

    /** Start of the {@code i}-th name, relative to {@link #base()}. */
    int nameStart(int i) {
        return packed ? spans[2 * i] >>> 16 : spans[4 * i];
    }

    /** End of the {@code i}-th name, relative to {@link #base()}. */
    int nameEnd(int i) {
        return packed ? spans[2 * i] & 0xFFFF : spans[4 * i + 1];
    }

    /** Start of the {@code i}-th value, relative to {@link #base()}. */
    int valueStart(int i) {
        return packed ? spans[2 * i + 1] >>> 16 : spans[4 * i + 2];
    }

    /** End of the {@code i}-th value, relative to {@link #base()}. */
    int valueEnd(int i) {
        return packed ? spans[2 * i + 1] & 0xFFFF : spans[4 * i + 3];
    }

    SipHeaders(List<String> names, List<String> values) {
        this.src = null;
        this.base = 0;
        this.count = names.size();
        this.spans = null;
        this.packed = false;
        this.names = names.toArray(NO_STRINGS);
        this.values = values.toArray(NO_STRINGS);
        this.ids = new byte[count];
        for (int i = 0; i < count; i++) {
            ids[i] = (byte) HeaderTable.lookup(this.names[i]);
        }
    }

    /** The same headers over a copy of the source bytes (spans are shared, they are never modified). */
    SipHeaders rebase(byte[] newSrc, int newBase) {
        SipHeaders h = new SipHeaders(newSrc, newBase, count, spans, packed, ids);
        h.names = names;
        h.values = values;
        return h;
    }

    /** Number of header lines. */
    public int size() {
        return count;
    }

    /** Name of the {@code i}-th header as written (possibly a compact form). */
    public String name(int i) {
        check(i);
        if (names == null) {
            names = new String[count];
        }
        String n = names[i];
        if (n == null) {
            int s = nameStart(i);
            n = new String(src, base + s, nameEnd(i) - s, StandardCharsets.UTF_8);
            names[i] = n;
        }
        return n;
    }

    /** Canonical long name of the {@code i}-th header for known headers, else the name as written. */
    public String canonicalName(int i) {
        int id = ids[i];
        return id != HeaderTable.UNKNOWN ? HeaderTable.canonical(id) : name(i);
    }

    /** Value of the {@code i}-th header, unfolded and trimmed. */
    public String value(int i) {
        check(i);
        if (values == null) {
            values = new String[count];
        }
        String v = values[i];
        if (v == null) {
            v = unfold(src, base + valueStart(i), base + valueEnd(i));
            values[i] = v;
        }
        return v;
    }

    private void check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
    }

    static String unfold(byte[] a, int s, int e) {
        while (s < e && isWs(a[s])) {
            s++;
        }
        while (e > s && isWs(a[e - 1])) {
            e--;
        }
        int i = s;
        while (i < e && a[i] != '\r' && a[i] != '\n') {
            i++;
        }
        if (i == e) {
            return new String(a, s, e - s, StandardCharsets.UTF_8);
        }
        byte[] out = new byte[e - s];
        int n = 0;
        for (int j = s; j < e; j++) {
            byte b = a[j];
            if (b == '\r' || b == '\n') {
                while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t')) {
                    n--;
                }
                while (j + 1 < e && isWs(a[j + 1])) {
                    j++;
                }
                out[n++] = ' ';
            } else {
                out[n++] = b;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static boolean isWs(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    int id(int i) {
        return ids[i];
    }

    /** Index of the first header with the given id, or -1. */
    int indexOf(int id, int from) {
        for (int i = from; i < count; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    private int indexOf(String name, int from) {
        int id = HeaderTable.lookup(name);
        if (id != HeaderTable.UNKNOWN) {
            return indexOf(id, from);
        }
        for (int i = from; i < count; i++) {
            if (ids[i] == HeaderTable.UNKNOWN && name(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Raw bytes of the value of header {@code i} (for parsing in place); fills {@code range} with bounds. */
    /**
     * The value of the {@code i}-th header like {@link #value(int)}, but without filling the value cache (for
     * callers that cache the result themselves, such as the message's Call-ID).
     */
    String valueOnce(int i) {
        check(i);
        if (values != null && values[i] != null) {
            return values[i];
        }
        return unfold(src, base + valueStart(i), base + valueEnd(i));
    }

    byte[] valueBytes(int i, int[] range) {
        if (src != null) {
            range[0] = base + valueStart(i);
            range[1] = base + valueEnd(i);
            return src;
        }
        byte[] b = values[i].getBytes(StandardCharsets.UTF_8);
        range[0] = 0;
        range[1] = b.length;
        return b;
    }

    /** Whether a header with this name (or its compact form) is present. */
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    /** Number of header lines with this name. */
    public int count(String name) {
        int n = 0;
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            n++;
        }
        return n;
    }

    /** Value of the first header line with this name. */
    public Optional<String> get(String name) {
        int i = indexOf(name, 0);
        return i < 0 ? Optional.empty() : Optional.of(value(i));
    }

    /** Values of all header lines with this name, one per line, in order; unmodifiable. */
    public List<String> getAll(String name) {
        List<String> out = new ArrayList<>(2);
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            out.add(value(i));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * All values of a header, comma-separated lists split into elements (RFC 3261 §7.3.1); commas inside
     * quoted strings or angle brackets do not split. Empty elements are dropped.
     */
    public List<String> values(String name) {
        List<String> out = new ArrayList<>(4);
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            splitList(value(i), out);
        }
        return Collections.unmodifiableList(out);
    }

    static void splitList(String v, List<String> out) {
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                depth++;
            } else if (c == '>') {
                depth = Math.max(0, depth - 1);
            } else if (c == ',' && depth == 0) {
                String part = v.substring(start, i).trim();
                if (!part.isEmpty()) {
                    out.add(part);
                }
                start = i + 1;
            }
        }
        String part = v.substring(start).trim();
        if (!part.isEmpty()) {
            out.add(part);
        }
    }

    /** Names of all header lines in order, as written. */
    public List<String> names() {
        String[] n = new String[count];
        for (int i = 0; i < count; i++) {
            n[i] = name(i);
        }
        return List.of(n);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(name(i)).append(": ").append(value(i)).append("\r\n");
        }
        return sb.toString();
    }

    byte[] src() {
        return src;
    }

    int base() {
        return base;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SipHeaders)) {
            return false;
        }
        SipHeaders h = (SipHeaders) o;
        if (h.count != count) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (!canonicalName(i).equalsIgnoreCase(h.canonicalName(i)) || !value(i).equals(h.value(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = count;
        for (int i = 0; i < count; i++) {
            h = 31 * h + value(i).hashCode();
        }
        return h + Arrays.hashCode(ids);
    }
}
