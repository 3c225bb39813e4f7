package org.umsec.sip.transport;

import java.util.List;

/**
 * Named TLS protocol and cipher-suite presets. Every preset offers forward-secret AEAD suites only
 * (ECDHE with AES-GCM or ChaCha20-Poly1305); CBC, RSA key transport, 3DES, RC4 and anything before
 * TLS 1.2 are never offered.
 */
public enum TlsPolicy {
    /**
     * TLS 1.3 and TLS 1.2 (default): talks to the gateways and PBXs of the last decade; TLS 1.2 is
     * limited to ECDHE AEAD suites.
     */
    COMPATIBLE(List.of("TLSv1.3", "TLSv1.2")),
    /** TLS 1.3 only: the smallest attack surface, but refuses TLS 1.2-only devices. */
    TLS13_ONLY(List.of("TLSv1.3"));

    private static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    private static final List<String> TLS12_SUITES = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final List<String> protocols;

    TlsPolicy(List<String> protocols) {
        this.protocols = protocols;
    }

    /** @return the protocol versions offered, strongest first ({@code TLSv1.3}, {@code TLSv1.2}) */
    public List<String> protocols() {
        return protocols;
    }

    /** @return the cipher suites offered (IANA names), in preference order */
    public List<String> cipherSuites() {
        if (this == TLS13_ONLY) {
            return TLS13_SUITES;
        }
        java.util.ArrayList<String> all = new java.util.ArrayList<>(TLS13_SUITES);
        all.addAll(TLS12_SUITES);
        return List.copyOf(all);
    }
}
