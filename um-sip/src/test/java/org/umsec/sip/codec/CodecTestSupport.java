package org.umsec.sip.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;

/** Feeding helpers for decoder tests on {@link EmbeddedChannel}. */
final class CodecTestSupport {
    private CodecTestSupport() {}

    static EmbeddedChannel channel() {
        return channel(SipDecoderConfig.defaults());
    }

    static EmbeddedChannel channel(SipDecoderConfig config) {
        return new EmbeddedChannel(new SipMessageDecoder(config));
    }

    /** Feeds the bytes whole, returns everything emitted. */
    static List<Object> feedWhole(EmbeddedChannel ch, byte[] data) {
        ch.writeInbound(Unpooled.wrappedBuffer(data));
        return drain(ch);
    }

    /** Feeds the bytes one at a time (each in its own buffer), returns everything emitted. */
    static List<Object> feedByteByByte(EmbeddedChannel ch, byte[] data) {
        List<Object> out = new ArrayList<>();
        for (byte b : data) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            out.addAll(drain(ch));
        }
        return out;
    }

    static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String outboundText(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    static void releaseAll(List<Object> objects) {
        for (Object o : objects) {
            ReferenceCountUtil.release(o);
        }
    }

    static byte[] encode(SipMessage m) {
        ByteBuf b = Unpooled.buffer();
        m.encode(b);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    /** Asserts that two messages mean the same: start line, headers (canonical names), typed values, body. */
    static void assertSameMeaning(SipMessage a, SipMessage b) {
        assertThat(b.isRequest()).isEqualTo(a.isRequest());
        if (a.isRequest()) {
            assertThat(((SipRequest) b).method()).isEqualTo(((SipRequest) a).method());
            assertThat(((SipRequest) b).requestUri()).isEqualTo(((SipRequest) a).requestUri());
        } else {
            assertThat(((SipResponse) b).status()).isEqualTo(((SipResponse) a).status());
            assertThat(((SipResponse) b).reasonPhrase()).isEqualTo(((SipResponse) a).reasonPhrase());
        }
        List<String> an = new ArrayList<>();
        List<String> bn = new ArrayList<>();
        for (int i = 0; i < a.headers().size(); i++) {
            if (!a.headers().canonicalName(i).equals("Content-Length")) {
                an.add(a.headers().canonicalName(i).toLowerCase() + ": "
                        + a.headers().value(i));
            }
        }
        for (int i = 0; i < b.headers().size(); i++) {
            if (!b.headers().canonicalName(i).equals("Content-Length")) {
                bn.add(b.headers().canonicalName(i).toLowerCase() + ": "
                        + b.headers().value(i));
            }
        }
        assertThat(bn).isEqualTo(an);
        assertThat(b.vias()).isEqualTo(a.vias());
        assertThat(b.from()).isEqualTo(a.from());
        assertThat(b.to()).isEqualTo(a.to());
        assertThat(b.callId()).isEqualTo(a.callId());
        assertThat(b.cseq()).isEqualTo(a.cseq());
        assertThat(b.contacts()).isEqualTo(a.contacts());
        assertThat(b.routes()).isEqualTo(a.routes());
        assertThat(b.recordRoutes()).isEqualTo(a.recordRoutes());
        assertThat(b.maxForwards()).isEqualTo(a.maxForwards());
        assertThat(b.body()).isEqualTo(a.body());
    }
}
