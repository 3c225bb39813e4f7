package org.umsec.server.pcap;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;

/**
 * Reads the UDP datagrams of a classic pcap capture file (the libpcap format; {@link PcapngReader}
 * reads pcapng, {@link CaptureReader#open} picks the right one).
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
public final class PcapReader implements CaptureReader {

    /** Largest record accepted (the usual libpcap snap length maximum). */
    public static final int MAX_RECORD = 262_144;

    static final int LINKTYPE_ETHERNET = Frames.LINKTYPE_ETHERNET;
    static final int LINKTYPE_LINUX_SLL = Frames.LINKTYPE_LINUX_SLL;

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
            case 0xa1b2c3d4 -> {
                bigEndian = true;
                nanos = false;
            }
            case 0xd4c3b2a1 -> {
                bigEndian = false;
                nanos = false;
            }
            case 0xa1b23c4d -> {
                bigEndian = true;
                nanos = true;
            }
            case 0x4d3cb2a1 -> {
                bigEndian = false;
                nanos = true;
            }
            case 0x0a0d0d0a ->
                throw new PcapFormatException(
                        "this is a pcapng file: read it with PcapngReader (CaptureReader.open picks the reader)");
            default ->
                throw new PcapFormatException(String.format("not a pcap file: unknown magic number 0x%08x", magicBe));
        }
        linkType = (int) (u32(g, 20) & 0x0FFF_FFFF);
        Frames.checkLinkType(linkType);
        offset = 24;
    }

    /** @return the file's link type */
    public int linkType() {
        return linkType;
    }

    /** @return records that held no UDP datagram (other protocols, fragments, truncated frames) */
    @Override
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
    @Override
    public Optional<UdpDatagram> next() throws IOException {
        while (true) {
            long recordOffset = offset;
            int n = readFully(header16, 16);
            if (n == 0) {
                return Optional.empty();
            }
            records++;
            if (n < 16) {
                throw new PcapFormatException(
                        "record " + records + " at offset " + recordOffset + ": file ends inside the record header");
            }
            long sec = u32(header16, 0);
            long frac = u32(header16, 4);
            long incl = u32(header16, 8);
            if (incl > MAX_RECORD) {
                throw new PcapFormatException("record " + records + " at offset " + recordOffset + ": captured length "
                        + incl + " exceeds the limit of " + MAX_RECORD);
            }
            byte[] frame = new byte[(int) incl];
            if (readFully(frame, frame.length) < frame.length) {
                throw new PcapFormatException("record " + records + " at offset " + recordOffset
                        + ": file ends inside the record (" + incl + " bytes announced)");
            }
            Instant time =
                    Instant.ofEpochSecond(sec, nanos ? Math.min(frac, 999_999_999) : Math.min(frac, 999_999) * 1000);
            UdpDatagram d = Frames.decode(linkType, frame, time);
            if (d != null) {
                return Optional.of(d);
            }
            skipped++;
        }
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
        return bigEndian
                ? be32(b, i)
                : ((long) (b[i + 3] & 0xFF) << 24)
                        | ((b[i + 2] & 0xFF) << 16)
                        | ((b[i + 1] & 0xFF) << 8)
                        | (b[i] & 0xFF);
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
