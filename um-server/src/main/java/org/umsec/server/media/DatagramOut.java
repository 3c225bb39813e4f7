package org.umsec.server.media;

import io.netty.channel.Channel;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The send side of one of a session's sockets: a datagram goes from the event loop's direct scratch buffer
 * to the socket in one {@code sendto}, without Netty's pipeline, a {@code DatagramPacket}, a pooled buffer
 * or the channel's outbound queue. Used on the session's event loop only, which is also where the socket is
 * closed, so a datagram is never written to a descriptor that was closed (and perhaps reused) meanwhile.
 *
 * <p>The sockets are non-blocking. When a socket's send buffer is full the datagram is dropped, not queued:
 * RTP tolerates loss, and waiting would delay every other call on the loop; the session counts it
 * ({@link MetricsSink#packetsNotSent}).
 */
abstract class DatagramOut {

    /** @return whether the socket is still open; nothing is sent on a closed one */
    abstract boolean isOpen();

    /**
     * Sends one datagram.
     *
     * @param direct a direct buffer holding the datagram at {@code 0..len}; its position and limit may change
     * @param len the datagram's length
     * @param to the destination, resolved
     * @return true when the datagram was handed to the kernel, false when the send buffer was full (dropped)
     * @throws IOException when the system refused it for another reason (no route, ...)
     */
    abstract boolean send(ByteBuffer direct, int len, InetSocketAddress to) throws IOException;

    /**
     * @param channel the epoll channel, for its open state
     * @param socket the channel's own socket ({@code EpollDatagramChannel.fd()})
     * @return the send side of a native socket
     */
    static DatagramOut of(Channel channel, Socket socket) {
        return new Native(channel, socket);
    }

    /**
     * @param channel the JDK channel, non-blocking
     * @return the send side of a NIO socket
     */
    static DatagramOut of(DatagramChannel channel) {
        return new Nio(channel);
    }

    /** Native (epoll): {@code sendto(2)} through Netty's JNI; {@code EAGAIN} comes back as 0 bytes. */
    private static final class Native extends DatagramOut {
        private final Channel channel;
        private final Socket socket;

        Native(Channel channel, Socket socket) {
            this.channel = channel;
            this.socket = socket;
        }

        @Override
        boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        boolean send(ByteBuffer direct, int len, InetSocketAddress to) throws IOException {
            return socket.sendTo(direct, 0, len, to.getAddress(), to.getPort()) > 0;
        }
    }

    /** NIO: the JDK's non-blocking {@code send}, which returns 0 when the send buffer is full. */
    private static final class Nio extends DatagramOut {
        private final DatagramChannel channel;

        Nio(DatagramChannel channel) {
            this.channel = channel;
        }

        @Override
        boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        boolean send(ByteBuffer direct, int len, InetSocketAddress to) throws IOException {
            direct.clear().limit(len);
            return channel.send(direct, to) > 0;
        }
    }
}
