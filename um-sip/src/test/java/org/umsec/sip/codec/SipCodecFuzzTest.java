package org.umsec.sip.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.umsec.sip.codec.CodecTestSupport.assertSameMeaning;
import static org.umsec.sip.codec.CodecTestSupport.encode;
import static org.umsec.sip.codec.CodecTestSupport.releaseAll;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipResponse;

/**
 * Coverage-guided fuzz targets for SIP framing and message parsing (Jazzer). {@code mvn verify} replays the
 * committed corpus in {@code src/test/resources/org/umsec/sip/codec/SipCodecFuzzTestInputs/<method>/} (the RFC 4475
 * torture messages plus every finding); {@code JAZZER_FUZZ=1} explores (see README, "Fuzzing").
 */
class SipCodecFuzzTest {

    /** Limits small enough that fuzzed inputs reach every limit path. */
    private static final SipDecoderConfig TIGHT = SipDecoderConfig.builder()
            .maxStartLineLength(200)
            .maxHeaderLineLength(300)
            .maxHeaderCount(12)
            .maxHeaderBytes(600)
            .maxBodyLength(300)
            .build();

    /** Framing only: for the error responses, which echo malformed request headers on purpose. */
    private static final SipDecoderConfig LENIENT =
            SipDecoderConfig.builder().validateHeaders(false).build();

    private static final Field CUMULATION;

    static {
        try {
            CUMULATION = ByteToMessageDecoder.class.getDeclaredField("cumulation");
            CUMULATION.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Arbitrary bytes on a stream, fed whole and in pseudo-random splits (derived from the input, so a finding
     * replays), under the default and a tight configuration. Invariants:
     * <ul>
     * <li>only messages, typed {@link SipDecodeError}s and keep-alives come out, never an exception;</li>
     * <li>the same messages and errors come out however the bytes are split (framing does not depend on
     *     segmentation);</li>
     * <li>nothing comes out after an error that closes the connection;</li>
     * <li>the decoder never buffers more than one header section plus one body (bounded memory);</li>
     * <li>a stream that ends inside a message ends with a closing error;</li>
     * <li>every decoded message answers all typed accessors without throwing, and re-encodes to bytes that
     *     decode to the same meaning and re-encode to the same bytes;</li>
     * <li>every error's ready response encodes to exactly one well-framed response with the error's status and no
     *     header beyond those it echoes (no injection through a reason or an echoed value).</li>
     * </ul>
     */
    @FuzzTest(maxDuration = "30s")
    void decoderInRandomSplits(byte[] data) {
        if (data == null) {
            return;
        }
        int hash = Arrays.hashCode(data);
        // One configuration per input (the hash picks it), to keep executions cheap.
        SipDecoderConfig config = (hash & 1) == 0 ? SipDecoderConfig.defaults() : TIGHT;
        List<String> whole = feed(config, data, null, 0, true);
        List<String> split = feed(config, data, new SplittableRandom(hash), 0, false);
        if (!split.equals(whole)) {
            fail("split " + split + " vs whole " + whole + ", input "
                    + HexFormat.of().formatHex(data));
        }
        if (data.length <= 256) {
            List<String> bytewise = feed(config, data, null, 1, false);
            if (!bytewise.equals(whole)) {
                fail("byte by byte " + bytewise + " vs whole " + whole + ", input "
                        + HexFormat.of().formatHex(data));
            }
        }
    }

    /**
     * {@link SipMessageParser} (datagram framing) on arbitrary bytes: a message or a {@link SipDecodeException},
     * nothing else; an accepted message's typed accessors never throw and parse → encode → parse is stable.
     */
    @FuzzTest(maxDuration = "30s")
    void parserParseEncodeParse(byte[] data) {
        if (data == null) {
            return;
        }
        SipMessageParser parser = SipMessageParser.withDefaults();
        SipMessage m;
        try {
            m = parser.parse(data);
        } catch (SipDecodeException e) {
            checkError(e.error());
            return;
        }
        try {
            readTypedHeaders(m);
            byte[] wire = encode(m);
            SipMessage again;
            try {
                again = parser.parse(wire);
            } catch (SipDecodeException e) {
                throw new AssertionError("re-encoded message rejected: " + e.error() + "\n" + str(wire), e);
            }
            assertSameMeaning(m, again);
            assertThat(str(encode(again))).isEqualTo(str(wire));
            again.release();
        } finally {
            m.release();
        }
    }

    /**
     * Feeds {@code data}: whole ({@code splits == null, fixed == 0}), in fixed chunks, or in random ones; with
     * {@code deep}, checks each output's meaning (the other feeds are compared with the deep one).
     */
    private static List<String> feed(
            SipDecoderConfig config, byte[] data, SplittableRandom splits, int fixed, boolean deep) {
        SipMessageDecoder decoder = new SipMessageDecoder(config);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        List<String> seen = new ArrayList<>();
        boolean closed = false;
        long bound = (long) config.maxHeaderBytes() + config.maxBodyLength();
        try {
            int i = 0;
            while (i < data.length) {
                int n = fixed > 0
                        ? fixed
                        : splits == null ? data.length : 1 + splits.nextInt(Math.min(64, data.length));
                n = Math.min(n, data.length - i);
                ch.writeInbound(Unpooled.wrappedBuffer(data, i, n));
                i += n;
                closed = collect(ch, seen, closed, deep);
                ByteBuf held = (ByteBuf) CUMULATION.get(decoder);
                if (held != null && held.readableBytes() > bound) {
                    fail("the decoder holds " + held.readableBytes() + " bytes, more than " + bound);
                }
            }
            ByteBuf held = (ByteBuf) CUMULATION.get(decoder);
            boolean partial = held != null
                    && held.isReadable()
                    && !(held.readableBytes() == 1 && held.getByte(held.readerIndex()) == '\r');
            boolean before = closed;
            ch.finish();
            closed = collect(ch, seen, closed, deep);
            if (partial && !before) {
                assertThat(closed)
                        .as("a stream ending inside a message ends with a closing error: %s", seen)
                        .isTrue();
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        } finally {
            ch.finishAndReleaseAll();
        }
        return seen;
    }

    /** Drains the channel into {@code seen}; returns whether a closing error has been seen. */
    private static boolean collect(EmbeddedChannel ch, List<String> seen, boolean closed, boolean deep) {
        Object o;
        while ((o = ch.readInbound()) != null) {
            try {
                if (closed) {
                    fail("output after a closing error: " + o + " after " + seen);
                }
                if (o instanceof SipMessage) {
                    SipMessage m = (SipMessage) o;
                    byte[] wire = encode(m);
                    if (deep) {
                        readTypedHeaders(m);
                        reparse(m, wire);
                    }
                    seen.add("message " + str(wire));
                } else if (o instanceof SipDecodeError) {
                    SipDecodeError e = (SipDecodeError) o;
                    if (deep) {
                        checkError(e);
                    }
                    seen.add("error " + e.status() + (e.closeConnection() ? " close" : ""));
                    closed = e.closeConnection();
                } else if (o == SipKeepAlive.PING) {
                    // A pong (a lone CRLF) depends on where a read ends; a ping does not.
                    seen.add("ping");
                } else if (o != SipKeepAlive.PONG) {
                    fail("unexpected output " + o);
                }
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        // Outbound: only CRLF keep-alive answers.
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            try {
                assertThat(b.toString(java.nio.charset.StandardCharsets.ISO_8859_1))
                        .isEqualTo("\r\n");
            } finally {
                b.release();
            }
        }
        return closed;
    }

    /** The decoded message encodes to bytes that decode, whole, to exactly one message of the same meaning. */
    private static void reparse(SipMessage m, byte[] wire) {
        EmbeddedChannel again = new EmbeddedChannel(new SipMessageDecoder(SipDecoderConfig.defaults()));
        List<Object> out = CodecTestSupport.feedWhole(again, wire);
        try {
            assertThat(out).as("re-decoding %s", str(wire)).hasSize(1);
            assertThat(out.get(0)).as("re-decoding %s", str(wire)).isInstanceOf(SipMessage.class);
            SipMessage d = (SipMessage) out.get(0);
            assertSameMeaning(m, d);
            assertThat(str(encode(d))).isEqualTo(str(wire));
            assertThat(again.finish()).isFalse();
        } finally {
            releaseAll(out);
            again.finishAndReleaseAll();
        }
    }

    /** Every typed accessor answers (the decoder validated the headers it parses). */
    private static void readTypedHeaders(SipMessage m) {
        m.vias();
        m.topVia();
        m.from();
        m.to();
        m.callId();
        m.cseq();
        m.contacts();
        m.routes();
        m.recordRoutes();
        m.maxForwards();
        m.contentType();
        m.body();
        m.toWireString();
    }

    private static void checkError(SipDecodeError e) {
        assertThat(e.status()).as("%s", e).isBetween(400, 599);
        assertThat(e.reason()).isNotBlank();
        e.errorResponse().ifPresent(r -> {
            // The request's Via, From, To, Call-ID and CSeq are echoed as received, even malformed (the peer
            // matches by them): the response must be well-framed, not necessarily well-formed.
            byte[] wire = encode(r);
            EmbeddedChannel ch = new EmbeddedChannel(new SipMessageDecoder(LENIENT));
            List<Object> out = CodecTestSupport.feedWhole(ch, wire);
            try {
                assertThat(out).as("error response %s", str(wire)).hasSize(1);
                assertThat(out.get(0)).as("error response %s", str(wire)).isInstanceOf(SipResponse.class);
                SipResponse d = (SipResponse) out.get(0);
                assertThat(d.status()).isEqualTo(e.status());
                assertThat(d.headers().size())
                        .isEqualTo(
                                r.headers().size() + (r.header("Content-Length").isPresent() ? 0 : 1));
                assertThat(d.reasonPhrase()).isEqualTo(r.reasonPhrase());
            } finally {
                releaseAll(out);
                ch.finishAndReleaseAll();
            }
        });
    }

    private static String str(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
