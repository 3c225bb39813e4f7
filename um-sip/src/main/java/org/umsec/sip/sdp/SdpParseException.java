package org.umsec.sip.sdp;

/** An SDP body or attribute is malformed (RFC 8866, RFC 4568). */
public final class SdpParseException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong */
    public SdpParseException(String message) {
        super(message);
    }
}
