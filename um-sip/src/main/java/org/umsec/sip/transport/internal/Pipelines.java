package org.umsec.sip.transport.internal;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.umsec.sip.codec.SipDecoderConfig;
import org.umsec.sip.codec.SipMessageDecoder;
import org.umsec.sip.codec.SipMessageEncoder;

/** Assembles a SIP connection's pipeline: [TLS], idle timer, codec, trace, connection. */
public final class Pipelines {
    private static final SipMessageEncoder ENCODER = new SipMessageEncoder();

    private Pipelines() {}

    /**
     * @param p the pipeline
     * @param ssl the TLS handler, or null for TCP
     * @param handshakeTimeout TLS handshake limit
     * @param idleTimeout close after this long without reads or writes
     * @param decoder codec limits
     * @param connection the connection handler
     * @param trace the SIP message trace, or null
     */
    public static void build(
            ChannelPipeline p,
            SslHandler ssl,
            Duration handshakeTimeout,
            Duration idleTimeout,
            SipDecoderConfig decoder,
            SipChannel connection,
            SipTrace trace) {
        if (ssl != null) {
            ssl.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
            p.addLast("tls", ssl);
        }
        p.addLast("idle", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("decoder", new SipMessageDecoder(decoder));
        p.addLast("encoder", ENCODER);
        if (trace != null) {
            p.addLast("trace", new TraceHandler(trace, connection));
        }
        p.addLast("sip", connection);
    }

    /**
     * @param ctx the context
     * @param alloc allocator
     * @param host client side: host dialled (SNI and identity check); server side: null
     * @param port client side: port dialled
     * @return a new TLS handler
     */
    public static SslHandler ssl(SslContext ctx, io.netty.buffer.ByteBufAllocator alloc, String host, int port) {
        return host == null ? ctx.newHandler(alloc) : ctx.newHandler(alloc, host, port);
    }
}
