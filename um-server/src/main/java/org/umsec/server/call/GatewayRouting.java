package org.umsec.server.call;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.umsec.core.CertificateIdentity;
import org.umsec.core.IpGateway;
import org.umsec.core.TrustList;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.transport.TlsSessionInfo;
import org.umsec.sip.transport.TransportConnection;

/**
 * Which configured gateways a signalling connection may be, and in which mode each one's dial plan puts
 * its calls. The only class of the call layer that reads the gateway and dial-plan model of the
 * configuration: everything else works with {@link Route}. Built once per configuration (per-gateway
 * trust lists); immutable.
 */
final class GatewayRouting {

    /**
     * A gateway a connection matched.
     *
     * @param gateway its name
     * @param dialPlan its dial plan's name
     * @param mode the dial plan's VoIP security mode
     */
    record Route(String gateway, String dialPlan, VoipSecurityMode mode) {}

    private final ServerConfiguration config;
    private final Map<IpGateway, TrustList> lists = new IdentityHashMap<>();

    GatewayRouting(ServerConfiguration config) {
        this.config = config;
        for (IpGateway g : config.gateways()) {
            TrustList.Builder b = TrustList.builder();
            g.fqdn().ifPresent(b::add);
            g.address().ifPresent(a -> b.add(a.getHostAddress()));
            lists.put(g, b.build());
        }
    }

    /** @return whether this routing was built from {@code c} */
    boolean isFor(ServerConfiguration c) {
        return config == c;
    }

    /**
     * @param c a connection
     * @return the gateways it may be, in configuration order: by certificate identity on TLS (R17), by
     *     source address on TCP (R5)
     */
    List<Route> candidates(TransportConnection c) {
        Optional<CertificateIdentity> identity = c.tls().map(TlsSessionInfo::peerIdentity);
        List<Route> out = new ArrayList<>();
        for (IpGateway g : config.gateways()) {
            TrustList t = lists.get(g);
            boolean match = c.isSecure()
                    ? identity.isPresent() && t.matchCertificate(identity.get()).isPresent()
                    : t.isTrustedAddress(c.remoteAddress().getAddress());
            if (match) {
                out.add(new Route(g.name(), g.dialPlan(), config.modeOf(g)));
            }
        }
        return out;
    }

    /**
     * @param gateway a gateway name an edge proxy asserted (normalised host name)
     * @return the gateways whose FQDN it is, in configuration order, as if the gateway's own certificate
     *     had named it (R17); empty when no gateway has that FQDN
     */
    List<Route> asserted(String gateway) {
        CertificateIdentity identity = CertificateIdentity.of(List.of(gateway), List.of(), Optional.empty());
        List<Route> out = new ArrayList<>();
        for (IpGateway g : config.gateways()) {
            if (g.fqdn().isPresent() && lists.get(g).matchCertificate(identity).isPresent()) {
                out.add(new Route(g.name(), g.dialPlan(), config.modeOf(g)));
            }
        }
        return out;
    }
}
