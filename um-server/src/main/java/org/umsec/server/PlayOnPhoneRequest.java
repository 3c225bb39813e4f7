package org.umsec.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.umsec.core.DialingRules;

/**
 * What {@link UmsecServer#playOnPhone(PlayOnPhoneRequest)} should do: the number to call, the audio to
 * play (8 kHz, 16-bit mono samples, sent as G.711 in 20 ms packets), and optionally which dial plan,
 * gateway and UM mailbox policy the call belongs to. The dial plan's dialing rules decide whether the
 * number may be called and what is dialed (R6); the mailbox policy, when named, replaces the dial
 * plan's own allowed groups with its own.
 *
 * <ul>
 * <li>Dial plan: {@link Builder#dialPlan}, else the dial plan of {@link Builder#gateway}, else that of
 *     {@link Builder#mailboxPolicy}, else the only dial plan of the configuration that has a gateway.</li>
 * <li>Gateway: {@link Builder#gateway}, else the first gateway of the dial plan in configured order.</li>
 * <li>Ring timeout: how long the phone may ring before the call is cancelled (CANCEL); default
 *     {@value #DEFAULT_RING_TIMEOUT_SECONDS} s, at most {@value #MAX_RING_TIMEOUT_SECONDS} s.</li>
 * <li>Audio: at most {@value #MAX_AUDIO_SECONDS} s (a longer message is refused when built).</li>
 * </ul>
 *
 * <pre>{@code
 * PlayOnPhoneRequest r = PlayOnPhoneRequest.builder("+1 425 555 0100", VoicemailRecorder.readGreeting(wav))
 *         .dialPlan("dp-secure").mailboxPolicy("Staff").build();
 * PlayOnPhoneResult result = server.playOnPhone(r).get();
 * }</pre>
 *
 * <p>Immutable (the audio is copied in and out).
 */
public final class PlayOnPhoneRequest {
    /** Default ring timeout, seconds. */
    public static final int DEFAULT_RING_TIMEOUT_SECONDS = 30;
    /** Longest ring timeout, seconds. */
    public static final int MAX_RING_TIMEOUT_SECONDS = 300;
    /** Longest audio, seconds (a play-on-phone message, not a stream). */
    public static final int MAX_AUDIO_SECONDS = 3600;

    private final String number;
    private final short[] audio;
    private final String dialPlan;
    private final String gateway;
    private final String mailboxPolicy;
    private final Duration ringTimeout;
    private final InetSocketAddress connectTo;

    private PlayOnPhoneRequest(Builder b) {
        this.number = b.number;
        this.audio = b.audio;
        this.dialPlan = b.dialPlan;
        this.gateway = b.gateway;
        this.mailboxPolicy = b.mailboxPolicy;
        this.ringTimeout = b.ringTimeout;
        this.connectTo = b.connectTo;
    }

    /**
     * Starts a request.
     *
     * @param number the number as entered (separators allowed, see {@link DialingRules#normalise(String)})
     * @param audio 8 kHz 16-bit mono samples to play once the call is answered (copied)
     * @return a builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the audio is longer than {@value #MAX_AUDIO_SECONDS} s
     */
    public static Builder builder(String number, short[] audio) {
        return new Builder(number, audio);
    }

    /** @return the number as entered */
    public String number() {
        return number;
    }

    /** @return a copy of the audio samples (8 kHz, 16-bit mono) */
    public short[] audio() {
        return audio.clone();
    }

    /** @return the number of audio samples */
    public int audioSamples() {
        return audio.length;
    }

    /** @return the dial plan asked for, if any */
    public Optional<String> dialPlan() {
        return Optional.ofNullable(dialPlan);
    }

    /** @return the gateway asked for, if any */
    public Optional<String> gateway() {
        return Optional.ofNullable(gateway);
    }

    /** @return the UM mailbox policy whose allowed dialing groups apply, if any */
    public Optional<String> mailboxPolicy() {
        return Optional.ofNullable(mailboxPolicy);
    }

    /** @return how long the phone may ring before the call is cancelled */
    public Duration ringTimeout() {
        return ringTimeout;
    }

    /**
     * @return the address to connect to instead of the gateway's configured address and port, if any; over
     *     TLS the gateway's certificate is still checked against its configured FQDN
     */
    public Optional<InetSocketAddress> connectTo() {
        return Optional.ofNullable(connectTo);
    }

    @Override
    public String toString() {
        return "PlayOnPhoneRequest[" + number + ", " + audio.length / 8000.0 + " s"
                + (dialPlan == null ? "" : ", dial plan " + dialPlan)
                + (gateway == null ? "" : ", gateway " + gateway)
                + (mailboxPolicy == null ? "" : ", mailbox policy " + mailboxPolicy) + "]";
    }

    /** Builds a {@link PlayOnPhoneRequest}. Not thread-safe. */
    public static final class Builder {
        private final String number;
        private final short[] audio;
        private String dialPlan;
        private String gateway;
        private String mailboxPolicy;
        private Duration ringTimeout = Duration.ofSeconds(DEFAULT_RING_TIMEOUT_SECONDS);
        private InetSocketAddress connectTo;

        private Builder(String number, short[] audio) {
            this.number = Objects.requireNonNull(number, "number");
            Objects.requireNonNull(audio, "audio");
            if (audio.length > MAX_AUDIO_SECONDS * 8000) {
                throw new IllegalArgumentException(
                        "audio is " + audio.length / 8000 + " s long; at most " + MAX_AUDIO_SECONDS + " s is played");
            }
            this.audio = audio.clone();
        }

        /** @param name the dial plan (case-insensitive) @return this */
        public Builder dialPlan(String name) {
            dialPlan = Objects.requireNonNull(name, "dialPlan");
            return this;
        }

        /** @param name the gateway (case-insensitive) @return this */
        public Builder gateway(String name) {
            gateway = Objects.requireNonNull(name, "gateway");
            return this;
        }

        /** @param name the UM mailbox policy whose allowed groups apply (case-insensitive) @return this */
        public Builder mailboxPolicy(String name) {
            mailboxPolicy = Objects.requireNonNull(name, "mailboxPolicy");
            return this;
        }

        /**
         * @param d how long the phone may ring (1 s to {@value #MAX_RING_TIMEOUT_SECONDS} s)
         * @return this
         * @throws IllegalArgumentException outside that range
         */
        public Builder ringTimeout(Duration d) {
            Objects.requireNonNull(d, "ringTimeout");
            if (d.compareTo(Duration.ofSeconds(1)) < 0
                    || d.compareTo(Duration.ofSeconds(MAX_RING_TIMEOUT_SECONDS)) > 0) {
                throw new IllegalArgumentException(
                        "ring timeout must be 1.." + MAX_RING_TIMEOUT_SECONDS + " s, was " + d.toSeconds() + " s");
            }
            ringTimeout = d;
            return this;
        }

        /**
         * Connects to this address and port instead of the gateway's configured ones (a gateway behind a
         * port forward, a lab). Over TLS the certificate must still name the gateway's configured FQDN.
         *
         * @param address a resolved address
         * @return this
         * @throws IllegalArgumentException for an unresolved address
         */
        public Builder connectTo(InetSocketAddress address) {
            Objects.requireNonNull(address, "connectTo");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("connectTo must be a resolved address: " + address);
            }
            connectTo = address;
            return this;
        }

        /** @return the request */
        public PlayOnPhoneRequest build() {
            return new PlayOnPhoneRequest(this);
        }
    }
}
