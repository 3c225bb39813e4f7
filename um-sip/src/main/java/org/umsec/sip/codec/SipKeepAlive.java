package org.umsec.sip.codec;

/**
 * RFC 5626 §3.5.1 keep-alives on stream transports: a ping is CRLF CRLF, the answer (pong) a single CRLF.
 *
 * <p>{@link SipMessageDecoder} emits {@link #PING} when it receives a ping (after answering it when so
 * configured) and {@link #PONG} when a lone CRLF ends the bytes received so far. Because a ping split
 * across two reads looks like a pong followed by more, a {@code PONG} can precede a {@code PING}; a server
 * ignores {@code PONG}. {@link SipMessageEncoder} writes {@code PING} as CRLF CRLF and {@code PONG} as CRLF.
 */
public enum SipKeepAlive {
    /** CRLF CRLF. */
    PING,
    /** CRLF. */
    PONG
}
