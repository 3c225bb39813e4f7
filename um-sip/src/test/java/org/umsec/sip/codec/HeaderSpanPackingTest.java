package org.umsec.sip.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.umsec.sip.SipMessage;

/**
 * Header offsets are kept packed (16 bits each) for header sections under 64 KiB and four ints per header
 * beyond: both forms must read and re-encode the same values, including headers that sit past 64 KiB (where a
 * truncated 16-bit offset would point at the wrong bytes).
 */
class HeaderSpanPackingTest {

    private static String message(int padding) {
        StringBuilder pad = new StringBuilder();
        int lines = 0;
        while (pad.length() < padding) {
            pad.append("X-Pad-")
                    .append(lines++)
                    .append(": ")
                    .append("a".repeat(900))
                    .append("\r\n");
        }
        return "INVITE sip:bob@example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TLS gw1.example.com:5061;branch=z9hG4bK-first\r\n"
                + pad
                + "From: \"Alice\" <sip:alice@example.com>;tag=ft1\r\n"
                + "To: <sip:bob@example.com>\r\n"
                + "Call-ID: late-call-id@gw1.example.com\r\n"
                + "CSeq: 7 INVITE\r\n"
                + "Subject: folded\r\n  continued\r\n"
                + "Content-Length: 4\r\n\r\nbody";
    }

    private static SipMessageParser parser() {
        return new SipMessageParser(SipDecoderConfig.builder()
                .maxHeaderBytes(256 * 1024)
                .maxHeaderCount(500)
                .build());
    }

    /** Found by Jazzer (corpus entry finding-folded-quoted-display-name): a fold inside a display name. */
    @Test
    void aFoldInsideADisplayNameReadsAsOneSpaceBeforeAndAfterARoundTrip() throws Exception {
        String wire = "INVITE sip:bob@example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP gw1.example.com;branch=z9hG4bK-fold\r\n"
                + "From: \"J Rose \r\n   Jr\" <sip:j@example.com>;tag=a\r\n"
                + "To: Bob\r\n Smith <sip:bob@example.com>\r\n"
                + "Call-ID: fold@gw1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        SipMessage m = parser().parse(wire.getBytes(StandardCharsets.UTF_8));
        assertThat(m.from().displayName()).contains("J Rose Jr");
        assertThat(m.to().displayName()).contains("Bob Smith");
        ByteBuf out = Unpooled.buffer();
        m.encode(out);
        SipMessage again = parser().parse(out.toString(StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        out.release();
        assertThat(again.from()).isEqualTo(m.from());
        assertThat(again.to()).isEqualTo(m.to());
    }

    @Test
    void smallAndHugeHeaderSectionsReadTheSameValues() throws Exception {
        for (int padding : new int[] {0, 20_000, 70_000, 140_000}) {
            SipMessage m = parser().parse(message(padding).getBytes(StandardCharsets.UTF_8));
            assertThat(m.topVia().branch()).as("padding %d", padding).contains("z9hG4bK-first");
            assertThat(m.callId()).as("padding %d", padding).isEqualTo("late-call-id@gw1.example.com");
            assertThat(m.cseq().sequence()).isEqualTo(7);
            assertThat(m.from().tag()).contains("ft1");
            assertThat(m.from().displayName()).contains("Alice");
            assertThat(m.to().tag()).isEmpty();
            assertThat(m.header("Subject")).contains("folded continued");
            assertThat(m.bodyText()).isEqualTo("body");
            assertThat(m.contentLength()).isEqualTo(4);
            ByteBuf out = Unpooled.buffer();
            m.encode(out);
            String wire = out.toString(StandardCharsets.UTF_8);
            out.release();
            // folded, so re-encoded header by header from the offsets: every value must come back intact
            assertThat(wire)
                    .contains(
                            "Call-ID: late-call-id@gw1.example.com\r\n",
                            "Subject: folded continued\r\n",
                            "CSeq: 7 INVITE\r\n")
                    .endsWith("\r\n\r\nbody");
            SipMessage again = parser().parse(wire.getBytes(StandardCharsets.UTF_8));
            assertThat(again.headers().size()).isEqualTo(m.headers().size());
            for (int i = 0; i < m.headers().size(); i++) {
                assertThat(again.headers().name(i)).isEqualTo(m.headers().name(i));
                assertThat(again.headers().value(i)).isEqualTo(m.headers().value(i));
            }
        }
    }

    @Test
    void decoderFromAStreamKeepsBodyAndKeysAfterTheFrameCopy() {
        EmbeddedChannel ch = new EmbeddedChannel(new SipMessageDecoder(SipDecoderConfig.builder()
                .maxHeaderBytes(256 * 1024)
                .maxHeaderCount(500)
                .build()));
        byte[] bytes = message(70_000).getBytes(StandardCharsets.UTF_8);
        // two messages in one read, then one split across reads
        ByteBuf two = Unpooled.buffer();
        two.writeBytes(bytes).writeBytes(bytes);
        ch.writeInbound(two);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, 1000));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 1000, bytes.length - 1000));
        for (int i = 0; i < 3; i++) {
            SipMessage m = ch.readInbound();
            assertThat(m).as("message %d", i).isNotNull();
            assertThat(m.callId()).isEqualTo("late-call-id@gw1.example.com");
            assertThat(m.bodyText()).isEqualTo("body");
            m.release();
        }
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }
}
