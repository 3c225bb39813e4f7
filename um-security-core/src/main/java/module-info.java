/**
 * The domain model of umsec: Exchange 2010 Unified Messaging VoIP security modes, dial plans,
 * IP gateways, servers, the trusted gateway list, start-up mode resolution, dialing rules and
 * security events. Depends on the JDK only.
 */
module org.umsec.core {
    exports org.umsec.core;
}
