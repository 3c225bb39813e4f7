package org.umsec.sip.transport.internal;

/**
 * Makes peer-supplied text (certificate subjects and names, decoder details) safe for a log line or an
 * event field: every control character (C0, DEL, C1, e.g. ESC) and Unicode format character
 * (bidirectional overrides) is written as a backslash escape, so that a peer cannot forge log lines,
 * drive an administrator's terminal or reorder what is displayed.
 */
public final class LogText {
    private LogText() {}

    /**
     * @param s text or null
     * @return the text with control and format characters escaped; null for null
     */
    public static String escape(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = Character.isISOControl(c)
                    || Character.getType(c) == Character.FORMAT
                    || c == '\u2028'
                    || c == '\u2029';
            if (bad) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(String.format("\\u%04x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
