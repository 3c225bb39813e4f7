package org.umsec.server.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PcapngReaderTest {

    private static final Instant T = Instant.parse("2026-11-28T10:00:00.123456Z");

    static byte[] pcap(PcapWriter.Framing framing) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bytes, framing)) {
            w.write(
                    T,
                    new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 40000),
                    new InetSocketAddress(InetAddress.getByName("192.0.2.2"), 20000),
                    new byte[] {1, 2, 3},
                    0,
                    3);
            w.write(
                    T.plusMillis(20),
                    new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 5004),
                    new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 5006),
                    new byte[] {4, 5, 6, 7, 8},
                    0,
                    5);
        }
        return bytes.toByteArray();
    }

    @Test
    void readsTheSameDatagramsAsThePcapInBothByteOrdersAndResolutions() throws Exception {
        for (PcapWriter.Framing framing : PcapWriter.Framing.values()) {
            byte[] pcap = pcap(framing);
            List<UdpDatagram> expected = PcapngFiles.readAll(pcap);
            assertThat(expected).hasSize(2);
            for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                for (boolean nanos : new boolean[] {false, true}) {
                    byte[] ng = PcapngFiles.fromPcap(pcap, order, nanos);
                    assertThat(CaptureReader.open(new ByteArrayInputStream(ng))).isInstanceOf(PcapngReader.class);
                    List<UdpDatagram> got = PcapngFiles.readAll(ng);
                    assertThat(got).hasSize(2);
                    for (int i = 0; i < 2; i++) {
                        assertThat(got.get(i).time()).isEqualTo(expected.get(i).time());
                        assertThat(got.get(i).source())
                                .isEqualTo(expected.get(i).source());
                        assertThat(got.get(i).destination())
                                .isEqualTo(expected.get(i).destination());
                        assertThat(got.get(i).payload())
                                .isEqualTo(expected.get(i).payload());
                    }
                }
            }
        }
    }

    @Test
    void aSecondSectionResetsInterfacesAndByteOrder() throws Exception {
        byte[] pcap = pcap(PcapWriter.Framing.ETHERNET);
        byte[] a = PcapngFiles.fromPcap(pcap, ByteOrder.BIG_ENDIAN, false);
        byte[] b = PcapngFiles.fromPcap(pcap, ByteOrder.LITTLE_ENDIAN, true);
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        assertThat(PcapngFiles.readAll(both)).hasSize(4);
    }

    @Test
    void corruptBlocksEndWithAClearMessage() throws Exception {
        byte[] ng = PcapngFiles.fromPcap(pcap(PcapWriter.Framing.ETHERNET), ByteOrder.LITTLE_ENDIAN, false);
        // truncated in the middle of the last block
        assertThatThrownBy(() -> PcapngFiles.readAll(Arrays.copyOf(ng, ng.length - 3)))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("file ends inside the block");
        // the trailing length of the first packet block disagrees
        int firstEpb = 28 + 20 + 16; // SHB, IDB, NRB
        byte[] bad = ng.clone();
        int len = ByteBuffer.wrap(bad, firstEpb + 4, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        bad[firstEpb + len - 4] ^= 4;
        assertThatThrownBy(() -> PcapngFiles.readAll(bad))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("block 4 at offset " + firstEpb)
                .hasMessageContaining("at the end");
        // a huge block length is refused before anything is allocated
        byte[] huge = ng.clone();
        ByteBuffer.wrap(huge, firstEpb + 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7FFF_FFF0);
        assertThatThrownBy(() -> PcapngFiles.readAll(huge))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("exceeds the limit of " + PcapngReader.MAX_BLOCK);
        // a packet for an interface that was never described
        byte[] iface = ng.clone();
        ByteBuffer.wrap(iface, firstEpb + 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(7);
        assertThatThrownBy(() -> PcapngFiles.readAll(iface))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("interface 7");
        // a captured length past the block
        byte[] cap = ng.clone();
        ByteBuffer.wrap(cap, firstEpb + 8 + 12, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(100_000);
        assertThatThrownBy(() -> PcapngFiles.readAll(cap))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("runs past the block");
        // a bad byte-order magic
        byte[] bom = ng.clone();
        bom[8] = 0;
        assertThatThrownBy(() -> PcapngFiles.readAll(bom))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("byte-order magic");
        // classic pcap reader tells what it is
        assertThatThrownBy(() -> new PcapReader(new ByteArrayInputStream(ng)))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("pcapng");
    }

    @Test
    void randomMutationsNeverEscapeAsAnythingButPcapFormatException() throws Exception {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        byte[] ng = PcapngFiles.fromPcap(pcap(PcapWriter.Framing.LINUX_SLL), ByteOrder.BIG_ENDIAN, true);
        for (int i = 0; i < 3000; i++) {
            byte[] m = ng.clone();
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            }
            if (r.nextInt(4) == 0) {
                m = Arrays.copyOf(m, r.nextInt(m.length));
            }
            try {
                PcapngFiles.readAll(m);
            } catch (PcapFormatException expected) {
                // the one allowed failure
            } catch (Exception | Error e) {
                throw new AssertionError("seed " + seed + ", iteration " + i + ": " + e, e);
            }
        }
    }
}
