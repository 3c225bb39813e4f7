package org.umsec.server.pcap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Test helper: rewrites a classic pcap file (as {@link PcapWriter} makes them) as pcapng. */
public final class PcapngFiles {

    private PcapngFiles() {}

    /**
     * @param pcap a little-endian microsecond pcap file
     * @param order byte order of the pcapng section
     * @param nanos nanosecond time stamps (if_tsresol 9) instead of the default microseconds
     * @return the same packets as a pcapng file: SHB, IDB, a name-resolution block to skip, EPBs
     * @throws IOException never (in-memory)
     */
    public static byte[] fromPcap(byte[] pcap, ByteOrder order, boolean nanos) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int linkType = in.getInt(20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // section header: BOM, version 1.0, section length unknown (-1), no options
        out.write(block(
                order,
                0x0A0D0D0A,
                b(order, 16)
                        .putInt(0x1A2B3C4D)
                        .putShort((short) 1)
                        .putShort((short) 0)
                        .putLong(-1)));
        ByteBuffer idb = b(order, nanos ? 16 : 8)
                .putShort((short) linkType)
                .putShort((short) 0)
                .putInt(65535);
        if (nanos) {
            idb.putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]);
        }
        out.write(block(order, 1, idb));
        out.write(block(order, 4, b(order, 4).putShort((short) 0).putShort((short) 0))); // NRB, end of records
        int pos = 24;
        while (pos < pcap.length) {
            long sec = in.getInt(pos) & 0xFFFF_FFFFL;
            long usec = in.getInt(pos + 4) & 0xFFFF_FFFFL;
            int incl = in.getInt(pos + 8);
            int orig = in.getInt(pos + 12);
            long ts = nanos ? sec * 1_000_000_000L + usec * 1000 : sec * 1_000_000L + usec;
            int padded = (incl + 3) & ~3;
            ByteBuffer epb = b(order, 20 + padded)
                    .putInt(0)
                    .putInt((int) (ts >>> 32))
                    .putInt((int) ts)
                    .putInt(incl)
                    .putInt(orig);
            epb.put(pcap, pos + 16, incl);
            out.write(block(order, 6, epb));
            pos += 16 + incl;
        }
        return out.toByteArray();
    }

    static ByteBuffer b(ByteOrder order, int size) {
        return ByteBuffer.allocate(size).order(order);
    }

    static byte[] block(ByteOrder order, int type, ByteBuffer body) {
        int total = 12 + body.capacity();
        return ByteBuffer.allocate(total)
                .order(order)
                .putInt(type)
                .putInt(total)
                .put(body.array())
                .putInt(total)
                .array();
    }

    /**
     * @param file a capture
     * @return its UDP datagrams, read through {@link CaptureReader#open}
     * @throws IOException as the reader throws
     */
    public static java.util.List<UdpDatagram> readAll(byte[] file) throws IOException {
        java.util.List<UdpDatagram> out = new java.util.ArrayList<>();
        try (CaptureReader r = CaptureReader.open(new ByteArrayInputStream(file))) {
            for (java.util.Optional<UdpDatagram> d = r.next(); d.isPresent(); d = r.next()) {
                out.add(d.get());
            }
        }
        return out;
    }
}
