package org.umsec.sip.internal;

import io.netty.buffer.ByteBuf;
import java.util.List;
import org.umsec.sip.SipHeaders;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;

/** Bridge that lets the codec build model objects from indexed bytes without public constructors. */
public abstract class SipInternals {
    private static volatile SipInternals instance;

    /** Called once by the model package. */
    public static void set(SipInternals i) {
        instance = i;
    }

    /** The bridge, initialising the model package on first use. */
    public static SipInternals get() {
        SipInternals i = instance;
        if (i == null) {
            try {
                Class.forName(SipMessage.class.getName(), true, SipInternals.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            i = instance;
        }
        return i;
    }

    /**
     * A response to a rejected request with the well-formed ones of Via, From, To, Call-ID and CSeq
     * copied from {@code requestHeaders}; empty when there is no usable Via.
     */
    public abstract java.util.Optional<SipResponse> errorResponse(int status, String reason, SipHeaders requestHeaders);

    /** Headers over {@code src[base + span]}; {@code spans} holds four ints per header and is copied. */
    public abstract SipHeaders headers(byte[] src, int base, int count, int[] spans, byte[] ids);

    /** Detached headers from strings. */
    public abstract SipHeaders headers(List<String> names, List<String> values);

    /**
     * A request whose bytes live in {@code frame}; {@code canonical} when the frame is already in the
     * encoder's wire form (no folded lines, one Content-Length equal to the body length) (owned, released with the message). Offsets are relative
     * to {@code base} in {@code frame.array()}.
     */
    public abstract SipRequest request(
            ByteBuf frame,
            SipHeaders headers,
            String method,
            int uriStart,
            int uriEnd,
            int bodyStart,
            int bodyLength,
            boolean canonical);

    /** A response whose bytes live in {@code frame}. */
    public abstract SipResponse response(
            ByteBuf frame,
            SipHeaders headers,
            int status,
            int reasonStart,
            int reasonEnd,
            int bodyStart,
            int bodyLength,
            boolean canonical);
}
