package org.umsec.sip.sdp;

import java.util.Objects;

/**
 * Connection data {@code c=IN IP4 192.0.2.1} (RFC 8866 §5.7).
 *
 * @param netType  network type, {@code IN}
 * @param addrType {@code IP4} or {@code IP6}
 * @param address  connection address
 */
public record Connection(String netType, String addrType, String address) {
    /** Checks for nulls. */
    public Connection {
        Objects.requireNonNull(netType, "netType");
        Objects.requireNonNull(addrType, "addrType");
        Objects.requireNonNull(address, "address");
    }

    /** {@code IN IP4 address}. */
    public static Connection ip4(String address) {
        return new Connection("IN", "IP4", address);
    }

    @Override
    public String toString() {
        return netType + " " + addrType + " " + address;
    }
}
