package org.umsec.sip.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.codec.CodecTestSupport.assertSameMeaning;
import static org.umsec.sip.codec.CodecTestSupport.encode;
import static org.umsec.sip.codec.CodecTestSupport.releaseAll;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;

/** encode(decode(m)) keeps m's meaning, however the bytes are split into reads. */
class SipCodecPropertiesTest {

    private static final String TOKEN_CHARS =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";
    private static final String HOST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String[] METHODS = {"INVITE", "OPTIONS", "BYE", "MESSAGE", "X-CUSTOM"};

    private static String chars(Random r, String alphabet, int min, int max) {
        StringBuilder sb = new StringBuilder();
        for (int n = min + r.nextInt(max - min + 1); n > 0; n--) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static String token(Random r) {
        return chars(r, TOKEN_CHARS, 1, 20);
    }

    private static String host(Random r) {
        StringBuilder sb = new StringBuilder(chars(r, HOST_CHARS, 1, 12));
        for (int n = r.nextInt(4); n > 0; n--) {
            sb.append('.').append(chars(r, HOST_CHARS, 1, 12));
        }
        return sb.toString();
    }

    /** Printable ASCII plus a few non-ASCII letters, up to 20 characters. */
    private static String displayName(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int n = r.nextInt(21); n > 0; n--) {
            int k = r.nextInt(100);
            sb.append(
                    k == 0
                            ? '\u00e9'
                            : k == 1 ? '\u00df' : k == 2 ? '\u4e2d' : (char) (' ' + r.nextInt('~' - ' ' + 1)));
        }
        return sb.toString();
    }

    /** Any characters (as the old generator: all of Unicode's BMP except surrogates), up to 300. */
    private static String body(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int n = r.nextInt(4) == 0 ? 0 : r.nextInt(301); n > 0; n--) {
            char c;
            do {
                c = (char) (r.nextBoolean() ? r.nextInt(128) : r.nextInt(0x10000));
            } while (Character.isSurrogate(c));
            sb.append(c);
        }
        return sb.toString();
    }

    static SipMessage message(Random r) {
        String m = METHODS[r.nextInt(METHODS.length)];
        String host = host(r);
        String user = token(r);
        String display = displayName(r);
        String tag = token(r);
        long seq = r.nextInt(Integer.MAX_VALUE);
        String body = body(r);
        int vias = r.nextInt(5);
        SipRequest.Builder b = SipRequest.builder(m, "sip:" + user + "@" + host);
        for (int i = 0; i <= vias; i++) {
            b.via(Via.of(i % 2 == 0 ? "TLS" : "TCP", host, i == 0 ? -1 : 5060 + i, "z9hG4bK" + tag + i));
        }
        b.from(new NameAddress(
                        display.isEmpty() ? null : display, "sip:" + user + "@" + host, java.util.Map.of("tag", tag)))
                .to(NameAddress.of("sips:" + host))
                .callId(tag + "@" + host)
                .cseq(seq)
                .contact(NameAddress.of("sip:" + user + "@" + host + ";transport=tls"))
                .header("X-" + user.replace('%', 'p'), display.trim());
        if (!body.isEmpty()) {
            b.body("text/plain;charset=utf-8", body);
        }
        return b.build();
    }

    @Test
    void encodeDecodeKeepsMeaning() {
        Seeded.run(200, r -> encodeDecodeKeepsMeaning(message(r), 1 + r.nextInt(64)));
    }

    private static void encodeDecodeKeepsMeaning(SipMessage m, int chunk) {
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

    /**
     * Framing never loses sync on valid input: several messages back to back, with CRLF keep-alives between
     * some of them, split at random points, come out as exactly those messages in order.
     */
    @Test
    void pipelinedMessagesKeepFramingInAnySplit() {
        Seeded.run(200, r -> {
            List<SipMessage> sent = new ArrayList<>();
            java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
            for (int n = 1 + r.nextInt(5); n > 0; n--) {
                if (r.nextInt(3) == 0) {
                    stream.writeBytes("\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
                SipMessage m = r.nextBoolean()
                        ? message(r)
                        : ((SipRequest) message(r))
                                .createResponse(100 + r.nextInt(600))
                                .toTag("t")
                                .build();
                sent.add(m);
                stream.writeBytes(encode(m));
            }
            byte[] wire = stream.toByteArray();
            EmbeddedChannel ch = CodecTestSupport.channel();
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < wire.length; ) {
                int n = Math.min(wire.length - i, 1 + r.nextInt(r.nextBoolean() ? 8 : 700));
                ch.writeInbound(Unpooled.wrappedBuffer(wire, i, n));
                out.addAll(CodecTestSupport.drain(ch));
                i += n;
            }
            out.removeIf(o -> o instanceof SipKeepAlive);
            assertThat(out).hasSameSizeAs(sent).allMatch(o -> o instanceof SipMessage);
            for (int i = 0; i < sent.size(); i++) {
                assertSameMeaning(sent.get(i), (SipMessage) out.get(i));
            }
            releaseAll(out);
            ch.finish();
            assertThat(CodecTestSupport.drain(ch)).isEmpty();
            ch.finishAndReleaseAll();
        });
    }

    @Test
    void responsesBuiltFromDecodedRequestsDecodeToTheSameTransactionKeys() {
        Seeded.run(100, r -> responseKeepsTransactionKeys(message(r), 100 + r.nextInt(600)));
    }

    private static void responseKeepsTransactionKeys(SipMessage m, int status) {
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

    @Test
    void arbitraryBytesNeverCrashOrLeak() {
        Seeded.run(300, r -> {
            byte[] junk = new byte[r.nextInt(4) == 0 ? r.nextInt(8) : r.nextInt(2000)];
            r.nextBytes(junk);
            arbitraryBytesNeverCrashOrLeak(junk);
        });
    }

    private static void arbitraryBytesNeverCrashOrLeak(byte[] junk) {
        EmbeddedChannel ch = CodecTestSupport.channel(
                SipDecoderConfig.builder().maxHeaderBytes(512).build());
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
