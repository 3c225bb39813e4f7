package org.umsec.server.pcap;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the UDP datagrams of a pcapng capture file (the format Wireshark and dumpcap write by
 * default; draft-ietf-opsawg-pcapng).
 *
 * <pre>
 * block:  +---------------------------------------------------------------+
 *         | block type (32)          | block total length (32)            |
 *         | body ... (padded to 32 bits)                                  |
 *         | block total length (32), repeated                              |
 *         +---------------------------------------------------------------+
 * SHB 0x0A0D0D0A: byte-order magic 0x1A2B3C4D, version 1.x, section length, options
 * IDB 1:          link type (16), reserved (16), snap length (32), options (if_tsresol = 9)
 * EPB 6:          interface id, timestamp high, low, captured length, original length, data
 * SPB 3:          original length, data (captured length = min(original, snap length))
 * OPB 2:          interface id (16), drops (16), timestamp high, low, captured length, length, data
 * </pre>
 *
 * <p>Every section may use its own byte order and interfaces; other block types (name resolution,
 * statistics, custom, decryption secrets) are skipped. Frames are decoded as by {@link PcapReader}
 * (same link types).
 *
 * <p>Limits: a block may be at most {@value #MAX_BLOCK} bytes and a section may declare at most
 * {@value #MAX_INTERFACES} interfaces. A block length that is too small, too large, not a multiple
 * of four or not repeated at the block's end, a captured length past the block, a packet for an
 * undeclared interface, an unsupported link type or a file that ends inside a block is a
 * {@link PcapFormatException} naming the block number and file offset: garbage input ends at once,
 * and memory is bounded by one block. Not thread-safe.
 */
public final class PcapngReader implements CaptureReader {

    /** Largest block accepted: a maximal record of {@link PcapReader#MAX_RECORD} plus headers and options. */
    public static final int MAX_BLOCK = PcapReader.MAX_RECORD + 65_536;
    /** Most interfaces a section may declare. */
    public static final int MAX_INTERFACES = 1024;

    private static final int SHB = 0x0A0D0D0A;
    private static final int IDB = 1;
    private static final int OPB = 2;
    private static final int SPB = 3;
    private static final int EPB = 6;

    private final InputStream in;
    private final byte[] head = new byte[8];
    private final List<Interface> interfaces = new ArrayList<>();
    private boolean bigEndian;
    private long offset;
    private long blocks;
    private long skipped;

    /** One interface of the current section: its link type, snap length and time stamp unit. */
    private record Interface(int linkType, long snapLength, long unitsPerSecond, boolean powerOfTwo, int exponent) {}

    /**
     * Reads the first section header.
     *
     * @param in the capture (the reader takes ownership and closes it)
     * @throws PcapFormatException if the stream does not start with a pcapng section header block
     * @throws IOException if reading fails
     */
    public PcapngReader(InputStream in) throws IOException {
        this.in = in;
        int n = readFully(head, 8);
        if (n < 8 || be32(head, 0) != SHB) {
            throw new PcapFormatException("not a pcapng file: no section header block at offset 0");
        }
        sectionHeader(0);
    }

    @Override
    public long skipped() {
        return skipped;
    }

    @Override
    public Optional<UdpDatagram> next() throws IOException {
        while (true) {
            long blockOffset = offset;
            int n = readFully(head, 8);
            if (n == 0) {
                return Optional.empty();
            }
            if (n < 8) {
                throw error(blocks + 1, blockOffset, "file ends inside the block header");
            }
            if (be32(head, 0) == SHB) {
                sectionHeader(blockOffset);
                continue;
            }
            blocks++;
            int type = (int) u32(head, 0);
            byte[] body = body(blockOffset, u32(head, 4));
            UdpDatagram d = switch (type) {
                case IDB -> {
                    interfaceDescription(body, blockOffset);
                    yield null;
                }
                case EPB, OPB -> packet(type, body, blockOffset);
                case SPB -> simplePacket(body, blockOffset);
                default -> null; // NRB, ISB, custom, DSB...: nothing to decode here
            };
            if (type == EPB || type == OPB || type == SPB) {
                if (d != null) {
                    return Optional.of(d);
                }
                skipped++;
            }
        }
    }

    private void sectionHeader(long blockOffset) throws IOException {
        blocks++;
        byte[] bom = new byte[4];
        if (readFully(bom, 4) < 4) {
            throw error(blocks, blockOffset, "file ends inside the section header");
        }
        long magic = be32(bom, 0);
        if (magic == 0x1A2B3C4DL) {
            bigEndian = true;
        } else if (magic == 0x4D3C2B1AL) {
            bigEndian = false;
        } else {
            throw error(blocks, blockOffset, String.format("unknown byte-order magic 0x%08x", magic));
        }
        long total = u32(head, 4);
        if (total < 28) {
            throw error(blocks, blockOffset, "section header length " + total + " is below the minimum of 28");
        }
        // the byte-order magic was read already: the rest of the body follows
        byte[] rest = checkedBody(blockOffset, total, 12);
        int major = u16(rest, 0);
        if (major != 1) {
            throw error(
                    blocks, blockOffset, "pcapng version " + major + "." + u16(rest, 2) + " is not supported (1.x)");
        }
        interfaces.clear();
    }

    private byte[] body(long blockOffset, long total) throws IOException {
        if (total < 12) {
            throw error(blocks, blockOffset, "block length " + total + " is below the minimum of 12");
        }
        return checkedBody(blockOffset, total, 8);
    }

    /** Reads what is left of a block after {@code consumed} bytes, checks the repeated length, returns the body. */
    private byte[] checkedBody(long blockOffset, long total, int consumed) throws IOException {
        if (total > MAX_BLOCK) {
            throw error(blocks, blockOffset, "block length " + total + " exceeds the limit of " + MAX_BLOCK);
        }
        if (total % 4 != 0) {
            throw error(blocks, blockOffset, "block length " + total + " is not a multiple of 4");
        }
        byte[] rest = new byte[(int) total - consumed];
        if (readFully(rest, rest.length) < rest.length) {
            throw error(blocks, blockOffset, "file ends inside the block (" + total + " bytes announced)");
        }
        long trailer = u32(rest, rest.length - 4);
        if (trailer != total) {
            throw error(blocks, blockOffset, "block length " + total + " at the start but " + trailer + " at the end");
        }
        byte[] body = new byte[rest.length - 4];
        System.arraycopy(rest, 0, body, 0, body.length);
        return body;
    }

    private void interfaceDescription(byte[] body, long blockOffset) throws PcapFormatException {
        if (body.length < 8) {
            throw error(blocks, blockOffset, "interface description block too short");
        }
        if (interfaces.size() >= MAX_INTERFACES) {
            throw error(blocks, blockOffset, "more than " + MAX_INTERFACES + " interfaces in one section");
        }
        int linkType = u16(body, 0);
        Frames.checkLinkType(linkType);
        long snap = u32(body, 4);
        // options: code (16), length (16), value padded to 32 bits; if_tsresol (9) sets the unit
        boolean pow2 = false;
        int exponent = 6;
        for (int p = 8; p + 4 <= body.length; ) {
            int code = u16(body, p);
            int len = u16(body, p + 2);
            if (code == 0) {
                break;
            }
            if (p + 4 + len > body.length) {
                throw error(blocks, blockOffset, "interface option " + code + " runs past the block");
            }
            if (code == 9 && len >= 1) {
                int v = body[p + 4] & 0xFF;
                pow2 = (v & 0x80) != 0;
                exponent = v & 0x7F;
                if ((!pow2 && exponent > 18) || (pow2 && exponent > 62)) {
                    throw error(blocks, blockOffset, "time stamp resolution " + v + " is not supported");
                }
            }
            p += 4 + ((len + 3) & ~3);
        }
        long units = pow2 ? 1L << exponent : BigInteger.TEN.pow(exponent).longValueExact();
        interfaces.add(new Interface(linkType, snap, units, pow2, exponent));
    }

    /** An enhanced (EPB) or obsolete (OPB) packet block; both have their data at body offset 20. */
    private UdpDatagram packet(int type, byte[] body, long blockOffset) throws IOException {
        int dataOffset = 20;
        if (body.length < dataOffset) {
            throw error(blocks, blockOffset, "packet block too short");
        }
        // EPB: interface id (32); OPB: interface id (16) and drops count (16)
        long iface = type == EPB ? u32(body, 0) : u16(body, 0);
        long tsHigh = u32(body, 4);
        long tsLow = u32(body, 8);
        long captured = u32(body, 12);
        Interface i = iface(iface, blockOffset);
        if (captured > body.length - dataOffset) {
            throw error(blocks, blockOffset, "captured length " + captured + " runs past the block");
        }
        byte[] frame = new byte[(int) captured];
        System.arraycopy(body, dataOffset, frame, 0, frame.length);
        long ts = (tsHigh << 32) | tsLow;
        return Frames.decode(i.linkType(), frame, time(ts, i));
    }

    private UdpDatagram simplePacket(byte[] body, long blockOffset) throws IOException {
        if (body.length < 4) {
            throw error(blocks, blockOffset, "simple packet block too short");
        }
        Interface i = iface(0, blockOffset);
        long original = u32(body, 0);
        long captured = Math.min(original, i.snapLength() == 0 ? Long.MAX_VALUE : i.snapLength());
        captured = Math.min(captured, body.length - 4);
        byte[] frame = new byte[(int) captured];
        System.arraycopy(body, 4, frame, 0, frame.length);
        return Frames.decode(i.linkType(), frame, Instant.EPOCH); // a simple packet carries no time stamp
    }

    private Interface iface(long id, long blockOffset) throws PcapFormatException {
        if (id < 0 || id >= interfaces.size()) {
            throw error(
                    blocks,
                    blockOffset,
                    "packet for interface " + id + ", but the section declares " + interfaces.size());
        }
        return interfaces.get((int) id);
    }

    private static Instant time(long ts, Interface i) {
        // ts is unsigned; units per second is 10^n or 2^n
        long seconds = Long.divideUnsigned(ts, i.unitsPerSecond());
        long rest = Long.remainderUnsigned(ts, i.unitsPerSecond());
        long nanos = BigInteger.valueOf(rest)
                .multiply(BigInteger.valueOf(1_000_000_000L))
                .divide(BigInteger.valueOf(i.unitsPerSecond()))
                .longValue();
        if (seconds > Instant.MAX.getEpochSecond()) {
            return Instant.MAX;
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static PcapFormatException error(long block, long offset, String what) {
        return new PcapFormatException("block " + block + " at offset " + offset + ": " + what);
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

    private int u16(byte[] b, int i) {
        return bigEndian ? ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF) : ((b[i + 1] & 0xFF) << 8) | (b[i] & 0xFF);
    }

    private static long be32(byte[] b, int i) {
        return ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
