package org.umsec.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Resolves a gateway's FQDN to its addresses, so that a {@link TrustList} can recognise a plain TCP
 * connection (which presents no certificate) from a trusted gateway configured by name. Injectable
 * so that tests and applications control DNS: a resolver may cache, pin or refuse lookups.
 */
@FunctionalInterface
public interface AddressResolver {
    /**
     * Resolves a host name.
     *
     * @param fqdn a normalised host name (lower case, no trailing dot)
     * @return its addresses; an empty list means none
     * @throws UnknownHostException if the name cannot be resolved
     */
    List<InetAddress> resolve(String fqdn) throws UnknownHostException;

    /**
     * Returns the resolver backed by the JDK ({@link InetAddress#getAllByName(String)}), which uses
     * the operating system's resolver and the JDK's address cache.
     *
     * @return the system resolver
     */
    static AddressResolver system() {
        return fqdn -> List.of(InetAddress.getAllByName(fqdn));
    }
}
