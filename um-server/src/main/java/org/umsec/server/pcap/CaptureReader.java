package org.umsec.server.pcap;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The UDP datagrams of a capture file, pcap or pcapng. {@link #open(InputStream)} looks at the
 * first four bytes and returns a {@link PcapReader} or a {@link PcapngReader}.
 *
 * <pre>{@code
 * try (CaptureReader r = CaptureReader.open(Files.newInputStream(path))) {
 *     for (Optional<UdpDatagram> d = r.next(); d.isPresent(); d = r.next()) { ... }
 * }
 * }</pre>
 */
public interface CaptureReader extends AutoCloseable {

    /**
     * Returns the next UDP datagram.
     *
     * @return the datagram, or empty at the end of the file
     * @throws PcapFormatException if the file is corrupt, naming the record or block and offset
     * @throws IOException if reading fails
     */
    Optional<UdpDatagram> next() throws IOException;

    /** @return records that held no UDP datagram (other protocols, fragments, truncated frames) */
    long skipped();

    /**
     * Closes the underlying stream.
     *
     * @throws IOException if closing fails
     */
    @Override
    void close() throws IOException;

    /**
     * Opens a capture in either format.
     *
     * @param in the capture (the reader takes ownership and closes it)
     * @return a reader for its format
     * @throws PcapFormatException if it is neither a pcap nor a pcapng file
     * @throws IOException if reading fails
     */
    static CaptureReader open(InputStream in) throws IOException {
        InputStream b = in.markSupported() ? in : new BufferedInputStream(in);
        b.mark(4);
        byte[] magic = b.readNBytes(4);
        b.reset();
        if (magic.length == 4 && magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a) {
            return new PcapngReader(b);
        }
        return new PcapReader(b);
    }
}
