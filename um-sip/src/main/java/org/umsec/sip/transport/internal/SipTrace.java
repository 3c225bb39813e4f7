package org.umsec.sip.transport.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.sip.SipMessage;

/**
 * The SIP message trace (issue 12, R29): every message in and out of a connection, with the
 * connection id, direction and peer, on the log category {@value #CATEGORY} at INFO, while switched
 * on. The key material of SDES {@code a=crypto} lines (RFC 4568 {@code inline:} key and salt) is
 * masked unless key tracing is on, so that a trace can be shared without giving away the media keys.
 * Thread-safe; the switches apply to the next message.
 */
public final class SipTrace {
    /** The log category of the trace. */
    public static final String CATEGORY = "org.umsec.sip.trace";

    private static final Logger LOG = LoggerFactory.getLogger(CATEGORY);
    private static final Pattern INLINE = Pattern.compile("(?im)^(a=crypto:[^\\r\\n]*?inline:)([^|\\s;]+)");

    private volatile boolean enabled;
    private volatile boolean keys;

    /**
     * @param enabled trace on at start
     * @param keys show SDES keys instead of masking them
     */
    public SipTrace(boolean enabled, boolean keys) {
        this.enabled = enabled;
        this.keys = keys;
    }

    /** @param on whether to trace */
    public void enabled(boolean on) {
        this.enabled = on;
    }

    /** @return whether tracing is on */
    public boolean enabled() {
        return enabled;
    }

    /** @param on whether SDES keys appear unmasked */
    public void keys(boolean on) {
        this.keys = on;
    }

    /** @return whether SDES keys appear unmasked */
    public boolean keys() {
        return keys;
    }

    /**
     * Logs one message if the trace is on.
     *
     * @param connection the connection (its description names id, transport and peer)
     * @param inbound received (true) or sent (false)
     * @param m the message (not released)
     */
    public void message(Object connection, boolean inbound, SipMessage m) {
        if (!enabled || !LOG.isInfoEnabled()) {
            return;
        }
        String text;
        try {
            text = render(m.toWireString(), keys);
        } catch (RuntimeException e) {
            text = "(message not renderable: " + e + ")";
        }
        LOG.info("{} {}\n{}", inbound ? "<<< received on" : ">>> sent on", connection, text);
    }

    /**
     * @param wire a message as text
     * @param showKeys whether to keep SDES keys
     * @return the text with SDES keys masked (unless shown) and control characters other than line
     *     ends escaped
     */
    public static String render(String wire, boolean showKeys) {
        String t = wire;
        if (!showKeys) {
            Matcher m = INLINE.matcher(t);
            t = m.replaceAll("$1<masked>");
        }
        StringBuilder sb = new StringBuilder(t.length());
        for (String line : t.split("\r\n|\n", -1)) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(LogText.escape(line));
        }
        return sb.toString();
    }
}
