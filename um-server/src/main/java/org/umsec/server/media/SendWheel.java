package org.umsec.server.media;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send timer of one event loop: a timing wheel of {@value #SLOTS} slots of {@value #SLOT_MILLIS} ms, one
 * packet time ({@value #PERIOD_MILLIS} ms) around, that visits every started session of the loop once per
 * packet time ({@link MediaSession#onTick}: its next greeting packet, an RTCP report when one is due).
 *
 * <p>One scheduled task per loop instead of two per call: with thousands of calls up, a task per greeting
 * packet kept Netty's scheduled-task queue (a binary heap, {@code O(log n)} per run) as busy as the sending
 * itself. A session joins the slot that the next tick serves, so its first packet leaves within
 * {@value #SLOT_MILLIS} ms of its start and the next ones every {@value #PERIOD_MILLIS} ms after it;
 * sessions started at different times fall into different slots, which spreads the loop's sends over the
 * packet time instead of bursting them once per period. The timer runs at a fixed rate: a loop that was held
 * up catches up (each late slot is served once per lap it missed), as the per-call fixed-rate tasks did.
 * It stops when the wheel is empty, so an idle server does not wake every {@value #SLOT_MILLIS} ms.
 *
 * <p>Confined to its event loop: {@link #add} and the ticks run there. A session leaves at its first visit
 * after it stopped.
 */
final class SendWheel implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SendWheel.class);

    /** Time between two ticks. */
    static final int SLOT_MILLIS = 2;

    /** Slots around the wheel. */
    static final int SLOTS = 10;

    /** Time between two visits of a session: one 20 ms G.711 packet ({@code SLOTS × SLOT_MILLIS}). */
    static final int PERIOD_MILLIS = SLOTS * SLOT_MILLIS;

    private final EventLoop loop;
    private final MediaSession[][] slots = new MediaSession[SLOTS][];
    private final int[] counts = new int[SLOTS];
    private int cursor; // the slot the next tick serves
    private int size;
    private ScheduledFuture<?> timer;

    SendWheel(EventLoop loop) {
        this.loop = loop;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new MediaSession[16];
        }
    }

    /** Adds a started session (on the loop); the next tick visits it first. */
    void add(MediaSession s) {
        MediaSession[] a = slots[cursor];
        int n = counts[cursor];
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
            slots[cursor] = a;
        }
        a[n] = s;
        counts[cursor] = n + 1;
        size++;
        if (timer == null) {
            timer = loop.scheduleAtFixedRate(this, 0, SLOT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** @return the sessions on the wheel (on the loop) */
    int size() {
        return size;
    }

    /** One tick: visits the sessions of the current slot; those that are stopped leave. */
    @Override
    public void run() {
        final int slot = cursor;
        final MediaSession[] a = slots[slot];
        int n = counts[slot];
        final long now = System.nanoTime();
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
        cursor = slot + 1 == SLOTS ? 0 : slot + 1;
        if (size == 0) {
            timer.cancel(false); // runs again with the next session
            timer = null;
        }
    }
}
