/**
 * Netty codec for SIP on stream transports: {@link org.umsec.sip.codec.SipMessageDecoder} (framing by
 * Content-Length, keep-alives, limits from {@link org.umsec.sip.codec.SipDecoderConfig}, typed
 * {@link org.umsec.sip.codec.SipDecodeError} results) and {@link org.umsec.sip.codec.SipMessageEncoder};
 * {@link org.umsec.sip.codec.SipMessageParser} parses one whole message held in memory.
 */
package org.umsec.sip.codec;
