package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RtcpTest {

    @Test
    void senderAndReceiverReportsAreValidCompoundPackets() {
        byte[] b = new byte[256];
        Instant now = Instant.parse("2026-11-28T10:00:00.5Z");
        int len = Rtcp.write(
                b,
                0x11223344L,
                now,
                1234,
                10,
                1600,
                new Rtcp.ReportBlock(0x55667788L, 12, 3, 70000, 40, 0, 0),
                "umsec@x");
        assertThat(len % 4).isZero();
        assertThat(b[1] & 0xFF).isEqualTo(200);
        assertThat(((b[2] & 0xFF) << 8 | (b[3] & 0xFF)) * 4 + 4).isEqualTo(52); // SR with one report block
        long lsr = Rtcp.validate(b, 0, len);
        assertThat(lsr).isEqualTo(((2_208_988_800L + now.getEpochSecond()) & 0xFFFF) << 16 | 0x8000);

        int rr = Rtcp.write(b, 1, now, 0, 0, 0, null, "c");
        assertThat(b[1] & 0xFF).isEqualTo(201);
        assertThat(Rtcp.validate(b, 0, rr)).isZero();
        assertThat(Rtcp.validate(b, 0, rr - 1)).isEqualTo(-1);
        b[0] = 0x40;
        assertThat(Rtcp.validate(b, 0, rr)).isEqualTo(-1);
    }
}
