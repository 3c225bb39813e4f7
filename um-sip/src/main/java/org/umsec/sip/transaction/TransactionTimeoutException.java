package org.umsec.sip.transaction;

/** A client transaction got no final response before Timer B (INVITE) or Timer F (others) fired. */
public final class TransactionTimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message which timer and request */
    public TransactionTimeoutException(String message) {
        super(message);
    }
}
