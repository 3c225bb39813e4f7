package org.umsec.core;

import java.util.Optional;

/**
 * Every kind of security decision umsec reports (R7), each with a stable numeric id and a default
 * {@link Severity}. Ids are part of the public contract: monitoring rules match on them, so an id is
 * never changed or reused.
 *
 * <p>Ranges: {@code 1xxx} service start (1110, 1112 and 1114 follow the Exchange application-log
 * events the document tells administrators to look for), {@code 2xxx} certificates, {@code 3xxx}
 * signalling and peers, {@code 4xxx} dialing restrictions, {@code 5xxx} SRTP, {@code 6xxx}
 * configuration ({@code 61xx} the configuration directory), {@code 7xxx} media and recordings.
 */
public enum SecurityEventType {
    /** Document event 1112: the service started in secured mode; the TLS listener on 5061 is up. */
    SERVICE_STARTED_SECURED(1112, Severity.INFO, "Service started in secured mode"),
    /** Document event 1114: the certificate needed for secured mode was found and loaded. */
    SECURED_CERTIFICATE_LOADED(1114, Severity.INFO, "Certificate for secured mode loaded"),
    /** The service started without TLS; only the TCP listener on 5060 is up. */
    SERVICE_STARTED_UNSECURED(1110, Severity.INFO, "Service started in unsecured mode"),
    /** A certificate was used for the first time: issuer, serial number and SHA-1 thumbprint (R10). */
    CERTIFICATE_IN_USE(2001, Severity.INFO, "Certificate in use"),
    /** Selection switched to a different certificate (R10). */
    CERTIFICATE_CHANGED(2002, Severity.INFO, "Certificate changed"),
    /** No valid certificate was found, so a self-signed one was generated (R9, R15). */
    CERTIFICATE_GENERATED(2003, Severity.WARNING, "Self-signed certificate generated"),
    /** The certificate in use expires within 30 days; repeated daily (R11). */
    CERTIFICATE_EXPIRING(2004, Severity.WARNING, "Certificate about to expire"),
    /** The certificate in use has expired; repeated daily (R11). */
    CERTIFICATE_EXPIRED(2005, Severity.ERROR, "Certificate expired"),
    /** A file in the certificate store could not be read and was skipped. */
    CERTIFICATE_FILE_UNREADABLE(2006, Severity.WARNING, "Certificate store file unreadable"),
    /** A certificate or trusted root was imported (R12). */
    CERTIFICATE_IMPORTED(2007, Severity.INFO, "Certificate imported"),
    /** A new selection was unusable; the previously selected certificate is kept. */
    CERTIFICATE_CANDIDATE_REJECTED(2008, Severity.WARNING, "Certificate candidate rejected"),
    /** No valid certificate is available for a listener or peer that needs one. */
    NO_VALID_CERTIFICATE(2009, Severity.ERROR, "No valid certificate"),
    /**
     * A certificate revocation list of the store is past its nextUpdate: its issuer's certificates
     * are checked against outdated information, or refused under the {@code require} revocation policy.
     */
    CRL_STALE(2010, Severity.WARNING, "Certificate revocation list past its nextUpdate"),
    /**
     * The pinned server certificate ({@code server.certificate}) is missing or invalid: start-up fails,
     * or a running server keeps the certificate in use.
     */
    CERTIFICATE_PIN_FAILED(2011, Severity.ERROR, "Pinned certificate missing or invalid"),
    /**
     * A switch of the certificate in use was refused and the current one kept: a downgrade to a lower
     * selection tier (CA-issued to self-signed) not allowed by configuration, or generation of a
     * self-signed certificate while a store file (a private key) is unreadable.
     */
    CERTIFICATE_SWITCH_REFUSED(2012, Severity.WARNING, "Certificate switch refused"),
    /** A mutual-TLS negotiation failed (R16); the call is rejected. */
    TLS_HANDSHAKE_FAILED(3001, Severity.ERROR, "Mutual TLS negotiation failed"),
    /** A peer not on the trusted gateway list was refused (R5, R17). */
    UNTRUSTED_PEER_REFUSED(3002, Severity.WARNING, "Untrusted peer refused"),
    /** A call was rejected because no valid certificate was available (R7). */
    CALL_REJECTED_NO_CERTIFICATE(3003, Severity.ERROR, "Call rejected: no valid certificate"),
    /** SDP security descriptions were refused because the signalling was not over TLS (R19). */
    SDES_REFUSED_INSECURE_TRANSPORT(3004, Severity.WARNING, "SDES keys refused on insecure transport"),
    /** A call arrived in a mode other than its dial plan's mode. */
    CALL_REJECTED_WRONG_MODE(3005, Severity.WARNING, "Call rejected: wrong security mode"),
    /** Something weaker than the default was enabled explicitly (for example wildcard trust entries). */
    INSECURE_OPTION_ENABLED(3010, Severity.WARNING, "Insecure option enabled"),
    /**
     * A request inside a dialog was refused without touching the call: it matched no dialog, or came
     * from another peer or over a weaker transport than the dialog was created with (RFC 3261 §12).
     */
    DIALOG_REQUEST_REFUSED(3020, Severity.WARNING, "In-dialog request refused"),
    /** A call was refused because a limit was reached (calls per gateway, calls in total). */
    CALL_LIMIT_REACHED(3021, Severity.WARNING, "Call refused: limit reached"),
    /**
     * A call was refused with 503 because no RTP/RTCP port pair was free in the configured media port
     * range ({@code media.portRange}); the range is exhausted from outside or too small for the load.
     */
    MEDIA_PORTS_EXHAUSTED(3022, Severity.WARNING, "Call refused: media port range exhausted"),
    /** One peer reached its share of a bounded resource (server transactions); the excess got 503 (R28). */
    PEER_LIMIT_REACHED(3023, Severity.WARNING, "Per-peer limit reached"),
    /**
     * New calls were refused with 503 and Retry-After because the server is beyond its capacity: initial
     * INVITEs waited too long for the signalling thread, or too many answered calls await their ACK. The
     * refusal is sent before any transaction, dialog or media work; one event per second at most, with
     * the number refused since the previous one.
     */
    SERVER_OVERLOADED(3101, Severity.WARNING, "New calls refused: server overloaded"),
    /**
     * A request carried an edge-proxy gateway assertion ({@code X-Umsec-Gateway}) but did not come from a
     * configured edge proxy over mutual TLS: the header was ignored and the request judged by its real
     * sender (a gateway or attacker trying to pass for another gateway).
     */
    EDGE_ASSERTION_IGNORED(3201, Severity.WARNING, "Edge proxy assertion from a non-proxy ignored"),
    /**
     * A configured edge proxy asserted a gateway the server does not accept: unknown, not trusted on the
     * mutual-TLS listener (a gateway of an Unsecured dial plan), malformed, repeated, or missing on a call;
     * the request was refused with 403.
     */
    EDGE_ASSERTION_REFUSED(3202, Severity.WARNING, "Edge proxy assertion refused"),
    /** An outgoing call was blocked by dialing restrictions (R6). */
    DIALING_RESTRICTION_BLOCKED(4001, Severity.WARNING, "Call blocked by dialing restrictions"),
    /** An SRTP master key is close to its packet limit (RFC 3711 §9.2). */
    SRTP_KEY_LIMIT_NEAR(5001, Severity.WARNING, "SRTP key lifetime nearly reached"),
    /** An SRTP master key reached its packet limit; no more packets are protected with it. */
    SRTP_KEY_LIMIT_REACHED(5002, Severity.ERROR, "SRTP key lifetime reached"),
    /** The SDES keys of a call changed mid-call (re-INVITE or UPDATE with a new {@code a=crypto}). */
    SRTP_REKEYED(5003, Severity.INFO, "SRTP keys changed mid-call"),
    /** A recording reached its size limit ({@code voicemail.maxBytes}); the call was ended. */
    RECORDING_LIMIT_REACHED(7001, Severity.WARNING, "Recording size limit reached"),
    /** A new call was refused (503) because the recordings' disk is below {@code voicemail.minFreeBytes}. */
    RECORDING_DISK_LOW(7002, Severity.ERROR, "Recording disk space low: call refused"),
    /** A configuration was validated and applied. */
    CONFIGURATION_APPLIED(6001, Severity.INFO, "Configuration applied"),
    /** A configuration was rejected; the previous one stays in force. */
    CONFIGURATION_REJECTED(6002, Severity.ERROR, "Configuration rejected"),
    /**
     * The configuration directory ({@link ConfigSource}, for example LDAP) cannot be reached, read or
     * trusted (connection refused, bind or TLS refused): the running configuration stays as it was
     * last read. Raised once per outage.
     */
    DIRECTORY_UNAVAILABLE(6101, Severity.ERROR, "Configuration directory unavailable"),
    /** The configuration directory can be read again after {@link #DIRECTORY_UNAVAILABLE}; its content is re-read. */
    DIRECTORY_RECOVERED(6102, Severity.INFO, "Configuration directory available again"),
    /**
     * A change in the configuration directory does not check out (the same rules as a file edit); it
     * was refused with every problem, each naming the entry it is about, and the running configuration stays.
     */
    DIRECTORY_CHANGE_REFUSED(6103, Severity.ERROR, "Configuration directory change refused");

    private final int id;
    private final Severity defaultSeverity;
    private final String description;

    SecurityEventType(int id, Severity defaultSeverity, String description) {
        this.id = id;
        this.defaultSeverity = defaultSeverity;
        this.description = description;
    }

    /**
     * Returns the stable numeric id.
     *
     * @return the id, unique among all types
     */
    public int id() {
        return id;
    }

    /**
     * Returns the severity an event of this type has unless its builder overrides it.
     *
     * @return the default severity
     */
    public Severity defaultSeverity() {
        return defaultSeverity;
    }

    /**
     * Returns a short English description, used as the message of an event built without one.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /**
     * Looks a type up by its numeric id.
     *
     * @param id the id
     * @return the type, or empty if no type has that id
     */
    public static Optional<SecurityEventType> byId(int id) {
        for (SecurityEventType t : values()) {
            if (t.id == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
