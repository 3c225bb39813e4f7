package org.umsec.srtp;

import org.umsec.srtp.replay.ReplayWindow;

/**
 * Per-SSRC state of a session: the rollover counter and highest index (kept by the SRTP replay
 * window), and the SRTCP index (next to send, or the window of received ones).
 */
final class SrtpStream {

    final int ssrc;
    /** ROC assumed before the first packet; set by signalling for late joiners (RFC 3711 §3.3.1). */
    long initialRoc;

    final ReplayWindow rtpWindow;
    final ReplayWindow rtcpWindow;
    /** Outbound: the SRTCP index of the next packet (RFC 3711 §3.4 starts at 0). */
    long rtcpNext;

    SrtpStream(int ssrc, int windowSize) {
        this.ssrc = ssrc;
        this.rtpWindow = new ReplayWindow(windowSize);
        this.rtcpWindow = new ReplayWindow(windowSize);
    }

    /** The current rollover counter. */
    long roc() {
        long highest = rtpWindow.highest();
        return highest < 0 ? initialRoc : highest >>> 16;
    }

    /**
     * Estimates the packet index of sequence number {@code seq} (RFC 3711 §3.3.1 and Appendix A).
     *
     * @return the 48-bit index, or a negative {@link SrtpStatus}
     */
    long estimateIndex(int seq) {
        long highest = rtpWindow.highest();
        if (highest < 0) {
            return (initialRoc << 16) | seq;
        }
        long roc = highest >>> 16;
        int last = (int) highest & 0xFFFF;
        long v;
        if (last < 32768) {
            v = seq - last > 32768 ? roc - 1 : roc;
        } else {
            v = last - 32768 > seq ? roc + 1 : roc;
        }
        if (v < 0) {
            return SrtpStatus.TOO_OLD;
        }
        if (v > 0xFFFFFFFFL) {
            return SrtpStatus.INDEX_EXHAUSTED;
        }
        return (v << 16) | seq;
    }
}
