package org.umsec.srtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.umsec.srtp.replay.ReplayWindow;

/**
 * Everything a {@link SrtpSession} needs to know: the crypto suite, the master key(s), and the
 * limits that guard the session. Immutable and thread-safe; build one with {@link #builder}.
 *
 * <pre>{@code
 * SrtpPolicy policy = SrtpPolicy.builder(SrtpSuite.AES_CM_128_HMAC_SHA1_80)
 *     .masterKey(SrtpMasterKey.of(key, salt))
 *     .replayWindowSize(128)
 *     .build();
 * SrtpSession rx = SrtpSession.inbound(policy);
 * }</pre>
 *
 * <p>Limits and what each one blocks:
 * <ul>
 *   <li>Replay window, default {@value ReplayWindow#DEFAULT_SIZE} packets, up to
 *       {@value ReplayWindow#MAX_SIZE}: replayed packets; a larger window tolerates more
 *       reordering at 1 bit per packet of memory per SSRC.
 *   <li>Key lifetime, default and maximum 2^48 SRTP / 2^31 SRTCP packets per master key (RFC 3711
 *       §9.2): keystream reuse. A soft-limit warning fires {@link #DEFAULT_LIFETIME_WARNING}
 *       packets before the end (or at half the lifetime for small lifetimes).
 *   <li>Stream limit, default {@value #DEFAULT_MAX_STREAMS} SSRCs per session: memory exhaustion by
 *       a peer that holds the key and invents SSRCs. Only authenticated packets create state.
 *   <li>Key derivation rate: only 0 (keys derived once) is supported; RFC 4568 SDES almost never
 *       signals another value, and a non-zero rate is refused at build time.
 * </ul>
 */
public final class SrtpPolicy {

    /** Largest SRTP key lifetime, 2^48 packets. */
    public static final long MAX_SRTP_LIFETIME = 1L << 48;
    /** Largest SRTCP key lifetime, 2^31 packets. */
    public static final long MAX_SRTCP_LIFETIME = 1L << 31;
    /** Packets before the end of a key's lifetime at which the soft-limit event fires: 2^20. */
    public static final long DEFAULT_LIFETIME_WARNING = 1L << 20;
    /** Default maximum number of SSRCs per session. */
    public static final int DEFAULT_MAX_STREAMS = 1024;

    private final SrtpSuite suite;
    private final List<SrtpMasterKey> masterKeys;
    private final int replayWindowSize;
    private final boolean encryptRtp;
    private final boolean encryptRtcp;
    private final int[] ssrcs;
    private final int maxStreams;
    private final long srtpLifetime;
    private final long srtcpLifetime;
    private final SrtpKeyLimitListener keyLimitListener;

    private SrtpPolicy(Builder b) {
        this.suite = b.suite;
        this.masterKeys = Collections.unmodifiableList(new ArrayList<>(b.masterKeys));
        this.replayWindowSize = b.replayWindowSize;
        this.encryptRtp = b.encryptRtp;
        this.encryptRtcp = b.encryptRtcp;
        this.ssrcs = b.ssrcs.stream().mapToInt(Integer::intValue).distinct().toArray();
        this.maxStreams = b.maxStreams;
        this.srtpLifetime = b.srtpLifetime;
        this.srtcpLifetime = b.srtcpLifetime;
        this.keyLimitListener = b.keyLimitListener;
    }

    /**
     * Starts a policy for {@code suite}.
     *
     * @param suite the crypto suite
     * @return a builder
     */
    public static Builder builder(SrtpSuite suite) {
        return new Builder(suite);
    }

    /** The crypto suite. */
    public SrtpSuite suite() {
        return suite;
    }

    /** The master keys, in the order added; the first one protects outbound packets initially. */
    public List<SrtpMasterKey> masterKeys() {
        return masterKeys;
    }

    /** MKI length in octets carried by every packet (0 if the keys have no MKI). */
    public int mkiLength() {
        return masterKeys.get(0).mkiLength();
    }

    /** Replay window size in packets. */
    public int replayWindowSize() {
        return replayWindowSize;
    }

    /** Whether SRTP payloads are encrypted (false: authentication only; NULL suites never encrypt). */
    public boolean encryptRtp() {
        return encryptRtp;
    }

    /** Whether SRTCP packets are sent encrypted (the E flag); received packets follow their flag. */
    public boolean encryptRtcp() {
        return encryptRtcp;
    }

    /** The configured SSRCs (a copy); empty means any SSRC (created on first valid packet). */
    public int[] ssrcs() {
        return ssrcs.clone();
    }

    /** Whether any SSRC is accepted. */
    public boolean anySsrc() {
        return ssrcs.length == 0;
    }

    /** The maximum number of SSRCs a session keeps state for. */
    public int maxStreams() {
        return maxStreams;
    }

    /** Maximum SRTP packets per master key. */
    public long srtpLifetime() {
        return srtpLifetime;
    }

    /** Maximum SRTCP packets per master key. */
    public long srtcpLifetime() {
        return srtcpLifetime;
    }

    /** The key-lifetime listener (a no-op unless set). */
    public SrtpKeyLimitListener keyLimitListener() {
        return keyLimitListener;
    }

    /** Packets of an SRTP or SRTCP lifetime after which the soft-limit event fires. */
    static long softLimit(long lifetime) {
        return lifetime > 2 * DEFAULT_LIFETIME_WARNING ? lifetime - DEFAULT_LIFETIME_WARNING : lifetime / 2;
    }

    @Override
    public String toString() {
        return "SrtpPolicy[" + suite.sdesName() + ", keys=" + masterKeys.size() + ", mki="
                + mkiLength() + ", replayWindow=" + replayWindowSize + ", ssrcs="
                + (ssrcs.length == 0 ? "any" : Arrays.toString(ssrcs)) + "]";
    }

    /** Builds {@link SrtpPolicy} instances; each setter checks its argument at once. */
    public static final class Builder {
        private final SrtpSuite suite;
        private final List<SrtpMasterKey> masterKeys = new ArrayList<>();
        private final List<Integer> ssrcs = new ArrayList<>();
        private int replayWindowSize = ReplayWindow.DEFAULT_SIZE;
        private boolean encryptRtp = true;
        private boolean encryptRtcp = true;
        private int maxStreams = DEFAULT_MAX_STREAMS;
        private long srtpLifetime = MAX_SRTP_LIFETIME;
        private long srtcpLifetime = MAX_SRTCP_LIFETIME;
        private SrtpKeyLimitListener keyLimitListener = (session, limit, index, packets) -> {};

        private Builder(SrtpSuite suite) {
            this.suite = Objects.requireNonNull(suite, "suite");
        }

        /**
         * Adds a master key. The first key added protects outbound packets until
         * {@link SrtpSession#useMasterKey(int)} selects another; inbound packets select theirs by MKI.
         *
         * @param key the key, with lengths matching the suite
         * @return this builder
         * @throws IllegalArgumentException if the key or salt length does not match the suite, or if
         *     the MKI presence or length differs from keys added before, or two keys share an MKI
         */
        public Builder masterKey(SrtpMasterKey key) {
            Objects.requireNonNull(key, "key");
            byte[] k = key.key();
            byte[] s = key.salt();
            if (k.length != suite.masterKeyLength()) {
                throw new IllegalArgumentException(suite.sdesName() + " needs a " + suite.masterKeyLength()
                        + "-octet master key, got " + k.length);
            }
            if (s.length != suite.masterSaltLength()) {
                throw new IllegalArgumentException(suite.sdesName() + " needs a " + suite.masterSaltLength()
                        + "-octet master salt, got " + s.length);
            }
            if (!masterKeys.isEmpty()) {
                if (masterKeys.get(0).mkiLength() != key.mkiLength()) {
                    throw new IllegalArgumentException("all master keys need the same MKI length ("
                            + masterKeys.get(0).mkiLength() + "), got " + key.mkiLength());
                }
                if (key.mkiLength() == 0) {
                    throw new IllegalArgumentException("several master keys need an MKI each");
                }
                for (SrtpMasterKey other : masterKeys) {
                    if (Arrays.equals(other.mki(), key.mki())) {
                        throw new IllegalArgumentException("two master keys with the same MKI");
                    }
                }
            }
            masterKeys.add(key);
            return this;
        }

        /**
         * Shorthand for {@code masterKey(SrtpMasterKey.of(key, salt))}.
         *
         * @param key the master key
         * @param salt the master salt
         * @return this builder
         */
        public Builder masterKey(byte[] key, byte[] salt) {
            return masterKey(SrtpMasterKey.of(key, salt));
        }

        /**
         * Sets the replay window size.
         *
         * @param size packets, a power of two from {@value ReplayWindow#MIN_SIZE} to
         *     {@value ReplayWindow#MAX_SIZE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder replayWindowSize(int size) {
            new ReplayWindow(size); // validates
            this.replayWindowSize = size;
            return this;
        }

        /**
         * Whether to encrypt SRTP payloads (default true). False gives authentication-only SRTP, as
         * libsrtp's {@code sec_serv_auth}; the peer must be configured alike.
         *
         * @param encrypt whether to encrypt
         * @return this builder
         */
        public Builder encryptRtp(boolean encrypt) {
            this.encryptRtp = encrypt;
            return this;
        }

        /**
         * Whether to send SRTCP encrypted (default true, RFC 3711 §3.4 E flag set).
         *
         * @param encrypt whether to encrypt
         * @return this builder
         */
        public Builder encryptRtcp(boolean encrypt) {
            this.encryptRtcp = encrypt;
            return this;
        }

        /**
         * Restricts the session to an SSRC (call once per SSRC). Without any, the session accepts
         * any SSRC, like libsrtp's {@code ssrc_any_inbound}, creating its state on the first packet
         * that authenticates.
         *
         * @param ssrc the SSRC
         * @return this builder
         */
        public Builder ssrc(int ssrc) {
            ssrcs.add(ssrc);
            return this;
        }

        /**
         * Caps how many SSRCs a session keeps state for.
         *
         * @param max at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code max < 1}
         */
        public Builder maxStreams(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxStreams must be at least 1: " + max);
            }
            this.maxStreams = max;
            return this;
        }

        /**
         * Shortens the master key lifetime, for example from an SDES lifetime parameter.
         *
         * @param srtpPackets 1 to 2^48
         * @param srtcpPackets 1 to 2^31
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder keyLifetime(long srtpPackets, long srtcpPackets) {
            if (srtpPackets < 1 || srtpPackets > MAX_SRTP_LIFETIME) {
                throw new IllegalArgumentException("SRTP lifetime must be 1..2^48: " + srtpPackets);
            }
            if (srtcpPackets < 1 || srtcpPackets > MAX_SRTCP_LIFETIME) {
                throw new IllegalArgumentException("SRTCP lifetime must be 1..2^31: " + srtcpPackets);
            }
            this.srtpLifetime = srtpPackets;
            this.srtcpLifetime = srtcpPackets;
            return this;
        }

        /**
         * Sets the listener told about key lifetime limits.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder keyLimitListener(SrtpKeyLimitListener listener) {
            this.keyLimitListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The key derivation rate (RFC 3711 §4.3.1). Only 0 is supported.
         *
         * @param rate must be 0
         * @return this builder
         * @throws IllegalArgumentException for any other rate: periodic re-derivation is not
         *     implemented
         */
        public Builder keyDerivationRate(long rate) {
            if (rate != 0) {
                throw new IllegalArgumentException(
                        "key derivation rate " + rate + " is not supported; only 0 (derive once) is");
            }
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         * @throws IllegalStateException if no master key was added
         */
        public SrtpPolicy build() {
            if (masterKeys.isEmpty()) {
                throw new IllegalStateException("no master key");
            }
            return new SrtpPolicy(this);
        }
    }
}
