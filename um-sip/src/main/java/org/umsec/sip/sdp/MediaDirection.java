package org.umsec.sip.sdp;

import java.util.Locale;

/** Media direction attributes (RFC 8866 §6.7, RFC 3264 §5.1); {@link #SENDRECV} when none is given. */
public enum MediaDirection {
    SENDRECV,
    SENDONLY,
    RECVONLY,
    INACTIVE;

    /** The attribute name, such as {@code sendrecv}. */
    public String attributeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The direction an answerer uses for an offered one (RFC 3264 §6.1). */
    public MediaDirection answerTo() {
        switch (this) {
            case SENDONLY:
                return RECVONLY;
            case RECVONLY:
                return SENDONLY;
            default:
                return this;
        }
    }
}
