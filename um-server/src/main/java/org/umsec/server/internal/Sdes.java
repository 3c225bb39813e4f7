package org.umsec.server.internal;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.SdesCryptoSuite;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSuite;

/**
 * Glue between um-sip's SDES attributes ({@link CryptoAttribute}, {@link SdesCryptoSuite}) and
 * um-srtp's keys and suites ({@link SrtpMasterKey}, {@link SrtpSuite#fromSdesName}): um-sip knows
 * the names and key lengths, um-srtp the ciphers; the server needs both sides of each line.
 */
public final class Sdes {

    /** The SDES suites whose SRTP um-srtp implements: what the server can answer. */
    public static final Set<SdesCryptoSuite> SUPPORTED = supported();

    private Sdes() {
    }

    private static Set<SdesCryptoSuite> supported() {
        Set<SdesCryptoSuite> s = EnumSet.noneOf(SdesCryptoSuite.class);
        for (SdesCryptoSuite c : SdesCryptoSuite.values()) {
            if (SrtpSuite.fromSdesName(c.suiteName()).isPresent()) {
                s.add(c);
            }
        }
        return Set.copyOf(s);
    }

    /**
     * @param c a crypto line
     * @return its suite, when um-srtp implements it
     */
    public static Optional<SrtpSuite> suite(CryptoAttribute c) {
        return SrtpSuite.fromSdesName(c.suite());
    }

    /**
     * The first master key of a line (key, salt and MKI).
     *
     * @param c a crypto line whose key length fits {@code suite}
     * @param suite its suite
     * @return the key
     * @throws IllegalArgumentException when the key material does not fit the suite or the MKI is bad
     */
    public static SrtpMasterKey masterKey(CryptoAttribute c, SrtpSuite suite) {
        CryptoAttribute.KeyParam k = c.keyParams().get(0);
        byte[] km = k.keyMaterial();
        if (km.length != suite.masterKeyLength() + suite.masterSaltLength()) {
            throw new IllegalArgumentException("key is " + km.length + " bytes, " + suite.sdesName() + " needs "
                    + (suite.masterKeyLength() + suite.masterSaltLength()));
        }
        byte[] key = Arrays.copyOfRange(km, 0, suite.masterKeyLength());
        byte[] salt = Arrays.copyOfRange(km, suite.masterKeyLength(), km.length);
        if (k.mki().isPresent()) {
            return SrtpMasterKey.of(key, salt, k.mki().getAsLong(), k.mkiLength());
        }
        return SrtpMasterKey.of(key, salt);
    }

    /**
     * A crypto line carrying one key (for offers and answers).
     *
     * @param tag the tag
     * @param suite the suite
     * @param key the master key (its MKI, if any, is not written)
     * @return the line
     */
    public static CryptoAttribute line(int tag, SrtpSuite suite, SrtpMasterKey key) {
        byte[] k = key.key();
        byte[] s = key.salt();
        byte[] ks = Arrays.copyOf(k, k.length + s.length);
        System.arraycopy(s, 0, ks, k.length, s.length);
        return new CryptoAttribute(tag, suite.sdesName(), List.of(CryptoAttribute.KeyParam.of(ks)), List.of());
    }

    /**
     * Why the server cannot use a line, for the reason phrase of a 488.
     *
     * @param c an offered line
     * @return a short explanation
     */
    public static String problem(CryptoAttribute c) {
        Optional<SrtpSuite> s = suite(c);
        if (s.isEmpty() || c.knownSuite().map(k -> !SUPPORTED.contains(k)).orElse(true)) {
            return "unsupported suite " + c.suite();
        }
        if (!c.sessionParams().isEmpty()) {
            return "session parameters not accepted: " + String.join(" ", c.sessionParams());
        }
        int need = s.get().masterKeyLength() + s.get().masterSaltLength();
        for (CryptoAttribute.KeyParam k : c.keyParams()) {
            if (k.keyMaterial().length != need) {
                return "key is " + k.keyMaterial().length + " bytes, " + c.suite() + " needs " + need;
            }
        }
        return "not acceptable";
    }
}
