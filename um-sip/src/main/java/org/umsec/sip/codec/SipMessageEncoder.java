package org.umsec.sip.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import org.umsec.sip.SipMessage;

/**
 * Writes {@link SipMessage}s in wire form ({@link SipMessage#encode(ByteBuf)}: Content-Length always
 * computed from the body) and {@link SipKeepAlive}s (PING = CRLF CRLF, PONG = CRLF).
 *
 * <p>Writing a message hands it over: the encoder releases it once written, as Netty encoders do; call
 * {@link SipMessage#retain()} first to keep using it. Stateless and {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
public final class SipMessageEncoder extends MessageToByteEncoder<Object> {
    /** Creates the encoder. */
    public SipMessageEncoder() {
        super(Object.class);
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof SipMessage || msg instanceof SipKeepAlive;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Object msg, boolean preferDirect) {
        int size = msg instanceof SipMessage ? 512 + ((SipMessage) msg).contentLength() : 4;
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
        if (msg instanceof SipMessage) {
            ((SipMessage) msg).encode(out);
        } else if (msg == SipKeepAlive.PING) {
            out.writeByte('\r').writeByte('\n').writeByte('\r').writeByte('\n');
        } else {
            out.writeByte('\r').writeByte('\n');
        }
    }
}
