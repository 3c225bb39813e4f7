package org.umsec.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SipMessageTest {

    static Optional<SipMessage> read(String s) throws IOException {
        return SipMessage.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsCompactFormsFoldingAndBodyThenEncodesAgain() throws Exception {
        String text = "\r\n\r\nINVITE sip:vm@um.example.test SIP/2.0\r\n"
                + "v: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
                + "f: <sip:a@b>;tag=x\r\nt: <sip:vm@um.example.test>\r\ni: abc@10.0.0.1\r\nCSeq: 7 INVITE\r\n"
                + "Subject: long\r\n  folded\r\nc: application/sdp\r\nl: 4\r\n\r\nv=0\r\n";
        SipMessage m = read(text).orElseThrow();
        assertThat(m.method()).isEqualTo("INVITE");
        assertThat(m.callId()).isEqualTo("abc@10.0.0.1");
        assertThat(m.header("Subject")).contains("long folded");
        assertThat(m.bodyText()).isEqualTo("v=0\r");
        assertThat(m.cseqMethod()).isEqualTo("INVITE");
        assertThat(SipMessage.tag(m.header("From").orElseThrow())).contains("x");
        SipMessage again = SipMessage.read(new ByteArrayInputStream(m.encode())).orElseThrow();
        assertThat(again.callId()).isEqualTo(m.callId());
        assertThat(again.body()).isEqualTo(m.body());
        SipMessage r = SipMessage.responseTo(m, 486, "Busy Here");
        assertThat(new String(r.encode(), StandardCharsets.UTF_8)).startsWith("SIP/2.0 486 Busy Here\r\n")
                .contains("Call-ID: abc@10.0.0.1", "CSeq: 7 INVITE", "Content-Length: 0");
    }

    @Test
    void rejectsWhatIsNotSipOrTooLarge() {
        assertThatThrownBy(() -> read("HELLO\r\n\r\n")).isInstanceOf(SipMessage.SipFormatException.class);
        assertThatThrownBy(() -> read("OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n"))
                .hasMessageContaining("Content-Length is required");
        assertThatThrownBy(() -> read("OPTIONS sip:a SIP/2.0\r\nContent-Length: 999999\r\n\r\n"))
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> read("OPTIONS sip:a SIP/2.0\r\nContent-Length: 10\r\n\r\nshort"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> read("OPTIONS sip:a SIP/2.0\r\nX: " + "a".repeat(20000) + "\r\n\r\n"))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> read("SIP/2.0 99 Odd\r\nContent-Length: 0\r\n\r\n")).hasMessageContaining("status");
    }

    @Test
    void theRfc4475TortureMessagesEndInAMessageOrATypedErrorNeverAnythingElse() throws Exception {
        Path dir = Path.of("/work/shared/data/sip-torture");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "torture data not present");
        int parsed = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".dat")).toList()) {
                try {
                    if (SipMessage.read(new ByteArrayInputStream(Files.readAllBytes(f))).isPresent()) {
                        parsed++;
                    }
                } catch (IOException expected) {
                    // typed, bounded outcome
                }
            }
        }
        assertThat(parsed).isPositive();
    }

    @Test
    void randomBytesNeverEscapeAsUncheckedExceptions() {
        Random r = new Random(11);
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[r.nextInt(400)];
            r.nextBytes(b);
            if (i % 2 == 0 && b.length > 30) {
                System.arraycopy("INVITE sip:a SIP/2.0\r\n".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 22);
            }
            try {
                SipMessage.read(new ByteArrayInputStream(b));
            } catch (IOException expected) {
                // fine
            }
        }
    }
}
