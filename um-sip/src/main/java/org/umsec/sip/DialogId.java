package org.umsec.sip;

import java.util.Objects;

/**
 * A dialog identifier: Call-ID, local tag and remote tag (RFC 3261 §12). At the UAS the local tag is the
 * To tag and the remote tag the From tag; at the UAC it is the other way round.
 *
 * @param callId    the Call-ID
 * @param localTag  this side's tag
 * @param remoteTag the peer's tag (empty for RFC 2543 peers that send none)
 */
public record DialogId(String callId, String localTag, String remoteTag) {
    /** Checks for nulls. */
    public DialogId {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(localTag, "localTag");
        Objects.requireNonNull(remoteTag, "remoteTag");
    }

    /**
     * The dialog a request belongs to, seen by the UAS that received it.
     *
     * @throws IllegalArgumentException when the request has no To tag (it is not inside a dialog)
     */
    public static DialogId atUas(SipRequest request) {
        String local = request.to().tag().orElseThrow(() -> new IllegalArgumentException("request has no To tag"));
        return new DialogId(request.callId(), local, request.from().tag().orElse(""));
    }

    /**
     * The dialog a response establishes or belongs to, seen by the UAC that received it.
     *
     * @throws IllegalArgumentException when the response has no To tag
     */
    public static DialogId atUac(SipResponse response) {
        String remote = response.to().tag().orElseThrow(() -> new IllegalArgumentException("response has no To tag"));
        return new DialogId(response.callId(), response.from().tag().orElse(""), remote);
    }
}
