package org.umsec.server.internal;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpSuite;

/**
 * The parts of an SDP offer (RFC 4566) the server needs for one audio stream, and SDES crypto
 * attributes (RFC 4568 §9.1): {@code a=crypto:<tag> <suite> inline:<key||salt base64>[|<lifetime>][|<MKI>:<len>]}.
 */
public final class Sdp {

    /** Largest SDP body parsed; longer bodies are refused. */
    public static final int MAX_LINES = 200;

    /**
     * One {@code a=crypto} line.
     *
     * @param tag its tag, echoed in the answer
     * @param suiteName the suite as written
     * @param suite the suite, when umsec implements it
     * @param key the first master key, when the key parameter is well-formed for the suite
     * @param problem why the line cannot be used, or empty
     */
    public record Crypto(int tag, String suiteName, Optional<SrtpSuite> suite, Optional<SrtpMasterKey> key,
            Optional<String> problem) {
    }

    /**
     * The audio stream of an offer.
     *
     * @param address connection address
     * @param port RTP port
     * @param rtcpPort RTCP port ({@code a=rtcp} or port + 1)
     * @param profile transport profile, for example {@code RTP/AVP} or {@code RTP/SAVP}
     * @param payloadTypes offered payload types, in preference order
     * @param cryptos the {@code a=crypto} lines of the audio section
     */
    public record Offer(String address, int port, int rtcpPort, String profile, List<Integer> payloadTypes,
            List<Crypto> cryptos) {
    }

    private Sdp() {
    }

    /**
     * Parses an offer.
     *
     * @param text the SDP body
     * @return the audio stream, or an error message
     */
    public static Result parse(String text) {
        String[] lines = text.split("\r?\n");
        if (lines.length > MAX_LINES) {
            return Result.error("SDP has more than " + MAX_LINES + " lines");
        }
        String sessionAddress = null;
        String mediaAddress = null;
        boolean inAudio = false;
        boolean sawAudio = false;
        int port = -1;
        int rtcpPort = -1;
        String profile = null;
        List<Integer> pts = new ArrayList<>();
        List<Crypto> cryptos = new ArrayList<>();
        for (String l : lines) {
            if (l.length() < 2 || l.charAt(1) != '=') {
                continue;
            }
            char t = l.charAt(0);
            String v = l.substring(2).strip();
            if (t == 'm') {
                inAudio = false;
                String[] p = v.split(" +");
                if (p.length >= 4 && p[0].equals("audio") && !sawAudio) {
                    sawAudio = true;
                    inAudio = true;
                    try {
                        port = Integer.parseInt(p[1].contains("/") ? p[1].substring(0, p[1].indexOf('/')) : p[1]);
                        for (int i = 3; i < p.length; i++) {
                            pts.add(Integer.parseInt(p[i]));
                        }
                    } catch (NumberFormatException e) {
                        return Result.error("malformed m=audio line");
                    }
                    profile = p[2];
                }
            } else if (t == 'c') {
                String[] p = v.split(" +");
                if (p.length >= 3) {
                    String a = p[2].contains("/") ? p[2].substring(0, p[2].indexOf('/')) : p[2];
                    if (inAudio) {
                        mediaAddress = a;
                    } else if (!sawAudio) {
                        sessionAddress = a;
                    }
                }
            } else if (t == 'a' && inAudio) {
                if (v.startsWith("rtcp:")) {
                    try {
                        rtcpPort = Integer.parseInt(v.substring(5).split(" +")[0]);
                    } catch (NumberFormatException e) {
                        return Result.error("malformed a=rtcp line");
                    }
                } else if (v.startsWith("crypto:")) {
                    cryptos.add(crypto(v.substring(7)));
                }
            }
        }
        if (!sawAudio) {
            return Result.error("the offer has no audio stream");
        }
        String address = mediaAddress != null ? mediaAddress : sessionAddress;
        if (address == null) {
            return Result.error("the offer has no connection address");
        }
        if (port < 0 || port > 65535) {
            return Result.error("audio port out of range");
        }
        return new Result(Optional.of(new Offer(address, port, rtcpPort > 0 ? rtcpPort : port + 1, profile,
                List.copyOf(pts), List.copyOf(cryptos))), Optional.empty());
    }

    /**
     * Outcome of {@link #parse}.
     *
     * @param offer the offer
     * @param error why parsing failed
     */
    public record Result(Optional<Offer> offer, Optional<String> error) {
        static Result error(String e) {
            return new Result(Optional.empty(), Optional.of(e));
        }
    }

    /**
     * Parses the value of one crypto attribute ({@code <tag> <suite> inline:<key>[|...]}).
     *
     * @param v the attribute value, without {@code a=crypto:}
     * @return the crypto, with {@link Crypto#problem()} set when it cannot be used
     */
    public static Crypto parseCrypto(String v) {
        return crypto(v);
    }

    static Crypto crypto(String v) {
        String[] p = v.strip().split(" +");
        int tag;
        try {
            tag = Integer.parseInt(p[0]);
        } catch (NumberFormatException e) {
            return new Crypto(-1, "", Optional.empty(), Optional.empty(), Optional.of("bad crypto tag"));
        }
        if (tag < 0 || tag > 999_999_999 || p.length < 3) {
            return new Crypto(tag, p.length > 1 ? p[1] : "", Optional.empty(), Optional.empty(),
                    Optional.of("incomplete crypto attribute"));
        }
        String suiteName = p[1];
        Optional<SrtpSuite> suite = SrtpSuite.fromSdesName(suiteName.toUpperCase(Locale.ROOT));
        if (suite.isEmpty()) {
            return new Crypto(tag, suiteName, suite, Optional.empty(), Optional.of("unsupported suite " + suiteName));
        }
        if (p.length > 3) {
            // session parameters: UNENCRYPTED_SRTP etc. weaken protection, KDR != 0 is unsupported
            return new Crypto(tag, suiteName, suite, Optional.empty(), Optional.of("session parameters not accepted: "
                    + String.join(" ", java.util.Arrays.copyOfRange(p, 3, p.length))));
        }
        String keyParams = p[2].split(";")[0]; // first key only
        if (!keyParams.startsWith("inline:")) {
            return new Crypto(tag, suiteName, suite, Optional.empty(), Optional.of("key method must be inline"));
        }
        String[] kp = keyParams.substring(7).split("\\|");
        byte[] keySalt;
        try {
            keySalt = Base64.getDecoder().decode(kp[0]);
        } catch (IllegalArgumentException e) {
            return new Crypto(tag, suiteName, suite, Optional.empty(), Optional.of("key is not base64"));
        }
        SrtpSuite s = suite.get();
        if (keySalt.length != s.masterKeyLength() + s.masterSaltLength()) {
            return new Crypto(tag, suiteName, suite, Optional.empty(), Optional.of("key is " + keySalt.length
                    + " bytes, " + s.sdesName() + " needs " + (s.masterKeyLength() + s.masterSaltLength())));
        }
        byte[] key = java.util.Arrays.copyOfRange(keySalt, 0, s.masterKeyLength());
        byte[] salt = java.util.Arrays.copyOfRange(keySalt, s.masterKeyLength(), keySalt.length);
        SrtpMasterKey mk;
        String mkiPart = null;
        for (int i = 1; i < kp.length; i++) {
            if (kp[i].contains(":")) {
                mkiPart = kp[i];
            }
        }
        try {
            if (mkiPart != null) {
                String[] m = mkiPart.split(":");
                mk = SrtpMasterKey.of(key, salt, Long.parseLong(m[0]), Integer.parseInt(m[1]));
            } else {
                mk = SrtpMasterKey.of(key, salt);
            }
        } catch (RuntimeException e) {
            return new Crypto(tag, suiteName, suite, Optional.empty(), Optional.of("bad MKI: " + mkiPart));
        }
        return new Crypto(tag, suiteName, suite, Optional.of(mk), Optional.empty());
    }

    /**
     * Formats a crypto attribute value for an answer (without {@code a=crypto:}).
     *
     * @param tag the offer's tag
     * @param suite the suite
     * @param key the server's own master key
     * @return the attribute value
     */
    public static String cryptoAttribute(int tag, SrtpSuite suite, SrtpMasterKey key) {
        byte[] k = key.key();
        byte[] s = key.salt();
        byte[] ks = new byte[k.length + s.length];
        System.arraycopy(k, 0, ks, 0, k.length);
        System.arraycopy(s, 0, ks, k.length, s.length);
        return tag + " " + suite.sdesName() + " inline:" + Base64.getEncoder().encodeToString(ks);
    }

    /**
     * Builds an answer for one audio stream.
     *
     * @param sessionId origin session id
     * @param address our media address
     * @param port our RTP port (RTCP on port + 1)
     * @param profile RTP/AVP or RTP/SAVP
     * @param payloadType chosen payload type (0 or 8)
     * @param crypto our crypto attribute value, or null
     * @return the SDP text
     */
    public static String answer(long sessionId, String address, int port, String profile, int payloadType,
            String crypto) {
        String ipVer = address.contains(":") ? "IP6" : "IP4";
        StringBuilder sb = new StringBuilder();
        sb.append("v=0\r\n");
        sb.append("o=umsec ").append(sessionId).append(' ').append(sessionId).append(" IN ").append(ipVer).append(' ')
                .append(address).append("\r\n");
        sb.append("s=umsec\r\n");
        sb.append("c=IN ").append(ipVer).append(' ').append(address).append("\r\n");
        sb.append("t=0 0\r\n");
        sb.append("m=audio ").append(port).append(' ').append(profile).append(' ').append(payloadType).append("\r\n");
        sb.append("a=rtpmap:").append(payloadType).append(payloadType == 0 ? " PCMU/8000" : " PCMA/8000").append("\r\n");
        sb.append("a=rtcp:").append(port + 1).append("\r\n");
        sb.append("a=sendrecv\r\n");
        if (crypto != null) {
            sb.append("a=crypto:").append(crypto).append("\r\n");
        }
        return sb.toString();
    }
}
