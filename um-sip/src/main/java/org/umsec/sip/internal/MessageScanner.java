package org.umsec.sip.internal;

/**
 * Indexes and checks the start line and header section of one SIP message held in a byte array
 * (RFC 3261 §7, §25). Records spans rather than building strings, so a steady-state scan allocates
 * nothing: the span and id arrays are reused and grow only up to the header-count limit.
 *
 * <p>After {@link #scan} returns, either {@link #errorStatus} is 0 and the fields describe the message, or
 * it holds the status code to answer with (400, 414, 505, 513) and {@link #errorReason} says why.
 * {@link #contentLength} is valid unless {@link #framingError} is set. Not thread-safe.
 */
public final class MessageScanner {
    /** Content-Length was absent. */
    public static final long NO_CONTENT_LENGTH = -1;

    private final int maxStartLineLength;
    private final int maxHeaderLineLength;
    private final int maxHeaderCount;
    private final boolean validate;
    private final HeaderParser parser = new HeaderParser();
    private final long[] cseqResult = new long[3];

    // results (offsets relative to the start passed to scan)
    public boolean request;
    public int methodStart;
    public int methodEnd;
    public int uriStart;
    public int uriEnd;
    public int status;
    public int reasonStart;
    public int reasonEnd;
    public int count;
    public int[] spans = new int[64];
    public byte[] ids = new byte[16];
    public long contentLength;
    public int errorStatus;
    public String errorReason;
    public boolean framingError;
    /** Whether any header line was folded (the wire form then differs from the canonical one). */
    public boolean folded;

    /**
     * @param maxStartLineLength  longest start line, CRLF excluded
     * @param maxHeaderLineLength longest header field, folded continuation lines included
     * @param maxHeaderCount      most header lines
     * @param validate            whether to check the grammar of the headers the stack relies on
     */
    public MessageScanner(int maxStartLineLength, int maxHeaderLineLength, int maxHeaderCount, boolean validate) {
        this.maxStartLineLength = maxStartLineLength;
        this.maxHeaderLineLength = maxHeaderLineLength;
        this.maxHeaderCount = maxHeaderCount;
        this.validate = validate;
    }

    private void fail(int st, String reason) {
        if (errorStatus == 0) {
            errorStatus = st;
            errorReason = reason;
        }
    }

    private void failFraming(String reason) {
        framingError = true;
        errorStatus = 400;
        errorReason = reason;
    }

    /**
     * Scans {@code a[start, end)}: the start line, the header lines and the empty line that ends them.
     *
     * @param end index just after the CRLF CRLF that ends the header section
     */
    public void scan(byte[] a, int start, int end) {
        count = 0;
        contentLength = NO_CONTENT_LENGTH;
        errorStatus = 0;
        errorReason = null;
        framingError = false;
        folded = false;
        status = 0;
        overflowContentLength = NO_CONTENT_LENGTH;
        overflowContentLengthBad = false;
        int lineEnd = indexOfCrlf(a, start, end);
        if (lineEnd - start > maxStartLineLength) {
            fail(414, "Start line too long");
        } else {
            startLine(a, start, lineEnd);
        }
        int p = lineEnd + 2;
        int stop = end - 2; // the final CRLF
        while (p < stop) {
            int le = indexOfCrlf(a, p, stop + 2);
            if (a[p] == ' ' || a[p] == '\t') {
                if (count == 0) {
                    fail(400, "Header section starts with white space");
                } else {
                    folded = true;
                    spans[4 * (count - 1) + 3] = le - start;
                    if (le - (spans[4 * (count - 1)] + start) > maxHeaderLineLength) {
                        fail(513, "Header field too long");
                    }
                }
                p = le + 2;
                continue;
            }
            if (le - p > maxHeaderLineLength) {
                fail(513, "Header field too long");
            }
            int ns = p;
            while (p < le && HeaderParser.isToken(a[p])) {
                p++;
            }
            int ne = p;
            while (p < le && (a[p] == ' ' || a[p] == '\t')) {
                p++;
            }
            if (ne == ns || p >= le || a[p] != ':') {
                fail(400, "Malformed header line");
                p = le + 2;
                continue;
            }
            if (count >= maxHeaderCount) {
                fail(513, "Too many header fields");
                if (HeaderTable.lookup(a, ns, ne) == HeaderTable.CONTENT_LENGTH) {
                    // still needed to find the next message
                    overflowContentLength(a, p + 1, le);
                }
                p = le + 2;
                continue;
            }
            if (4 * count + 4 > spans.length) {
                spans = java.util.Arrays.copyOf(spans, spans.length * 2);
            }
            if (count >= ids.length) {
                ids = java.util.Arrays.copyOf(ids, ids.length * 2);
            }
            spans[4 * count] = ns - start;
            spans[4 * count + 1] = ne - start;
            spans[4 * count + 2] = p + 1 - start;
            spans[4 * count + 3] = le - start;
            ids[count] = (byte) HeaderTable.lookup(a, ns, ne);
            count++;
            p = le + 2;
        }
        checkHeaders(a, start);
    }

    private long overflowContentLength = NO_CONTENT_LENGTH;
    private boolean overflowContentLengthBad;

    private void overflowContentLength(byte[] a, int vs, int ve) {
        long v = parser.number(a, vs, ve, Integer.MAX_VALUE);
        if (v < 0 || overflowContentLength != NO_CONTENT_LENGTH) {
            overflowContentLengthBad = true;
        }
        overflowContentLength = v;
    }

    private static int indexOfCrlf(byte[] a, int from, int end) {
        for (int i = from; i < end - 1; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n') {
                return i;
            }
        }
        return end;
    }

    private void startLine(byte[] a, int s, int e) {
        if (e - s > 4 && a[s] == 'S' && a[s + 1] == 'I' && a[s + 2] == 'P' && a[s + 3] == '/') {
            request = false;
            // SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
            int sp = s;
            while (sp < e && a[sp] != ' ') {
                sp++;
            }
            if (!isSip20(a, s, sp)) {
                fail(400, "Unsupported SIP version in response");
                return;
            }
            int cs = sp + 1;
            int code = 0;
            int i = cs;
            while (i < e && a[i] >= '0' && a[i] <= '9' && i - cs < 4) {
                code = code * 10 + (a[i] - '0');
                i++;
            }
            if (i - cs != 3 || code < 100 || code > 699 || (i < e && a[i] != ' ')) {
                fail(400, "Malformed status code");
                return;
            }
            status = code;
            reasonStart = Math.min(i + 1, e) - s;
            reasonEnd = e - s;
            return;
        }
        request = true;
        int i = s;
        while (i < e && HeaderParser.isToken(a[i])) {
            i++;
        }
        if (i == s || i >= e || a[i] != ' ') {
            fail(400, "Malformed Request-Line");
            return;
        }
        methodStart = 0;
        methodEnd = i - s;
        int us = i + 1;
        int ue = us;
        while (ue < e && a[ue] != ' ') {
            ue++;
        }
        if (ue == us || ue >= e) {
            fail(400, "Malformed Request-Line");
            return;
        }
        uriStart = us - s;
        uriEnd = ue - s;
        int vs = ue + 1;
        if (!isSip20(a, vs, e)) {
            if (isSipVersion(a, vs, e)) {
                fail(505, "Version Not Supported");
            } else {
                fail(400, "Malformed Request-Line");
            }
            return;
        }
        if (validate) {
            String err = parser.requestUri(a, us, ue);
            if (err != null) {
                fail(400, err);
            }
        }
    }

    private static boolean isSip20(byte[] a, int s, int e) {
        return e - s == 7
                && a[s] == 'S'
                && a[s + 1] == 'I'
                && a[s + 2] == 'P'
                && a[s + 3] == '/'
                && a[s + 4] == '2'
                && a[s + 5] == '.'
                && a[s + 6] == '0';
    }

    private static boolean isSipVersion(byte[] a, int s, int e) {
        if (e - s < 7 || a[s] != 'S' || a[s + 1] != 'I' || a[s + 2] != 'P' || a[s + 3] != '/') {
            return false;
        }
        int dots = 0;
        for (int i = s + 4; i < e; i++) {
            if (a[i] == '.') {
                dots++;
            } else if (a[i] < '0' || a[i] > '9') {
                return false;
            }
        }
        return dots == 1;
    }

    private void checkHeaders(byte[] a, int base) {
        int seen = 0; // bit per single-valued id (ids < 32)
        for (int i = 0; i < count; i++) {
            int id = ids[i];
            int vs = base + spans[4 * i + 2];
            int ve = base + spans[4 * i + 3];
            if (id == HeaderTable.CONTENT_LENGTH) {
                if (contentLength != NO_CONTENT_LENGTH || framingError) {
                    failFraming("Multiple Content-Length values");
                    continue;
                }
                long v = parser.number(a, vs, ve, Integer.MAX_VALUE);
                if (v < 0) {
                    failFraming("Malformed Content-Length");
                } else {
                    contentLength = v;
                }
                continue;
            }
            if (id == HeaderTable.UNKNOWN) {
                continue;
            }
            if (HeaderTable.singleValued(id)) {
                int bit = 1 << id;
                if ((seen & bit) != 0) {
                    fail(400, "Multiple " + HeaderTable.canonical(id) + " header fields");
                }
                seen |= bit;
            } else if (id < 32) {
                seen |= 1 << id;
            }
            if (!validate || errorStatus != 0) {
                continue;
            }
            String err = checkValue(a, id, vs, ve, base);
            if (err != null) {
                fail(400, err);
            }
        }
        if (overflowContentLengthBad
                || (overflowContentLength != NO_CONTENT_LENGTH && contentLength != NO_CONTENT_LENGTH)) {
            failFraming("Malformed or multiple Content-Length");
        } else if (overflowContentLength != NO_CONTENT_LENGTH) {
            contentLength = overflowContentLength;
        }
        if (framingError) {
            return;
        }
        if (validate && errorStatus == 0 && (status != 0 || request)) {
            if ((seen & (1 << HeaderTable.VIA)) == 0) {
                fail(400, "Missing Via header");
            } else if ((seen & (1 << HeaderTable.FROM)) == 0) {
                fail(400, "Missing From header");
            } else if ((seen & (1 << HeaderTable.TO)) == 0) {
                fail(400, "Missing To header");
            } else if ((seen & (1 << HeaderTable.CALL_ID)) == 0) {
                fail(400, "Missing Call-ID header");
            } else if ((seen & (1 << HeaderTable.CSEQ)) == 0) {
                fail(400, "Missing CSeq header");
            }
        }
    }

    private String checkValue(byte[] a, int id, int vs, int ve, int base) {
        switch (id) {
            case HeaderTable.VIA:
                return parser.via(a, vs, ve, null);
            case HeaderTable.FROM:
                return prefix("From: ", parser.addresses(a, vs, ve, false, false, null));
            case HeaderTable.TO:
                return prefix("To: ", parser.addresses(a, vs, ve, false, false, null));
            case HeaderTable.CONTACT:
                return prefix("Contact: ", parser.addresses(a, vs, ve, true, true, null));
            case HeaderTable.ROUTE:
                return prefix("Route: ", parser.addresses(a, vs, ve, true, false, null));
            case HeaderTable.RECORD_ROUTE:
                return prefix("Record-Route: ", parser.addresses(a, vs, ve, true, false, null));
            case HeaderTable.CALL_ID:
                return parser.callId(a, vs, ve);
            case HeaderTable.CSEQ: {
                String err = parser.cseq(a, vs, ve, cseqResult);
                if (err != null || !request) {
                    return err;
                }
                int ms = (int) cseqResult[1];
                int me = (int) cseqResult[2];
                if (me - ms != methodEnd - methodStart) {
                    return "CSeq method does not match the Request-Line";
                }
                for (int i = 0; i < me - ms; i++) {
                    if (a[ms + i] != a[base + methodStart + i]) {
                        return "CSeq method does not match the Request-Line";
                    }
                }
                return null;
            }
            case HeaderTable.MAX_FORWARDS:
                return parser.number(a, vs, ve, 255) < 0 ? "Malformed Max-Forwards" : null;
            case HeaderTable.EXPIRES:
                return parser.number(a, vs, ve, 0xFFFF_FFFFL) < 0 ? "Malformed Expires" : null;
            case HeaderTable.DATE:
                return parser.date(a, vs, ve);
            case HeaderTable.CONTENT_TYPE:
                return parser.contentType(a, vs, ve);
            default:
                return null;
        }
    }

    private static String prefix(String p, String err) {
        return err == null ? null : p + err;
    }
}
