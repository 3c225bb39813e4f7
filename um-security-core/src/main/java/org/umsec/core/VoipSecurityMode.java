package org.umsec.core;

import java.util.Objects;

/**
 * The VoIP security setting of a Unified Messaging dial plan (Exchange 2010 {@code VoIPSecurity},
 * requirement R1). Every call is served in the mode of the dial plan it belongs to; one server can
 * serve dial plans of different modes at the same time (R2).
 *
 * <table class="striped">
 *   <caption>What each mode implies</caption>
 *   <thead><tr><th>Mode</th><th>Signalling</th><th>Media</th><th>Port</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@code Unsecured}</td><td>SIP over TCP</td><td>RTP in clear</td><td>5060</td></tr>
 *     <tr><td>{@code SIPSecured}</td><td>SIP over mutual TLS</td><td>RTP in clear</td><td>5061</td></tr>
 *     <tr><td>{@code Secured}</td><td>SIP over mutual TLS</td>
 *         <td>SRTP, keys in SDP security descriptions (RFC 4568) inside the TLS signalling</td>
 *         <td>5061</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>A new dial plan is {@link #UNSECURED} unless told otherwise. In the TLS modes a gateway must be
 * configured by FQDN on port {@value #SECURED_PORT} (R4), because the peer is identified by the name in
 * its certificate.
 *
 * <pre>{@code
 * VoipSecurityMode mode = VoipSecurityMode.parse("SIPSecured");
 * mode.signallingTransport();   // TLS
 * mode.mediaEncrypted();        // false
 * mode.defaultPort();           // 5061
 * }</pre>
 */
public enum VoipSecurityMode {
    /** SIP over TCP, RTP in clear. The default for a new dial plan. */
    UNSECURED("Unsecured", SignallingTransport.TCP, false),
    /** SIP over mutual TLS; media (RTP) not encrypted. */
    SIP_SECURED("SIPSecured", SignallingTransport.TLS, false),
    /** SIP over mutual TLS and media over SRTP, keyed through SDP security descriptions (RFC 4568). */
    SECURED("Secured", SignallingTransport.TLS, true);

    /** The well-known SIP port for TCP (and UDP), RFC 3261 §19.1.2. */
    public static final int UNSECURED_PORT = 5060;
    /** The well-known SIP port for TLS, RFC 3261 §19.1.2. */
    public static final int SECURED_PORT = 5061;

    private final String displayName;
    private final SignallingTransport transport;
    private final boolean mediaEncrypted;

    VoipSecurityMode(String displayName, SignallingTransport transport, boolean mediaEncrypted) {
        this.displayName = displayName;
        this.transport = transport;
        this.mediaEncrypted = mediaEncrypted;
    }

    /**
     * Returns the transport that carries the signalling in this mode.
     *
     * @return {@link SignallingTransport#TCP} for {@link #UNSECURED}, otherwise {@link SignallingTransport#TLS}
     */
    public SignallingTransport signallingTransport() {
        return transport;
    }

    /**
     * Returns whether both ends must authenticate with certificates.
     *
     * @return {@code true} for {@link #SIP_SECURED} and {@link #SECURED}
     */
    public boolean mutualTls() {
        return transport == SignallingTransport.TLS;
    }

    /**
     * Returns whether media travels as SRTP.
     *
     * @return {@code true} for {@link #SECURED} only
     */
    public boolean mediaEncrypted() {
        return mediaEncrypted;
    }

    /**
     * Returns the port a server listens on, and a gateway must use, for this mode.
     *
     * @return {@value #UNSECURED_PORT} for {@link #UNSECURED}, {@value #SECURED_PORT} otherwise
     */
    public int defaultPort() {
        return mutualTls() ? SECURED_PORT : UNSECURED_PORT;
    }

    /**
     * Returns the name Exchange uses for this mode.
     *
     * @return {@code "Unsecured"}, {@code "SIPSecured"} or {@code "Secured"}
     */
    public String displayName() {
        return displayName;
    }

    /**
     * Parses a mode from its Exchange display name ({@code SIPSecured}) or its enum name
     * ({@code SIP_SECURED}), ignoring case and surrounding white space.
     *
     * @param s the text to parse
     * @return the mode
     * @throws NullPointerException if {@code s} is null
     * @throws IllegalArgumentException if {@code s} names no mode; the message lists the allowed values
     */
    public static VoipSecurityMode parse(String s) {
        Objects.requireNonNull(s, "VoIP security mode must not be null");
        String t = s.strip();
        for (VoipSecurityMode m : values()) {
            if (m.displayName.equalsIgnoreCase(t) || m.name().equalsIgnoreCase(t)) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "Unknown VoIP security mode '" + s + "'; expected one of Unsecured, SIPSecured, Secured");
    }
}
