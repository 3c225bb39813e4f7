package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RtpPacketTest {

    @Test
    void writeThenParseRoundTrips() {
        byte[] payload = {1, 2, 3, 4, 5};
        byte[] buf = new byte[100];
        int len = RtpPacket.write(buf, 3, 8, true, 0xFFFE, 0xFFFF_FFF0L, 0xDEADBEEFL, payload, 1, 4);
        assertThat(len).isEqualTo(16);
        RtpPacket p = RtpPacket.parse(buf, 3, len).orElseThrow();
        assertThat(p).isEqualTo(new RtpPacket(8, true, 0xFFFE, 0xFFFF_FFF0L, 0xDEADBEEFL, 15, 4));
        assertThat(buf[15]).isEqualTo((byte) 2);
    }

    @Test
    void parsesCsrcExtensionAndPadding() {
        byte[] b = {
            (byte) 0xB1,
            0x00,
            0x00,
            0x01,
            0,
            0,
            0,
            2,
            0,
            0,
            0,
            3, // V=2 P X CC=1, PT 0
            0,
            0,
            0,
            9, // CSRC
            (byte) 0xBE,
            (byte) 0xDE,
            0x00,
            0x01,
            1,
            2,
            3,
            4, // extension, one word
            10,
            11,
            12, // payload
            0,
            0,
            3 // padding of 3
        };
        RtpPacket p = RtpPacket.parse(b, 0, b.length).orElseThrow();
        assertThat(p.payloadOffset()).isEqualTo(24);
        assertThat(p.payloadLength()).isEqualTo(3);
        assertThat(p.ssrc()).isEqualTo(3);
    }

    @Test
    void rejectsWhatIsNotRtp() {
        assertThat(RtpPacket.parse(new byte[11], 0, 11)).isEmpty();
        byte[] v1 = new byte[12];
        v1[0] = 0x40;
        assertThat(RtpPacket.parse(v1, 0, 12)).isEmpty();
        byte[] rtcp = {(byte) 0x80, (byte) 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(RtpPacket.parse(rtcp, 0, 12)).isEmpty();
        byte[] ccTooBig = new byte[12];
        ccTooBig[0] = (byte) 0x8F;
        assertThat(RtpPacket.parse(ccTooBig, 0, 12)).isEmpty();
        byte[] extTooBig = new byte[16];
        extTooBig[0] = (byte) 0x90;
        extTooBig[14] = (byte) 0xFF;
        assertThat(RtpPacket.parse(extTooBig, 0, 16)).isEmpty();
        byte[] padTooBig = new byte[13];
        padTooBig[0] = (byte) 0xA0;
        padTooBig[12] = 9;
        assertThat(RtpPacket.parse(padTooBig, 0, 13)).isEmpty();
        assertThat(RtpPacket.parse(new byte[12], 5, 12)).isEqualTo(Optional.empty());
    }
}
