package org.umsec.srtp;

import org.umsec.srtp.internal.AesCtr;
import org.umsec.srtp.internal.HmacSha1;
import org.umsec.srtp.internal.Kdf;
import org.umsec.srtp.internal.KeyDerivation;

/**
 * AES counter mode (or the NULL cipher) with HMAC-SHA1 (or no authentication), RFC 3711 §3-4 and
 * RFC 6188.
 *
 * <pre>
 * SRTP:  | RTP header | payload (encrypted) | MKI (opt) | tag |
 *        |&lt;------- authenticated (plus ROC) ---&gt;|
 * SRTCP: | header, SSRC | rest (encrypted if E) | E|index | MKI (opt) | tag |
 *        |&lt;-------------- authenticated ----------------&gt;|
 * </pre>
 *
 * <p>The counter block for packet index i is (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)
 * (RFC 3711 §4.1.1), block j adding j to the low 16 bits.
 */
final class AesCmTransform extends SrtpTransform {

    private final SrtpSuite suite;
    // Set by deriveRtpKeys / deriveRtcpKeys before the first packet of their kind (see SrtpTransform).
    private AesCtr rtpAes;
    private AesCtr rtcpAes;
    private long rtpSaltHi;
    private long rtpSaltLo;
    private long rtcpSaltHi;
    private long rtcpSaltLo;
    private HmacSha1 rtpMac;
    private HmacSha1 rtcpMac;
    private final byte[] tag = new byte[HmacSha1.LENGTH];

    AesCmTransform(SrtpSuite suite, KeyDerivation kdf, byte[] mki, boolean encryptRtp, boolean encryptRtcp) {
        super(suite, kdf, mki, encryptRtp, encryptRtcp);
        this.suite = suite;
    }

    @Override
    void deriveRtpKeys(KeyDerivation kdf) {
        if (suite.encrypts()) {
            rtpAes = new AesCtr(kdf.derive(Kdf.SRTP_ENCRYPTION, suite.masterKeyLength()));
            byte[] salt = saltBlock(kdf.derive(Kdf.SRTP_SALT, 14));
            rtpSaltHi = (long) LONG_BE.get(salt, 0);
            rtpSaltLo = (long) LONG_BE.get(salt, 8);
        }
        if (suite.authenticates()) {
            rtpMac = new HmacSha1(kdf.derive(Kdf.SRTP_AUTHENTICATION, suite.sessionAuthKeyLength()));
        }
    }

    @Override
    void deriveRtcpKeys(KeyDerivation kdf) {
        if (suite.encrypts()) {
            rtcpAes = new AesCtr(kdf.derive(Kdf.SRTCP_ENCRYPTION, suite.masterKeyLength()));
            byte[] salt = saltBlock(kdf.derive(Kdf.SRTCP_SALT, 14));
            rtcpSaltHi = (long) LONG_BE.get(salt, 0);
            rtcpSaltLo = (long) LONG_BE.get(salt, 8);
        }
        if (suite.authenticates()) {
            rtcpMac = new HmacSha1(kdf.derive(Kdf.SRTCP_AUTHENTICATION, suite.sessionAuthKeyLength()));
        }
    }

    /** The 14-octet salt shifted left by 16 bits, as a 16-octet block. */
    private static byte[] saltBlock(byte[] salt14) {
        byte[] block = new byte[16];
        System.arraycopy(salt14, 0, block, 0, 14);
        return block;
    }

    @Override
    int rtpMkiPosition(int len) {
        return len - rtpTagLength - mkiLength;
    }

    @Override
    int rtcpIndexPosition(int len) {
        return len - rtcpTagLength - mkiLength - 4;
    }

    @Override
    int rtcpMkiPosition(int len) {
        return len - rtcpTagLength - mkiLength;
    }

    @Override
    int protectRtp(byte[] b, int off, int len, int headerLength, int ssrc, long index) {
        rtpKeys();
        if (encryptRtp) {
            rtpAes.start(rtpSaltHi ^ (ssrc & 0xFFFFFFFFL), rtpSaltLo ^ (index << 16));
            rtpAes.apply(b, off + headerLength, len - headerLength);
        }
        int end = len;
        if (mkiLength > 0) {
            System.arraycopy(mki, 0, b, off + end, mkiLength);
            end += mkiLength;
        }
        final HmacSha1 mac = rtpMac;
        if (mac != null) {
            mac.start();
            mac.update(b, off, len);
            mac.updateInt((int) (index >>> 16));
            mac.finish(tag, 0);
            System.arraycopy(tag, 0, b, off + end, rtpTagLength);
            end += rtpTagLength;
        }
        return end;
    }

    @Override
    int unprotectRtp(byte[] b, int off, int len, int headerLength, int ssrc, long index) {
        rtpKeys();
        int authenticated = len - rtpTagLength - mkiLength;
        final HmacSha1 mac = rtpMac;
        if (mac != null) {
            mac.start();
            mac.update(b, off, authenticated);
            mac.updateInt((int) (index >>> 16));
            mac.finish(tag, 0);
            if (!tagEquals(tag, 0, b, off + len - rtpTagLength, rtpTagLength)) {
                return SrtpStatus.AUTH_FAILED;
            }
        }
        if (encryptRtp) {
            rtpAes.start(rtpSaltHi ^ (ssrc & 0xFFFFFFFFL), rtpSaltLo ^ (index << 16));
            rtpAes.apply(b, off + headerLength, authenticated - headerLength);
        }
        return authenticated;
    }

    @Override
    int protectRtcp(byte[] b, int off, int len, int ssrc, int index) {
        rtcpKeys();
        if (encryptRtcp) {
            rtcpAes.start(rtcpSaltHi ^ (ssrc & 0xFFFFFFFFL), rtcpSaltLo ^ ((long) index << 16));
            rtcpAes.apply(b, off + 8, len - 8);
            INT_BE.set(b, off + len, index | 0x80000000);
        } else {
            INT_BE.set(b, off + len, index);
        }
        int end = len + 4;
        if (mkiLength > 0) {
            System.arraycopy(mki, 0, b, off + end, mkiLength);
            end += mkiLength;
        }
        final HmacSha1 mac = rtcpMac;
        if (mac != null) {
            mac.start();
            mac.update(b, off, len + 4);
            mac.finish(tag, 0);
            System.arraycopy(tag, 0, b, off + end, rtcpTagLength);
            end += rtcpTagLength;
        }
        return end;
    }

    @Override
    int unprotectRtcp(byte[] b, int off, int len, int ssrc) {
        rtcpKeys();
        int indexPosition = rtcpIndexPosition(len);
        final HmacSha1 mac = rtcpMac;
        if (mac != null) {
            mac.start();
            mac.update(b, off, indexPosition + 4);
            mac.finish(tag, 0);
            if (!tagEquals(tag, 0, b, off + len - rtcpTagLength, rtcpTagLength)) {
                return SrtpStatus.AUTH_FAILED;
            }
        }
        int word = (int) INT_BE.get(b, off + indexPosition);
        if (word < 0 && rtcpAes != null) {
            rtcpAes.start(rtcpSaltHi ^ (ssrc & 0xFFFFFFFFL), rtcpSaltLo ^ ((long) (word & 0x7FFFFFFF) << 16));
            rtcpAes.apply(b, off + 8, indexPosition - 8);
        }
        return indexPosition;
    }
}
