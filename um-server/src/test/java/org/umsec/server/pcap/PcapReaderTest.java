package org.umsec.server.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PcapReaderTest {

    private static final Instant T = Instant.parse("2026-11-28T10:00:00.123456Z");

    @ParameterizedTest
    @EnumSource(PcapWriter.Framing.class)
    void readsWhatTheWriterWroteOverIpv4AndIpv6(PcapWriter.Framing framing) throws Exception {
        InetSocketAddress a4 = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 4000);
        InetSocketAddress b4 = new InetSocketAddress(InetAddress.getByName("10.0.0.2"), 5000);
        InetSocketAddress a6 = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 4002);
        InetSocketAddress b6 = new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 5002);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bytes, framing)) {
            w.write(T, a4, b4, new byte[] {1, 2, 3}, 0, 3);
            w.write(T.plusMillis(20), a6, b6, new byte[] {9, 8, 7, 6}, 1, 3);
        }
        List<UdpDatagram> got = readAll(bytes.toByteArray());
        assertThat(got).hasSize(2);
        assertThat(got.get(0).source()).isEqualTo(a4);
        assertThat(got.get(0).destination()).isEqualTo(b4);
        assertThat(got.get(0).payload()).containsExactly(1, 2, 3);
        assertThat(got.get(0).time()).isEqualTo(T);
        assertThat(got.get(1).source()).isEqualTo(a6);
        assertThat(got.get(1).payload()).containsExactly(8, 7, 6);
    }

    @Test
    void skipsNonUdpAndReadsBigEndianNanosecondFiles() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b23c4d)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(101);
        byte[] tcp = ipv4(6, new byte[20]);
        b.putInt(1).putInt(5).putInt(tcp.length).putInt(tcp.length).put(tcp);
        byte[] udp = ipv4(17, new byte[] {0x0F, (byte) 0xA0, 0x13, (byte) 0x88, 0, 10, 0, 0, 42, 43});
        b.putInt(2).putInt(7).putInt(udp.length).putInt(udp.length).put(udp);
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(Arrays.copyOf(b.array(), b.position())))) {
            UdpDatagram d = r.next().orElseThrow();
            assertThat(d.payload()).containsExactly(42, 43);
            assertThat(d.time()).isEqualTo(Instant.ofEpochSecond(2, 7));
            assertThat(d.source().getPort()).isEqualTo(4000);
            assertThat(r.next()).isEmpty();
            assertThat(r.skipped()).isEqualTo(1);
        }
    }

    @Test
    void garbageEndsWithAClearMessage() throws Exception {
        assertThatThrownBy(() -> new PcapReader(new ByteArrayInputStream("hello".getBytes())))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("24-byte");
        assertThatThrownBy(() -> new PcapReader(new ByteArrayInputStream(new byte[24])))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("magic");
        ByteBuffer ng = ByteBuffer.allocate(24).putInt(0x0a0d0d0a);
        assertThatThrownBy(() -> new PcapReader(new ByteArrayInputStream(ng.array())))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("pcapng");

        ByteBuffer huge =
                header(1).putInt(0).putInt(0).putInt(Integer.MAX_VALUE).putInt(Integer.MAX_VALUE);
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(huge.array(), 0, huge.position()))) {
            assertThatThrownBy(r::next)
                    .isInstanceOf(PcapFormatException.class)
                    .hasMessageContaining("record 1 at offset 24")
                    .hasMessageContaining("exceeds");
        }
        ByteBuffer cut = header(1).putInt(0).putInt(0).putInt(100).putInt(100).put(new byte[10]);
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(cut.array(), 0, cut.position()))) {
            assertThatThrownBy(r::next).isInstanceOf(PcapFormatException.class).hasMessageContaining("ends inside");
        }
        ByteBuffer wrongLink = header(105);
        assertThatThrownBy(() -> new PcapReader(new ByteArrayInputStream(wrongLink.array(), 0, 24)))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("link type 105");
    }

    /**
     * Seeded loop (prints its seed): a file of UDP records the writer made, junk records (random frames whose
     * length fields are right) and, sometimes, a cut at a random point. Every written datagram comes back in order
     * with its addresses and payload, every junk record is either skipped or read as a datagram, and a cut file
     * ends in a {@link PcapFormatException} after exactly the complete records before the cut.
     */
    @Test
    void writtenAndJunkRecordsReadBackInOrderAndACutEndsInAFormatError() throws Exception {
        long seed = Long.getLong("umsec.seed", new java.util.Random().nextLong());
        java.util.Random rnd = new java.util.Random(seed);
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 4000);
        InetSocketAddress b = new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 5002);
        InetSocketAddress c = new InetSocketAddress(InetAddress.getByName("2001:db8::3"), 5004);
        for (int i = 0; i < 300; i++) {
            String at = "seed " + seed + " (replay with -Dumsec.seed=" + seed + "), file " + i;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            List<byte[]> written = new ArrayList<>();
            List<Integer> recordEnds = new ArrayList<>(); // offset after each record
            List<Boolean> isWritten = new ArrayList<>();
            try (PcapWriter w = new PcapWriter(
                    bytes, rnd.nextBoolean() ? PcapWriter.Framing.ETHERNET : PcapWriter.Framing.LINUX_SLL)) {
                for (int r = rnd.nextInt(6); r > 0; r--) {
                    if (rnd.nextInt(3) == 0) {
                        byte[] junk = new byte[rnd.nextInt(120)];
                        rnd.nextBytes(junk);
                        bytes.write(ByteBuffer.allocate(16)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(1)
                                .putInt(2)
                                .putInt(junk.length)
                                .putInt(junk.length)
                                .array());
                        bytes.write(junk);
                        isWritten.add(false);
                    } else {
                        byte[] payload = new byte[rnd.nextInt(200)];
                        rnd.nextBytes(payload);
                        boolean v6 = rnd.nextBoolean();
                        w.write(
                                T,
                                v6 ? b : a,
                                v6 ? c : new InetSocketAddress(a.getAddress(), 4001),
                                payload,
                                0,
                                payload.length);
                        written.add(payload);
                        isWritten.add(true);
                    }
                    recordEnds.add(bytes.size());
                }
            }
            byte[] file = bytes.toByteArray();
            int cut = rnd.nextInt(4) == 0 && file.length > 24 ? 24 + rnd.nextInt(file.length - 24) : file.length;
            long complete = recordEnds.stream().filter(e -> e <= cut).count();
            boolean endsInside = recordEnds.stream().noneMatch(e -> e == cut) && cut > 24;
            List<UdpDatagram> got = new ArrayList<>();
            long skipped;
            PcapFormatException failure = null;
            try (PcapReader r = new PcapReader(new ByteArrayInputStream(file, 0, cut))) {
                try {
                    for (var d = r.next(); d.isPresent(); d = r.next()) {
                        got.add(d.get());
                    }
                } catch (PcapFormatException e) {
                    failure = e;
                }
                skipped = r.skipped();
            }
            assertThat(failure != null).as(at).isEqualTo(endsInside);
            if (failure != null) {
                assertThat(failure.getMessage()).as(at).containsPattern("record " + (complete + 1) + " at offset");
            }
            assertThat(got.size() + skipped).as(at).isEqualTo(complete);
            // The writer's datagrams among the complete records come back in order (junk may decode too).
            List<byte[]> expected = new ArrayList<>();
            int w = 0;
            for (int r = 0; r < complete; r++) {
                if (isWritten.get(r)) {
                    expected.add(written.get(w++));
                }
            }
            List<byte[]> fromWriter = new ArrayList<>();
            for (UdpDatagram d : got) {
                if (d.source().equals(b) && d.destination().equals(c)
                        || d.source().equals(a) && d.destination().getPort() == 4001) {
                    fromWriter.add(d.payload());
                }
            }
            assertThat(fromWriter).as(at).containsExactlyElementsOf(expected);
        }
    }

    private static ByteBuffer header(int link) {
        ByteBuffer b = ByteBuffer.allocate(400).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(link);
        return b;
    }

    private static byte[] ipv4(int proto, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) (20 + payload.length))
                .putInt(0)
                .put((byte) 64)
                .put((byte) proto)
                .putShort((short) 0)
                .put(new byte[] {10, 0, 0, 1})
                .put(new byte[] {10, 0, 0, 2})
                .put(payload);
        return b.array();
    }

    private static List<UdpDatagram> readAll(byte[] file) throws IOException {
        List<UdpDatagram> out = new ArrayList<>();
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file))) {
            for (var d = r.next(); d.isPresent(); d = r.next()) {
                out.add(d.get());
            }
        }
        return out;
    }
}
