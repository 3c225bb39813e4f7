package org.umsec.sip;

/**
 * A header the caller asked for is missing or malformed. Messages from {@code SipMessageDecoder} with
 * validation on (the default) have well-formed Via, From, To, Call-ID, CSeq, Contact, Route,
 * Record-Route, Max-Forwards, Content-Type and Content-Length, so their typed accessors do not throw.
 */
public final class SipParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong */
    public SipParseException(String message) {
        super(message);
    }
}
