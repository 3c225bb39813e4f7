package org.umsec.server.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.umsec.srtp.SrtpSession;

/**
 * The media plane of {@code umsec load}: every call's RTP and RTCP sockets served by one thread.
 * No thread per call and no selector; a call costs two non-blocking UDP sockets, its SRTP sessions
 * and a few counters.
 *
 * <p>Cheap by construction, since the generator must leave the machine to the server it measures:
 *
 * <ul>
 *   <li>The thread works in ticks of {@value #TICK_MILLIS} ms. A call's stream sits in one of
 *       {@value #SLOTS} slots, the one of the tick its first packet went out in; a tick sends the
 *       next packet of every stream in its slot (a timer wheel with a 20 ms revolution), so one tick
 *       touches only the streams due in it, and the thread wakes at most 500 times a second whatever
 *       the number of calls. Packets leave up to one tick early or late, a jitter any receiver's
 *       buffer absorbs.
 *   <li>A stream's RTP socket is read when its slot comes round, right after its packet is sent:
 *       the server sends every 20 ms too, so there is a packet or two waiting and no wake-up per
 *       packet, no selector and no ready-key bookkeeping. The RTCP socket is read every
 *       {@value #RTCP_POLL_REVOLUTIONS} revolutions (the server reports every few seconds), and both
 *       once more when the call's media stops. Late packets of an earlier call whose port the kernel
 *       reused are counted apart as stray (see {@link #receive}).
 *   <li>One buffer for everything: RTP is written, SRTP-protected and sent in place, and received
 *       packets are authenticated and decrypted in place (um-srtp); nothing is allocated per packet.
 * </ul>
 *
 * <p>A thread that wakes late (a busy machine) catches up to {@value #CATCH_UP_TICKS} ticks, five
 * packets per stream at most; beyond that the packets are skipped rather than burst.
 */
final class LoadMedia implements AutoCloseable {

    static final long PACKET_NANOS = 20_000_000L;
    static final long RTCP_NANOS = 5_000_000_000L;
    /** Milliseconds per tick. */
    static final int TICK_MILLIS = 2;
    /** Slots of the wheel: one per tick of the 20 ms packet period ({@value}). */
    static final int SLOTS = (int) (PACKET_NANOS / 1_000_000L / TICK_MILLIS);

    private static final long TICK_NANOS = TICK_MILLIS * 1_000_000L;
    private static final int SAMPLES = 160;
    private static final int RTP_HEADER = 12;
    /**
     * Ticks a late thread catches up ({@value}, 100 ms): the packets of a thread that woke up to
     * 100 ms late still leave, in a short burst as from a gateway's jittery clock; older ones are
     * skipped (not sent, not numbered), so a stalled machine does not flood the server afterwards.
     */
    static final int CATCH_UP_TICKS = 5 * SLOTS;

    /** Revolutions of the wheel between two reads of a stream's RTCP socket ({@value} x 20 ms). */
    static final int RTCP_POLL_REVOLUTIONS = 25;
    /** Longest time the thread sleeps with no call up (start() wakes it earlier). */
    private static final long IDLE_NANOS = 50_000_000L;

    /** One call's media: its sockets, keys and counters (counters owned by the media thread). */
    static final class Stream {
        final DatagramChannel rtp;
        final DatagramChannel rtcp;
        private final int payloadType;
        private final int ssrc;
        private InetSocketAddress remoteRtp;
        private InetSocketAddress remoteRtcp;
        private SrtpSession tx;
        private SrtpSession rtcpTx;
        private SrtpSession rx;
        private SrtpSession rtcpRx;
        private int seq;
        private int timestamp;
        private int frame;
        private long nextRtcp;
        private int revolutions;
        private Consumer<Stream> onStopped;
        /** Slot in the wheel and index in it; -1 while not on the wheel. */
        private int slot = -1;

        private int index;
        /** Set when the call hangs up: no more packets are sent, arriving ones are still counted. */
        volatile boolean muted;
        // results (read after the media thread has handed the stream back through onStopped)
        long sent;
        long sendDropped;
        long received;
        long rejected;
        long rtcpSent;
        long rtcpReceived;
        long rtcpRejected;
        /** Datagrams that belong to no call of ours or to an earlier one (not counted above). */
        long stray;

        private int peerSsrc;
        private boolean peerSsrcKnown;
        private long firstSeq = -1;
        private long highestSeq;
        private int cycles;
        private int lastSeq;

        /** Opens the call's two sockets on {@code local}; the caller closes them if the call fails before media. */
        Stream(InetAddress local, int payloadType, int ssrc, int seq, int timestamp) throws IOException {
            this.payloadType = payloadType;
            this.ssrc = ssrc;
            this.seq = seq;
            this.timestamp = timestamp;
            DatagramChannel a = DatagramChannel.open();
            DatagramChannel b = null;
            try {
                a.bind(new InetSocketAddress(local, 0));
                a.configureBlocking(false);
                b = DatagramChannel.open();
                b.bind(new InetSocketAddress(local, 0));
                b.configureBlocking(false);
            } catch (IOException e) {
                a.close();
                if (b != null) {
                    b.close();
                }
                throw e;
            }
            this.rtp = a;
            this.rtcp = b;
        }

        int rtpPort() {
            return rtp.socket().getLocalPort();
        }

        int rtcpPort() {
            return rtcp.socket().getLocalPort();
        }

        /** Where to send and with which keys (null sessions: plain RTP). */
        void remote(
                InetSocketAddress rtpTo,
                InetSocketAddress rtcpTo,
                SrtpSession tx,
                SrtpSession rtcpTx,
                SrtpSession rx,
                SrtpSession rtcpRx) {
            this.remoteRtp = rtpTo;
            this.remoteRtcp = rtcpTo;
            this.tx = tx;
            this.rtcpTx = rtcpTx;
            this.rx = rx;
            this.rtcpRx = rtcpRx;
        }

        /** RTP packets the server sent that never arrived, from the sequence numbers seen (RFC 3550 A.3). */
        long lost() {
            if (firstSeq < 0) {
                return 0;
            }
            long expected = highestSeq - firstSeq + 1;
            return Math.max(0, expected - received);
        }

        void closeSockets() {
            try {
                rtp.close();
            } catch (IOException ignored) {
                // closing a UDP socket does not fail in a way that matters here
            }
            try {
                rtcp.close();
            } catch (IOException ignored) {
                // as above
            }
        }

        private void track(int s) {
            if (firstSeq < 0) {
                firstSeq = s;
                highestSeq = s;
                lastSeq = s;
                return;
            }
            int delta = (s - lastSeq) & 0xFFFF;
            if (delta != 0 && delta < 0x8000) {
                if (s < lastSeq) {
                    cycles++;
                }
                lastSeq = s;
                highestSeq = ((long) cycles << 16) + s;
            }
        }
    }

    private final byte[][] frames;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Stream> starting = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Stream> stopping = new ConcurrentLinkedQueue<>();
    /** The wheel: SLOTS arrays of streams, each with its fill count. */
    private final Stream[][] wheel = new Stream[SLOTS][];

    private final int[] fill = new int[SLOTS];
    private int wheelSize;
    private final byte[] buf = new byte[2048];
    private final ByteBuffer bb = ByteBuffer.wrap(buf);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Throwable failure;

    /**
     * @param frames the audio to send, one 160-octet G.711 payload per packet, sent in a loop
     */
    LoadMedia(byte[][] frames) throws IOException {
        if (frames.length == 0) {
            throw new IllegalArgumentException("no audio frames");
        }
        this.frames = frames;
        for (int i = 0; i < SLOTS; i++) {
            wheel[i] = new Stream[16];
        }
        this.thread = new Thread(this::run, "umsec-load-media");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts sending and receiving for a call. */
    void start(Stream s) {
        starting.add(s);
        LockSupport.unpark(thread);
    }

    /** Stops a call's media; {@code done} runs on the media thread once its counters are final. */
    void stop(Stream s, Consumer<Stream> done) {
        s.onStopped = done;
        stopping.add(s);
    }

    /** @return the media thread's failure, if it died */
    Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            final long base = System.nanoTime();
            long done = 0; // ticks processed
            while (running) {
                long now = System.nanoTime();
                long tick = (now - base) / TICK_NANOS;
                if (tick - done > CATCH_UP_TICKS) {
                    done = tick - CATCH_UP_TICKS; // far behind (a stalled machine): no longer burst
                }
                while (done < tick) {
                    done++;
                    int slot = (int) (done % SLOTS);
                    Stream[] streams = wheel[slot];
                    for (int i = 0, n = fill[slot]; i < n; i++) {
                        due(streams[i], now);
                    }
                }
                Stream s;
                while ((s = starting.poll()) != null) {
                    s.nextRtcp = now;
                    // the first packet now, the next ones when this tick's slot comes round again
                    due(s, now);
                    add(s, (int) (tick % SLOTS));
                }
                while ((s = stopping.poll()) != null) {
                    finish(s);
                }
                if (wheelSize > 0) {
                    long sleep = base + (tick + 1) * TICK_NANOS - System.nanoTime();
                    if (sleep > 0) {
                        LockSupport.parkNanos(sleep);
                    }
                } else {
                    if (starting.isEmpty() && stopping.isEmpty()) {
                        LockSupport.parkNanos(IDLE_NANOS);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            for (int i = 0; i < SLOTS; i++) {
                for (int j = 0; j < fill[i]; j++) {
                    wheel[i][j].closeSockets();
                }
            }
            stopped.countDown();
        }
    }

    private void due(Stream s, long now) throws IOException {
        if (!s.muted) {
            if (s.nextRtcp <= now) {
                senderReport(s);
                s.nextRtcp += RTCP_NANOS;
            }
            send(s);
        }
        receive(s, true);
        if (++s.revolutions == RTCP_POLL_REVOLUTIONS) {
            s.revolutions = 0;
            receive(s, false);
        }
    }

    private void add(Stream s, int slot) {
        Stream[] streams = wheel[slot];
        int n = fill[slot];
        if (n == streams.length) {
            streams = wheel[slot] = java.util.Arrays.copyOf(streams, n * 2);
        }
        streams[n] = s;
        s.slot = slot;
        s.index = n;
        fill[slot] = n + 1;
        wheelSize++;
    }

    private void remove(Stream s) {
        int slot = s.slot;
        Stream[] streams = wheel[slot];
        int last = --fill[slot];
        Stream moved = streams[last];
        streams[s.index] = moved;
        moved.index = s.index;
        streams[last] = null;
        s.slot = -1;
        wheelSize--;
    }

    private void finish(Stream s) {
        if (s.slot >= 0) {
            remove(s);
        }
        if (s.remoteRtp != null) {
            // what arrived since the last read still counts
            receive(s, true);
            receive(s, false);
        }
        s.closeSockets();
        if (s.onStopped != null) {
            s.onStopped.accept(s);
        }
    }

    /*
     * RTP header written in place (RFC 3550 §5.1), payload after it:
     *  0                   1                   2                   3
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
     * |                           timestamp                           |
     * |           synchronization source (SSRC) identifier            |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     */
    private void send(Stream s) throws IOException {
        final byte[] b = buf;
        byte[] payload = frames[s.frame];
        s.frame = s.frame + 1 == frames.length ? 0 : s.frame + 1;
        b[0] = (byte) 0x80;
        b[1] = (byte) ((s.sent == 0 ? 0x80 : 0) | s.payloadType);
        b[2] = (byte) (s.seq >>> 8);
        b[3] = (byte) s.seq;
        putInt(b, 4, s.timestamp);
        putInt(b, 8, s.ssrc);
        System.arraycopy(payload, 0, b, RTP_HEADER, SAMPLES);
        int len = RTP_HEADER + SAMPLES;
        if (s.tx != null) {
            len = s.tx.protectRtp(b, 0, len);
            if (len <= 0) {
                s.sendDropped++;
                return;
            }
        }
        s.seq = (s.seq + 1) & 0xFFFF;
        s.timestamp += SAMPLES;
        bb.clear().limit(len);
        if (s.rtp.send(bb, s.remoteRtp) == 0) {
            s.sendDropped++;
        } else {
            s.sent++;
        }
    }

    /** An RTCP sender report (RFC 3550 §6.4.1) without report blocks, protected as SRTCP when keyed. */
    private void senderReport(Stream s) throws IOException {
        byte[] b = buf;
        java.util.Arrays.fill(b, 0, 28, (byte) 0);
        b[0] = (byte) 0x80;
        b[1] = (byte) 200;
        b[3] = 6;
        putInt(b, 4, s.ssrc);
        long ms = System.currentTimeMillis();
        putInt(b, 8, (int) (ms / 1000 + 2_208_988_800L));
        putInt(b, 12, (int) (((ms % 1000) << 32) / 1000));
        putInt(b, 16, s.timestamp);
        putInt(b, 20, (int) s.sent);
        putInt(b, 24, (int) (s.sent * SAMPLES));
        int len = s.rtcpTx == null ? 28 : s.rtcpTx.protectRtcp(b, 0, 28);
        if (len <= 0) {
            return;
        }
        bb.clear().limit(len);
        if (s.rtcp.send(bb, s.remoteRtcp) > 0) {
            s.rtcpSent++;
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /**
     * Reads what is waiting on one of the stream's sockets (never blocks; at most 64 datagrams).
     * Stray, and not held against the server: an RTCP packet on the RTP port, and RTP from another
     * SSRC than the one the stream locked onto with its first good packet: late packets of an
     * earlier call whose port the kernel has given to this one. The source address is not checked:
     * the server may send from any of its ports (a shared socket) or from another address than the
     * one its SDP advertises (behind NAT).
     */
    private void receive(Stream s, boolean isRtp) {
        DatagramChannel ch = isRtp ? s.rtp : s.rtcp;
        final byte[] b = buf;
        try {
            for (int n = 0; n < 64; n++) { // bounded, so one flooded socket cannot starve the others
                bb.clear();
                if (ch.receive(bb) == null) {
                    return;
                }
                int len = bb.position();
                if (isRtp) {
                    receiveRtp(s, b, len);
                } else {
                    int plain = s.rtcpRx == null ? len : s.rtcpRx.unprotectRtcp(b, 0, len);
                    if (plain > 0) {
                        s.rtcpReceived++;
                    } else {
                        s.rtcpRejected++;
                    }
                }
            }
        } catch (IOException e) {
            // an ICMP error surfacing on the socket (the server closed its port): the call ends anyway
        }
    }

    private static void receiveRtp(Stream s, byte[] b, int len) {
        if (len >= 2 && (b[1] & 0xFF) >= 192 && (b[1] & 0xFF) <= 223) {
            s.stray++; // an RTCP packet type (RFC 5761 §4): a reused RTCP port of an earlier call
            return;
        }
        int ssrc = len >= RTP_HEADER ? getInt(b, 8) : 0;
        if (s.peerSsrcKnown && ssrc != s.peerSsrc) {
            s.stray++;
            return;
        }
        int plain = s.rx == null ? len : s.rx.unprotectRtp(b, 0, len);
        if (plain >= RTP_HEADER && (b[0] & 0xC0) == 0x80) {
            s.peerSsrc = ssrc;
            s.peerSsrcKnown = true;
            s.received++;
            s.track(((b[2] & 0xFF) << 8) | (b[3] & 0xFF));
        } else {
            s.rejected++;
        }
    }

    private static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    /** Stops the media thread and closes every socket still open. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
