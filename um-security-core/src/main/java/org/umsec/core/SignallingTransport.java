package org.umsec.core;

/**
 * The transport that carries SIP signalling between a Unified Messaging server and an IP gateway,
 * IP PBX or another server.
 *
 * <ul>
 *   <li>{@link #TCP}: plain SIP over TCP (RFC 3261 §18), default port 5060. Used by
 *       {@link VoipSecurityMode#UNSECURED} dial plans; anyone on the network path can read and
 *       forge the signalling.</li>
 *   <li>{@link #TLS}: SIP over mutual TLS, default port 5061. Both ends present certificates and
 *       each checks the other's identity (RFC 5922). Used by {@link VoipSecurityMode#SIP_SECURED}
 *       and {@link VoipSecurityMode#SECURED} dial plans.</li>
 * </ul>
 */
public enum SignallingTransport {
    /** SIP over plain TCP; default port {@value VoipSecurityMode#UNSECURED_PORT}. */
    TCP,
    /** SIP over mutually authenticated TLS 1.2+; default port {@value VoipSecurityMode#SECURED_PORT}. */
    TLS
}
