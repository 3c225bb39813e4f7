package org.umsec.server.pcap;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * One UDP datagram found in a capture file.
 *
 * @param time capture time stamp
 * @param source source address and port
 * @param destination destination address and port
 * @param payload the UDP payload (owned by this value; not copied again)
 */
public record UdpDatagram(Instant time, InetSocketAddress source, InetSocketAddress destination, byte[] payload) {
    /** Checks the components. */
    public UdpDatagram {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(payload, "payload");
    }
}
