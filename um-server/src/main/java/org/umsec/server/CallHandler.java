package org.umsec.server;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * What the server does with the media of an accepted call. The default is the
 * {@link org.umsec.server.media.VoicemailRecorder}; an embedding application plugs in its own with
 * {@link UmsecServer.Builder#callHandler(CallHandler)}.
 *
 * <p>Threading: {@link #answer} and {@link Call#prompt} are called on the signalling thread of the call's
 * connection; {@link Call#audio} and {@link Call#dtmf} on one of the server's media worker threads (never
 * a network I/O thread, so a handler may write files), one at a time and in order, a call staying on one
 * worker; {@link Call#end} exactly once, last, after the last audio, on one of the server's few call-end
 * threads ({@code umsec-call-end-N}; a blocking end, such as a file forced to disk, delays the ends of other
 * calls, never their media or signalling). A worker serves many calls: a handler that blocks for long delays them (beyond about 1.7 s of backlog a
 * call's packets are counted as not recorded and its recording gets silence). A handler that throws from
 * {@link #answer} makes the server reject the call with 500; one that throws from {@link Call#audio} ends
 * the call.
 *
 * <pre>{@code
 * CallHandler counter = info -> new CallHandler.Call() {
 *     long samples;
 *     public void audio(short[] pcm, int off, int len) { samples += len; }
 *     public void end(CallSummary s) { System.out.println(info.caller() + ": " + samples + " samples"); }
 * };
 * }</pre>
 */
@FunctionalInterface
public interface CallHandler {

    /**
     * Accepts a call.
     *
     * @param info the call
     * @return the per-call media receiver
     * @throws IOException if the handler cannot take the call (the caller gets 500)
     */
    Call answer(CallInfo info) throws IOException;

    /**
     * Whether the handler can take one more call now. The server asks before it sets anything of a call
     * up (after the peer is known to be a trusted gateway); a reason refuses the call with 503 and
     * {@code Retry-After}. The {@link org.umsec.server.media.VoicemailRecorder} refuses while the disk is
     * below {@code voicemail.minFreeBytes}.
     *
     * @return empty to take the call, or why not (a short phrase, put in the 503's reason)
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /** The media side of one accepted call. */
    interface Call {

        /**
         * Audio played to the caller once, right after the call is answered (8 kHz, 16-bit mono). The
         * server only reads the array, so one array may serve every call (it must then not change).
         *
         * @return the samples; empty for no greeting
         */
        default short[] prompt() {
            return new short[0];
        }

        /**
         * Decoded audio from the caller, in order; gaps of lost packets arrive as silence.
         *
         * @param samples 8 kHz 16-bit samples
         * @param off first sample
         * @param len number of samples
         * @throws IOException to end the call
         */
        void audio(short[] samples, int off, int len) throws IOException;

        /**
         * A DTMF key the caller pressed, received as an RFC 4733 telephone-event (the server answers
         * {@code telephone-event/8000} when the offer has it), once per key press, in order with the audio.
         *
         * @param digit {@code 0-9}, {@code *}, {@code #} or {@code A-D}
         * @param duration how long the key was pressed
         * @return true to go on; false to end the call (the server sends BYE, end reason
         *     {@link CallEndReason#HANDLER_ENDED})
         * @throws IOException to end the call
         */
        default boolean dtmf(char digit, Duration duration) throws IOException {
            return true;
        }

        /**
         * The call is over; no more audio follows.
         *
         * @param summary the call's figures
         * @throws IOException if the handler fails to finish (logged)
         */
        void end(CallSummary summary) throws IOException;
    }
}
