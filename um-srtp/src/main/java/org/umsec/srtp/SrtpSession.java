package org.umsec.srtp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.umsec.srtp.internal.IntObjectMap;
import org.umsec.srtp.internal.Kdf;
import org.umsec.srtp.internal.KeyDerivation;
import org.umsec.srtp.replay.ReplayWindow;

/**
 * One direction of SRTP/SRTCP protection (RFC 3711): an outbound session protects packets, an
 * inbound session verifies and decrypts them. A session holds the session keys of its
 * {@link SrtpPolicy} (derived once per master key, RFC 3711 §4.3) and, per SSRC, the rollover
 * counter, the replay windows and the SRTCP index, in a primitive-keyed map. Creating a session is
 * cheap: the SRTP keys are derived with its first SRTP packet and the SRTCP keys with its first
 * SRTCP packet, so a session that carries only RTP (or only RTCP) never derives the other keys.
 *
 * <p>Packets are transformed in place, in a caller-owned {@code byte[]} (offset and length) or
 * {@link ByteBuffer} (heap or direct). Every packet method returns the new length, or a negative
 * {@link SrtpStatus} when the packet is refused; refusals never throw and leave the session
 * unchanged. Programming errors (an offset outside the array, protect on an inbound session) do
 * throw. No packet method allocates, except the first SRTP and the first SRTCP packet of each
 * master key (its session keys) and the first packet of each new SSRC (its state).
 *
 * <pre>{@code
 * SrtpSession tx = SrtpSession.outbound(policy);
 * byte[] buf = new byte[1500];
 * int len = tx.protectRtp(buf, 0, rtpLength);      // buf must have room for rtpOverhead()
 * if (len < 0) log(SrtpStatus.name(len));
 *
 * SrtpSession rx = SrtpSession.inbound(policy);
 * int plain = rx.unprotectRtp(buf, 0, len);          // RTP length, or a status
 * }</pre>
 *
 * <p>Inbound order of checks (RFC 3711 §3.3): header sanity, MKI, packet index estimation and the
 * replay window, key lifetime, authentication, and only then decryption and the commit of the
 * index. A forged packet therefore never moves the window or creates an SSRC's state. Outbound
 * sessions refuse to protect the same packet index twice ({@link SrtpStatus#REPLAYED}), since that
 * would reuse keystream.
 *
 * <p><b>Thread confinement:</b> a session is not thread-safe; use each from one thread at a time
 * (typically the I/O thread of the media socket). Policies are immutable and may be shared.
 */
public final class SrtpSession {

    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private static final int RTP_HEADER = 12;
    private static final int RTCP_HEADER = 8;

    private final SrtpPolicy policy;
    private final boolean outbound;
    private final SrtpTransform[] transforms;
    private final int mkiLength;
    private final int rtpOverhead;
    private final int rtcpOverhead;
    private final boolean anySsrc;
    private final int maxStreams;
    private final int windowSize;
    private final long srtpLifetime;
    private final long srtcpLifetime;
    private final long srtpSoft;
    private final long srtcpSoft;
    private final IntObjectMap<SrtpStream> streams;
    private SrtpTransform active;
    private byte[] directScratch = new byte[0];

    private SrtpSession(SrtpPolicy policy, boolean outbound, Function<SrtpMasterKey, KeyDerivation> keys) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.outbound = outbound;
        SrtpSuite suite = policy.suite();
        List<SrtpMasterKey> masterKeys = policy.masterKeys();
        this.transforms = new SrtpTransform[masterKeys.size()];
        for (int i = 0; i < transforms.length; i++) {
            SrtpMasterKey key = masterKeys.get(i);
            transforms[i] =
                    SrtpTransform.create(suite, key, keys.apply(key), policy.encryptRtp(), policy.encryptRtcp());
        }
        this.active = transforms[0];
        this.mkiLength = policy.mkiLength();
        int aeadTag = suite.isAead() ? 16 : 0;
        this.rtpOverhead = mkiLength + Math.max(suite.srtpTagLength(), aeadTag);
        this.rtcpOverhead = 4 + mkiLength + suite.srtcpTagLength();
        this.anySsrc = policy.anySsrc();
        this.maxStreams = anySsrc ? policy.maxStreams() : Integer.MAX_VALUE;
        this.windowSize = policy.replayWindowSize();
        this.srtpLifetime = policy.srtpLifetime();
        this.srtcpLifetime = policy.srtcpLifetime();
        this.srtpSoft = SrtpPolicy.softLimit(srtpLifetime);
        this.srtcpSoft = SrtpPolicy.softLimit(srtcpLifetime);
        int[] ssrcs = policy.ssrcs();
        this.streams = new IntObjectMap<>(anySsrc ? 8 : ssrcs.length);
        for (int ssrc : ssrcs) {
            streams.put(ssrc, new SrtpStream(ssrc, windowSize));
        }
    }

    /**
     * Creates a session that protects packets.
     *
     * @param policy the policy
     * @return a new session
     */
    public static SrtpSession outbound(SrtpPolicy policy) {
        return new SrtpSession(policy, true, SrtpSession::kdf);
    }

    /**
     * Creates a session that unprotects packets.
     *
     * @param policy the policy
     * @return a new session
     */
    public static SrtpSession inbound(SrtpPolicy policy) {
        return new SrtpSession(policy, false, SrtpSession::kdf);
    }

    /** A session whose session keys come from {@code keys} instead of the KDF (known answers). */
    static SrtpSession withSessionKeys(SrtpPolicy policy, boolean outbound, KeyDerivation keys) {
        return new SrtpSession(policy, outbound, k -> keys);
    }

    private static KeyDerivation kdf(SrtpMasterKey key) {
        return new Kdf(key.key(), key.salt());
    }

    /** The policy. */
    public SrtpPolicy policy() {
        return policy;
    }

    /** Whether this session protects (true) or unprotects (false). */
    public boolean isOutbound() {
        return outbound;
    }

    /** Octets protect adds to an RTP packet (MKI and tag); the buffer needs that much room. */
    public int rtpOverhead() {
        return rtpOverhead;
    }

    /** Octets protect adds to an RTCP packet (E flag and index, MKI, tag). */
    public int rtcpOverhead() {
        return rtcpOverhead;
    }

    /** Number of SSRCs the session keeps state for. */
    public int streamCount() {
        return streams.size();
    }

    // ---------------------------------------------------------------------------------- SRTP

    /**
     * Protects an RTP packet in place (RFC 3711 §3.3): encrypts the payload after the header
     * (CSRCs and header extension stay clear, padding is encrypted as payload), then appends the
     * MKI and the authentication tag.
     *
     * @param buf the buffer; must have {@link #rtpOverhead()} octets of room after the packet
     * @param off offset of the RTP packet
     * @param len length of the RTP packet
     * @return the SRTP length, or {@link SrtpStatus#MALFORMED}, {@link SrtpStatus#BUFFER_TOO_SMALL},
     *     {@link SrtpStatus#UNKNOWN_SSRC}, {@link SrtpStatus#REPLAYED} (index already protected),
     *     {@link SrtpStatus#TOO_OLD}, {@link SrtpStatus#KEY_EXPIRED} or
     *     {@link SrtpStatus#INDEX_EXHAUSTED}; on failure nothing is written
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} are outside {@code buf}
     * @throws IllegalStateException if this is an inbound session
     */
    public int protectRtp(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        return protectRtp(buf, off, len, buf.length);
    }

    /**
     * Protects the RTP packet between the buffer's position and limit in place; on success the
     * limit moves to the end of the SRTP packet (the position is unchanged).
     *
     * @param buf the buffer; needs {@link #rtpOverhead()} octets of room between limit and capacity
     * @return as {@link #protectRtp(byte[], int, int)}
     * @throws ReadOnlyBufferException if the buffer is read-only
     */
    public int protectRtp(ByteBuffer buf) {
        return onBuffer(buf, PROTECT_RTP);
    }

    /**
     * Verifies and decrypts an SRTP packet in place.
     *
     * @param buf the buffer
     * @param off offset of the SRTP packet
     * @param len length of the SRTP packet
     * @return the RTP length, or {@link SrtpStatus#MALFORMED}, {@link SrtpStatus#BAD_MKI},
     *     {@link SrtpStatus#UNKNOWN_SSRC}, {@link SrtpStatus#REPLAYED},
     *     {@link SrtpStatus#TOO_OLD}, {@link SrtpStatus#INDEX_EXHAUSTED},
     *     {@link SrtpStatus#KEY_EXPIRED} or {@link SrtpStatus#AUTH_FAILED}; on failure the buffer
     *     is not modified
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} are outside {@code buf}
     * @throws IllegalStateException if this is an outbound session
     */
    public int unprotectRtp(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        return unprotectRtp0(buf, off, len);
    }

    /**
     * Verifies and decrypts the SRTP packet between the buffer's position and limit in place; on
     * success the limit moves to the end of the RTP packet.
     *
     * @param buf the buffer
     * @return as {@link #unprotectRtp(byte[], int, int)}
     * @throws ReadOnlyBufferException if the buffer is read-only
     */
    public int unprotectRtp(ByteBuffer buf) {
        return onBuffer(buf, UNPROTECT_RTP);
    }

    // --------------------------------------------------------------------------------- SRTCP

    /**
     * Protects an RTCP packet (or compound packet) in place (RFC 3711 §3.4): encrypts everything
     * after the first 8 octets if the policy encrypts SRTCP, then appends the E flag and 31-bit
     * SRTCP index, the MKI and the tag.
     *
     * @param buf the buffer; must have {@link #rtcpOverhead()} octets of room after the packet
     * @param off offset of the RTCP packet
     * @param len length of the RTCP packet
     * @return the SRTCP length, or {@link SrtpStatus#MALFORMED},
     *     {@link SrtpStatus#BUFFER_TOO_SMALL}, {@link SrtpStatus#UNKNOWN_SSRC},
     *     {@link SrtpStatus#KEY_EXPIRED} or {@link SrtpStatus#INDEX_EXHAUSTED}
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} are outside {@code buf}
     * @throws IllegalStateException if this is an inbound session
     */
    public int protectRtcp(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        return protectRtcp(buf, off, len, buf.length);
    }

    /**
     * Protects the RTCP packet between position and limit; see {@link #protectRtcp(byte[], int,
     * int)}.
     *
     * @param buf the buffer
     * @return the SRTCP length or a status
     */
    public int protectRtcp(ByteBuffer buf) {
        return onBuffer(buf, PROTECT_RTCP);
    }

    /**
     * Verifies and decrypts an SRTCP packet in place; decrypts only if its E flag is set.
     *
     * @param buf the buffer
     * @param off offset of the SRTCP packet
     * @param len length of the SRTCP packet
     * @return the RTCP length, or {@link SrtpStatus#MALFORMED}, {@link SrtpStatus#BAD_MKI},
     *     {@link SrtpStatus#UNKNOWN_SSRC}, {@link SrtpStatus#REPLAYED},
     *     {@link SrtpStatus#TOO_OLD}, {@link SrtpStatus#KEY_EXPIRED} or
     *     {@link SrtpStatus#AUTH_FAILED}; on failure the buffer is not modified
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} are outside {@code buf}
     * @throws IllegalStateException if this is an outbound session
     */
    public int unprotectRtcp(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        return unprotectRtcp0(buf, off, len);
    }

    /**
     * Verifies and decrypts the SRTCP packet between position and limit; see
     * {@link #unprotectRtcp(byte[], int, int)}.
     *
     * @param buf the buffer
     * @return the RTCP length or a status
     */
    public int unprotectRtcp(ByteBuffer buf) {
        return onBuffer(buf, UNPROTECT_RTCP);
    }

    // ------------------------------------------------------------------------------- control

    /**
     * The rollover counter of an SSRC (RFC 3711 §3.3.1): for SRTP, the number of times its sequence
     * number wrapped.
     *
     * @param ssrc the SSRC
     * @return the ROC (0 to 2^32 - 1), or -1 if the session has no state for the SSRC
     */
    public long rolloverCounter(int ssrc) {
        SrtpStream s = streams.get(ssrc);
        return s == null ? -1 : s.roc();
    }

    /**
     * Sets the rollover counter of an SSRC, creating its state if needed: for a late joiner that
     * learns the ROC from signalling. Resets the SSRC's SRTP replay window; the next packet's index
     * is estimated from this ROC.
     *
     * @param ssrc the SSRC
     * @param roc 0 to 2^32 - 1
     * @throws IllegalArgumentException if {@code roc} is out of range, or the SSRC is not allowed by
     *     the policy
     */
    public void setRolloverCounter(int ssrc, long roc) {
        if (roc < 0 || roc > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("ROC must be 0..2^32-1: " + roc);
        }
        SrtpStream s = streams.get(ssrc);
        if (s == null) {
            if (!anySsrc) {
                throw new IllegalArgumentException("SSRC not in the policy: " + Integer.toUnsignedString(ssrc));
            }
            s = new SrtpStream(ssrc, windowSize);
            streams.put(ssrc, s);
        }
        s.rtpWindow.reset();
        s.initialRoc = roc;
    }

    /** Sets the SRTCP index the next protected packet of {@code ssrc} carries (tests, restarts). */
    void setNextRtcpIndex(int ssrc, long index) {
        SrtpStream s = streams.get(ssrc);
        if (s == null) {
            s = new SrtpStream(ssrc, windowSize);
            streams.put(ssrc, s);
        }
        s.rtcpNext = index;
    }

    /**
     * Forgets an SSRC's state (for example on RTCP BYE). A configured SSRC of a policy with
     * explicit SSRCs is reset rather than removed.
     *
     * @param ssrc the SSRC
     */
    public void removeStream(int ssrc) {
        if (anySsrc) {
            streams.remove(ssrc);
        } else if (streams.get(ssrc) != null) {
            streams.put(ssrc, new SrtpStream(ssrc, windowSize));
        }
    }

    /**
     * Selects the master key that protects outbound packets from now on, by its position in
     * {@link SrtpPolicy#masterKeys()} (re-keying with MKI, RFC 3711 §8.1). Inbound sessions select
     * keys by the MKI of each packet and ignore this.
     *
     * @param index position of the key
     * @throws IndexOutOfBoundsException if there is no such key
     */
    public void useMasterKey(int index) {
        active = transforms[Objects.checkIndex(index, transforms.length)];
    }

    /**
     * Packets processed so far with a master key, for monitoring its lifetime.
     *
     * @param index position of the key in {@link SrtpPolicy#masterKeys()}
     * @param rtcp SRTCP (true) or SRTP (false) packets
     * @return the count
     */
    public long packetsWithKey(int index, boolean rtcp) {
        SrtpTransform t = transforms[Objects.checkIndex(index, transforms.length)];
        return rtcp ? t.srtcpPackets : t.srtpPackets;
    }

    // ------------------------------------------------------------------------------ hot path

    private int protectRtp(byte[] b, int off, int len, int end) {
        checkDirection(true);
        if (len < RTP_HEADER || (b[off] & 0xC0) != 0x80) {
            return SrtpStatus.MALFORMED;
        }
        final int headerLength = rtpHeaderLength(b, off, len);
        if (headerLength < 0) {
            return SrtpStatus.MALFORMED;
        }
        if (end - off - len < rtpOverhead) {
            return SrtpStatus.BUFFER_TOO_SMALL;
        }
        final int ssrc = (int) INT_BE.get(b, off + 8);
        final int seq = (short) SHORT_BE.get(b, off + 2) & 0xFFFF;
        SrtpStream s = streams.get(ssrc);
        if (s == null) {
            s = newStreamSlowPath(ssrc);
            if (s == null) {
                return SrtpStatus.UNKNOWN_SSRC;
            }
        }
        final long index = s.estimateIndex(seq);
        if (index < 0) {
            return (int) index;
        }
        int replay = replayStatus(s.rtpWindow.check(index));
        if (replay != 0) {
            return replay;
        }
        final SrtpTransform t = active;
        if (t.srtpPackets >= srtpLifetime) {
            return expiredSlowPath(t, false);
        }
        int n = t.protectRtp(b, off, len, headerLength, ssrc, index);
        s.rtpWindow.commit(index);
        if (++t.srtpPackets >= srtpSoft) {
            softLimitSlowPath(t, false);
        }
        return n;
    }

    private int unprotectRtp0(byte[] b, int off, int len) {
        checkDirection(false);
        if (len < RTP_HEADER + rtpOverhead || (b[off] & 0xC0) != 0x80) {
            return SrtpStatus.MALFORMED;
        }
        final int headerLength = rtpHeaderLength(b, off, len - rtpOverhead);
        if (headerLength < 0) {
            return SrtpStatus.MALFORMED;
        }
        final SrtpTransform t = mkiLength == 0 ? active : keyForMki(b, off + transforms[0].rtpMkiPosition(len));
        if (t == null) {
            return SrtpStatus.BAD_MKI;
        }
        final int ssrc = (int) INT_BE.get(b, off + 8);
        final int seq = (short) SHORT_BE.get(b, off + 2) & 0xFFFF;
        SrtpStream s = streams.get(ssrc);
        final long index;
        if (s != null) {
            index = s.estimateIndex(seq);
            if (index < 0) {
                return (int) index;
            }
            int replay = replayStatus(s.rtpWindow.check(index));
            if (replay != 0) {
                return replay;
            }
        } else if (anySsrc && streams.size() < maxStreams) {
            index = seq; // RFC 3711 §3.3.1: a new SSRC starts with ROC 0
        } else {
            return SrtpStatus.UNKNOWN_SSRC;
        }
        if (t.srtpPackets >= srtpLifetime) {
            return expiredSlowPath(t, false);
        }
        int n = t.unprotectRtp(b, off, len, headerLength, ssrc, index);
        if (n < 0) {
            return n;
        }
        if (s == null) {
            s = newStreamSlowPath(ssrc);
        }
        s.rtpWindow.commit(index);
        if (++t.srtpPackets >= srtpSoft) {
            softLimitSlowPath(t, false);
        }
        return n;
    }

    private int protectRtcp(byte[] b, int off, int len, int end) {
        checkDirection(true);
        if (len < RTCP_HEADER || (b[off] & 0xC0) != 0x80) {
            return SrtpStatus.MALFORMED;
        }
        if (end - off - len < rtcpOverhead) {
            return SrtpStatus.BUFFER_TOO_SMALL;
        }
        final int ssrc = (int) INT_BE.get(b, off + 4);
        SrtpStream s = streams.get(ssrc);
        if (s == null) {
            s = newStreamSlowPath(ssrc);
            if (s == null) {
                return SrtpStatus.UNKNOWN_SSRC;
            }
        }
        final long index = s.rtcpNext;
        if (index > 0x7FFFFFFFL) {
            return SrtpStatus.INDEX_EXHAUSTED;
        }
        final SrtpTransform t = active;
        if (t.srtcpPackets >= srtcpLifetime) {
            return expiredSlowPath(t, true);
        }
        int n = t.protectRtcp(b, off, len, ssrc, (int) index);
        s.rtcpNext = index + 1;
        if (++t.srtcpPackets >= srtcpSoft) {
            softLimitSlowPath(t, true);
        }
        return n;
    }

    private int unprotectRtcp0(byte[] b, int off, int len) {
        checkDirection(false);
        if (len < RTCP_HEADER + rtcpOverhead || (b[off] & 0xC0) != 0x80) {
            return SrtpStatus.MALFORMED;
        }
        final SrtpTransform t = mkiLength == 0 ? active : keyForMki(b, off + transforms[0].rtcpMkiPosition(len));
        if (t == null) {
            return SrtpStatus.BAD_MKI;
        }
        final long index = (int) INT_BE.get(b, off + t.rtcpIndexPosition(len)) & 0x7FFFFFFFL;
        final int ssrc = (int) INT_BE.get(b, off + 4);
        SrtpStream s = streams.get(ssrc);
        if (s != null) {
            int replay = replayStatus(s.rtcpWindow.check(index));
            if (replay != 0) {
                return replay;
            }
        } else if (!anySsrc || streams.size() >= maxStreams) {
            return SrtpStatus.UNKNOWN_SSRC;
        }
        if (t.srtcpPackets >= srtcpLifetime) {
            return expiredSlowPath(t, true);
        }
        int n = t.unprotectRtcp(b, off, len, ssrc);
        if (n < 0) {
            return n;
        }
        if (s == null) {
            s = newStreamSlowPath(ssrc);
        }
        s.rtcpWindow.commit(index);
        if (++t.srtcpPackets >= srtcpSoft) {
            softLimitSlowPath(t, true);
        }
        return n;
    }

    /**
     * Length of the RTP header with CSRCs and extension (RFC 3550 §5.1, §5.3.1), or -1 if it does
     * not fit in {@code len} octets.
     *
     * <pre>
     *  0                   1                   2                   3
     * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
     * |                           timestamp                           |
     * |                             SSRC                              |
     * |                 CSRC list (CC x 32 bits)                      |
     * |  defined by profile (X=1)     |   extension length (words)    |
     * |                      header extension ...                     |
     * </pre>
     */
    static int rtpHeaderLength(byte[] b, int off, int len) {
        int first = b[off];
        int h = RTP_HEADER + ((first & 0x0F) << 2);
        if ((first & 0x10) != 0) {
            if (h + 4 > len) {
                return -1;
            }
            h += 4 + (((short) SHORT_BE.get(b, off + h + 2) & 0xFFFF) << 2);
        }
        return h <= len ? h : -1;
    }

    private SrtpTransform keyForMki(byte[] b, int position) {
        final SrtpTransform[] ts = transforms;
        for (SrtpTransform t : ts) {
            if (t.mkiMatches(b, position)) {
                return t;
            }
        }
        return null;
    }

    private static int replayStatus(int check) {
        if (check == ReplayWindow.NEW) {
            return 0;
        }
        return check == ReplayWindow.REPLAYED ? SrtpStatus.REPLAYED : SrtpStatus.TOO_OLD;
    }

    private void checkDirection(boolean protect) {
        if (protect != outbound) {
            throw new IllegalStateException(
                    outbound
                            ? "outbound session: use protectRtp/protectRtcp"
                            : "inbound session: use unprotectRtp/unprotectRtcp");
        }
    }

    private SrtpStream newStreamSlowPath(int ssrc) {
        if (!anySsrc || streams.size() >= maxStreams) {
            return null;
        }
        SrtpStream s = new SrtpStream(ssrc, windowSize);
        streams.put(ssrc, s);
        return s;
    }

    private int indexOf(SrtpTransform t) {
        for (int i = 0; i < transforms.length; i++) {
            if (transforms[i] == t) {
                return i;
            }
        }
        return -1;
    }

    private int expiredSlowPath(SrtpTransform t, boolean rtcp) {
        if (rtcp ? !t.srtcpHardNotified : !t.srtpHardNotified) {
            if (rtcp) {
                t.srtcpHardNotified = true;
            } else {
                t.srtpHardNotified = true;
            }
            policy.keyLimitListener()
                    .limitReached(
                            this,
                            rtcp ? SrtpKeyLimitListener.Limit.SRTCP_HARD : SrtpKeyLimitListener.Limit.SRTP_HARD,
                            indexOf(t),
                            rtcp ? t.srtcpPackets : t.srtpPackets);
        }
        return SrtpStatus.KEY_EXPIRED;
    }

    private void softLimitSlowPath(SrtpTransform t, boolean rtcp) {
        if (rtcp ? !t.srtcpSoftNotified : !t.srtpSoftNotified) {
            if (rtcp) {
                t.srtcpSoftNotified = true;
            } else {
                t.srtpSoftNotified = true;
            }
            policy.keyLimitListener()
                    .limitReached(
                            this,
                            rtcp ? SrtpKeyLimitListener.Limit.SRTCP_SOFT : SrtpKeyLimitListener.Limit.SRTP_SOFT,
                            indexOf(t),
                            rtcp ? t.srtcpPackets : t.srtpPackets);
        }
    }

    // --------------------------------------------------------------------------- ByteBuffers

    private static final int PROTECT_RTP = 0;
    private static final int UNPROTECT_RTP = 1;
    private static final int PROTECT_RTCP = 2;
    private static final int UNPROTECT_RTCP = 3;

    private int onBuffer(ByteBuffer buf, int op) {
        if (buf.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        final int pos = buf.position();
        final int len = buf.limit() - pos;
        final int r;
        if (buf.hasArray()) {
            byte[] a = buf.array();
            int base = buf.arrayOffset();
            r = dispatch(op, a, base + pos, len, base + buf.capacity());
        } else {
            int room = Math.min(buf.capacity() - pos, len + Math.max(rtpOverhead, rtcpOverhead));
            byte[] s = directScratch;
            if (s.length < room) {
                s = directScratch = new byte[Math.max(room, 2048)];
            }
            buf.get(pos, s, 0, len);
            r = dispatch(op, s, 0, len, room);
            if (r >= 0) {
                buf.limit(pos + r);
                buf.put(pos, s, 0, r);
            }
        }
        if (r >= 0) {
            buf.limit(pos + r);
        }
        return r;
    }

    private int dispatch(int op, byte[] b, int off, int len, int end) {
        switch (op) {
            case PROTECT_RTP:
                return protectRtp(b, off, len, end);
            case UNPROTECT_RTP:
                return unprotectRtp0(b, off, len);
            case PROTECT_RTCP:
                return protectRtcp(b, off, len, end);
            default:
                return unprotectRtcp0(b, off, len);
        }
    }

    @Override
    public String toString() {
        return "SrtpSession[" + (outbound ? "outbound" : "inbound") + ", "
                + policy.suite().sdesName() + ", streams=" + streams.size() + "]";
    }
}
