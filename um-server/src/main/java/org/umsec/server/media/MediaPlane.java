package org.umsec.server.media;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's media plane: the RTP and RTCP sockets of every call on a few shared Netty event loops
 * (native epoll where it loads, NIO otherwise), and a few media workers that run the call handlers
 * (decoding, recording, file I/O) off those I/O threads. One instance serves all calls; a call's
 * {@link MediaSession} is cheap: two datagram channels on one event loop, a hand-off ring
 * ({@link RecordingQueue}) and a place on that loop's send timer ({@link SendWheel}: greeting packets every
 * 20 ms, RTCP reports). So 1,000 calls need {@code ioThreads + workerThreads} threads, not 2,000.
 *
 * <p>With epoll, each socket reads with {@code recvmmsg} (up to {@value #DATAGRAMS_PER_READ} datagrams per
 * system call, {@link EpollChannelOption#MAX_DATAGRAM_PAYLOAD_SIZE}) into pooled direct buffers; SRTP is
 * applied in place in a per-loop scratch array, so the per-packet path allocates nothing of its own. Packets
 * are sent from the loop straight to the socket ({@code sendto} from a per-loop direct buffer, not through
 * the channel's pipeline); a packet that finds the socket's send buffer full is dropped and counted
 * ({@link MetricsSink#packetsNotSent}).
 *
 * <pre>{@code
 * try (MediaPlane media = MediaPlane.builder().metrics(sink).build()) {
 *     MediaSession call = media.open(InetAddress.getByName("0.0.0.0"), 20000, 39999, Clock.systemUTC());
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. Threads start with the first call; {@link #close()} stops them (calls still open are
 * cut off: end them first).
 */
public final class MediaPlane implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MediaPlane.class);

    /** Datagrams one {@code recvmmsg} reads at most (epoll). */
    static final int DATAGRAMS_PER_READ = 4;

    private final EventLoopGroup group;
    private final boolean epoll;
    private final Map<EventExecutor, LoopScratch> scratch = new IdentityHashMap<>();
    private final Map<Long, PortPairs> ranges = new HashMap<>();
    private final MediaWorkers workers;
    private final MetricsSink metrics;
    private final int ioThreads;
    private final boolean detached;
    private volatile boolean closed;

    private MediaPlane(Builder b) {
        this.epoll = b.epoll == null ? Epoll.isAvailable() : b.epoll;
        if (epoll) {
            Epoll.ensureAvailability();
        }
        this.ioThreads = b.ioThreads;
        IoHandlerFactory f = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("umsec-media-io", true), f);
        for (EventExecutor e : group) {
            scratch.put(e, new LoopScratch((EventLoop) e));
        }
        this.workers = new MediaWorkers(b.workerThreads, "umsec-media-worker");
        this.metrics = b.metrics;
        this.detached = b.detached;
    }

    /** @return a builder with the defaults: 2 I/O threads (1 on one CPU), 2 workers, epoll where it loads */
    public static Builder builder() {
        return new Builder();
    }

    /** @return {@code "epoll"} or {@code "nio"}: the transport the sockets use */
    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** @return whether the sockets are native epoll ones (false: NIO) */
    boolean nativeTransport() {
        return epoll;
    }

    /** @return the number of network I/O threads */
    public int ioThreads() {
        return ioThreads;
    }

    /** @return the number of media worker threads (call handlers, recording) */
    public int workerThreads() {
        return workers.threads();
    }

    /**
     * Binds an RTP/RTCP port pair (even RTP port, RTCP on the next) within a port range
     * ({@code media.portRange}) on one of the event loops. The plane keeps the pairs of the range that its
     * own calls do not hold in a ring ({@link PortPairs}): it tries the least recently used one first (so a
     * pair freed by a call that just ended is the last to be used again) and never one of its calls' pairs; a
     * pair that another process holds (a failed bind) goes to the back of the ring. Every free pair is tried
     * at most once, so an exhausted range is reported, never looped on. The sockets are bound on the calling
     * thread and registered with the event loop without waiting for it, so a busy loop never delays call
     * setup. The pair is free again once both sockets have closed ({@link MediaSession#stop}).
     *
     * @param bind local address
     * @param low lowest port of the range, even
     * @param high highest port of the range, above {@code low}
     * @param clock clock for timeouts and time stamps
     * @return the session, bound, not yet started (nothing is read before {@link MediaSession#start})
     * @throws IOException if no pair in the range could be bound, naming the range
     * @throws IllegalArgumentException if the range holds no even/odd pair
     * @throws IllegalStateException if the plane is closed
     */
    public MediaSession open(InetAddress bind, int low, int high, Clock clock) throws IOException {
        int pairs = (high - low + 1) / 2;
        if (pairs < 1 || low % 2 != 0) {
            throw new IllegalArgumentException("media port range " + low + "-" + high + " holds no even/odd port pair");
        }
        if (closed) {
            throw new IllegalStateException("media plane is closed");
        }
        PortPairs ring = ports(low, pairs);
        EventLoop loop = group.next();
        RtpRandom random = RtpRandom.draw();
        MediaSession s = new MediaSession(this, loop, scratch.get(loop), clock, metrics, random);
        BindException last = null;
        int firstRefused = -1;
        // every pair this plane does not hold is tried at most once, least recently used first
        for (int attempt = 0, port; attempt < pairs && (port = ring.take()) >= 0; attempt++) {
            if (port == firstRefused) {
                ring.release(port);
                break;
            }
            Bound rtp = null;
            try {
                rtp = channel(bind, port, s.rtpHandler());
                Bound rtcp = channel(bind, port + 1, s.rtcpHandler());
                s.bound(rtp.channel(), rtp.out(), rtcp.channel(), rtcp.out(), port);
                ChannelFutureListener release = new Release(ring, port);
                rtp.channel().closeFuture().addListener(release);
                rtcp.channel().closeFuture().addListener(release);
                loop.register(rtp.channel()); // asynchronous: start() and stop() queue behind it on the same loop
                loop.register(rtcp.channel());
                return s;
            } catch (BindException e) {
                last = e; // another process holds a port of the pair: it goes to the back of the ring
                if (rtp != null) {
                    rtp.channel().unsafe().closeForcibly();
                }
                ring.release(port);
                if (firstRefused < 0) {
                    firstRefused = port;
                }
            } catch (IOException e) {
                if (rtp != null) {
                    rtp.channel().unsafe().closeForcibly();
                }
                ring.release(port);
                throw e;
            }
        }
        throw new IOException("no free RTP/RTCP port pair in " + low + "-" + high, last);
    }

    /** The free pairs of a range, made on its first use. */
    private PortPairs ports(int low, int pairs) {
        Long key = ((long) low << 32) | pairs;
        synchronized (ranges) {
            PortPairs p = ranges.get(key);
            if (p == null) {
                p = new PortPairs(low, pairs, new java.security.SecureRandom().nextLong()); // once per range
                ranges.put(key, p);
            }
            return p;
        }
    }

    /** Gives a pair back to its range once both of its channels have closed (on the event loop). */
    private static final class Release extends AtomicInteger implements ChannelFutureListener {
        private static final long serialVersionUID = 1L;
        private final transient PortPairs ring;
        private final int port;

        Release(PortPairs ring, int port) {
            super(2);
            this.ring = ring;
            this.port = port;
        }

        @Override
        public void operationComplete(ChannelFuture f) {
            if (decrementAndGet() == 0) {
                ring.release(port);
            }
        }
    }

    /** A bound channel, not yet registered, and its send side. */
    private record Bound(Channel channel, DatagramOut out) {}

    /**
     * A datagram channel bound here, on the calling thread (plain system calls: call setup never waits for a
     * busy event loop), not yet registered.
     */
    private Bound channel(InetAddress address, int port, ChannelHandler handler) throws IOException {
        SocketProtocolFamily family =
                address instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
        InetSocketAddress local = new InetSocketAddress(address, port);
        DatagramChannel ch;
        DatagramOut out;
        if (epoll) {
            LinuxSocket socket = LinuxSocket.newSocketDgram(family);
            try {
                socket.bind(local);
            } catch (IOException e) {
                socket.close();
                throw bindFailure(e, local);
            }
            EpollDatagramChannel c = new EpollDatagramChannel(socket.intValue());
            c.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MediaSession.MAX_DATAGRAM);
            c.config()
                    .setRecvByteBufAllocator(
                            new FixedRecvByteBufAllocator(MediaSession.MAX_DATAGRAM * DATAGRAMS_PER_READ));
            ch = c;
            out = DatagramOut.of(c, (Socket) c.fd()); // the channel's own socket: it knows when it is closed
        } else {
            java.nio.channels.DatagramChannel jdk = java.nio.channels.DatagramChannel.open(
                    family == SocketProtocolFamily.INET ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            try {
                jdk.bind(local);
            } catch (IOException e) {
                jdk.close();
                throw bindFailure(e, local);
            }
            ch = new NioDatagramChannel(jdk); // makes jdk non-blocking
            ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(MediaSession.MAX_DATAGRAM));
            out = DatagramOut.of(jdk);
        }
        ch.config().setAutoRead(false); // nothing is read before start()
        ch.pipeline().addLast(handler);
        return new Bound(ch, out);
    }

    private static IOException bindFailure(IOException e, InetSocketAddress local) {
        if (e instanceof BindException be) {
            return be;
        }
        if (String.valueOf(e.getMessage()).contains("Address already in use")) {
            BindException be = new BindException(e.getMessage());
            be.initCause(e);
            return be;
        }
        return new IOException(
                "cannot bind media port " + local.getPort() + " on "
                        + local.getAddress().getHostAddress() + ": " + e.getMessage(),
                e);
    }

    /** Registers a started session with a media worker (not on a detached plane: the caller ticks it). */
    void serve(MediaWorkers.Task task) {
        if (!detached) {
            workers.add(task);
        }
    }

    /** @return whether the caller runs the sessions' worker side ({@link Builder#detachedWorkers()}) */
    boolean detachedWorkers() {
        return detached;
    }

    /** Stops the workers and the event loops; sessions still open are cut off. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        LOG.debug("Media plane closed");
    }

    /** Buffers and the send timer of one event loop, shared by the sessions on it (they run one at a time there). */
    static final class LoopScratch {
        /** The packet being sent, copied from {@link #tx}: the socket writes from direct memory. */
        final ByteBuffer direct = ByteBuffer.allocateDirect(MediaSession.MAX_DATAGRAM);
        /** Sends the greeting packets and RTCP reports of the loop's sessions. */
        final SendWheel wheel;

        LoopScratch(EventLoop loop) {
            this.wheel = new SendWheel(loop);
        }

        /** A received datagram, unprotected in place. */
        final byte[] rx = new byte[MediaSession.MAX_DATAGRAM];
        /** A packet being built and protected in place. */
        final byte[] tx = new byte[MediaSession.MAX_DATAGRAM];
        /** G.711 payload of a greeting packet. */
        final byte[] payload = new byte[MediaSession.MAX_DATAGRAM];
    }

    /** Options of a {@link MediaPlane}; not thread-safe. */
    public static final class Builder {
        private int ioThreads = Math.min(2, Runtime.getRuntime().availableProcessors());
        private int workerThreads = 2;
        private Boolean epoll;
        private boolean detached;
        private MetricsSink metrics = new MetricsSink() {
            @Override
            public void rtpReceived(long n) {}

            @Override
            public void srtpFailed(String status) {}
        };

        private Builder() {}

        /**
         * @param n network I/O threads (event loops) for every call's sockets, 1..64
         * @return this
         * @throws IllegalArgumentException when out of range
         */
        public Builder ioThreads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("media I/O threads must be 1..64: " + n);
            }
            ioThreads = n;
            return this;
        }

        /**
         * @param n threads that run the call handlers (decoding, recording), 1..64
         * @return this
         * @throws IllegalArgumentException when out of range
         */
        public Builder workerThreads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("media worker threads must be 1..64: " + n);
            }
            workerThreads = n;
            return this;
        }

        /**
         * @param useEpoll true for native epoll (fails in {@link #build()} where it does not load), false for
         *     NIO; default: epoll where it loads
         * @return this
         */
        public Builder epoll(boolean useEpoll) {
            epoll = useEpoll;
            return this;
        }

        /**
         * For benchmarks: sessions are not served by the worker threads; the caller runs their worker side on
         * its own thread ({@link MediaSession#workerTick()}), so one thread measures the whole per-packet path.
         *
         * @return this
         */
        Builder detachedWorkers() {
            detached = true;
            return this;
        }

        /** @param sink counters of received and refused packets @return this */
        public Builder metrics(MetricsSink sink) {
            metrics = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** @return the plane; its threads start with the first call */
        public MediaPlane build() {
            return new MediaPlane(this);
        }
    }
}
