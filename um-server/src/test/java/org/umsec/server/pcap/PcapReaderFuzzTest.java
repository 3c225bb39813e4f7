package org.umsec.server.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Fuzz target for {@link PcapReader}: a capture file from an administrator or a peer's trace. Invariants: the only
 * failure is a {@link PcapFormatException} (no other {@link IOException}, no runtime exception); reading ends (at
 * most one datagram or skip per 16-byte record header); every datagram has ports in range, a payload no larger
 * than {@value PcapReader#MAX_RECORD} and its source and destination of the same address family. Corpus:
 * {@code src/test/resources/org/umsec/server/pcap/PcapReaderFuzzTestInputs/readAll/}.
 */
class PcapReaderFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void readAll(byte[] data) throws IOException {
        if (data == null) {
            return;
        }
        long maxRecords = Math.max(0, (data.length - 24) / 16);
        long datagrams = 0;
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(data))) {
            for (Optional<UdpDatagram> d = r.next(); d.isPresent(); d = r.next()) {
                datagrams++;
                UdpDatagram u = d.get();
                assertThat(u.payload().length).isLessThanOrEqualTo(PcapReader.MAX_RECORD);
                assertThat(u.source().getPort()).isBetween(0, 65535);
                assertThat(u.destination().getPort()).isBetween(0, 65535);
                assertThat(u.source().getAddress().getClass())
                        .isEqualTo(u.destination().getAddress().getClass());
                assertThat(datagrams + r.skipped()).isLessThanOrEqualTo(maxRecords);
            }
            assertThat(datagrams + r.skipped()).isLessThanOrEqualTo(maxRecords);
        } catch (PcapFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
