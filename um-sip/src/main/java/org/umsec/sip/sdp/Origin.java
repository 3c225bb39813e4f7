package org.umsec.sip.sdp;

import java.util.Objects;

/**
 * Origin {@code o=username sess-id sess-version IN IP4 address} (RFC 8866 §5.2).
 *
 * @param username       user name, {@code -} when none
 * @param sessionId      numeric session id
 * @param sessionVersion numeric version, incremented on each change
 * @param netType        {@code IN}
 * @param addrType       {@code IP4} or {@code IP6}
 * @param address        unicast address of the originator
 */
public record Origin(
        String username, String sessionId, String sessionVersion, String netType, String addrType, String address) {
    /** Checks for nulls. */
    public Origin {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(sessionVersion, "sessionVersion");
        Objects.requireNonNull(netType, "netType");
        Objects.requireNonNull(addrType, "addrType");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public String toString() {
        return username + " " + sessionId + " " + sessionVersion + " " + netType + " " + addrType + " " + address;
    }
}
