package org.umsec.sip.transaction;

import org.umsec.sip.SipResponse;

/**
 * Receives every response of a client transaction, provisional ones included, on the transport's I/O
 * thread (do not block). The response is a copy that needs no release.
 */
@FunctionalInterface
public interface ResponseListener {
    /** No-op listener. */
    ResponseListener IGNORE = r -> {};

    /** A response (1xx or final) matched this transaction. */
    void onResponse(SipResponse response);
}
