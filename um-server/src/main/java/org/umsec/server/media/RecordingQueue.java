package org.umsec.server.media;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The hand-off of one call's received media from its network I/O thread to a media worker
 * ({@link MediaWorkers}): a single-producer, single-consumer ring of variable-length records in one
 * {@value #CAPACITY}-byte array, allocated once per call (the layout of Agrona's one-to-one ring buffer).
 *
 * <pre>
 *  record, 16-byte aligned; a record never wraps: the rest of the array is padded instead
 * +--------+--------+----------------+--------------------------------+---------------------------+
 * | type 8 | value 8| length 16      | timestamp or duration 32       | arrival millis 64         |
 * +--------+--------+----------------+--------------------------------+---------------------------+
 * | payload (length octets) ...                                                                    |
 * </pre>
 *
 * <p>Bounded: about 1.7 s of 20 ms G.711 packets fit. When the worker falls behind that far (a stalled
 * disk), {@link #offerAudio} refuses the packet and the caller counts it; the producer never waits. No
 * allocation per record. Producer methods must be called from one thread at a time, consumer methods
 * from one thread at a time; publication is by release/acquire on the two positions.
 */
final class RecordingQueue {

    /** Size of the ring in octets. */
    static final int CAPACITY = 16384;

    static final int AUDIO = 1;
    static final int DTMF = 2;
    private static final int PAD = 3;

    private static final int HEADER = 16;
    private static final int ALIGN = 16;
    private static final int MASK = CAPACITY - 1;
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAIL = l.findVarHandle(RecordingQueue.class, "tail", long.class);
            HEAD = l.findVarHandle(RecordingQueue.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Receives the records {@link #drain} reads. */
    interface Consumer {
        /**
         * @param payloadType RTP payload type
         * @param timestamp RTP timestamp
         * @param arrivalMillis when the packet arrived
         * @param buf the ring's array
         * @param off first payload octet
         * @param len payload length
         */
        void audio(int payloadType, long timestamp, long arrivalMillis, byte[] buf, int off, int len);

        /**
         * @param digit the DTMF key
         * @param durationMillis how long it was pressed
         */
        void dtmf(char digit, int durationMillis);
    }

    private final byte[] ring = new byte[CAPACITY];

    @SuppressWarnings("unused") // through TAIL
    private volatile long tail;

    @SuppressWarnings("unused") // through HEAD
    private volatile long head;

    /**
     * Appends a G.711 packet's payload. Producer only.
     *
     * @return false when the ring is full (the packet is not queued)
     */
    boolean offerAudio(int payloadType, long timestamp, long arrivalMillis, byte[] src, int off, int len) {
        int at = claim(len);
        if (at < 0) {
            return false;
        }
        header(at, AUDIO, payloadType, len, (int) timestamp, arrivalMillis);
        System.arraycopy(src, off, ring, at + HEADER, len);
        publish(at, len);
        return true;
    }

    /**
     * Appends a DTMF key press. Producer only.
     *
     * @return false when the ring is full
     */
    boolean offerDtmf(char digit, int durationMillis) {
        int at = claim(0);
        if (at < 0) {
            return false;
        }
        header(at, DTMF, digit, 0, durationMillis, 0);
        publish(at, 0);
        return true;
    }

    /** @return whether more than half of the ring is taken (producer: time to wake the consumer) */
    boolean pastHalf() {
        return (long) TAIL.getOpaque(this) - (long) HEAD.getAcquire(this) > CAPACITY / 2;
    }

    /** @return whether no record is waiting (exact for the consumer, a snapshot for others) */
    boolean isEmpty() {
        return (long) HEAD.getAcquire(this) == (long) TAIL.getAcquire(this);
    }

    /**
     * Hands every waiting record to {@code c}, in order, and frees its room. Consumer only.
     *
     * @return the number of records read
     */
    int drain(Consumer c) {
        long h = (long) HEAD.getOpaque(this);
        long t = (long) TAIL.getAcquire(this);
        int n = 0;
        while (h < t) {
            int at = (int) (h & MASK);
            int type = ring[at];
            int len = (short) SHORT_LE.get(ring, at + 2) & 0xFFFF;
            if (type == PAD) {
                h += CAPACITY - at;
                continue;
            }
            int value = ring[at + 1] & 0xFF;
            int word = (int) INT_LE.get(ring, at + 4);
            if (type == AUDIO) {
                c.audio(value, word & 0xFFFF_FFFFL, (long) LONG_LE.get(ring, at + 8), ring, at + HEADER, len);
            } else {
                c.dtmf((char) value, word);
            }
            h += align(HEADER + len);
            n++;
            HEAD.setRelease(this, h);
        }
        HEAD.setRelease(this, h);
        return n;
    }

    /** Finds room for a record, padding to the start of the array when it would not fit before the end. */
    private int claim(int len) {
        long t = (long) TAIL.getOpaque(this);
        long h = (long) HEAD.getAcquire(this);
        int need = align(HEADER + len);
        int at = (int) (t & MASK);
        int toEnd = CAPACITY - at;
        if (need > toEnd) {
            if (CAPACITY - (t - h) < toEnd + need) {
                return -1;
            }
            ring[at] = PAD;
            SHORT_LE.set(ring, at + 2, (short) 0);
            TAIL.setRelease(this, t + toEnd);
            return 0;
        }
        return CAPACITY - (t - h) < need ? -1 : at;
    }

    private void header(int at, int type, int value, int len, int word, long arrival) {
        ring[at] = (byte) type;
        ring[at + 1] = (byte) value;
        SHORT_LE.set(ring, at + 2, (short) len);
        INT_LE.set(ring, at + 4, word);
        LONG_LE.set(ring, at + 8, arrival);
    }

    private void publish(int at, int len) {
        long t = (long) TAIL.getOpaque(this);
        TAIL.setRelease(this, (t & ~(long) MASK) + at + align(HEADER + len));
    }

    private static int align(int n) {
        return (n + ALIGN - 1) & -ALIGN;
    }
}
