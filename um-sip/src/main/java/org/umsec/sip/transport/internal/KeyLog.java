package org.umsec.sip.transport.internal;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes TLS secrets in the NSS key log format ({@code CLIENT_RANDOM <client random> <master secret>},
 * TLS 1.2), the format of {@code SSLKEYLOGFILE} that Wireshark reads, so that an administrator can
 * decrypt a capture of SIP over TLS (and with it the SDES keys of every call). Only the OpenSSL engine
 * (netty-tcnative) gives access to the secrets; the JDK's SSLEngine has no hook. The file is opened for appending and created
 * with owner-only permissions where the file system supports them. Thread-safe.
 */
public final class KeyLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyLog.class);

    private final Path file;
    private final OutputStream out;

    private KeyLog(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * @param file the key log file (appended to)
     * @return the open key log
     * @throws IOException when it cannot be opened
     */
    public static KeyLog open(Path file) throws IOException {
        Set<StandardOpenOption> opts =
                EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        FileChannel ch;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            ch = FileChannel.open(
                    file, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            ch = FileChannel.open(file, opts);
        }
        return new KeyLog(file, Channels.newOutputStream(ch));
    }

    /** @return the file written to */
    public Path file() {
        return file;
    }

    /**
     * Records the secret of a completed handshake: {@code CLIENT_RANDOM <client random> <master secret>}
     * (NSS key log format, TLS 1.2). netty-tcnative's key-log callback, the only way to TLS 1.3
     * traffic secrets, crashes the JVM in the BoringSSL build in use, so a server with a key log
     * negotiates TLS 1.2 ({@link SslContexts#server}).
     *
     * @param engine the connection's engine after its handshake
     * @return whether a line was written (false for engines or protocols without access to the secret)
     */
    public boolean record(SSLEngine engine) {
        if (!(engine instanceof ReferenceCountedOpenSslEngine o)
                || !"TLSv1.2".equals(engine.getSession().getProtocol())) {
            return false;
        }
        byte[] random;
        byte[] master;
        synchronized (o) {
            long ssl = o.sslPointer();
            if (ssl == 0) {
                return false;
            }
            random = SSL.getClientRandom(ssl);
            master = SSL.getMasterKey(ssl);
        }
        if (random == null || master == null) {
            return false;
        }
        write(("CLIENT_RANDOM " + hex(random) + " " + hex(master)).getBytes(StandardCharsets.US_ASCII));
        return true;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    private void write(byte[] line) {
        try {
            synchronized (out) {
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            LOG.warn("cannot write the TLS key log {}: {}", file, e.toString());
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            LOG.debug("closing the TLS key log {}", file, e);
        }
    }
}
