package org.umsec.srtp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.umsec.srtp.internal.KeyDerivation;

/**
 * The cryptographic transform of one master key: the session keys derived from it (RFC 3711
 * §4.3) and the packet layouts of its suite family. The caller ({@link SrtpSession}) has already
 * parsed the header, checked lengths and buffer room, chosen the packet index and checked replay;
 * a transform only encrypts, authenticates, verifies and decrypts.
 *
 * <p>The SRTP keys (and their ciphers and MAC) are derived with the first SRTP packet, the SRTCP
 * keys with the first SRTCP packet: a session used for one of the two (as most are: media and RTCP
 * often have sessions of their own) never pays for the other, and a master key that is never used
 * costs no derivation. Each packet method starts with {@link #rtpKeys()} or {@link #rtcpKeys()};
 * like the session, a transform is confined to one thread at a time.
 *
 * <p>Also carries the master key's lifetime counters (RFC 3711 §9.2), which count packets of all
 * SSRCs protected or accepted with this key.
 */
abstract class SrtpTransform {

    static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    final byte[] mki;
    final int mkiLength;
    final int rtpTagLength;
    final int rtcpTagLength;
    final boolean encryptRtp;
    final boolean encryptRtcp;

    /** Packets protected or accepted with this key, for the lifetime limits. */
    long srtpPackets;

    long srtcpPackets;
    boolean srtpSoftNotified;
    boolean srtcpSoftNotified;
    boolean srtpHardNotified;
    boolean srtcpHardNotified;

    /**
     * The source of the session keys. Final, and kept (it holds no more than the policy's master
     * key), so that a session handed to its I/O thread reads it as constructed.
     */
    private final KeyDerivation keys;

    private boolean rtpKeysDerived;
    private boolean rtcpKeysDerived;

    SrtpTransform(SrtpSuite suite, KeyDerivation keys, byte[] mki, boolean encryptRtp, boolean encryptRtcp) {
        this.keys = keys;
        this.mki = mki == null ? new byte[0] : mki.clone();
        this.mkiLength = this.mki.length;
        this.rtpTagLength = suite.srtpTagLength();
        this.rtcpTagLength = suite.srtcpTagLength();
        this.encryptRtp = encryptRtp && suite.encrypts();
        this.encryptRtcp = encryptRtcp && suite.encrypts();
    }

    static SrtpTransform create(
            SrtpSuite suite, SrtpMasterKey key, KeyDerivation kdf, boolean encryptRtp, boolean encryptRtcp) {
        if (suite.isAead()) {
            return new AesGcmTransform(suite, kdf, key.mki(), encryptRtp, encryptRtcp);
        }
        return new AesCmTransform(suite, kdf, key.mki(), encryptRtp, encryptRtcp);
    }

    /** Derives the SRTP session keys unless done: the first statement of each SRTP packet method. */
    final void rtpKeys() {
        if (!rtpKeysDerived) {
            rtpKeysSlowPath();
        }
    }

    /** Derives the SRTCP session keys unless done: the first statement of each SRTCP packet method. */
    final void rtcpKeys() {
        if (!rtcpKeysDerived) {
            rtcpKeysSlowPath();
        }
    }

    private void rtpKeysSlowPath() {
        deriveRtpKeys(keys);
        rtpKeysDerived = true;
    }

    private void rtcpKeysSlowPath() {
        deriveRtcpKeys(keys);
        rtcpKeysDerived = true;
    }

    /** Derives the SRTP encryption key, salt and authentication key (labels 0x00-0x02) and builds their primitives. */
    abstract void deriveRtpKeys(KeyDerivation kdf);

    /** Derives the SRTCP encryption key, salt and authentication key (labels 0x03-0x05) and builds their primitives. */
    abstract void deriveRtcpKeys(KeyDerivation kdf);

    /** Where the MKI of an SRTP packet of total length {@code len} starts (relative offset). */
    abstract int rtpMkiPosition(int len);

    /** Where the MKI of an SRTCP packet of total length {@code len} starts (relative offset). */
    abstract int rtcpMkiPosition(int len);

    /** Where the E flag and SRTCP index word of an SRTCP packet of length {@code len} starts. */
    abstract int rtcpIndexPosition(int len);

    /**
     * Protects an RTP packet in place: encrypts the payload, appends the MKI and tag.
     *
     * @return the new length
     */
    abstract int protectRtp(byte[] b, int off, int len, int headerLength, int ssrc, long index);

    /**
     * Verifies and decrypts an SRTP packet in place.
     *
     * @return the RTP length, or {@link SrtpStatus#AUTH_FAILED} with the buffer untouched
     */
    abstract int unprotectRtp(byte[] b, int off, int len, int headerLength, int ssrc, long index);

    /**
     * Protects an RTCP packet in place: encrypts (if enabled) everything after the first 8 octets,
     * appends the E flag and index, the MKI and the tag.
     *
     * @return the new length
     */
    abstract int protectRtcp(byte[] b, int off, int len, int ssrc, int index);

    /**
     * Verifies and decrypts an SRTCP packet in place.
     *
     * @return the RTCP length, or {@link SrtpStatus#AUTH_FAILED} with the buffer untouched
     */
    abstract int unprotectRtcp(byte[] b, int off, int len, int ssrc);

    /** Whether the MKI at {@code b[pos..]} is this key's. */
    final boolean mkiMatches(byte[] b, int pos) {
        final byte[] m = mki;
        for (int i = 0; i < m.length; i++) {
            if (b[pos + i] != m[i]) {
                return false;
            }
        }
        return true;
    }

    /** Constant-time comparison of {@code n} octets. */
    static boolean tagEquals(byte[] a, int aOff, byte[] b, int bOff, int n) {
        int diff = 0;
        for (int i = 0; i < n; i++) {
            diff |= a[aOff + i] ^ b[bOff + i];
        }
        return diff == 0;
    }
}
