package org.umsec.sip.internal;

import java.util.Locale;

/**
 * Known SIP header names with small integer ids, compact forms (RFC 3261 §7.3.3 and later RFCs) and an
 * allocation-free, case-insensitive lookup from raw bytes.
 */
public final class HeaderTable {
    public static final int UNKNOWN = 0;
    public static final int VIA = 1;
    public static final int FROM = 2;
    public static final int TO = 3;
    public static final int CALL_ID = 4;
    public static final int CSEQ = 5;
    public static final int CONTACT = 6;
    public static final int MAX_FORWARDS = 7;
    public static final int CONTENT_TYPE = 8;
    public static final int CONTENT_LENGTH = 9;
    public static final int ROUTE = 10;
    public static final int RECORD_ROUTE = 11;
    public static final int SUBJECT = 12;
    public static final int SUPPORTED = 13;
    public static final int CONTENT_ENCODING = 14;
    public static final int EXPIRES = 15;
    public static final int DATE = 16;
    public static final int REQUIRE = 17;
    public static final int PROXY_REQUIRE = 18;
    public static final int ALLOW = 19;
    public static final int ACCEPT = 20;
    public static final int EVENT = 21;
    public static final int REFER_TO = 22;
    public static final int REFERRED_BY = 23;
    public static final int SESSION_EXPIRES = 24;
    public static final int ALLOW_EVENTS = 25;
    public static final int ACCEPT_CONTACT = 26;
    public static final int REJECT_CONTACT = 27;
    public static final int REQUEST_DISPOSITION = 28;
    public static final int IDENTITY = 29;
    public static final int USER_AGENT = 30;
    public static final int SERVER = 31;
    public static final int UNSUPPORTED = 32;
    public static final int WWW_AUTHENTICATE = 33;
    public static final int AUTHORIZATION = 34;
    public static final int RETRY_AFTER = 35;
    public static final int WARNING = 36;
    public static final int MIN_EXPIRES = 37;
    public static final int REASON = 38;
    public static final int COUNT = 39;

    private static final String[] CANONICAL = new String[COUNT];
    private static final char[] COMPACT = new char[COUNT];
    private static final byte[][] LOWER = new byte[COUNT][];
    /** Open-addressing table: hash of the lower-case name to id; 0 = empty. */
    private static final int TABLE_SIZE = 256;

    private static final byte[] TABLE = new byte[TABLE_SIZE];
    /** Compact form letter (lower case, a..z) to id. */
    private static final byte[] BY_COMPACT = new byte[26];

    static {
        def(VIA, "Via", 'v');
        def(FROM, "From", 'f');
        def(TO, "To", 't');
        def(CALL_ID, "Call-ID", 'i');
        def(CSEQ, "CSeq", (char) 0);
        def(CONTACT, "Contact", 'm');
        def(MAX_FORWARDS, "Max-Forwards", (char) 0);
        def(CONTENT_TYPE, "Content-Type", 'c');
        def(CONTENT_LENGTH, "Content-Length", 'l');
        def(ROUTE, "Route", (char) 0);
        def(RECORD_ROUTE, "Record-Route", (char) 0);
        def(SUBJECT, "Subject", 's');
        def(SUPPORTED, "Supported", 'k');
        def(CONTENT_ENCODING, "Content-Encoding", 'e');
        def(EXPIRES, "Expires", (char) 0);
        def(DATE, "Date", (char) 0);
        def(REQUIRE, "Require", (char) 0);
        def(PROXY_REQUIRE, "Proxy-Require", (char) 0);
        def(ALLOW, "Allow", (char) 0);
        def(ACCEPT, "Accept", (char) 0);
        def(EVENT, "Event", 'o');
        def(REFER_TO, "Refer-To", 'r');
        def(REFERRED_BY, "Referred-By", 'b');
        def(SESSION_EXPIRES, "Session-Expires", 'x');
        def(ALLOW_EVENTS, "Allow-Events", 'u');
        def(ACCEPT_CONTACT, "Accept-Contact", 'a');
        def(REJECT_CONTACT, "Reject-Contact", 'j');
        def(REQUEST_DISPOSITION, "Request-Disposition", 'd');
        def(IDENTITY, "Identity", 'y');
        def(USER_AGENT, "User-Agent", (char) 0);
        def(SERVER, "Server", (char) 0);
        def(UNSUPPORTED, "Unsupported", (char) 0);
        def(WWW_AUTHENTICATE, "WWW-Authenticate", (char) 0);
        def(AUTHORIZATION, "Authorization", (char) 0);
        def(RETRY_AFTER, "Retry-After", (char) 0);
        def(WARNING, "Warning", (char) 0);
        def(MIN_EXPIRES, "Min-Expires", (char) 0);
        def(REASON, "Reason", (char) 0);
    }

    private HeaderTable() {}

    private static void def(int id, String name, char compact) {
        CANONICAL[id] = name;
        COMPACT[id] = compact;
        byte[] lower = name.toLowerCase(Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        LOWER[id] = lower;
        int slot = hash(lower, 0, lower.length) & (TABLE_SIZE - 1);
        while (TABLE[slot] != 0) {
            slot = (slot + 1) & (TABLE_SIZE - 1);
        }
        TABLE[slot] = (byte) id;
        if (compact != 0) {
            BY_COMPACT[compact - 'a'] = (byte) id;
        }
    }

    private static int hash(byte[] a, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + (a[i] | 0x20);
        }
        return h ^ (h >>> 16);
    }

    /**
     * Id of the header whose name occupies {@code a[start, end)}, compared case-insensitively and with
     * compact forms folded to their long form.
     *
     * @return the id, or {@link #UNKNOWN}
     */
    public static int lookup(byte[] a, int start, int end) {
        int len = end - start;
        if (len == 1) {
            int c = a[start] | 0x20;
            return c >= 'a' && c <= 'z' ? BY_COMPACT[c - 'a'] : UNKNOWN;
        }
        int slot = hash(a, start, end) & (TABLE_SIZE - 1);
        while (true) {
            int id = TABLE[slot];
            if (id == 0) {
                return UNKNOWN;
            }
            byte[] lower = LOWER[id];
            if (lower.length == len && equalsLower(lower, a, start)) {
                return id;
            }
            slot = (slot + 1) & (TABLE_SIZE - 1);
        }
    }

    private static boolean equalsLower(byte[] lower, byte[] a, int start) {
        for (int i = 0; i < lower.length; i++) {
            int c = a[start + i];
            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** Id for a header name given as a string (long or compact form, any case). */
    public static int lookup(String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return lookup(b, 0, b.length);
    }

    /** Canonical long name for a known id. */
    public static String canonical(int id) {
        return CANONICAL[id];
    }

    /** Compact form letter for a known id, or 0 when it has none. */
    public static char compact(int id) {
        return COMPACT[id];
    }

    /** Whether the header may appear only once (RFC 3261 §20; RFC 4475 §3.3.8). */
    public static boolean singleValued(int id) {
        switch (id) {
            case FROM:
            case TO:
            case CALL_ID:
            case CSEQ:
            case MAX_FORWARDS:
            case CONTENT_TYPE:
            case CONTENT_LENGTH:
                return true;
            default:
                return false;
        }
    }

    /** Whether the header's grammar is a comma-separated list (RFC 3261 §7.3.1). */
    public static boolean listValued(int id) {
        switch (id) {
            case VIA:
            case CONTACT:
            case ROUTE:
            case RECORD_ROUTE:
            case SUPPORTED:
            case REQUIRE:
            case PROXY_REQUIRE:
            case ALLOW:
            case ACCEPT:
            case CONTENT_ENCODING:
            case ALLOW_EVENTS:
            case UNSUPPORTED:
            case ACCEPT_CONTACT:
            case REJECT_CONTACT:
            case REQUEST_DISPOSITION:
            case WARNING:
                return true;
            default:
                return false;
        }
    }
}
