package org.umsec.sip.codec;

/** Thrown by {@link SipMessageParser} for a rejected message; carries the {@link SipDecodeError}. */
public final class SipDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient SipDecodeError error;

    /** @param error why the message was rejected */
    public SipDecodeException(SipDecodeError error) {
        super(error.toString());
        this.error = error;
    }

    /** Why the message was rejected, with the response to send. */
    public SipDecodeError error() {
        return error;
    }
}
