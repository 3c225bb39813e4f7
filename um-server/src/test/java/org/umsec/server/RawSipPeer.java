package org.umsec.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import org.umsec.sip.SipMessage;
import org.umsec.sip.codec.SipDecodeException;
import org.umsec.sip.codec.SipMessageParser;

/**
 * A peer that is not a well-behaved gateway: writes whatever bytes a test gives it on a plain socket
 * (malformed input, SDES keys over TCP, which um-sip's client refuses to send) and reads the
 * server's answers with um-sip's parser.
 */
final class RawSipPeer implements AutoCloseable {

    private static final SipMessageParser PARSER = SipMessageParser.withDefaults();
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawSipPeer(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    void write(String wire) throws IOException {
        out.write(wire.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** @return the next message (a heap copy), or empty when the server closed the connection */
    Optional<SipMessage> read() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return Optional.empty();
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1
                    : (b == '\r' ? 1 : 0);
        }
        String headers = head.toString(StandardCharsets.UTF_8);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            String l = line.toLowerCase(Locale.ROOT);
            if (l.startsWith("content-length:") || l.startsWith("l:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        byte[] body = in.readNBytes(length);
        head.write(body);
        try {
            SipMessage parsed = PARSER.parse(head.toByteArray());
            try {
                return Optional.of(parsed.copy());
            } finally {
                parsed.release();
            }
        } catch (SipDecodeException e) {
            throw new AssertionError("um-sip rejects what the server sent: " + e.getMessage() + "\n" + headers, e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
