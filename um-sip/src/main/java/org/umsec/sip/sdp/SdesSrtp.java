package org.umsec.sip.sdp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSuite;
import org.umsec.srtp.replay.ReplayWindow;

/**
 * The bridge from SDP security descriptions (RFC 4568) to um-srtp: a negotiated {@code a=crypto} line becomes
 * the {@link SrtpPolicy} that protects or unprotects the stream it keys, in one call.
 *
 * <pre>{@code
 * SdesNegotiator.Selection sel = SdesNegotiator.answer(offer.audio().get().cryptos(),
 *         EnumSet.allOf(SdesCryptoSuite.class), random).orElseThrow();   // else answer 488
 * SrtpSession rx = SrtpSession.inbound(SdesSrtp.policy(sel.offered()));  // the caller's key
 * SrtpSession tx = SrtpSession.outbound(SdesSrtp.policy(sel.answer()));  // ours, sent in the answer
 * }</pre>
 *
 * <p>What each part of the line becomes (RFC 4568 §6.1, §6.3):
 * <ul>
 *   <li>suite: the {@link SrtpSuite} of that SDES name ({@link SrtpSuite#fromSdesName}); others are refused
 *       ({@link SdesPolicyException.Reason#UNSUPPORTED_SUITE});
 *   <li>each {@code inline:} key: a master key and salt of exactly the suite's lengths
 *       ({@link SdesPolicyException.Reason#KEY_LENGTH}), with its MKI when given; several keys need distinct
 *       MKIs of one length ({@link SdesPolicyException.Reason#MKI});
 *   <li>lifetime: the policy's key lifetime (the shortest of the keys', capped at the RFC 3711 maxima of 2^48
 *       SRTP and 2^31 SRTCP packets: a shorter lifetime is always safe);
 *   <li>{@code UNENCRYPTED_SRTCP} and {@code UNENCRYPTED_SRTP}: honoured (the sender does not encrypt);
 *       whether to accept them at all is the negotiator's decision ({@link SdesNegotiator} refuses
 *       {@code UNENCRYPTED_SRTP});
 *   <li>{@code WSH}: the replay window, rounded up to a power of two within
 *       {@value ReplayWindow#MIN_SIZE}..{@value ReplayWindow#MAX_SIZE};
 *   <li>{@code KDR} (any value: even {@code KDR=0} asks for re-derivation every packet), {@code FEC_ORDER},
 *       {@code FEC_KEY}, {@code UNAUTHENTICATED_SRTP} and unknown mandatory parameters are refused
 *       ({@link SdesPolicyException.Reason#SESSION_PARAMETER}); unknown parameters marked optional with a
 *       leading {@code -} are ignored.
 * </ul>
 * Stateless and thread-safe.
 */
public final class SdesSrtp {
    private SdesSrtp() {}

    /**
     * The SRTP policy an {@code a=crypto} line describes.
     *
     * @param line a parsed line (the offerer's for its stream, or the answerer's for its own)
     * @return the policy
     * @throws SdesPolicyException when the line cannot be honoured, with the reason
     */
    public static SrtpPolicy policy(CryptoAttribute line) throws SdesPolicyException {
        return policyBuilder(line).build();
    }

    /**
     * A policy builder set up from an {@code a=crypto} line, for adding what the line does not carry (a key
     * limit listener, SSRCs, a stream limit).
     *
     * @param line a parsed line
     * @return the builder, with the keys, lifetime and session parameters of the line
     * @throws SdesPolicyException when the line cannot be honoured, with the reason
     */
    public static SrtpPolicy.Builder policyBuilder(CryptoAttribute line) throws SdesPolicyException {
        Objects.requireNonNull(line, "line");
        SrtpSuite suite = SrtpSuite.fromSdesName(line.suite())
                .orElseThrow(() -> new SdesPolicyException(
                        SdesPolicyException.Reason.UNSUPPORTED_SUITE,
                        "unsupported suite " + SdpNumbers.shorten(line.suite())));
        SrtpPolicy.Builder b = SrtpPolicy.builder(suite);
        int need = suite.masterKeyLength() + suite.masterSaltLength();
        long lifetime = Long.MAX_VALUE;
        for (CryptoAttribute.KeyParam k : line.keyParams()) {
            byte[] km = k.keyMaterial();
            if (km.length != need) {
                throw new SdesPolicyException(
                        SdesPolicyException.Reason.KEY_LENGTH,
                        "key is " + km.length + " bytes, " + suite.sdesName() + " needs " + need);
            }
            byte[] key = Arrays.copyOfRange(km, 0, suite.masterKeyLength());
            byte[] salt = Arrays.copyOfRange(km, suite.masterKeyLength(), km.length);
            Arrays.fill(km, (byte) 0);
            SrtpMasterKey mk = k.mki().isPresent()
                    ? SrtpMasterKey.of(key, salt, mki(k.mki().getAsLong(), k.mkiLength()))
                    : SrtpMasterKey.of(key, salt);
            Arrays.fill(key, (byte) 0);
            Arrays.fill(salt, (byte) 0);
            try {
                b.masterKey(mk);
            } catch (IllegalArgumentException e) {
                throw new SdesPolicyException(SdesPolicyException.Reason.MKI, e.getMessage());
            }
            if (k.lifetime().isPresent()) {
                lifetime = Math.min(lifetime, k.lifetime().getAsLong());
            }
        }
        if (lifetime != Long.MAX_VALUE) {
            b.keyLifetime(
                    Math.min(lifetime, SrtpPolicy.MAX_SRTP_LIFETIME),
                    Math.min(lifetime, SrtpPolicy.MAX_SRTCP_LIFETIME));
        }
        List<String> refused = new ArrayList<>();
        for (String p : line.sessionParams()) {
            String u = p.toUpperCase(Locale.ROOT);
            if (p.equals(CryptoAttribute.UNENCRYPTED_SRTCP)) {
                b.encryptRtcp(false);
            } else if (p.equals(CryptoAttribute.UNENCRYPTED_SRTP)) {
                b.encryptRtp(false);
            } else if (u.startsWith("WSH=")) {
                b.replayWindowSize(window(p.substring(4)));
            } else if (!p.startsWith("-")) {
                refused.add(p);
            }
        }
        if (!refused.isEmpty()) {
            throw new SdesPolicyException(
                    SdesPolicyException.Reason.SESSION_PARAMETER,
                    "session parameters not supported: " + SdpNumbers.shorten(String.join(" ", refused)));
        }
        return b;
    }

    /**
     * A crypto line carrying one key without MKI or lifetime, for an offer or an answer.
     *
     * @param tag   the tag, 1..999999999
     * @param suite the suite (not {@link SrtpSuite#NULL_NULL})
     * @param key   the master key; its MKI, if any, is not written
     * @return the line
     * @throws IllegalArgumentException when the tag is out of range, the suite is not negotiable or the key
     *     lengths do not fit the suite
     */
    public static CryptoAttribute attribute(int tag, SrtpSuite suite, SrtpMasterKey key) {
        if (SrtpSuite.fromSdesName(suite.sdesName()).isEmpty()) {
            throw new IllegalArgumentException(suite + " is never negotiated with SDES");
        }
        byte[] k = key.key();
        byte[] s = key.salt();
        if (k.length != suite.masterKeyLength() || s.length != suite.masterSaltLength()) {
            throw new IllegalArgumentException("key does not fit " + suite.sdesName());
        }
        byte[] ks = Arrays.copyOf(k, k.length + s.length);
        System.arraycopy(s, 0, ks, k.length, s.length);
        CryptoAttribute line =
                new CryptoAttribute(tag, suite.sdesName(), List.of(CryptoAttribute.KeyParam.of(ks)), List.of());
        Arrays.fill(ks, (byte) 0);
        Arrays.fill(k, (byte) 0);
        return line;
    }

    /** The MKI value as {@code length} big-endian octets (RFC 4568 §6.1; the parser checked that it fits). */
    private static byte[] mki(long value, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < Math.min(length, 8); i++) {
            out[length - 1 - i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    private static int window(String hint) throws SdesPolicyException {
        long h;
        try {
            h = SdpNumbers.number(hint, 0, Long.MAX_VALUE, "WSH");
        } catch (SdpParseException e) {
            throw new SdesPolicyException(SdesPolicyException.Reason.SESSION_PARAMETER, e.getMessage());
        }
        int size = ReplayWindow.MIN_SIZE;
        while (size < h && size < ReplayWindow.MAX_SIZE) {
            size <<= 1;
        }
        return size;
    }
}
