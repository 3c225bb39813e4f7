package org.umsec.server.call;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;

/**
 * Issue 9 item 5: text that reaches a response header can come from the peer (an SDP parser's message
 * quotes the offer). Before the fix a CR/LF in it made building the 488 throw, and the caller got 500.
 */
class CallControllerTextTest {

    @Test
    void aDetailWithCrLfAndControlCharactersStillBuildsTheResponse() {
        String hostile = "bad SDP: a=rtcp:4\r\nX-Injected: yes\u001b[31m\"q\"\\";
        SipRequest invite = SipRequest.builder("INVITE", "sip:voicemail@um.example.test")
                .via(Via.of("TCP", "127.0.0.1", 5060, Via.MAGIC_COOKIE + "x1"))
                .header("From", "<sip:a@gw>;tag=1")
                .header("To", "<sip:voicemail@um.example.test>")
                .callId("c")
                .cseq(1)
                .build();
        SipResponse r = CallController.withReason(invite.createResponse(488), "Not Acceptable\r\nHere", hostile)
                .build();
        assertThat(r.status()).isEqualTo(488);
        assertThat(r.header("X-Injected")).isEmpty();
        assertThat(r.reasonPhrase()).isEqualTo("Not Acceptable  Here");
        String warning = r.header("Warning").orElseThrow();
        assertThat(warning).startsWith("399 umsec \"bad SDP: a=rtcp:4  X-Injected: yes [31m'q'/\"");
        assertThat(r.header("Reason")).contains("SIP;cause=488;text=\"bad SDP: a=rtcp:4  X-Injected: yes [31m'q'/\"");
        assertThat(r.toWireString().split("\r\n")).noneMatch(l -> l.startsWith("X-Injected"));
    }

    @Test
    void longDetailsAreCut() {
        assertThat(CallController.sanitise("x".repeat(5000))).hasSize(200);
        assertThat(CallController.sanitise("plain text")).isEqualTo("plain text");
    }
}
