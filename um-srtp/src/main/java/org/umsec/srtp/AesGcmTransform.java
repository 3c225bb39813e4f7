package org.umsec.srtp;

import org.umsec.srtp.internal.AesCtr;
import org.umsec.srtp.internal.Ghash;
import org.umsec.srtp.internal.Kdf;
import org.umsec.srtp.internal.KeyDerivation;

/**
 * AEAD_AES_128_GCM and AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714), with a 16-octet tag.
 *
 * <pre>
 * SRTP:  | RTP header (AAD) | payload (encrypted) | tag | MKI (opt) |
 * SRTCP: | header, SSRC (AAD) | rest (encrypted) | tag | E|index (AAD) | MKI (opt) |
 *        unencrypted SRTCP (E = 0): the whole RTCP packet and the E|index word are the AAD
 * </pre>
 *
 * <p>The 12-octet IV is the session salt XOR {@code 00 00 || SSRC || ROC || SEQ} for SRTP
 * (RFC 7714 §8.1) and XOR {@code 00 00 || SSRC || 00 00 || 0 || SRTCP index} for SRTCP (§9.1).
 * GCM runs on the re-positioned AES-CTR cipher (E_K(J0) masks the tag, the text keystream
 * follows from J0 + 1) and a table-driven GHASH, so no {@code Cipher.init} and no allocation happens per packet.
 */
final class AesGcmTransform extends SrtpTransform {

    private static final int TAG = 16;

    private final int keyLength;
    // Set by deriveRtpKeys / deriveRtcpKeys before the first packet of their kind (see SrtpTransform).
    private AesCtr rtpAes;
    private AesCtr rtcpAes;
    private Ghash rtpGhash;
    private Ghash rtcpGhash;
    private long rtpSaltHi;
    private long rtpSaltLo;
    private long rtcpSaltHi;
    private long rtcpSaltLo;
    private final byte[] mask = new byte[16];
    private final byte[] tag = new byte[16];

    AesGcmTransform(SrtpSuite suite, KeyDerivation kdf, byte[] mki, boolean encryptRtp, boolean encryptRtcp) {
        super(suite, kdf, mki, encryptRtp, encryptRtcp);
        this.keyLength = suite.masterKeyLength();
    }

    @Override
    void deriveRtpKeys(KeyDerivation kdf) {
        rtpAes = new AesCtr(kdf.derive(Kdf.SRTP_ENCRYPTION, keyLength));
        rtpGhash = new Ghash(hashKey(rtpAes), true);
        byte[] salt = ivBlock(kdf.derive(Kdf.SRTP_SALT, 12));
        rtpSaltHi = (long) LONG_BE.get(salt, 0);
        rtpSaltLo = (long) LONG_BE.get(salt, 8);
    }

    @Override
    void deriveRtcpKeys(KeyDerivation kdf) {
        rtcpAes = new AesCtr(kdf.derive(Kdf.SRTCP_ENCRYPTION, keyLength));
        rtcpGhash = new Ghash(hashKey(rtcpAes), false);
        byte[] salt = ivBlock(kdf.derive(Kdf.SRTCP_SALT, 12));
        rtcpSaltHi = (long) LONG_BE.get(salt, 0);
        rtcpSaltLo = (long) LONG_BE.get(salt, 8);
    }

    /** The hash key H = E_K(0^128): the keystream block of counter 0, from the cipher the transform uses anyway. */
    private static byte[] hashKey(AesCtr aes) {
        byte[] h = new byte[16];
        aes.start(0, 0);
        aes.nextBlock(h);
        return h;
    }

    private static byte[] ivBlock(byte[] salt12) {
        byte[] block = new byte[16];
        System.arraycopy(salt12, 0, block, 0, 12);
        return block;
    }

    @Override
    int rtpMkiPosition(int len) {
        return len - mkiLength;
    }

    @Override
    int rtcpIndexPosition(int len) {
        return len - mkiLength - 4;
    }

    @Override
    int rtcpMkiPosition(int len) {
        return len - mkiLength;
    }

    // Counter block J0 = IV || 00000001; the text keystream starts at J0 + 1.

    @Override
    int protectRtp(byte[] b, int off, int len, int headerLength, int ssrc, long index) {
        rtpKeys();
        final long a = rtpSaltHi ^ ((ssrc & 0xFFFFFFFFL) << 16) ^ (index >>> 32);
        final long j0 = (rtpSaltLo ^ (index << 32)) | 1;
        final Ghash g = rtpGhash;
        g.reset();
        if (encryptRtp) {
            int textLength = len - headerLength;
            rtpAes.start(a, j0);
            rtpAes.nextBlock(mask);
            rtpAes.apply(b, off + headerLength, textLength);
            g.update(b, off, headerLength);
            g.pad();
            g.update(b, off + headerLength, textLength);
            g.finish(headerLength, textLength, mask, 0, b, off + len);
        } else {
            rtpAes.start(a, j0);
            rtpAes.nextBlock(mask);
            g.update(b, off, len);
            g.finish(len, 0, mask, 0, b, off + len);
        }
        int end = len + TAG;
        if (mkiLength > 0) {
            System.arraycopy(mki, 0, b, off + end, mkiLength);
            end += mkiLength;
        }
        return end;
    }

    @Override
    int unprotectRtp(byte[] b, int off, int len, int headerLength, int ssrc, long index) {
        rtpKeys();
        final long a = rtpSaltHi ^ ((ssrc & 0xFFFFFFFFL) << 16) ^ (index >>> 32);
        final long j0 = (rtpSaltLo ^ (index << 32)) | 1;
        final int tagPosition = len - mkiLength - TAG;
        final Ghash g = rtpGhash;
        g.reset();
        if (encryptRtp) {
            int textLength = tagPosition - headerLength;
            rtpAes.start(a, j0);
            rtpAes.nextBlock(mask);
            g.update(b, off, headerLength);
            g.pad();
            g.update(b, off + headerLength, textLength);
            g.finish(headerLength, textLength, mask, 0, tag, 0);
            if (!tagEquals(tag, 0, b, off + tagPosition, TAG)) {
                return SrtpStatus.AUTH_FAILED;
            }
            rtpAes.apply(b, off + headerLength, textLength);
        } else {
            rtpAes.start(a, j0);
            rtpAes.nextBlock(mask);
            g.update(b, off, tagPosition);
            g.finish(tagPosition, 0, mask, 0, tag, 0);
            if (!tagEquals(tag, 0, b, off + tagPosition, TAG)) {
                return SrtpStatus.AUTH_FAILED;
            }
        }
        return tagPosition;
    }

    @Override
    int protectRtcp(byte[] b, int off, int len, int ssrc, int index) {
        rtcpKeys();
        final long a = rtcpSaltHi ^ ((ssrc & 0xFFFFFFFFL) << 16);
        final long j0 = (rtcpSaltLo ^ ((long) index << 32)) | 1;
        final int wordPosition = off + len + TAG;
        final Ghash g = rtcpGhash;
        g.reset();
        if (encryptRtcp) {
            INT_BE.set(b, wordPosition, index | 0x80000000);
            int textLength = len - 8;
            rtcpAes.start(a, j0);
            rtcpAes.nextBlock(mask);
            rtcpAes.apply(b, off + 8, textLength);
            g.update(b, off, 8);
            g.update(b, wordPosition, 4);
            g.pad();
            g.update(b, off + 8, textLength);
            g.finish(12, textLength, mask, 0, b, off + len);
        } else {
            INT_BE.set(b, wordPosition, index);
            rtcpAes.start(a, j0);
            rtcpAes.nextBlock(mask);
            g.update(b, off, len);
            g.update(b, wordPosition, 4);
            g.finish(len + 4L, 0, mask, 0, b, off + len);
        }
        int end = len + TAG + 4;
        if (mkiLength > 0) {
            System.arraycopy(mki, 0, b, off + end, mkiLength);
            end += mkiLength;
        }
        return end;
    }

    @Override
    int unprotectRtcp(byte[] b, int off, int len, int ssrc) {
        rtcpKeys();
        final int wordPosition = rtcpIndexPosition(len);
        final int tagPosition = wordPosition - TAG;
        final int word = (int) INT_BE.get(b, off + wordPosition);
        final long a = rtcpSaltHi ^ ((ssrc & 0xFFFFFFFFL) << 16);
        final long j0 = (rtcpSaltLo ^ ((long) (word & 0x7FFFFFFF) << 32)) | 1;
        final Ghash g = rtcpGhash;
        g.reset();
        if (word < 0) {
            int textLength = tagPosition - 8;
            rtcpAes.start(a, j0);
            rtcpAes.nextBlock(mask);
            g.update(b, off, 8);
            g.update(b, off + wordPosition, 4);
            g.pad();
            g.update(b, off + 8, textLength);
            g.finish(12, textLength, mask, 0, tag, 0);
            if (!tagEquals(tag, 0, b, off + tagPosition, TAG)) {
                return SrtpStatus.AUTH_FAILED;
            }
            rtcpAes.apply(b, off + 8, textLength);
        } else {
            rtcpAes.start(a, j0);
            rtcpAes.nextBlock(mask);
            g.update(b, off, tagPosition);
            g.update(b, off + wordPosition, 4);
            g.finish(tagPosition + 4L, 0, mask, 0, tag, 0);
            if (!tagEquals(tag, 0, b, off + tagPosition, TAG)) {
                return SrtpStatus.AUTH_FAILED;
            }
        }
        return tagPosition;
    }
}
