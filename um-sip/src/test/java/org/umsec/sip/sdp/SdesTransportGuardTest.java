package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipRequest;
import org.umsec.sip.Via;

class SdesTransportGuardTest {
    private final List<SecurityEvent> events = new ArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final SdesTransportGuard guard = new SdesTransportGuard(events::add, clock);

    private static SipRequest invite(String sdp) {
        SipRequest.Builder b = SipRequest.builder("INVITE", "sip:um@example.com")
                .via(Via.of("TCP", "gw.example.com", 5060, "z9hG4bK1"))
                .from(NameAddress.of("sip:gw@example.com").withTag("1"))
                .to(NameAddress.of("sip:um@example.com"))
                .callId("call-1")
                .cseq(1);
        if (sdp != null) {
            b.body("application/sdp", sdp);
        }
        return b.build();
    }

    private static String sdp(boolean withCrypto) {
        MediaDescription.Builder m = MediaDescription.builder("audio", 4000, withCrypto ? "RTP/SAVP" : "RTP/AVP")
                .rtpFormat(0, "PCMU/8000");
        if (withCrypto) {
            m.crypto(SdesNegotiator.offer(List.of(SdesCryptoSuite.AES_CM_128_HMAC_SHA1_80), new SecureRandom())
                    .get(0));
        }
        return SessionDescription.builder()
                .origin(new Origin("-", "1", "1", "IN", "IP4", "192.0.2.1"))
                .connection(Connection.ip4("192.0.2.1"))
                .media(m.build())
                .build()
                .toSdp();
    }

    @Test
    void sdesOverTcpIsRefusedWithEvent() {
        SipRequest inv = invite(sdp(true));
        assertThat(guard.permits(inv, false, "192.0.2.7:40000")).isFalse();
        assertThat(events).hasSize(1);
        SecurityEvent e = events.get(0);
        assertThat(e.type()).isEqualTo(SecurityEventType.SDES_REFUSED_INSECURE_TRANSPORT);
        assertThat(e.id()).isEqualTo(3004);
        assertThat(e.time()).isEqualTo(clock.instant());
        assertThat(e.field("peer")).contains("192.0.2.7:40000");
        assertThat(e.field("callId")).contains("call-1");
        assertThat(e.toString()).doesNotContain("inline:");
    }

    @Test
    void sdesOverTlsAndPlainRtpOverTcpAreAllowed() {
        assertThat(guard.permits(invite(sdp(true)), true, "gw")).isTrue();
        assertThat(guard.permits(invite(sdp(false)), false, "gw")).isTrue();
        assertThat(guard.permits(invite(null), false, "gw")).isTrue();
        assertThat(events).isEmpty();
    }

    @Test
    void unparsableBodyMentioningCryptoIsRefused() {
        SipRequest inv = invite("garbage\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA\r\n");
        assertThat(SdesTransportGuard.carriesSdesKeys(inv)).isTrue();
        assertThat(guard.permits(inv, false, "gw")).isFalse();
        assertThat(events).hasSize(1);
    }
}
