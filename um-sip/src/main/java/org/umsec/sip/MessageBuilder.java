package org.umsec.sip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.umsec.sip.internal.HeaderParser;
import org.umsec.sip.internal.HeaderTable;
import org.umsec.sip.internal.MessageAssembler;
import org.umsec.sip.internal.MessageScanner;

/**
 * Common part of the request and response builders. Builders are not thread-safe; the messages they
 * build are immutable.
 *
 * @param <B> the concrete builder
 */
abstract class MessageBuilder<B extends MessageBuilder<B>> {
    private final List<String> names = new ArrayList<>();
    private final List<String> values = new ArrayList<>();
    private byte[] body = new byte[0];

    abstract B self();

    abstract String startLine();

    /**
     * Appends a header line.
     *
     * @throws IllegalArgumentException when the name is not a token or the value contains CR or LF
     */
    public B header(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) > 127 || !HeaderParser.isToken(name.charAt(i))) {
                throw new IllegalArgumentException("header name is not a token: " + name);
            }
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("header value contains CR or LF: " + name);
        }
        names.add(name);
        values.add(value);
        return self();
    }

    /** Replaces every line of this header (compact forms included) with one line. */
    public B setHeader(String name, String value) {
        removeHeader(name);
        return header(name, value);
    }

    /** Removes every line of this header (compact forms included). */
    public B removeHeader(String name) {
        int id = HeaderTable.lookup(name);
        for (int i = names.size() - 1; i >= 0; i--) {
            String n = names.get(i);
            if (id != HeaderTable.UNKNOWN ? HeaderTable.lookup(n) == id : n.equalsIgnoreCase(name)) {
                names.remove(i);
                values.remove(i);
            }
        }
        return self();
    }

    boolean has(String name) {
        return indexOf(name) >= 0;
    }

    int indexOf(String name) {
        int id = HeaderTable.lookup(name);
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (id != HeaderTable.UNKNOWN ? HeaderTable.lookup(n) == id : n.equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    String value(int i) {
        return values.get(i);
    }

    void set(int i, String value) {
        values.set(i, value);
    }

    static List<NameAddress> parseAddress(String v) {
        List<NameAddress> out = new ArrayList<>(1);
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        String err = new HeaderParser().addresses(b, 0, b.length, false, false, out);
        if (err != null) {
            throw new IllegalArgumentException(err);
        }
        return out;
    }

    /** Adds a Via line (a new topmost Via goes first: call this before the others). */
    public B via(Via via) {
        return header("Via", via.toString());
    }

    /** Sets From. */
    public B from(NameAddress from) {
        return setHeader("From", from.toString());
    }

    /** Sets To. */
    public B to(NameAddress to) {
        return setHeader("To", to.toString());
    }

    /** Sets Call-ID. */
    public B callId(String callId) {
        return setHeader("Call-ID", callId);
    }

    /** Sets CSeq. */
    public B cseq(CSeq cseq) {
        return setHeader("CSeq", cseq.toString());
    }

    /** Sets Max-Forwards (0..255). */
    public B maxForwards(int hops) {
        if (hops < 0 || hops > 255) {
            throw new IllegalArgumentException("Max-Forwards out of range: " + hops);
        }
        return setHeader("Max-Forwards", Integer.toString(hops));
    }

    /** Adds a Contact value. */
    public B contact(NameAddress contact) {
        return header("Contact", contact.toString());
    }

    /** Adds a Route value. */
    public B route(NameAddress route) {
        return header("Route", route.toString());
    }

    /** Adds a Record-Route value. */
    public B recordRoute(NameAddress route) {
        return header("Record-Route", route.toString());
    }

    /** Sets the body and its Content-Type. */
    public B body(String contentType, byte[] content) {
        setHeader("Content-Type", contentType);
        return body(content);
    }

    /** Sets the body and its Content-Type from text (UTF-8). */
    public B body(String contentType, String content) {
        return body(contentType, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Sets the body without touching Content-Type. Content-Length is always computed. */
    public B body(byte[] content) {
        this.body = content.clone();
        return self();
    }

    SipMessage buildMessage() {
        return buildMessage(true);
    }

    SipMessage buildMessage(boolean strict) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + body.length);
        write(out, startLine());
        for (int i = 0; i < names.size(); i++) {
            if (HeaderTable.lookup(names.get(i)) == HeaderTable.CONTENT_LENGTH) {
                continue;
            }
            write(out, names.get(i) + ": " + values.get(i));
        }
        write(out, "Content-Length: " + body.length);
        write(out, "");
        out.writeBytes(body);
        MessageScanner sc = new MessageScanner(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, strict);
        MessageScanner[] err = new MessageScanner[1];
        SipMessage m = MessageAssembler.parseWhole(out.toByteArray(), sc, err);
        if (m == null) {
            throw new IllegalArgumentException(err[0].errorReason);
        }
        return m;
    }

    private static void write(ByteArrayOutputStream out, String line) {
        out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }
}
