package org.umsec.srtp;

/**
 * Negative status codes returned by the packet methods of {@link SrtpSession} instead of a length.
 *
 * <p>Every packet method returns either a non-negative packet length (success) or one of these
 * constants. Rejections are expected on the network and are never thrown: a failed call leaves the
 * session, its per-SSRC state and the replay windows unchanged (the buffer contents may have been
 * read but are not modified on the rejection paths of unprotect; protect fails before writing).
 */
public final class SrtpStatus {

    /** The authentication tag did not verify: forged, corrupted, or protected with another key. */
    public static final int AUTH_FAILED = -1;
    /** The packet index was already received (replay window hit). */
    public static final int REPLAYED = -2;
    /** The packet index is older than the replay window covers; it cannot be checked, so it is dropped. */
    public static final int TOO_OLD = -3;
    /** The SSRC is not configured in this session, or the session's stream limit is reached. */
    public static final int UNKNOWN_SSRC = -4;
    /** The MKI carried by the packet names no master key of this session. */
    public static final int BAD_MKI = -5;
    /** The packet is too short, not RTP/RTCP version 2, or its header runs past its end. */
    public static final int MALFORMED = -6;
    /** protect: the buffer has no room after the packet for the MKI and tag (and SRTCP index). */
    public static final int BUFFER_TOO_SMALL = -7;
    /** The master key reached its lifetime (2^48 SRTP or 2^31 SRTCP packets, or the policy's limit). */
    public static final int KEY_EXPIRED = -8;
    /** The packet index cannot advance any further (ROC at 2^32 - 1 and sequence wrapped, or SRTCP index 2^31). */
    public static final int INDEX_EXHAUSTED = -9;

    private SrtpStatus() {}

    /**
     * Returns a stable name for a status code, for logs and metrics.
     *
     * @param status a value returned by a packet method
     * @return {@code "OK"} for non-negative values, the constant's name for known codes, else
     *     {@code "UNKNOWN"}
     */
    public static String name(int status) {
        if (status >= 0) {
            return "OK";
        }
        switch (status) {
            case AUTH_FAILED:
                return "AUTH_FAILED";
            case REPLAYED:
                return "REPLAYED";
            case TOO_OLD:
                return "TOO_OLD";
            case UNKNOWN_SSRC:
                return "UNKNOWN_SSRC";
            case BAD_MKI:
                return "BAD_MKI";
            case MALFORMED:
                return "MALFORMED";
            case BUFFER_TOO_SMALL:
                return "BUFFER_TOO_SMALL";
            case KEY_EXPIRED:
                return "KEY_EXPIRED";
            case INDEX_EXHAUSTED:
                return "INDEX_EXHAUSTED";
            default:
                return "UNKNOWN";
        }
    }
}
