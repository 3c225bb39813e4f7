package org.umsec.server.pcap;

import java.io.IOException;

/** A capture file that is not a pcap file, or a record that runs past the limits or the file. */
public final class PcapFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and where (record number, file offset)
     */
    public PcapFormatException(String message) {
        super(message);
    }
}
