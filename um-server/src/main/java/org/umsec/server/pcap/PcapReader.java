package org.umsec.server.pcap;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads the UDP datagrams of a classic pcap capture file (the libpcap format, not pcapng).
 *
 * <p>Understood: both byte orders, microsecond ({@code a1b2c3d4}) and nanosecond ({@code a1b23c4d})
 * time stamps; link types Ethernet (1, with up to two 802.1Q/802.1ad VLAN tags), raw IP (101) and
 * Linux cooked capture (113 SLL and 276 SLL2); IPv4 (options skipped, later fragments skipped) and
 * IPv6 (hop-by-hop, routing and destination-options headers skipped; fragments skipped); UDP.
 * Everything else (TCP, ARP, ICMP, truncated frames) is skipped silently and counted in
 * {@link #skipped()}.
 *
 * <p>Limits: a record may hold at most {@value #MAX_RECORD} bytes; a larger length field, a file
 * that ends in the middle of a record, or an unknown magic number is a {@link PcapFormatException}
 * naming the record and file offset, so garbage input ends quickly with a clear message and
 * never allocates more than one record's worth of memory. Not thread-safe.
 */
public final class PcapReader implements AutoCloseable {

    /** Largest record accepted (the usual libpcap snap length maximum). */
    public static final int MAX_RECORD = 262_144;

    static final int LINKTYPE_ETHERNET = 1;
    static final int LINKTYPE_RAW = 101;
    static final int LINKTYPE_LINUX_SLL = 113;
    static final int LINKTYPE_LINUX_SLL2 = 276;

    private final InputStream in;
    private final boolean bigEndian;
    private final boolean nanos;
    private final int linkType;
    private final byte[] header16 = new byte[16];
    private long offset;
    private long records;
    private long skipped;

    /**
     * Reads the global header.
     *
     * @param in the capture (the reader takes ownership and closes it)
     * @throws PcapFormatException if the stream is not a pcap file or uses an unsupported link type
     * @throws IOException if reading fails
     */
    public PcapReader(InputStream in) throws IOException {
        this.in = in;
        byte[] g = new byte[24];
        if (readFully(g, 24) < 24) {
            throw new PcapFormatException("not a pcap file: shorter than the 24-byte global header");
        }
        int magicBe = (int) be32(g, 0);
        switch (magicBe) {
            case 0xa1b2c3d4 -> { bigEndian = true; nanos = false; }
            case 0xd4c3b2a1 -> { bigEndian = false; nanos = false; }
            case 0xa1b23c4d -> { bigEndian = true; nanos = true; }
            case 0x4d3cb2a1 -> { bigEndian = false; nanos = true; }
            case 0x0a0d0d0a -> throw new PcapFormatException(
                    "pcapng files are not supported; convert with: editcap -F pcap in.pcapng out.pcap");
            default -> throw new PcapFormatException(
                    String.format("not a pcap file: unknown magic number 0x%08x", magicBe));
        }
        linkType = (int) (u32(g, 20) & 0x0FFF_FFFF);
        if (linkType != LINKTYPE_ETHERNET && linkType != LINKTYPE_RAW && linkType != LINKTYPE_LINUX_SLL
                && linkType != LINKTYPE_LINUX_SLL2) {
            throw new PcapFormatException("unsupported link type " + linkType
                    + " (supported: 1 Ethernet, 101 raw IP, 113 Linux cooked, 276 Linux cooked v2)");
        }
        offset = 24;
    }

    /** @return the file's link type */
    public int linkType() {
        return linkType;
    }

    /** @return records that held no UDP datagram (other protocols, fragments, truncated frames) */
    public long skipped() {
        return skipped;
    }

    /**
     * Returns the next UDP datagram.
     *
     * @return the datagram, or empty at the end of the file
     * @throws PcapFormatException if a record header is corrupt or the file ends inside a record
     * @throws IOException if reading fails
     */
    public Optional<UdpDatagram> next() throws IOException {
        while (true) {
            long recordOffset = offset;
            int n = readFully(header16, 16);
            if (n == 0) {
                return Optional.empty();
            }
            records++;
            if (n < 16) {
                throw new PcapFormatException("record " + records + " at offset " + recordOffset
                        + ": file ends inside the record header");
            }
            long sec = u32(header16, 0);
            long frac = u32(header16, 4);
            long incl = u32(header16, 8);
            if (incl > MAX_RECORD) {
                throw new PcapFormatException("record " + records + " at offset " + recordOffset
                        + ": captured length " + incl + " exceeds the limit of " + MAX_RECORD);
            }
            byte[] frame = new byte[(int) incl];
            if (readFully(frame, frame.length) < frame.length) {
                throw new PcapFormatException("record " + records + " at offset " + recordOffset
                        + ": file ends inside the record (" + incl + " bytes announced)");
            }
            Instant time = Instant.ofEpochSecond(sec, nanos ? Math.min(frac, 999_999_999) : Math.min(frac, 999_999) * 1000);
            UdpDatagram d = decodeFrame(frame, time);
            if (d != null) {
                return Optional.of(d);
            }
            skipped++;
        }
    }

    private UdpDatagram decodeFrame(byte[] f, Instant time) throws UnknownHostException {
        int pos;
        int etherType;
        switch (linkType) {
            case LINKTYPE_ETHERNET -> {
                if (f.length < 14) {
                    return null;
                }
                etherType = be16(f, 12);
                pos = 14;
                for (int tags = 0; tags < 2 && (etherType == 0x8100 || etherType == 0x88a8); tags++) {
                    if (f.length < pos + 4) {
                        return null;
                    }
                    etherType = be16(f, pos + 2);
                    pos += 4;
                }
            }
            case LINKTYPE_LINUX_SLL -> {
                if (f.length < 16) {
                    return null;
                }
                etherType = be16(f, 14);
                pos = 16;
            }
            case LINKTYPE_LINUX_SLL2 -> {
                if (f.length < 20) {
                    return null;
                }
                etherType = be16(f, 0);
                pos = 20;
            }
            default -> { // raw IP: the version nibble says which
                if (f.length < 1) {
                    return null;
                }
                int v = (f[0] & 0xFF) >> 4;
                etherType = v == 4 ? 0x0800 : v == 6 ? 0x86DD : -1;
                pos = 0;
            }
        }
        if (etherType == 0x0800) {
            return ipv4(f, pos, time);
        }
        if (etherType == 0x86DD) {
            return ipv6(f, pos, time);
        }
        return null;
    }

    private static UdpDatagram ipv4(byte[] f, int pos, Instant time) throws UnknownHostException {
        if (f.length < pos + 20 || ((f[pos] & 0xFF) >> 4) != 4) {
            return null;
        }
        int ihl = (f[pos] & 0x0F) * 4;
        int total = be16(f, pos + 2);
        int fragment = be16(f, pos + 6);
        if (ihl < 20 || total < ihl || (fragment & 0x1FFF) != 0 || (fragment & 0x2000) != 0
                || (f[pos + 9] & 0xFF) != 17) {
            return null; // not UDP, or a fragment: reassembly is out of scope for a debugging tool
        }
        int end = Math.min(f.length, pos + total);
        InetAddress src = InetAddress.getByAddress(Arrays.copyOfRange(f, pos + 12, pos + 16));
        InetAddress dst = InetAddress.getByAddress(Arrays.copyOfRange(f, pos + 16, pos + 20));
        return udp(f, pos + ihl, end, src, dst, time);
    }

    private static UdpDatagram ipv6(byte[] f, int pos, Instant time) throws UnknownHostException {
        if (f.length < pos + 40 || ((f[pos] & 0xFF) >> 4) != 6) {
            return null;
        }
        int payloadLength = be16(f, pos + 4);
        int next = f[pos + 6] & 0xFF;
        InetAddress src = InetAddress.getByAddress(Arrays.copyOfRange(f, pos + 8, pos + 24));
        InetAddress dst = InetAddress.getByAddress(Arrays.copyOfRange(f, pos + 24, pos + 40));
        int end = Math.min(f.length, pos + 40 + payloadLength);
        int p = pos + 40;
        for (int hops = 0; hops < 8 && (next == 0 || next == 43 || next == 60); hops++) {
            if (p + 8 > end) {
                return null;
            }
            next = f[p] & 0xFF;
            p += 8 + 8 * (f[p + 1] & 0xFF);
        }
        if (next != 17) {
            return null;
        }
        return udp(f, p, end, src, dst, time);
    }

    private static UdpDatagram udp(byte[] f, int pos, int end, InetAddress src, InetAddress dst, Instant time) {
        if (pos + 8 > end) {
            return null;
        }
        int len = be16(f, pos + 4);
        if (len < 8 || pos + len > end) {
            return null; // truncated by the snap length or inconsistent
        }
        byte[] payload = Arrays.copyOfRange(f, pos + 8, pos + len);
        return new UdpDatagram(time, new InetSocketAddress(src, be16(f, pos)), new InetSocketAddress(dst, be16(f, pos + 2)),
                payload);
    }

    private int readFully(byte[] b, int len) throws IOException {
        int n = 0;
        while (n < len) {
            int r = in.read(b, n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        offset += n;
        return n;
    }

    private long u32(byte[] b, int i) {
        return bigEndian ? be32(b, i)
                : ((long) (b[i + 3] & 0xFF) << 24) | ((b[i + 2] & 0xFF) << 16) | ((b[i + 1] & 0xFF) << 8) | (b[i] & 0xFF);
    }

    private static long be32(byte[] b, int i) {
        return ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    private static int be16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

}
