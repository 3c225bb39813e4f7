package org.umsec.server.call;

/**
 * Tells a standing signalling queue from a passing burst, after CoDel (RFC 8289 §3): what counts is not
 * how long one INVITE waited for the signalling thread but whether every INVITE has waited longer than
 * the target for at least one target interval. A burst, a garbage-collection pause or a compilation
 * stall delays some requests and then drains; a server beyond its capacity never drains, and only then
 * are new calls refused (503, {@link CallController#shed}).
 *
 * <p>The time is split into windows of one target interval; the decision for a request is "overloaded"
 * when its own delay, the smallest delay seen in the current window and the smallest in the previous
 * window (when that one immediately precedes the current) are all above the target. Thread-safe; a
 * lock held for a few comparisons per new INVITE.
 */
final class StandingQueue {

    private long windowStart;
    private long windowMin = Long.MAX_VALUE;
    private long previousMin;
    private boolean started;

    /**
     * @param delayNanos how long this request waited for the signalling thread
     * @param targetNanos the target ({@code server.maxQueueDelayMillis}), also the window length
     * @param nowNanos the time now, {@link System#nanoTime()} scale
     * @return whether the queue has stood above the target for a whole window: refuse the request
     */
    synchronized boolean overloaded(long delayNanos, long targetNanos, long nowNanos) {
        if (!started) {
            started = true;
            windowStart = nowNanos;
            windowMin = delayNanos;
            previousMin = 0; // no history: never overloaded on the first request
        } else if (nowNanos - windowStart >= targetNanos) {
            // the window closed; an idle gap in between leaves no evidence of a standing queue
            previousMin = nowNanos - windowStart < 2 * targetNanos ? windowMin : 0;
            windowStart = nowNanos;
            windowMin = delayNanos;
        } else if (delayNanos < windowMin) {
            windowMin = delayNanos;
        }
        return delayNanos > targetNanos && windowMin > targetNanos && previousMin > targetNanos;
    }
}
