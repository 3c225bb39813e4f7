package org.umsec.sip.sdp;

import java.util.Objects;

/**
 * An {@code a=crypto} line that is well-formed but cannot become an SRTP policy
 * ({@link SdesSrtp#policy(CryptoAttribute)}). Its {@link #reason()} says which part was refused; the message
 * says why, without key material. An answerer refuses such a line (RFC 4568 §7.1.2: answer another line, or
 * 488 when none is usable).
 */
public final class SdesPolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Which part of the line was refused. */
    public enum Reason {
        /** The crypto suite is not one um-srtp implements. */
        UNSUPPORTED_SUITE,
        /** The key material is not the suite's master key plus master salt length. */
        KEY_LENGTH,
        /** Several keys without distinct MKIs of one length, or an MKI that does not fit. */
        MKI,
        /** A session parameter that um-srtp cannot honour (KDR, FEC, UNAUTHENTICATED_SRTP, unknown). */
        SESSION_PARAMETER
    }

    private final Reason reason;

    /**
     * @param reason  which part was refused
     * @param message why, without key material
     */
    public SdesPolicyException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Which part of the line was refused. */
    public Reason reason() {
        return reason;
    }
}
