package org.umsec.server.pcap;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;

/**
 * Writes UDP datagrams as a classic pcap file (microsecond time stamps, little-endian), framed as
 * Ethernet (link type 1) or Linux cooked capture (link type 113), over IPv4 or IPv6 as the
 * addresses say. Used to produce captures for tests and for {@code umsec srtp decrypt}
 * walkthroughs. UDP checksums are written as zero (allowed for IPv4; tools accept it for IPv6
 * captures). Not thread-safe.
 */
public final class PcapWriter implements AutoCloseable {

    /** Frame layout of the written file. */
    public enum Framing {
        /** Ethernet II with zero MAC addresses. */
        ETHERNET(PcapReader.LINKTYPE_ETHERNET),
        /** Linux cooked capture v1 ("any" interface). */
        LINUX_SLL(PcapReader.LINKTYPE_LINUX_SLL);

        final int linkType;

        Framing(int linkType) {
            this.linkType = linkType;
        }
    }

    private final OutputStream out;
    private final Framing framing;

    /**
     * Writes the global header.
     *
     * @param out where to write (the writer takes ownership and closes it)
     * @param framing link-layer framing of each record
     * @throws IOException if writing fails
     */
    public PcapWriter(OutputStream out, Framing framing) throws IOException {
        this.out = out;
        this.framing = framing;
        ByteBuffer g = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        g.putInt(0xa1b2c3d4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(framing.linkType);
        out.write(g.array());
    }

    /**
     * Appends one datagram.
     *
     * @param time capture time
     * @param source source address (IPv4 or IPv6, same family as the destination)
     * @param destination destination address
     * @param payload UDP payload
     * @param off first payload byte
     * @param len payload length (at most 65000)
     * @throws IOException if writing fails
     * @throws IllegalArgumentException if the address families differ or the payload is too long
     */
    public void write(
            Instant time, InetSocketAddress source, InetSocketAddress destination, byte[] payload, int off, int len)
            throws IOException {
        if (len > 65000) {
            throw new IllegalArgumentException("payload too long: " + len);
        }
        boolean v6 = source.getAddress() instanceof Inet6Address;
        if (v6 != (destination.getAddress() instanceof Inet6Address)
                || !(v6 || source.getAddress() instanceof Inet4Address)) {
            throw new IllegalArgumentException("source and destination must both be IPv4 or both IPv6");
        }
        int linkLen = framing == Framing.ETHERNET ? 14 : 16;
        int ipLen = v6 ? 40 : 20;
        int frameLen = linkLen + ipLen + 8 + len;
        ByteBuffer f = ByteBuffer.allocate(16 + frameLen);
        f.order(ByteOrder.LITTLE_ENDIAN);
        f.putInt((int) time.getEpochSecond())
                .putInt(time.getNano() / 1000)
                .putInt(frameLen)
                .putInt(frameLen);
        f.order(ByteOrder.BIG_ENDIAN);
        int etherType = v6 ? 0x86DD : 0x0800;
        if (framing == Framing.ETHERNET) {
            f.put(new byte[12]).putShort((short) etherType);
        } else {
            f.putShort((short) 0)
                    .putShort((short) 1)
                    .putShort((short) 6)
                    .put(new byte[8])
                    .putShort((short) etherType);
        }
        if (v6) {
            f.putInt(0x6000_0000).putShort((short) (8 + len)).put((byte) 17).put((byte) 64);
            f.put(source.getAddress().getAddress()).put(destination.getAddress().getAddress());
        } else {
            int ipStart = f.position();
            f.put((byte) 0x45)
                    .put((byte) 0)
                    .putShort((short) (20 + 8 + len))
                    .putInt(0)
                    .put((byte) 64)
                    .put((byte) 17)
                    .putShort((short) 0)
                    .put(source.getAddress().getAddress())
                    .put(destination.getAddress().getAddress());
            f.putShort(ipStart + 10, ipv4Checksum(f.array(), ipStart));
        }
        f.putShort((short) source.getPort())
                .putShort((short) destination.getPort())
                .putShort((short) (8 + len))
                .putShort((short) 0);
        f.put(payload, off, len);
        out.write(f.array());
    }

    private static short ipv4Checksum(byte[] b, int start) {
        int sum = 0;
        for (int i = start; i < start + 20; i += 2) {
            sum += ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (short) ~sum;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
