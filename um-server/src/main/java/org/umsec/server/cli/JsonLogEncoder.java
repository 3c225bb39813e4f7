package org.umsec.server.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per log record, on one line, for log collectors ({@code --log-format json}):
 * <pre>{@code
 * {"time":"2026-12-03T15:04:05.123Z","level":"INFO","logger":"org.umsec.server.UmsecServer",
 *  "thread":"main","message":"...","exception":"..."}
 * }</pre>
 * SLF4J key-value pairs of the record are added as further string members. Line feeds in messages
 * and stack traces are escaped, so a record is always exactly one line.
 */
final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"time\":\"").append(Instant.ofEpochMilli(e.getTimeStamp())).append('"');
        member(sb, "level", e.getLevel().toString());
        member(sb, "logger", e.getLoggerName());
        member(sb, "thread", e.getThreadName());
        member(sb, "message", e.getFormattedMessage());
        List<KeyValuePair> kv = e.getKeyValuePairs();
        if (kv != null) {
            for (KeyValuePair p : kv) {
                member(sb, p.key, String.valueOf(p.value));
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            member(sb, "exception", ThrowableProxyUtil.asString(t));
        }
        sb.append("}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    private static void member(StringBuilder sb, String name, String value) {
        sb.append(',');
        string(sb, name);
        sb.append(':');
        string(sb, value == null ? "" : value);
    }

    /** A JSON string (RFC 8259 §7): quote, backslash and control characters escaped. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
