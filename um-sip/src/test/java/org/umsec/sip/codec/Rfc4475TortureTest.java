package org.umsec.sip.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.codec.CodecTestSupport.assertSameMeaning;
import static org.umsec.sip.codec.CodecTestSupport.bytes;
import static org.umsec.sip.codec.CodecTestSupport.encode;
import static org.umsec.sip.codec.CodecTestSupport.feedByteByByte;
import static org.umsec.sip.codec.CodecTestSupport.feedWhole;
import static org.umsec.sip.codec.CodecTestSupport.releaseAll;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.SipUri;

/**
 * The RFC 4475 torture messages (test resources {@code sip-torture/}, listed in {@code INDEX.tsv}) through
 * {@link SipMessageDecoder} on a stream, each whole and byte by byte.
 */
class Rfc4475TortureTest {

    /** How each invalid message must be rejected on a stream: status, and whether the connection survives. */
    private static final Map<String, Object[]> INVALID = Map.ofEntries(
            Map.entry("badinv01", new Object[] {400, true}), // §3.1.2.1
            Map.entry("ncl", new Object[] {400, false}), // §3.1.2.3 unrecoverable framing error
            Map.entry("scalar02", new Object[] {400, true}), // §3.1.2.4
            Map.entry("scalarlg", new Object[] {400, true}), // §3.1.2.5 response: dropped
            Map.entry("quotbal", new Object[] {400, true}), // §3.1.2.6
            Map.entry("ltgtruri", new Object[] {400, true}), // §3.1.2.7
            Map.entry("lwsruri", new Object[] {400, true}), // §3.1.2.8 (strict)
            Map.entry("lwsstart", new Object[] {400, true}), // §3.1.2.9 (strict)
            Map.entry("trws", new Object[] {400, true}), // §3.1.2.10 (strict)
            Map.entry("escruri", new Object[] {400, true}), // §3.1.2.11 (strict)
            Map.entry("baddate", new Object[] {400, true}), // §3.1.2.12 (strict)
            Map.entry("regbadct", new Object[] {400, true}), // §3.1.2.13 (strict)
            Map.entry("badaspec", new Object[] {400, true}), // §3.1.2.14 (strict)
            Map.entry("baddn", new Object[] {400, true}), // §3.1.2.15 (strict)
            Map.entry("badvers", new Object[] {505, true}), // §3.1.2.16
            Map.entry("mismatch01", new Object[] {400, true}), // §3.1.2.17
            Map.entry("mismatch02", new Object[] {400, true}), // §3.1.2.18
            Map.entry("bigcode", new Object[] {400, true}), // §3.1.2.19 response: dropped
            Map.entry("insuf", new Object[] {400, true}), // §3.3.1
            Map.entry("multi01", new Object[] {400, true}), // §3.3.8
            Map.entry("mcl01", new Object[] {400, false}), // §3.3.9 fatal framing error on streams
            Map.entry("test", new Object[] {400, true})); // extra file: header line without colon

    private static final String NEXT = "OPTIONS sip:next@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/TCP next.example.com;branch=z9hG4bKnext\r\n"
            + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:next@example.com>\r\n"
            + "Call-ID: next@example.com\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

    record Row(String name, String section, boolean valid, String handling) {
        @Override
        public String toString() {
            return name + " (§" + section + ", " + handling + ")";
        }
    }

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        String[] lines = new String(resource("INDEX.tsv"), StandardCharsets.UTF_8).split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split("\t");
            rows.add(new Row(f[0], f[2], f[3].equals("valid"), f[4]));
        }
        return rows;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Rfc4475TortureTest.class.getResourceAsStream("/sip-torture/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** The file; baddn.dat as distributed lacks the empty line ending its header section, so add it. */
    static byte[] message(String name) throws IOException {
        byte[] b = resource(name + ".dat");
        String s = new String(b, StandardCharsets.ISO_8859_1);
        if (!s.contains("\r\n\r\n")) {
            return bytes(s + "\r\n");
        }
        return b;
    }

    static Stream<Arguments> valid() throws IOException {
        return rows().stream()
                .filter(r -> r.valid && !r.name.equals("inv2543") && !r.name.equals("dblreq"))
                .map(Arguments::of);
    }

    static Stream<Arguments> invalid() throws IOException {
        return rows().stream().filter(r -> !r.valid && !r.name.equals("clerr")).map(Arguments::of);
    }

    @Test
    void indexCoversEveryFileAndEveryInvalidMessageHasAnExpectation() throws IOException {
        List<Row> rows = rows();
        assertThat(rows).hasSize(50);
        for (Row r : rows) {
            assertThat(message(r.name)).isNotEmpty();
            if (!r.valid && !r.name.equals("clerr")) {
                assertThat(INVALID).containsKey(r.name);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void validMessageDecodesWholeAndByteByByteAndRoundTrips(Row row) throws IOException {
        byte[] data = message(row.name);
        for (boolean byteByByte : new boolean[] {false, true}) {
            EmbeddedChannel ch = CodecTestSupport.channel();
            List<Object> out = byteByByte ? feedByteByByte(ch, data) : feedWhole(ch, data);
            assertThat(out)
                    .as("%s byteByByte=%s", row.name, byteByByte)
                    .hasSize(1)
                    .first()
                    .isInstanceOf(SipMessage.class);
            SipMessage m = (SipMessage) out.get(0);
            // typed access works on every valid message
            assertThat(m.vias()).isNotEmpty();
            assertThat(m.callId()).isNotEmpty();
            m.from();
            m.to();
            m.cseq();
            m.contacts();
            // round trip: encode, decode again, same meaning
            EmbeddedChannel again = CodecTestSupport.channel();
            List<Object> out2 = feedWhole(again, encode(m));
            assertThat(out2).hasSize(1).first().isInstanceOf(SipMessage.class);
            assertSameMeaning(m, (SipMessage) out2.get(0));
            releaseAll(out2);
            releaseAll(out);
            assertThat(ch.finish()).isFalse();
            assertThat(again.finish()).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidMessageIsRejectedAsTheRfcAsks(Row row) throws IOException {
        Object[] expect = INVALID.get(row.name);
        int status = (Integer) expect[0];
        boolean usable = (Boolean) expect[1];
        byte[] data = message(row.name);
        for (boolean byteByByte : new boolean[] {false, true}) {
            EmbeddedChannel ch = CodecTestSupport.channel();
            List<Object> out = byteByByte ? feedByteByByte(ch, data) : feedWhole(ch, data);
            assertThat(out)
                    .as("%s byteByByte=%s", row.name, byteByByte)
                    .hasSize(1)
                    .first()
                    .isInstanceOf(SipDecodeError.class);
            SipDecodeError err = (SipDecodeError) out.get(0);
            assertThat(err.status()).as(err.reason()).isEqualTo(status);
            assertThat(err.closeConnection()).as(err.reason()).isEqualTo(!usable);
            if (err.isRequest() && !err.headers().contains("Via")) {
                assertThat(err.errorResponse())
                        .as("no Via, no route for a response")
                        .isEmpty();
            } else if (err.isRequest()) {
                SipResponse resp = err.errorResponse().orElseThrow();
                assertThat(resp.status()).isEqualTo(status);
                assertThat(resp.headers().getAll("Via")).isEqualTo(err.headers().getAll("Via"));
                assertThat(resp.reasonPhrase()).contains(err.reason());
            } else {
                assertThat(err.errorResponse())
                        .as("responses are dropped, not answered")
                        .isEmpty();
            }
            // the connection stays usable where the RFC says so
            List<Object> next = feedWhole(ch, bytes(NEXT));
            if (usable) {
                assertThat(next).hasSize(1).first().isInstanceOf(SipRequest.class);
                assertThat(((SipRequest) next.get(0)).callId()).isEqualTo("next@example.com");
            } else {
                assertThat(next).as("input after a framing error is discarded").isEmpty();
            }
            releaseAll(next);
            assertThat(ch.finish()).isFalse();
        }
    }

    @Test
    void clerrContentLengthLargerThanMessageWaitsThenReportsTruncationAtClose() throws IOException {
        // §3.1.2.2: on a stream the decoder cannot know the body is short; it waits (bounded by the body
        // limit), and the close reveals the truncated message.
        byte[] data = message("clerr");
        EmbeddedChannel ch = CodecTestSupport.channel();
        assertThat(feedWhole(ch, data)).isEmpty();
        assertThat(ch.finish()).isTrue();
        Object o = ch.readInbound();
        assertThat(o).isInstanceOf(SipDecodeError.class);
        assertThat(((SipDecodeError) o).closeConnection()).isTrue();
        Object next = ch.readInbound();
        assertThat(next).isNull();
        // With datagram framing the same message is rejected outright.
        SipDecodeException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                SipDecodeException.class, () -> SipMessageParser.withDefaults().parse(data));
        assertThat(e.error().status()).isEqualTo(400);
    }

    @Test
    void dblreqOnAStreamIsTwoMessages() throws IOException {
        // §3.1.1.8: on UDP the octets after Content-Length are ignored; on a stream they are the next
        // message (after a stray CRLF, which RFC 3261 §7.5 says to skip). The INVITE's body is 5 octets
        // longer than its Content-Length, so those octets ("C" CRLF CRLF) are garbage on a stream.
        byte[] data = message("dblreq");
        for (boolean byteByByte : new boolean[] {false, true}) {
            EmbeddedChannel ch = CodecTestSupport.channel();
            List<Object> out = byteByByte ? feedByteByByte(ch, data) : feedWhole(ch, data);
            List<Object> messages =
                    out.stream().filter(o -> !(o instanceof SipKeepAlive)).toList();
            assertThat(messages).hasSize(3);
            assertThat(((SipRequest) messages.get(0)).method()).isEqualTo("REGISTER");
            assertThat(((SipRequest) messages.get(1)).method()).isEqualTo("INVITE");
            assertThat(((SipDecodeError) messages.get(2)).closeConnection()).isTrue();
            releaseAll(out);
            assertThat(ch.finish()).isFalse();
        }
        SipMessage udp = parseDatagram(data);
        assertThat(((SipRequest) udp).method()).isEqualTo("REGISTER");
        assertThat(udp.contentLength()).isZero();
    }

    @Test
    void inv2543WithoutContentLengthIsAFramingErrorOnStreamsButParsesAsDatagram() throws IOException {
        byte[] data = message("inv2543");
        EmbeddedChannel ch = CodecTestSupport.channel();
        List<Object> out = feedWhole(ch, data);
        assertThat(out).hasSize(1);
        SipDecodeError err = (SipDecodeError) out.get(0);
        assertThat(err.status()).isEqualTo(400);
        assertThat(err.closeConnection()).isTrue();
        assertThat(ch.finish()).isFalse();
        SipMessage m = parseDatagram(data);
        assertThat(m.callId()).isEqualTo("inv2543.1717@ift.client.example.com");
        assertThat(m.topVia().branch()).isEmpty();
        assertThat(m.from().tag()).isEmpty();
        assertThat(m.bodyText()).startsWith("v=0");
    }

    @Test
    void everyValidMessageAlsoParsesWithDatagramFraming() throws IOException {
        for (Row r : rows()) {
            if (r.valid) {
                assertThat(parseDatagram(message(r.name))).as(r.name).isNotNull();
            }
        }
    }

    @Test
    void wsinvTypedValuesSurviveFoldingCompactFormsAndOddWhitespace() throws IOException {
        SipRequest m = (SipRequest) parseDatagram(message("wsinv"));
        assertThat(m.method()).isEqualTo("INVITE");
        assertThat(m.to().uri()).isEqualTo("sip:vivekg@chair-dnrc.example.com");
        assertThat(m.to().tag()).contains("1918181833n");
        assertThat(m.from().displayName()).contains("J Rosenberg \\\"");
        assertThat(m.from().tag()).contains("98asjd8");
        assertThat(m.maxForwards()).hasValue(68);
        assertThat(m.cseq().sequence()).isEqualTo(9);
        assertThat(m.cseq().method()).isEqualTo("INVITE");
        assertThat(m.vias()).hasSize(3);
        assertThat(m.vias().get(0).transport()).isEqualTo("UDP");
        assertThat(m.vias().get(0).host()).isEqualTo("192.0.2.2");
        assertThat(m.vias().get(1).transport()).isEqualTo("TCP");
        assertThat(m.vias().get(1).branch()).contains("z9hG4bK9ikj8");
        assertThat(m.vias().get(2).branch()).contains("z9hG4bK30239");
        assertThat(m.headers().get("NewFangledHeader")).contains("newfangled value continued newfangled value");
        assertThat(m.headers().get("Subject")).contains("");
        assertThat(m.contacts()).hasSize(1);
        assertThat(m.contacts().get(0).displayName()).contains("Quoted string \"\"");
        assertThat(m.contacts().get(0).param("newparam")).contains("newvalue");
        assertThat(m.contacts().get(0).param("q")).contains("0.33");
        assertThat(m.routes().get(0).uri()).isEqualTo("sip:services.example.com;lr;unknownwith=value;unknown-no-value");
        assertThat(m.contentType()).contains("application/sdp");
        assertThat(m.contentLength()).isEqualTo(150);
    }

    @Test
    void escapedUrisCompareEqualToUnescaped() throws IOException {
        SipRequest m = (SipRequest) parseDatagram(message("esc01"));
        assertThat(SipUri.parse(m.to().uri())).isEqualTo(SipUri.parse("sip:user@example.com"));
        assertThat(SipUri.parse(m.requestUri()).orElseThrow().user()).contains("sips:user@example.com");
        assertThat(SipUri.parse(m.from().uri()).orElseThrow().user()).contains("I have spaces");
        SipRequest n = (SipRequest) parseDatagram(message("escnull"));
        assertThat(SipUri.parse(n.contacts().get(1).uri()).orElseThrow().user()).contains("\0\0");
        SipRequest e2 = (SipRequest) parseDatagram(message("esc02"));
        assertThat(e2.method()).isEqualTo("RE%47IST%45R");
        assertThat(e2.contacts()).hasSize(2);
        assertThat(e2.headers().getAll("C%6Fntact")).hasSize(1);
    }

    @Test
    void contactParameterVersusUriParameter() throws IOException {
        SipMessage c1 = parseDatagram(message("cparam01"));
        assertThat(c1.contacts().get(0).param("unknownparam")).contains("");
        assertThat(c1.contacts().get(0).uri()).isEqualTo("sip:+19725552222@gw1.example.net");
        SipMessage c2 = parseDatagram(message("cparam02"));
        assertThat(c2.contacts().get(0).params()).isEmpty();
        assertThat(SipUri.parse(c2.contacts().get(0).uri()).orElseThrow().param("unknownparam"))
                .contains("");
        SipMessage r = parseDatagram(message("regescrt"));
        assertThat(SipUri.parse(r.contacts().get(0).uri()).orElseThrow().headers())
                .containsEntry("Route", "<sip:sip.example.com>");
    }

    @Test
    void responsesWithOddReasonPhrases() throws IOException {
        SipResponse u = (SipResponse) parseDatagram(message("unreason"));
        assertThat(u.status()).isEqualTo(200);
        assertThat(u.reasonPhrase()).startsWith("= 2**3 * 5**2 но сто девяносто девять");
        SipResponse n = (SipResponse) parseDatagram(message("noreason"));
        assertThat(n.status()).isEqualTo(100);
        assertThat(n.reasonPhrase()).isEmpty();
        SipResponse b = (SipResponse) parseDatagram(message("bcast"));
        assertThat(b.vias().get(1).host()).isEqualTo("255.255.255.255");
    }

    @Test
    void longValuesAndManyVias() throws IOException {
        SipMessage m = parseDatagram(message("longreq"));
        assertThat(m.vias()).hasSize(34);
        assertThat(m.topVia().host()).isEqualTo("sip33.example.com");
        assertThat(m.callId()).hasSizeGreaterThan(140);
        SipMessage t = parseDatagram(message("transports"));
        assertThat(t.vias()).extracting(v -> v.transport()).containsExactly("UDP", "SCTP", "TLS", "UNKNOWN", "TCP");
        SipMessage i = parseDatagram(message("intmeth"));
        assertThat(((SipRequest) i).method()).isEqualTo("!interesting-Method0123456789_*+`.%indeed'~");
        assertThat(i.cseq().method()).isEqualTo(((SipRequest) i).method());
        assertThat(i.headers().get("extensionHeader-!.%*+_`'~")).isPresent();
    }

    private static SipMessage parseDatagram(byte[] data) {
        try {
            return SipMessageParser.withDefaults().parse(data);
        } catch (SipDecodeException e) {
            throw new AssertionError(e.error().toString(), e);
        }
    }

    @Test
    void allValidMessagesBackToBackOnOneConnection() throws IOException {
        List<byte[]> parts = new ArrayList<>();
        int expected = 0;
        for (Row r : rows()) {
            if (r.valid && !r.name.equals("inv2543") && !r.name.equals("dblreq")) {
                parts.add(message(r.name));
                expected++;
            }
        }
        int total = parts.stream().mapToInt(p -> p.length).sum();
        byte[] all = new byte[total];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, off, p.length);
            off += p.length;
        }
        EmbeddedChannel ch = CodecTestSupport.channel();
        List<Object> out = feedWhole(ch, all);
        assertThat(out).hasSize(expected).allMatch(o -> o instanceof SipMessage);
        releaseAll(out);
        assertThat(ch.finish()).isFalse();
        assertThat(Arrays.equals(all, all)).isTrue();
    }
}
