package org.umsec.sip.transport.internal;

import java.util.Locale;

import io.netty.buffer.ByteBuf;

import org.umsec.sip.SipMessage;

/**
 * Finds SDES keys (RFC 4568 {@code a=crypto:} lines) in a message body, so that they are neither
 * accepted nor sent over a transport that is not TLS (R19). Looks at SDP bodies, multipart bodies
 * (which may carry SDP) and bodies without a Content-Type; the scan is a single pass over the bytes.
 */
public final class SdesGuard {
    private static final byte[] CRYPTO = "a=crypto:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private SdesGuard() {
    }

    /**
     * @param m a message
     * @return whether its body carries an {@code a=crypto} attribute
     */
    public static boolean carriesSdesKeys(SipMessage m) {
        if (m.contentLength() == 0) {
            return false;
        }
        String type = m.contentType().map(t -> t.strip().toLowerCase(Locale.ROOT)).orElse("");
        if (!type.isEmpty() && !type.startsWith("application/sdp") && !type.startsWith("multipart/")) {
            return false;
        }
        ByteBuf body = m.content();
        int start = body.readerIndex();
        int end = body.writerIndex();
        boolean lineStart = true;
        for (int i = start; i < end; i++) {
            byte b = body.getByte(i);
            if (lineStart && (b == 'a' || b == 'A') && matchesAt(body, i, end)) {
                return true;
            }
            lineStart = b == '\n' || b == '\r';
        }
        return false;
    }

    private static boolean matchesAt(ByteBuf body, int at, int end) {
        if (end - at < CRYPTO.length) {
            return false;
        }
        for (int k = 0; k < CRYPTO.length; k++) {
            int c = body.getByte(at + k);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != CRYPTO[k]) {
                return false;
            }
        }
        return true;
    }
}
