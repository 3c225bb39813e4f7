package org.umsec.server.call;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import org.umsec.core.HostNames;
import org.umsec.core.VoipSecurityMode;
import org.umsec.sip.SipRequest;
import org.umsec.sip.sdp.Connection;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.MediaDirection;
import org.umsec.sip.sdp.Origin;
import org.umsec.sip.sdp.SdesCryptoSuite;
import org.umsec.sip.sdp.SdesNegotiator;
import org.umsec.sip.sdp.SdesPolicyException;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SdpAttribute;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSuite;

/**
 * SDP offer/answer for one call (RFC 3264): reads an offer (the INVITE's, or a re-INVITE's or UPDATE's
 * mid-call), checks it against the call's mode (R1, R19), and writes the answer. Every number taken from
 * the offer is range-checked here, so that a bad offer is a 488 and never an exception after the call
 * was set up (issue 9 item 5: {@code a=rtcp:70000}).
 *
 * <p>SDES (RFC 4568 §7.1.4): a re-offer that repeats the key in use keeps both keys; a re-offer with a
 * new key gets a new key of the server's own in the answer.
 */
final class SdpNegotiation {

    private static final SecureRandom RANDOM = new SecureRandom();

    private SdpNegotiation() {}

    /**
     * A refused offer.
     *
     * @param reason metrics label ({@code bad-sdp}, {@code no-common-codec}, ...)
     * @param status SIP status (488)
     * @param detail what was wrong, for the Warning header and the log
     * @param wrongMode whether the offer did not fit the dial plan's mode (raises event 3005)
     */
    record Refusal(String reason, int status, String detail, boolean wrongMode) {}

    /**
     * SDES keys of a call.
     *
     * @param suite the suite
     * @param offered the peer's line
     * @param answer the server's line
     * @param inbound policy for the peer's packets
     * @param outbound policy for the server's packets
     */
    record Keys(
            SrtpSuite suite, CryptoAttribute offered, CryptoAttribute answer, SrtpPolicy inbound, SrtpPolicy outbound) {
        boolean sameOfferedKey(CryptoAttribute other) {
            return other.suite().equals(offered.suite())
                    && Arrays.equals(
                            other.keyParams().get(0).keyMaterial(),
                            offered.keyParams().get(0).keyMaterial());
        }
    }

    /**
     * An accepted offer.
     *
     * @param rtpPeer where the peer wants RTP
     * @param rtcpPeer where the peer wants RTCP
     * @param payloadType 0 (PCMU) or 8 (PCMA)
     * @param direction the direction of the answer
     * @param profile the answer's transport profile
     * @param keys SDES keys, for Secured calls
     * @param rekeyed whether the keys are new compared with the call's current ones
     * @param telephoneEvent the offered RFC 4733 telephone-event/8000 payload type, answered when present
     */
    record Media(
            InetSocketAddress rtpPeer,
            InetSocketAddress rtcpPeer,
            int payloadType,
            MediaDirection direction,
            String profile,
            Optional<Keys> keys,
            boolean rekeyed,
            OptionalInt telephoneEvent) {
        /** @return whether the server sends media (the peer does not hold the call) */
        boolean sending() {
            return (direction == MediaDirection.SENDRECV || direction == MediaDirection.SENDONLY)
                    && !rtpPeer.getAddress().isAnyLocalAddress();
        }
    }

    /**
     * Either a media description or a refusal.
     *
     * @param media the accepted offer, or null
     * @param refusal the refusal, or null
     */
    record Outcome(Media media, Refusal refusal) {
        static Outcome refuse(String reason, String detail) {
            return new Outcome(null, new Refusal(reason, 488, detail, false));
        }

        static Outcome wrongMode(String reason, String detail) {
            return new Outcome(null, new Refusal(reason, 488, detail, true));
        }
    }

    /**
     * Reads and checks an offer.
     *
     * @param req the request carrying it
     * @param mode the call's mode
     * @param dialPlan the dial plan's name, for explanations
     * @param current the call's keys, for a mid-call offer
     * @return the outcome
     */
    static Outcome negotiate(SipRequest req, VoipSecurityMode mode, String dialPlan, Optional<Keys> current) {
        boolean sdp = req.contentType()
                .map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/sdp"))
                .orElse(false);
        if (!sdp || req.contentLength() == 0) {
            return Outcome.refuse("no-sdp-offer", "an SDP offer is required");
        }
        SessionDescription offer;
        try {
            offer = SessionDescription.parse(req.body());
        } catch (SdpParseException | RuntimeException e) {
            return Outcome.refuse("bad-sdp", "bad SDP: " + e.getMessage());
        }
        Optional<MediaDescription> audioSection = offer.audio();
        if (audioSection.isEmpty()) {
            return Outcome.refuse("bad-sdp", "the offer has no audio stream");
        }
        MediaDescription audio = audioSection.get();
        if (audio.port() < 1 || audio.port() > 65535) {
            return Outcome.refuse("bad-sdp", "the audio port is not usable: " + audio.port());
        }
        Optional<Connection> connection = audio.connection().or(offer::connection);
        if (connection.isEmpty()) {
            return Outcome.refuse("bad-sdp", "the offer has no connection address");
        }
        Optional<Integer> pt = audio.formats().stream()
                .filter(f -> f.equals("0") || f.equals("8"))
                .map(Integer::valueOf)
                .findFirst();
        if (pt.isEmpty()) {
            return Outcome.refuse("no-common-codec", "G.711 (PCMU or PCMA) is required");
        }
        InetAddress address;
        try {
            address = literal(connection.get().address());
        } catch (UnknownHostException e) {
            return Outcome.refuse("bad-sdp", "the connection address is not an IP address");
        }
        int rtcpPort = audio.rtcpPort(); // a=rtcp or port + 1; numbers checked by the SDP parser
        OptionalInt offeredDtmf = audio.payloadType("telephone-event", 8000); // RFC 4733: answered when offered
        OptionalInt dtmf =
                offeredDtmf.isPresent() && offeredDtmf.getAsInt() != pt.get() ? offeredDtmf : OptionalInt.empty();
        if (rtcpPort < 1 || rtcpPort > 65535) {
            return Outcome.refuse("bad-sdp", "the RTCP port is out of range: " + rtcpPort);
        }
        MediaDirection direction = audio.direction().answerTo();
        boolean savp = audio.isSecureProfile();
        if (mode.mediaEncrypted()) {
            // session parameters (UNENCRYPTED_SRTCP, KDR, ...) change the media protection: not accepted
            List<CryptoAttribute> plainLines = audio.cryptos().stream()
                    .filter(c -> c.sessionParams().isEmpty())
                    .toList();
            Optional<SdesNegotiator.Selection> sel =
                    SdesNegotiator.answer(plainLines, EnumSet.allOf(SdesCryptoSuite.class), RANDOM);
            if (sel.isEmpty()) {
                String why = audio.cryptos().isEmpty()
                        ? "no a=crypto attribute in the offer"
                        : "no usable a=crypto: "
                                + audio.cryptos().stream()
                                        .map(c -> c.suite() + " (" + sdesProblem(c) + ")")
                                        .toList();
                return Outcome.wrongMode(
                        "no-sdes-crypto",
                        "dial plan " + dialPlan + " is Secured and requires SRTP keyed with SDES: " + why);
            }
            SrtpSuite suite = sel.get().suite().srtpSuite();
            CryptoAttribute offered = sel.get().offered();
            if (current.isPresent()
                    && current.get().suite() == suite
                    && current.get().sameOfferedKey(offered)) {
                // RFC 4568 §7.1.4: the same key re-offered; the answer repeats the server's key in use
                Keys k = current.get();
                CryptoAttribute same = new CryptoAttribute(
                        offered.tag(), offered.suite(), k.answer().keyParams(), offered.sessionParams());
                Keys kept = new Keys(suite, offered, same, k.inbound(), k.outbound());
                return new Outcome(
                        new Media(
                                new InetSocketAddress(address, audio.port()),
                                new InetSocketAddress(address, rtcpPort),
                                pt.get(),
                                direction,
                                savp ? audio.proto() : "RTP/SAVP",
                                Optional.of(kept),
                                false,
                                dtmf),
                        null);
            }
            SrtpPolicy inbound;
            SrtpPolicy outbound;
            try {
                inbound = SdesSrtp.policy(offered);
                outbound = SdesSrtp.policy(sel.get().answer());
            } catch (SdesPolicyException e) {
                return Outcome.wrongMode("no-sdes-crypto", "unusable SDES key: " + e.getMessage());
            }
            Keys keys = new Keys(suite, offered, sel.get().answer(), inbound, outbound);
            return new Outcome(
                    new Media(
                            new InetSocketAddress(address, audio.port()),
                            new InetSocketAddress(address, rtcpPort),
                            pt.get(),
                            direction,
                            savp ? audio.proto() : "RTP/SAVP",
                            Optional.of(keys),
                            current.isPresent(),
                            dtmf),
                    null);
        }
        if (savp) {
            return Outcome.wrongMode(
                    "srtp-not-allowed", "dial plan " + dialPlan + " is " + mode.displayName() + ": media is plain RTP");
        }
        return new Outcome(
                new Media(
                        new InetSocketAddress(address, audio.port()),
                        new InetSocketAddress(address, rtcpPort),
                        pt.get(),
                        direction,
                        "RTP/AVP",
                        Optional.empty(),
                        false,
                        dtmf),
                null);
    }

    /**
     * The caller's answer to the server's own offer (its current session description, sent in the 2xx to a
     * re-INVITE without SDP: RFC 3264 §5 late offer), carried in the ACK. The answer must keep the payload
     * type and, on a Secured plan, answer the server's {@code a=crypto} line (same tag and suite) with the
     * caller's key, which may be new (then the inbound SRTP context changes; the server's own key stays).
     * Address, ports and direction may change.
     *
     * @param ack the ACK
     * @param mode the call's mode
     * @param current the session in force
     * @return the new session, or a refusal (the call cannot go on)
     */
    static Outcome acceptAnswer(SipRequest ack, VoipSecurityMode mode, Media current) {
        boolean sdp = ack.contentType()
                .map(t -> t.toLowerCase(Locale.ROOT).startsWith("application/sdp"))
                .orElse(false);
        if (!sdp || ack.contentLength() == 0) {
            return Outcome.refuse("no-sdp-answer", "the ACK carries no SDP answer to the server's offer");
        }
        SessionDescription answer;
        try {
            answer = SessionDescription.parse(ack.body());
        } catch (SdpParseException | RuntimeException e) {
            return Outcome.refuse("bad-sdp", "bad SDP in the ACK: " + e.getMessage());
        }
        Optional<MediaDescription> audioSection = answer.audio();
        if (audioSection.isEmpty() || audioSection.get().port() < 1) {
            return Outcome.refuse("bad-sdp", "the answer rejects or lacks the audio stream");
        }
        MediaDescription audio = audioSection.get();
        Optional<Connection> connection = audio.connection().or(answer::connection);
        if (connection.isEmpty()) {
            return Outcome.refuse("bad-sdp", "the answer has no connection address");
        }
        if (!audio.formats().contains(Integer.toString(current.payloadType()))) {
            return Outcome.refuse(
                    "no-common-codec", "the answer drops the offered payload type " + current.payloadType());
        }
        InetAddress address;
        try {
            address = literal(connection.get().address());
        } catch (UnknownHostException e) {
            return Outcome.refuse("bad-sdp", "the connection address is not an IP address");
        }
        int rtcpPort = audio.rtcpPort();
        if (rtcpPort < 1 || rtcpPort > 65535) {
            return Outcome.refuse("bad-sdp", "the RTCP port is out of range: " + rtcpPort);
        }
        Optional<Keys> keys = current.keys();
        boolean rekeyed = false;
        if (mode.mediaEncrypted()) {
            Keys k = keys.orElseThrow();
            Optional<CryptoAttribute> theirs = audio.cryptos().stream()
                    .filter(c -> c.tag() == k.answer().tag()
                            && c.suite().equals(k.answer().suite())
                            && c.sessionParams().isEmpty())
                    .findFirst();
            if (!audio.isSecureProfile() || theirs.isEmpty()) {
                return Outcome.refuse(
                        "no-sdes-crypto", "the answer does not answer the server's a=crypto line with a key");
            }
            if (!k.sameOfferedKey(theirs.get())) {
                try {
                    keys = Optional.of(
                            new Keys(k.suite(), theirs.get(), k.answer(), SdesSrtp.policy(theirs.get()), k.outbound()));
                } catch (SdesPolicyException e) {
                    return Outcome.refuse("no-sdes-crypto", "unusable SDES key in the answer: " + e.getMessage());
                }
                rekeyed = true;
            }
        } else if (audio.isSecureProfile() || !audio.cryptos().isEmpty()) {
            return Outcome.refuse("srtp-not-allowed", "the answer asks for SRTP on a " + mode.displayName() + " call");
        }
        return new Outcome(
                new Media(
                        new InetSocketAddress(address, audio.port()),
                        new InetSocketAddress(address, rtcpPort),
                        current.payloadType(),
                        audio.direction().answerTo(), // the caller's direction, seen from the server
                        current.profile(),
                        keys,
                        rekeyed,
                        current.telephoneEvent()),
                null);
    }

    /** Why the server cannot use an offered line, for the reason phrase of a 488. */
    private static String sdesProblem(CryptoAttribute c) {
        if (c.knownSuite().isEmpty()) {
            return "unsupported suite " + c.suite();
        }
        try {
            SdesSrtp.policy(c);
        } catch (SdesPolicyException e) {
            return e.getMessage();
        }
        return c.sessionParams().isEmpty()
                ? "not acceptable"
                : "session parameters not accepted: " + String.join(" ", c.sessionParams());
    }

    private static InetAddress literal(String address) throws UnknownHostException {
        // only literals, by core's one IP-literal rule (HostNames): a host name in the SDP would make the
        // signalling thread wait for DNS, and short forms such as "1.2" are not addresses a gateway means
        String canonical = HostNames.canonicalIp(address).orElseThrow(() -> new UnknownHostException(address));
        return InetAddress.getByName(canonical); // a canonical literal: parsed, never looked up
    }

    /**
     * The server's answer.
     *
     * @param address the media address
     * @param port the RTP port (RTCP is port + 1)
     * @param media the accepted offer
     * @param sessionId the o= session id (stable for the call)
     * @param version the o= version (one more for every answer, RFC 3264 §8)
     * @return SDP text
     */
    static String answer(String address, int port, Media media, String sessionId, long version) {
        String ipVer = address.contains(":") ? "IP6" : "IP4";
        int pt = media.payloadType();
        MediaDescription.Builder m = MediaDescription.builder("audio", port, media.profile())
                .rtpFormat(pt, pt == 0 ? "PCMU/8000" : "PCMA/8000")
                .attribute(new SdpAttribute("rtcp", Integer.toString(port + 1)))
                .direction(media.direction());
        media.telephoneEvent()
                .ifPresent(te ->
                        m.rtpFormat(te, "telephone-event/8000").attribute(new SdpAttribute("fmtp", te + " 0-15")));
        media.keys().ifPresent(k -> m.crypto(k.answer()));
        return SessionDescription.builder()
                .origin(new Origin("umsec", sessionId, Long.toString(version), "IN", ipVer, address))
                .sessionName("umsec")
                .connection(new Connection("IN", ipVer, address))
                .media(m.build())
                .build()
                .toSdp();
    }

    /**
     * @return a new o= session id: unique enough, not a secret (RFC 4566 §5.2), so no SecureRandom (its
     *     lock is shared with key generation)
     */
    static String newSessionId() {
        return Long.toString(ThreadLocalRandom.current().nextLong(1_000_000_000L));
    }
}
