package org.umsec.sip.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsec.sip.SipMessage;
import org.umsec.sip.codec.SipDecodeException;
import org.umsec.sip.codec.SipMessageParser;

/** The SDP bodies of the valid RFC 4475 messages parse and round-trip. */
class TortureSdpBodiesTest {
    @ParameterizedTest
    @ValueSource(strings = {"wsinv", "esc01", "longreq", "unreason", "bcast", "sdp01", "inv2543"})
    void sdpBodyParsesAndRoundTrips(String name) throws IOException, SipDecodeException, SdpParseException {
        byte[] data;
        try (InputStream in = getClass().getResourceAsStream("/sip-torture/" + name + ".dat")) {
            data = in.readAllBytes();
        }
        SipMessage m = SipMessageParser.withDefaults().parse(data);
        assertThat(m.contentType()).contains("application/sdp");
        SessionDescription sd = SessionDescription.parse(m.body());
        assertThat(sd.media()).isNotEmpty();
        assertThat(sd.audio()).isPresent();
        assertThat(SessionDescription.parse(sd.toSdp())).isEqualTo(sd);
    }
}
