package org.umsec.srtp.internal;

/** A source of session keys by RFC 3711 §4.3 label: normally {@link Kdf}. */
@FunctionalInterface
public interface KeyDerivation {

    /**
     * Derives key material.
     *
     * @param label the key derivation label (0x00..0x05)
     * @param length octets wanted
     * @return a new array of {@code length} octets
     */
    byte[] derive(int label, int length);
}
