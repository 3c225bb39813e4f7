package org.umsec.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.StringMsgParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.umsec.sip.codec.SipMessageDecoder;
import org.umsec.sip.codec.SipMessageParser;

/**
 * SIP decode and encode throughput and allocation, umsec's stream codec against JAIN-SIP RI's
 * {@code StringMsgParser} on the same bytes: a realistic INVITE with an SDES-keyed SDP body (about
 * 1 KB) and a small OPTIONS.
 *
 * <ul>
 * <li>{@code decode}: bytes to a message. umsec: through {@link SipMessageDecoder} in a Netty pipeline
 *     ({@link EmbeddedChannel}) with header validation on (Via, From, To, Call-ID, CSeq, Contact,
 *     Max-Forwards, Content-Type, Content-Length and the Request-URI checked; nothing materialised).
 *     JAIN-SIP: {@code parseSIPMessage} (builds its full object model).</li>
 * <li>{@code decodeAndRead}: as {@code decode}, then read what a transaction layer needs: top Via
 *     branch, Call-ID, CSeq, From tag and To tag (umsec builds these typed values lazily).</li>
 * <li>{@code parse} and {@code parseAndRead}: the same without the Netty pipeline, parser against parser:
 *     umsec's {@link SipMessageParser} (same scanner and validation as the decoder) on the byte array.
 *     For JAIN-SIP these are the same calls as {@code decode} and {@code decodeAndRead}.</li>
 * <li>{@code encode}: a decoded message back to bytes (umsec {@link SipMessage#encode(ByteBuf)} into a
 *     reused buffer, which for an unfolded message is one copy of the received frame; JAIN-SIP
 *     {@code encodeAsBytes} from its object model).</li>
 * </ul>
 *
 * <p>Run (after {@code mvn -B -o -pl benchmarks -am package -DskipTests}):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar SipCodecBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1 -prof gc
 * </pre>
 * Compare {@code gc.alloc.rate.norm} (bytes allocated per operation) and throughput per {@code impl}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SipCodecBenchmark {
    /** A Secured-mode INVITE as a gateway sends it: TLS Via, Record-Route, SDP with SDES keys. */
    static final String INVITE_SDP_BODY = "v=0\r\n"
            + "o=gw 1722436417 1722436417 IN IP4 192.0.2.10\r\n"
            + "s=SIP Call\r\n"
            + "c=IN IP4 192.0.2.10\r\n"
            + "t=0 0\r\n"
            + "m=audio 16384 RTP/SAVP 0 8 101\r\n"
            + "a=rtpmap:0 PCMU/8000\r\n"
            + "a=rtpmap:8 PCMA/8000\r\n"
            + "a=rtpmap:101 telephone-event/8000\r\n"
            + "a=fmtp:101 0-15\r\n"
            + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31\r\n"
            + "a=ptime:20\r\n"
            + "a=sendrecv\r\n";

    static final String INVITE_SDP = "INVITE sip:+14255550100@um.example.com:5061;transport=tls SIP/2.0\r\n"
            + "Via: SIP/2.0/TLS gw1.example.com:5061;branch=z9hG4bK-524287-1---fa3c7e0ab1b3c82d;rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "Record-Route: <sip:gw1.example.com:5061;transport=tls;lr>\r\n"
            + "Contact: <sip:+14255550123@gw1.example.com:5061;transport=tls>\r\n"
            + "To: <sip:+14255550100@um.example.com>\r\n"
            + "From: \"Alice Caller\" <sip:+14255550123@gw1.example.com>;tag=8e0c1b5f\r\n"
            + "Call-ID: 0ba2d0f5c3f44e5fa4f1e8a9c2b1d7e3@gw1.example.com\r\n"
            + "CSeq: 1 INVITE\r\n"
            + "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE\r\n"
            + "Supported: replaces, timer\r\n"
            + "User-Agent: ExampleGateway/4.2\r\n"
            + "Content-Type: application/sdp\r\n"
            + "Content-Length: " + INVITE_SDP_BODY.length() + "\r\n"
            + "\r\n" + INVITE_SDP_BODY;
    static final String OPTIONS = "OPTIONS sip:um.example.com:5061;transport=tls SIP/2.0\r\n"
            + "Via: SIP/2.0/TLS gw1.example.com:5061;branch=z9hG4bK776asdhds\r\n"
            + "Max-Forwards: 70\r\n"
            + "To: <sip:um.example.com>\r\n"
            + "From: <sip:gw1.example.com>;tag=1928301774\r\n"
            + "Call-ID: a84b4c76e66710@gw1.example.com\r\n"
            + "CSeq: 63104 OPTIONS\r\n"
            + "Accept: application/sdp\r\n"
            + "Content-Length: 0\r\n\r\n";

    @Param({"INVITE_SDP", "OPTIONS"})
    public String message;

    @Param({"umsec", "jainsip"})
    public String impl;

    private byte[] bytes;
    private EmbeddedChannel channel;
    private StringMsgParser jainParser;
    private SipMessageParser umsecParser;
    private SipMessage umsecDecoded;
    private SIPMessage jainDecoded;
    private ByteBuf encodeBuffer;
    private ByteBuf input;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        bytes = (message.equals("OPTIONS") ? OPTIONS : INVITE_SDP).getBytes(StandardCharsets.UTF_8);
        channel = new EmbeddedChannel(new SipMessageDecoder());
        input = Unpooled.wrappedBuffer(bytes);
        jainParser = new StringMsgParser();
        umsecParser = SipMessageParser.withDefaults();
        umsecDecoded = decodeUmsec().copy();
        jainDecoded = jainParser.parseSIPMessage(bytes, true, false, null);
        encodeBuffer = Unpooled.buffer(4096);
        // sanity: both parsers see the same transaction keys
        if (!umsecDecoded.callId().equals(jainDecoded.getCallId().getCallId())
                || umsecDecoded.cseq().sequence() != jainDecoded.getCSeq().getSeqNumber()) {
            throw new IllegalStateException("parsers disagree");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        encodeBuffer.release();
        input.release();
    }

    private SipMessage decodeUmsec() {
        // One input buffer, re-read per op (a channel reads into pooled buffers), handed to the pipeline as a
        // channel read does: the figures are the decoder's, without a wrapper buffer and write promise per op.
        input.retain();
        input.setIndex(0, bytes.length);
        channel.pipeline().fireChannelRead(input);
        SipMessage m = channel.readInbound();
        if (m == null) {
            throw new IllegalStateException("no message decoded");
        }
        return m;
    }

    @Benchmark
    public Object decode() throws Exception {
        if (impl.equals("umsec")) {
            SipMessage m = decodeUmsec();
            m.release();
            return m;
        }
        return jainParser.parseSIPMessage(bytes, true, false, null);
    }

    @Benchmark
    public void decodeAndRead(Blackhole bh) throws Exception {
        if (impl.equals("umsec")) {
            SipMessage m = decodeUmsec();
            bh.consume(m.topVia().branch());
            bh.consume(m.callId());
            bh.consume(m.cseq());
            bh.consume(m.from().tag());
            bh.consume(m.to().tag());
            m.release();
        } else {
            SIPMessage m = jainParser.parseSIPMessage(bytes, true, false, null);
            bh.consume(m.getTopmostVia().getBranch());
            bh.consume(m.getCallId().getCallId());
            bh.consume(m.getCSeq().getSeqNumber());
            bh.consume(m.getFromTag());
            bh.consume(m.getToTag());
        }
    }

    @Benchmark
    public Object parse() throws Exception {
        if (impl.equals("umsec")) {
            return umsecParser.parse(bytes);
        }
        return jainParser.parseSIPMessage(bytes, true, false, null);
    }

    @Benchmark
    public void parseAndRead(Blackhole bh) throws Exception {
        if (impl.equals("umsec")) {
            SipMessage m = umsecParser.parse(bytes);
            bh.consume(m.topVia().branch());
            bh.consume(m.callId());
            bh.consume(m.cseq());
            bh.consume(m.from().tag());
            bh.consume(m.to().tag());
        } else {
            SIPMessage m = jainParser.parseSIPMessage(bytes, true, false, null);
            bh.consume(m.getTopmostVia().getBranch());
            bh.consume(m.getCallId().getCallId());
            bh.consume(m.getCSeq().getSeqNumber());
            bh.consume(m.getFromTag());
            bh.consume(m.getToTag());
        }
    }

    @Benchmark
    public Object encode() {
        if (impl.equals("umsec")) {
            encodeBuffer.clear();
            umsecDecoded.encode(encodeBuffer);
            return encodeBuffer;
        }
        return jainDecoded.encodeAsBytes("TLS");
    }
}
