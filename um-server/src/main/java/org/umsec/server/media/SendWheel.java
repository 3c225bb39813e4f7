package org.umsec.server.media;

import io.netty.channel.EventLoop;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send timer of one event loop: a timing wheel of {@value #SLOTS} slots of {@value #SLOT_MILLIS} ms, one
 * packet time ({@value #PERIOD_MILLIS} ms) around, that visits every started session of the loop once per
 * packet time ({@link MediaSession#onTick}: its next greeting packet, an RTCP report when one is due).
 *
 * <p>One timer per loop instead of two scheduled tasks per call: with thousands of calls up, a task per
 * greeting packet kept Netty's scheduled-task queue (a binary heap, {@code O(log n)} per run) about as busy
 * as the sending itself. The timer runs only for slots that hold sessions, and a new session joins the
 * first slot of the coming lap that already holds some, up to {@value #SLOT_SHARE} of them: a wake-up of an
 * idle loop costs tens of microseconds on a virtual machine, so a few calls share one wake-up per packet
 * time, while many calls spread over the slots, so the loop sends in bursts of tens of packets rather than
 * all of its calls' packets at once (and reads what arrives in between). A session's first packet leaves
 * within one lap of its start ({@value #PERIOD_MILLIS} ms, a little more while the loop is late), the next
 * ones every {@value #PERIOD_MILLIS} ms after it. Slot times are absolute: a loop that was held up serves
 * every slot whose time has come, a lap at a time, so each of its sessions sends the packets it missed, as
 * fixed-rate timers would.
 *
 * <p>Confined to its event loop: {@link #add} and the ticks run there. A session leaves at its first visit
 * after it stopped; the timer stops when the wheel is empty.
 */
final class SendWheel implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SendWheel.class);

    /** Time between two slots. */
    static final int SLOT_MILLIS = 2;

    /** Slots around the wheel. */
    static final int SLOTS = 10;

    /** Time between two visits of a session: one 20 ms G.711 packet ({@code SLOTS × SLOT_MILLIS}). */
    static final int PERIOD_MILLIS = SLOTS * SLOT_MILLIS;

    /** Sessions a slot takes before a new session opens an empty slot (when every slot is this full: the emptiest). */
    static final int SLOT_SHARE = 64;

    private static final long SLOT_NANOS = TimeUnit.MILLISECONDS.toNanos(SLOT_MILLIS);

    private final EventLoop loop;
    private final MediaSession[][] slots = new MediaSession[SLOTS][];
    private final int[] counts = new int[SLOTS];
    private int cursor; // the next slot to serve
    private long cursorNanos; // when it is due (System.nanoTime)
    private int size; // > 0 exactly while a tick is scheduled

    SendWheel(EventLoop loop) {
        this.loop = loop;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new MediaSession[16];
        }
    }

    /** Adds a started session (on the loop). */
    void add(MediaSession s) {
        if (size == 0) {
            cursorNanos = System.nanoTime(); // an idle wheel starts again now, with this session
            put(cursor, s);
            loop.schedule(this, 0, TimeUnit.NANOSECONDS);
            return;
        }
        // the timer is due at the cursor (which holds sessions): every slot joined here comes at or after it
        put(slotForNew(), s);
    }

    /** @return the first slot of the coming lap with sessions and room, else the first empty one, else the emptiest */
    private int slotForNew() {
        int empty = -1;
        int emptiest = cursor;
        for (int d = 0; d < SLOTS; d++) {
            int i = cursor + d < SLOTS ? cursor + d : cursor + d - SLOTS;
            int n = counts[i];
            if (n > 0 && n < SLOT_SHARE) {
                return i;
            }
            if (n == 0 && empty < 0) {
                empty = i;
            }
            if (n < counts[emptiest]) {
                emptiest = i;
            }
        }
        return empty >= 0 ? empty : emptiest;
    }

    private void put(int slot, MediaSession s) {
        MediaSession[] a = slots[slot];
        int n = counts[slot];
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
            slots[slot] = a;
        }
        a[n] = s;
        counts[slot] = n + 1;
        size++;
    }

    /** @return the sessions on the wheel (on the loop) */
    int size() {
        return size;
    }

    /** A tick: serves every slot whose time has come, then sleeps until the next slot that holds sessions. */
    @Override
    public void run() {
        final long now = System.nanoTime();
        while (size > 0 && cursorNanos - now <= 0) {
            if (counts[cursor] > 0) {
                serve(cursor, now);
            }
            advance();
        }
        if (size == 0) {
            return; // idle until the next add
        }
        while (counts[cursor] == 0) {
            advance();
        }
        loop.schedule(this, Math.max(0, cursorNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void advance() {
        cursor = cursor + 1 == SLOTS ? 0 : cursor + 1;
        cursorNanos += SLOT_NANOS;
    }

    /** Visits the sessions of a slot; those that are stopped leave. */
    private void serve(int slot, long now) {
        final MediaSession[] a = slots[slot];
        int n = counts[slot];
        for (int i = 0; i < n; ) {
            MediaSession s = a[i];
            boolean keep;
            try {
                keep = s.onTick(now);
            } catch (RuntimeException e) {
                LOG.warn("Media send timer: a call failed and stops sending: {}", e.toString());
                keep = false;
            }
            if (keep) {
                i++;
            } else {
                a[i] = a[--n]; // order within a slot does not matter: each session sends only its own packets
                a[n] = null;
                size--;
            }
        }
        counts[slot] = n;
    }
}
