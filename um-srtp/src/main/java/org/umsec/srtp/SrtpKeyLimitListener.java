package org.umsec.srtp;

/**
 * Told when a master key approaches or reaches its lifetime (RFC 3711 §9.2: at most 2^48 SRTP and
 * 2^31 SRTCP packets per master key, or less if the policy says so).
 *
 * <p>The soft limit is the moment to re-key (a new SDES offer with a new key, or a new MKI); at
 * the hard limit the session refuses the key with {@link SrtpStatus#KEY_EXPIRED}, because reusing
 * a key beyond its lifetime would repeat keystream. Called on the packet-processing thread, once
 * per limit and key; implementations should be quick and must not call back into the session.
 */
@FunctionalInterface
public interface SrtpKeyLimitListener {

    /** Which limit was reached. */
    enum Limit {
        /** SRTP packets: the warning threshold was reached. */
        SRTP_SOFT,
        /** SRTP packets: the lifetime is used up. */
        SRTP_HARD,
        /** SRTCP packets: the warning threshold was reached. */
        SRTCP_SOFT,
        /** SRTCP packets: the lifetime is used up. */
        SRTCP_HARD
    }

    /**
     * A limit was reached.
     *
     * @param session the session whose key it is
     * @param limit which limit
     * @param masterKeyIndex the position of the master key in {@link SrtpPolicy#masterKeys()}
     * @param packets packets processed with the key so far
     */
    void limitReached(SrtpSession session, Limit limit, int masterKeyIndex, long packets);
}
