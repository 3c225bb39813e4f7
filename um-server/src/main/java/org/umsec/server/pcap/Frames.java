package org.umsec.server.pcap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Link-layer frame to UDP datagram, shared by {@link PcapReader} and {@link PcapngReader}: Ethernet
 * (with up to two VLAN tags), raw IP, Linux cooked capture v1 and v2; IPv4 (options skipped,
 * fragments skipped), IPv6 (hop-by-hop, routing and destination-options headers skipped). A frame
 * that is anything else, or truncated, gives {@code null}: it is never read past its end.
 */
final class Frames {

    static final int LINKTYPE_ETHERNET = 1;
    static final int LINKTYPE_RAW = 101;
    static final int LINKTYPE_LINUX_SLL = 113;
    static final int LINKTYPE_LINUX_SLL2 = 276;

    private Frames() {}

    static void checkLinkType(int linkType) throws PcapFormatException {
        if (linkType != LINKTYPE_ETHERNET
                && linkType != LINKTYPE_RAW
                && linkType != LINKTYPE_LINUX_SLL
                && linkType != LINKTYPE_LINUX_SLL2) {
            throw new PcapFormatException("unsupported link type " + linkType
                    + " (supported: 1 Ethernet, 101 raw IP, 113 Linux cooked, 276 Linux cooked v2)");
        }
    }

    static UdpDatagram decode(int linkType, byte[] f, Instant time) throws UnknownHostException {
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
        if (ihl < 20
                || total < ihl
                || (fragment & 0x1FFF) != 0
                || (fragment & 0x2000) != 0
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
        return new UdpDatagram(
                time, new InetSocketAddress(src, be16(f, pos)), new InetSocketAddress(dst, be16(f, pos + 2)), payload);
    }

    private static int be16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }
}
