package org.umsec.certs;

/** The TLS role the certificate's holder plays: it decides which key purpose is required. */
public enum PeerRole {
    /** The holder accepts connections: needs {@link KeyPurpose#SERVER_AUTH}. */
    SERVER,
    /** The holder opens connections and authenticates in mutual TLS: needs {@link KeyPurpose#CLIENT_AUTH}. */
    CLIENT
}
