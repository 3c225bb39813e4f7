package org.umsec.sip.transport.internal;

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

import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.internal.tcnative.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes TLS secrets in the NSS key log format ({@code CLIENT_RANDOM …} for TLS 1.2,
 * {@code CLIENT_HANDSHAKE_TRAFFIC_SECRET …}, {@code SERVER_TRAFFIC_SECRET_0 …} and so on for TLS 1.3),
 * the format of {@code SSLKEYLOGFILE} that Wireshark reads, so that an administrator can decrypt a
 * capture of SIP over TLS (and with it the SDES keys of every call). Only BoringSSL (netty-tcnative)
 * offers a key-log hook; the JDK's SSLEngine has none. The file is opened for appending and created
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
        Set<StandardOpenOption> opts = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
        FileChannel ch;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            ch = FileChannel.open(file, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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
     * Installs the key-log callback on an OpenSSL context.
     *
     * @param ctx a context built with the OpenSSL engine
     * @throws IllegalStateException when the context is not an OpenSSL one
     */
    public void attach(SslContext ctx) {
        if (!(ctx instanceof ReferenceCountedOpenSslContext o)) {
            throw new IllegalStateException("a TLS key log needs the OPENSSL engine (netty-tcnative):"
                    + " the JDK's SSLEngine has no key-log hook");
        }
        if (!SSLContext.setKeyLogCallback(o.sslCtxPointer(), (ssl, line) -> write(line))) {
            throw new IllegalStateException("this netty-tcnative build does not support a key-log callback");
        }
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
