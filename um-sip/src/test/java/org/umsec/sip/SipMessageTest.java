package org.umsec.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SipMessageTest {
    private static SipRequest.Builder options() {
        return SipRequest.builder("OPTIONS", "sip:gw.example.com")
                .via(Via.of("TLS", "um.example.com", 5061, "z9hG4bK1"))
                .from(NameAddress.of("sip:um@example.com").withTag("a"))
                .to(NameAddress.of("sip:gw.example.com"))
                .callId("c1@um")
                .cseq(1);
    }

    @Test
    void builderAddsMaxForwardsAndChecksWhatItBuilds() {
        SipRequest r = options().build();
        assertThat(r.maxForwards()).hasValue(70);
        assertThat(r.contentLength()).isZero();
        assertThat(r.toWireString()).endsWith("Content-Length: 0\r\n\r\n");
        assertThatThrownBy(() -> options().header("X", "a\r\nInjected: yes"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options().header("Bad Name", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> options().header("To", "\"unterminated <sip:x@y>").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options().cseq(new CSeq(1, "INVITE")).build()).hasMessageContaining("CSeq method");
        assertThatThrownBy(() -> SipRequest.builder("OPTIONS", "sip:x").build()).hasMessageContaining("Missing Via");
        assertThatThrownBy(() -> SipRequest.builder("OPTIONS", "<sip:x>")
                        .via(Via.of("TLS", "um.example.com", 5061, "z9hG4bK1"))
                        .from(NameAddress.of("sip:a@b").withTag("t"))
                        .to(NameAddress.of("sip:x"))
                        .callId("c")
                        .cseq(1)
                        .build())
                .hasMessageContaining("Request-URI");
        assertThatThrownBy(() -> new CSeq(1L << 31, "INVITE")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SipResponse.builder(99)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options().maxForwards(256)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createResponseCopiesTransactionHeadersAndAddsTag() {
        SipRequest r = options()
                .via(Via.of("TCP", "proxy.example.com", -1, "z9hG4bK2"))
                .header("X-Other", "1")
                .build();
        SipResponse resp = r.createResponse(200).toTag("srv").build();
        assertThat(resp.vias()).isEqualTo(r.vias());
        assertThat(resp.from()).isEqualTo(r.from());
        assertThat(resp.to().tag()).contains("srv");
        assertThat(resp.callId()).isEqualTo(r.callId());
        assertThat(resp.cseq()).isEqualTo(r.cseq());
        assertThat(resp.headers().contains("X-Other")).isFalse();
        assertThat(resp.reasonPhrase()).isEqualTo("OK");
        assertThat(resp.isSuccess()).isTrue();
        // an existing tag is kept
        assertThat(resp.copy().toString()).isEqualTo("SipResponse[200 OK]");
    }

    @Test
    void copySurvivesReleaseOfTheOriginal() {
        SipRequest r = options().body("text/plain", "hello").build();
        SipRequest c = r.copy();
        assertThat(r.release()).isTrue();
        assertThat(c.bodyText()).isEqualTo("hello");
        assertThat(c.callId()).isEqualTo("c1@um");
        assertThat(c.requestUri()).isEqualTo("sip:gw.example.com");
        assertThat(c.toBuilder().setHeader("Call-ID", "c2@um").build().callId()).isEqualTo("c2@um");
    }

    @Test
    void viaAndNameAddressWireForms() {
        Via v = new Via("SIP/2.0", "TLS", "[2001:db8::1]", 5061, Map.of("Branch", "z9hG4bKx"));
        assertThat(v.toString()).isEqualTo("SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKx");
        assertThat(v.withParam("rport", "").toString()).endsWith(";branch=z9hG4bKx;rport");
        assertThat(v.hasRfc3261Branch()).isTrue();
        NameAddress n = new NameAddress("A \"quoted\" name", "sip:a@b", Map.of());
        assertThat(n.toString()).isEqualTo("\"A \\\"quoted\\\" name\" <sip:a@b>");
        SipRequest r = options()
                .contact(n)
                .contact(NameAddress.WILDCARD.equals(n) ? n : NameAddress.of("sip:c@d"))
                .build();
        assertThat(r.contacts()).containsExactly(n, NameAddress.of("sip:c@d"));
    }

    @Test
    void sipUriComparisonFollowsRfc3261() {
        SipUri a = SipUri.parse("sip:%61lice@Example.COM;transport=TCP").orElseThrow();
        SipUri b = SipUri.parse("sip:alice@example.com;Transport=tcp").orElseThrow();
        assertThat(a).isEqualTo(b);
        assertThat(SipUri.parse("sip:alice@example.com")).isNotEqualTo(SipUri.parse("sip:ALICE@example.com"));
        assertThat(SipUri.parse("sip:bob@example.com:5060")).isNotEqualTo(SipUri.parse("sip:bob@example.com"));
        assertThat(SipUri.parse("sip:carol@chicago.com;security=on"))
                .isEqualTo(SipUri.parse("sip:carol@chicago.com;newparam=5"));
        assertThat(SipUri.parse("sip:carol@chicago.com;transport=udp"))
                .isNotEqualTo(SipUri.parse("sip:carol@chicago.com"));
        assertThat(SipUri.parse("sips:x@[2001:db8::1]:5061").orElseThrow().port())
                .isEqualTo(5061);
        assertThat(SipUri.parse("tel:+1234")).isEmpty();
        assertThat(SipUri.parse("sip:a@b:99999")).isEmpty();
        assertThat(SipUri.parse("sip:%zz@b")).isEmpty();
        assertThat(SipUri.parse("sip:user;par=u%40example.net@example.com")
                        .orElseThrow()
                        .user())
                .contains("user;par=u@example.net");
    }
}
