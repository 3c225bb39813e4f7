package org.umsec.server.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.umsec.server.media.RtpPacket;
import org.umsec.srtp.SrtpSession;

/**
 * The media plane of {@code umsec load}: every call's RTP and RTCP sockets on one non-blocking
 * selector and one thread, which sends each call's next 20 ms packet when it is due and receives
 * whatever the server sends. No thread per call; a call costs two UDP sockets, its SRTP sessions
 * and a few counters.
 */
final class LoadMedia implements AutoCloseable {

    static final long PACKET_NANOS = 20_000_000L;
    static final long RTCP_NANOS = 5_000_000_000L;
    private static final int SAMPLES = 160;

    /** One call's media: its sockets, keys and counters (counters owned by the media thread). */
    static final class Stream {
        final DatagramChannel rtp;
        final DatagramChannel rtcp;
        private final int payloadType;
        private final long ssrc;
        private InetSocketAddress remoteRtp;
        private InetSocketAddress remoteRtcp;
        private SrtpSession tx;
        private SrtpSession rtcpTx;
        private SrtpSession rx;
        private SrtpSession rtcpRx;
        private int seq;
        private long timestamp;
        private int frame;
        private long nextSend;
        private long nextRtcp;
        private SelectionKey rtpKey;
        private SelectionKey rtcpKey;
        private Consumer<Stream> onStopped;
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
        private long firstSeq = -1;
        private long highestSeq;
        private int cycles;
        private int lastSeq;

        /** Opens the call's two sockets on {@code local}; the caller closes them if the call fails before media. */
        Stream(InetAddress local, int payloadType, long ssrc, int seq, long timestamp) throws IOException {
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
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Stream> starting = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Stream> stopping = new ConcurrentLinkedQueue<>();
    private final List<Stream> active = new ArrayList<>();
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
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "umsec-load-media");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts sending and receiving for a call. */
    void start(Stream s) {
        starting.add(s);
        selector.wakeup();
    }

    /** Stops a call's media; {@code done} runs on the media thread once its counters are final. */
    void stop(Stream s, Consumer<Stream> done) {
        s.onStopped = done;
        stopping.add(s);
        selector.wakeup();
    }

    /** @return the media thread's failure, if it died */
    Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            while (running) {
                long now = System.nanoTime();
                Stream s;
                while ((s = starting.poll()) != null) {
                    s.rtpKey = s.rtp.register(selector, SelectionKey.OP_READ, s);
                    s.rtcpKey = s.rtcp.register(selector, SelectionKey.OP_READ, s);
                    s.nextSend = now;
                    s.nextRtcp = now;
                    active.add(s);
                }
                while ((s = stopping.poll()) != null) {
                    finish(s);
                }
                long next = now + PACKET_NANOS;
                for (int i = 0; i < active.size(); i++) {
                    Stream a = active.get(i);
                    if (a.muted) {
                        continue;
                    }
                    if (a.nextRtcp <= now) {
                        senderReport(a);
                        a.nextRtcp += RTCP_NANOS;
                    }
                    while (a.nextSend <= now) {
                        send(a);
                        a.nextSend += PACKET_NANOS;
                        if (now - a.nextSend > 10 * PACKET_NANOS) {
                            a.nextSend = now + PACKET_NANOS; // far behind (a stalled machine): do not burst
                        }
                    }
                    next = Math.min(next, Math.min(a.nextSend, a.nextRtcp));
                }
                long waitMs = (next - System.nanoTime()) / 1_000_000L;
                if (waitMs > 0) {
                    selector.select(waitMs);
                } else {
                    selector.selectNow();
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isValid() && k.isReadable()) {
                        receive(k);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            for (Stream a : active) {
                a.closeSockets();
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
            stopped.countDown();
        }
    }

    private void finish(Stream s) {
        if (s.rtpKey != null) {
            s.rtpKey.cancel();
            s.rtcpKey.cancel();
            active.remove(s);
        }
        s.closeSockets();
        if (s.onStopped != null) {
            s.onStopped.accept(s);
        }
    }

    private void send(Stream s) throws IOException {
        byte[] payload = frames[s.frame];
        s.frame = s.frame + 1 == frames.length ? 0 : s.frame + 1;
        int len = RtpPacket.write(buf, 0, s.payloadType, s.sent == 0, s.seq, s.timestamp, s.ssrc, payload, 0, SAMPLES);
        if (s.tx != null) {
            len = s.tx.protectRtp(buf, 0, len);
        }
        s.seq = (s.seq + 1) & 0xFFFF;
        s.timestamp = (s.timestamp + SAMPLES) & 0xFFFF_FFFFL;
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
        putInt(b, 8, ms / 1000 + 2_208_988_800L);
        putInt(b, 12, ((ms % 1000) << 32) / 1000);
        putInt(b, 16, s.timestamp);
        putInt(b, 20, s.sent);
        putInt(b, 24, s.sent * SAMPLES);
        int len = s.rtcpTx == null ? 28 : s.rtcpTx.protectRtcp(b, 0, 28);
        if (len <= 0) {
            return;
        }
        bb.clear().limit(len);
        if (s.rtcp.send(bb, s.remoteRtcp) > 0) {
            s.rtcpSent++;
        }
    }

    private static void putInt(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private void receive(SelectionKey k) throws IOException {
        Stream s = (Stream) k.attachment();
        DatagramChannel ch = (DatagramChannel) k.channel();
        boolean isRtp = ch == s.rtp;
        for (int n = 0; n < 64; n++) { // bounded, so one busy socket cannot starve the others
            bb.clear();
            if (ch.receive(bb) == null) {
                return;
            }
            int len = bb.position();
            if (isRtp) {
                int plain = s.rx == null ? len : s.rx.unprotectRtp(buf, 0, len);
                if (plain > 0 && RtpPacket.parse(buf, 0, plain).isPresent()) {
                    s.received++;
                    s.track(((buf[2] & 0xFF) << 8) | (buf[3] & 0xFF));
                } else {
                    s.rejected++;
                }
            } else {
                int plain = s.rtcpRx == null ? len : s.rtcpRx.unprotectRtcp(buf, 0, len);
                if (plain > 0) {
                    s.rtcpReceived++;
                } else {
                    s.rtcpRejected++;
                }
            }
        }
    }

    /** Stops the media thread and closes every socket still open. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
