package org.umsec.sip.sdp;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An SDES {@code a=crypto} attribute (RFC 4568 §9.1):
 * <pre>
 * a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=1 UNENCRYPTED_SRTCP
 *          tag suite                 key-params: inline:base64(key||salt)[|lifetime][|MKI:length]   session-params
 * </pre>
 * Immutable. The key material is secret: {@link #toString()} does not show it ({@link #toSdpValue()}
 * does, for the wire).
 */
public final class CryptoAttribute {
    /** Session parameter: SRTCP is not encrypted (RFC 4568 §6.3.2). */
    public static final String UNENCRYPTED_SRTCP = "UNENCRYPTED_SRTCP";
    /** Session parameter: SRTP is not encrypted (RFC 4568 §6.3.3). */
    public static final String UNENCRYPTED_SRTP = "UNENCRYPTED_SRTP";
    /** Session parameter: SRTP is not authenticated (RFC 4568 §6.3.4). */
    public static final String UNAUTHENTICATED_SRTP = "UNAUTHENTICATED_SRTP";

    private final int tag;
    private final String suite;
    private final List<KeyParam> keyParams;
    private final List<String> sessionParams;

    /**
     * One {@code inline:} key parameter.
     *
     * @param keyMaterial  master key followed by master salt (copied)
     * @param lifetime     key lifetime in packets, or empty
     * @param mki          master key identifier value, or empty
     * @param mkiLength    MKI length in bytes (1..128) when {@code mki} is present, else 0
     */
    public record KeyParam(byte[] keyMaterial, OptionalLong lifetime, OptionalLong mki, int mkiLength) {
        /** Checks and copies. */
        public KeyParam {
            keyMaterial = keyMaterial.clone();
            Objects.requireNonNull(lifetime, "lifetime");
            Objects.requireNonNull(mki, "mki");
            if (mki.isPresent() && (mkiLength < 1 || mkiLength > 128)) {
                throw new IllegalArgumentException("MKI length must be 1..128: " + mkiLength);
            }
        }

        /** A key parameter with key material only. */
        public static KeyParam of(byte[] keyMaterial) {
            return new KeyParam(keyMaterial, OptionalLong.empty(), OptionalLong.empty(), 0);
        }

        /** Copy of the key material. */
        @Override
        public byte[] keyMaterial() {
            return keyMaterial.clone();
        }

        String toSdp() {
            StringBuilder sb =
                    new StringBuilder("inline:").append(Base64.getEncoder().encodeToString(keyMaterial));
            lifetime.ifPresent(l -> {
                sb.append('|');
                if (l > 0 && Long.bitCount(l) == 1) {
                    sb.append("2^").append(Long.numberOfTrailingZeros(l));
                } else {
                    sb.append(l);
                }
            });
            if (mki.isPresent()) {
                sb.append('|').append(mki.getAsLong()).append(':').append(mkiLength);
            }
            return sb.toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeyParam
                    && java.util.Arrays.equals(keyMaterial, ((KeyParam) o).keyMaterial)
                    && lifetime.equals(((KeyParam) o).lifetime)
                    && mki.equals(((KeyParam) o).mki)
                    && mkiLength == ((KeyParam) o).mkiLength;
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(keyMaterial) * 31 + lifetime.hashCode() + mki.hashCode() + mkiLength;
        }

        @Override
        public String toString() {
            return "KeyParam[" + keyMaterial.length + " bytes, lifetime=" + lifetime + ", mki=" + mki + "]";
        }
    }

    /**
     * @param tag           1 to 999999999
     * @param suite         crypto suite name
     * @param keyParams     at least one key parameter
     * @param sessionParams session parameters as written, in order
     */
    public CryptoAttribute(int tag, String suite, List<KeyParam> keyParams, List<String> sessionParams) {
        if (tag < 1 || tag > 999_999_999) {
            throw new IllegalArgumentException("tag must be 1..999999999: " + tag);
        }
        this.tag = tag;
        this.suite = Objects.requireNonNull(suite, "suite");
        if (suite.isEmpty() || keyParams.isEmpty()) {
            throw new IllegalArgumentException("suite and at least one key parameter are required");
        }
        this.keyParams = List.copyOf(keyParams);
        for (String p : sessionParams) {
            if (p.isEmpty() || p.chars().anyMatch(c -> c <= ' ')) {
                throw new IllegalArgumentException("bad session parameter: " + p);
            }
        }
        this.sessionParams = List.copyOf(sessionParams);
    }

    /**
     * Parses the value of an {@code a=crypto} attribute (after {@code crypto:}).
     *
     * @throws SdpParseException when malformed (bad tag, missing suite, key not base64, bad lifetime/MKI)
     */
    public static CryptoAttribute parse(String value) throws SdpParseException {
        String[] f = fields(value.trim());
        if (f.length < 3) {
            throw new SdpParseException("a=crypto needs tag, suite and key parameters: " + value);
        }
        int tag = (int) SdpNumbers.number(f[0], 1, 999_999_999, "a=crypto tag");
        List<KeyParam> keys = new ArrayList<>();
        for (String kp : f[2].split(";")) {
            keys.add(parseKeyParam(kp));
        }
        List<String> session = new ArrayList<>();
        for (int i = 3; i < f.length; i++) {
            String p = f[i];
            String u = p.toUpperCase(Locale.ROOT);
            if (u.startsWith("KDR=")) {
                SdpNumbers.number(p.substring(4), 0, 24, "a=crypto KDR"); // RFC 4568 §6.3.1
            } else if (u.startsWith("WSH=")) {
                SdpNumbers.number(p.substring(4), 64, Integer.MAX_VALUE, "a=crypto WSH"); // RFC 4568 §6.3.7
            }
            session.add(p);
        }
        try {
            return new CryptoAttribute(tag, f[1], keys, session);
        } catch (IllegalArgumentException e) {
            throw new SdpParseException(e.getMessage());
        }
    }

    /** The fields of a trimmed value, separated by runs of spaces and tabs (as {@code split("[ \t]+")}). */
    static String[] fields(String v) {
        List<String> out = new ArrayList<>(4);
        int i = 0;
        int n = v.length();
        while (i < n) {
            int start = i;
            while (i < n && v.charAt(i) != ' ' && v.charAt(i) != '\t') {
                i++;
            }
            out.add(v.substring(start, i));
            while (i < n && (v.charAt(i) == ' ' || v.charAt(i) == '\t')) {
                i++;
            }
        }
        if (out.isEmpty()) {
            out.add(""); // "".split(...) is [""]
        }
        return out.toArray(new String[0]);
    }

    private static KeyParam parseKeyParam(String kp) throws SdpParseException {
        if (!kp.regionMatches(true, 0, "inline:", 0, 7)) {
            throw new SdpParseException("only inline: key parameters are supported: " + kp);
        }
        String[] parts = kp.substring(7).split("\\|", -1);
        if (parts.length > 3) {
            throw new SdpParseException("too many key parameter fields: " + kp);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new SdpParseException("key is not base64");
        }
        if (key.length == 0) {
            throw new SdpParseException("empty key");
        }
        OptionalLong lifetime = OptionalLong.empty();
        OptionalLong mki = OptionalLong.empty();
        int mkiLength = 0;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int colon = p.indexOf(':');
            if (colon >= 0) {
                if (mki.isPresent()) {
                    throw new SdpParseException("two MKI fields");
                }
                // RFC 4568 §9.1: mki = mki-value ":" mki-length, the length 1..128 octets
                mkiLength = (int) SdpNumbers.number(p.substring(colon + 1), 1, 128, "a=crypto MKI length");
                long value = SdpNumbers.number(p.substring(0, colon), 0, Long.MAX_VALUE, "a=crypto MKI value");
                if (mkiLength < 8 && value >= 1L << (8 * mkiLength)) {
                    throw new SdpParseException(
                            "a=crypto MKI value " + value + " does not fit in " + mkiLength + " octets");
                }
                mki = OptionalLong.of(value);
            } else {
                if (lifetime.isPresent() || mki.isPresent()) {
                    throw new SdpParseException("lifetime must precede MKI and appear once");
                }
                lifetime = OptionalLong.of(parseLifetime(p));
            }
        }
        return new KeyParam(key, lifetime, mki, mkiLength);
    }

    private static long parseLifetime(String p) throws SdpParseException {
        // RFC 4568 §9.1: lifetime = ["2^"] 1*(DIGIT)
        if (p.startsWith("2^")) {
            return 1L << SdpNumbers.number(p.substring(2), 0, 62, "a=crypto key lifetime exponent");
        }
        return SdpNumbers.number(p, 1, Long.MAX_VALUE, "a=crypto key lifetime");
    }

    /** The tag that pairs an answer with the offered line (RFC 4568 §4). */
    public int tag() {
        return tag;
    }

    /** The suite name as written. */
    public String suite() {
        return suite;
    }

    /** The suite if it is a known one. */
    public Optional<SdesCryptoSuite> knownSuite() {
        return SdesCryptoSuite.byName(suite);
    }

    /** The key parameters (at least one). */
    public List<KeyParam> keyParams() {
        return keyParams;
    }

    /** The session parameters as written. */
    public List<String> sessionParams() {
        return sessionParams;
    }

    private boolean hasFlag(String name) {
        for (String p : sessionParams) {
            if (p.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@value #UNENCRYPTED_SRTCP} is present. */
    public boolean unencryptedSrtcp() {
        return hasFlag(UNENCRYPTED_SRTCP);
    }

    /** Whether {@value #UNENCRYPTED_SRTP} is present. */
    public boolean unencryptedSrtp() {
        return hasFlag(UNENCRYPTED_SRTP);
    }

    /** Whether {@value #UNAUTHENTICATED_SRTP} is present. */
    public boolean unauthenticatedSrtp() {
        return hasFlag(UNAUTHENTICATED_SRTP);
    }

    /**
     * The key derivation rate exponent of {@code KDR=n} (rate 2<sup>n</sup>, n in 0..24; RFC 4568 §6.3.1).
     * A malformed KDR is refused by {@link #parse(String)}; one given to the constructor reads as absent.
     *
     * @return the exponent, or empty when no (well-formed) KDR parameter is present
     */
    public OptionalInt kdr() {
        for (String p : sessionParams) {
            if (p.toUpperCase(Locale.ROOT).startsWith("KDR=") && validKdr(p)) {
                return OptionalInt.of(Integer.parseInt(p.substring(4)));
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Session parameters this implementation does not understand. RFC 4568 §6.3: an answerer must reject
     * a crypto line carrying any of them (unless prefixed {@code -}, which marks optional ones).
     */
    public List<String> unknownSessionParams() {
        List<String> out = new ArrayList<>();
        for (String p : sessionParams) {
            String u = p.toUpperCase(Locale.ROOT);
            boolean known = p.equals(UNENCRYPTED_SRTCP)
                    || p.equals(UNENCRYPTED_SRTP)
                    || p.equals(UNAUTHENTICATED_SRTP)
                    || p.startsWith("-")
                    || (u.startsWith("KDR=") && validKdr(p));
            if (!known) {
                out.add(p);
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static boolean validKdr(String p) {
        try {
            SdpNumbers.number(p.substring(4), 0, 24, "KDR");
            return true;
        } catch (SdpParseException e) {
            return false;
        }
    }

    /** The attribute value for the wire, key material included. */
    public String toSdpValue() {
        StringBuilder sb =
                new StringBuilder().append(tag).append(' ').append(suite).append(' ');
        for (int i = 0; i < keyParams.size(); i++) {
            if (i > 0) {
                sb.append(';');
            }
            sb.append(keyParams.get(i).toSdp());
        }
        for (String p : sessionParams) {
            sb.append(' ').append(p);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CryptoAttribute)) {
            return false;
        }
        CryptoAttribute c = (CryptoAttribute) o;
        return tag == c.tag
                && suite.equals(c.suite)
                && keyParams.equals(c.keyParams)
                && sessionParams.equals(c.sessionParams);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tag, suite, keyParams, sessionParams);
    }

    /** Tag, suite and parameters, with the key material hidden. */
    @Override
    public String toString() {
        // an unknown suite name is the peer's free text, like an unknown session parameter: not logged
        StringBuilder b = new StringBuilder("crypto:")
                .append(tag)
                .append(' ')
                .append(knownSuite().isPresent() ? suite : "<unknown suite>")
                .append(" inline:<")
                .append(keyParams.size())
                .append(" key(s) hidden>");
        for (String p : sessionParams) {
            b.append(' ').append(describe(p));
        }
        return b.toString();
    }

    /**
     * A session parameter for logs: the RFC 4568 §6.3 parameters whose value is not secret as written,
     * anything else (FEC_KEY carries keys; an unknown parameter may carry anything, the offer's own key
     * included) hidden.
     */
    private static String describe(String p) {
        String u = p.toUpperCase(Locale.ROOT);
        if (u.equals("UNENCRYPTED_SRTP")
                || u.equals("UNENCRYPTED_SRTCP")
                || u.equals("UNAUTHENTICATED_SRTP")
                || u.equals("FEC_ORDER=FEC_SRTP")
                || u.equals("FEC_ORDER=SRTP_FEC")) {
            return p;
        }
        if ((u.startsWith("KDR=") || u.startsWith("WSH="))
                && u.length() <= 14
                && u.substring(4).chars().allMatch(c -> c >= '0' && c <= '9')
                && u.length() > 4) {
            return p;
        }
        return u.startsWith("FEC_KEY=") ? "FEC_KEY=<hidden>" : "<session parameter hidden>";
    }
}
