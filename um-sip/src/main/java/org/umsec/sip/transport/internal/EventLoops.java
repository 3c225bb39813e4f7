package org.umsec.sip.transport.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.umsec.sip.transport.IoMode;

/** Event loops and channel classes for an {@link IoMode}. */
public final class EventLoops {
    private EventLoops() {}

    /**
     * @param mode EPOLL or NIO (resolved)
     * @param threads number of I/O threads, 0 for Netty's default
     * @param name thread name prefix
     * @return a new group
     */
    public static EventLoopGroup group(IoMode mode, int threads, String name) {
        IoHandlerFactory f = mode == IoMode.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
    }

    /**
     * @param mode EPOLL or NIO (resolved)
     * @return the listening socket class
     */
    public static Class<? extends ServerChannel> serverChannel(IoMode mode) {
        return mode == IoMode.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * @param mode EPOLL or NIO (resolved)
     * @return the socket class
     */
    public static Class<? extends SocketChannel> channel(IoMode mode) {
        return mode == IoMode.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
