package org.umsec.sip.transport.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import org.umsec.sip.SipMessage;

/** Sits between the codec and the connection and hands every SIP message to the {@link SipTrace}. */
final class TraceHandler extends ChannelDuplexHandler {
    private final SipTrace trace;
    private final Object connection;

    TraceHandler(SipTrace trace, Object connection) {
        this.trace = trace;
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof SipMessage m) {
            trace.message(connection, true, m);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof SipMessage m) {
            trace.message(connection, false, m);
        }
        super.write(ctx, msg, promise);
    }
}
