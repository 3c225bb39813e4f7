package org.umsec.sip;

import java.util.Objects;

/**
 * The CSeq header field (RFC 3261 §20.16): a sequence number below 2<sup>31</sup> and the request method.
 *
 * @param sequence sequence number, 0 to 2<sup>31</sup>-1
 * @param method   request method, case-sensitive
 */
public record CSeq(long sequence, String method) {
    /** Largest legal sequence number (RFC 3261 §8.1.1.5). */
    public static final long MAX_SEQUENCE = 0x7FFF_FFFFL;

    /** Checks the range and the method token. */
    public CSeq {
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            throw new IllegalArgumentException("CSeq out of range: " + sequence);
        }
        Objects.requireNonNull(method, "method");
        if (method.isEmpty()) {
            throw new IllegalArgumentException("empty CSeq method");
        }
    }

    /** Wire form, such as {@code 1 INVITE}. */
    @Override
    public String toString() {
        return sequence + " " + method;
    }
}
