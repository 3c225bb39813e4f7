package org.umsec.sip.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.codec.CodecTestSupport.assertSameMeaning;
import static org.umsec.sip.codec.CodecTestSupport.encode;
import static org.umsec.sip.codec.CodecTestSupport.releaseAll;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;

/** encode(decode(m)) keeps m's meaning, however the bytes are split into reads. */
class SipCodecPropertiesTest {

    @Provide
    Arbitrary<String> tokens() {
        return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
                .ofMinLength(1).ofMaxLength(20);
    }

    @Provide
    Arbitrary<String> hosts() {
        return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789").ofMinLength(1).ofMaxLength(12)
                .list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    @Provide
    Arbitrary<String> displayNames() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('é', 'ß', '\u4e2d').ofMaxLength(20);
    }

    @Provide
    Arbitrary<SipMessage> messages() {
        Arbitrary<String> method = Arbitraries.of("INVITE", "OPTIONS", "BYE", "MESSAGE", "X-CUSTOM");
        return Combinators.combine(method, hosts(), tokens(), displayNames(), tokens(),
                Arbitraries.longs().between(0, 0x7FFFFFFFL), Arbitraries.strings().ofMaxLength(300),
                Arbitraries.integers().between(0, 4))
                .as((m, host, user, display, tag, seq, body, vias) -> {
                    SipRequest.Builder b = SipRequest.builder(m, "sip:" + user + "@" + host);
                    for (int i = 0; i <= vias; i++) {
                        b.via(Via.of(i % 2 == 0 ? "TLS" : "TCP", host, i == 0 ? -1 : 5060 + i, "z9hG4bK" + tag + i));
                    }
                    b.from(new NameAddress(display.isEmpty() ? null : display, "sip:" + user + "@" + host,
                            java.util.Map.of("tag", tag)))
                            .to(NameAddress.of("sips:" + host))
                            .callId(tag + "@" + host).cseq(seq)
                            .contact(NameAddress.of("sip:" + user + "@" + host + ";transport=tls"))
                            .header("X-" + user.replace('%', 'p'), display.trim());
                    if (!body.isEmpty()) {
                        b.body("text/plain;charset=utf-8", body);
                    }
                    return b.build();
                });
    }

    @Property(tries = 200)
    void encodeDecodeKeepsMeaning(@ForAll("messages") SipMessage m, @ForAll @IntRange(min = 1, max = 64) int chunk) {
        byte[] wire = encode(m);
        EmbeddedChannel ch = CodecTestSupport.channel();
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < wire.length; i += chunk) {
            ch.writeInbound(Unpooled.wrappedBuffer(wire, i, Math.min(chunk, wire.length - i)));
            out.addAll(CodecTestSupport.drain(ch));
        }
        assertThat(out).hasSize(1).first().isInstanceOf(SipMessage.class);
        SipMessage decoded = (SipMessage) out.get(0);
        assertSameMeaning(m, decoded);
        assertThat(encode(decoded)).isEqualTo(wire);
        releaseAll(out);
        assertThat(ch.finish()).isFalse();
    }

    @Property(tries = 100)
    void responsesBuiltFromDecodedRequestsDecodeToTheSameTransactionKeys(@ForAll("messages") SipMessage m,
            @ForAll @IntRange(min = 100, max = 699) int status) {
        SipResponse r = ((SipRequest) m).createResponse(status).toTag("srv").build();
        EmbeddedChannel ch = CodecTestSupport.channel();
        List<Object> out = CodecTestSupport.feedWhole(ch, encode(r));
        SipResponse d = (SipResponse) out.get(0);
        assertThat(d.status()).isEqualTo(status);
        assertThat(d.vias()).isEqualTo(m.vias());
        assertThat(d.callId()).isEqualTo(m.callId());
        assertThat(d.cseq()).isEqualTo(m.cseq());
        assertThat(d.from()).isEqualTo(m.from());
        assertThat(d.to().tag()).contains("srv");
        releaseAll(out);
        assertThat(ch.finish()).isFalse();
    }

    @Property(tries = 300)
    void arbitraryBytesNeverCrashOrLeak(@ForAll byte[] junk) {
        EmbeddedChannel ch = CodecTestSupport.channel(SipDecoderConfig.builder().maxHeaderBytes(512).build());
        byte[] prefix = "INVITE sip:a@b SIP/2.0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        List<Object> out = CodecTestSupport.feedWhole(ch, prefix);
        out.addAll(CodecTestSupport.feedWhole(ch, junk));
        out.addAll(CodecTestSupport.feedWhole(ch, "\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        for (Object o : out) {
            assertThat(o).isInstanceOfAny(SipMessage.class, SipDecodeError.class, SipKeepAlive.class);
        }
        releaseAll(out);
        ch.finishAndReleaseAll();
    }
}
