package org.umsec.certs;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the server's own certificate must offer (R9, R14). Server authentication is always
 * required; client authentication is added for listeners whose peers require both (the document's
 * Dialogic 2000/4000 case) and when the server also dials out with the same certificate in mutual TLS
 * (R18). Immutable.
 *
 * <pre>{@code
 * SelectionCriteria criteria = SelectionCriteria.builder().requireClientAuth(true).build();
 * }</pre>
 */
public final class SelectionCriteria {
    /** Default smallest RSA modulus in bits. */
    public static final int DEFAULT_MIN_RSA_BITS = 2048;

    private static final SelectionCriteria SERVER_AUTH = builder().build();

    private final boolean requireClientAuth;
    private final int minRsaBits;

    private SelectionCriteria(Builder b) {
        this.requireClientAuth = b.requireClientAuth;
        this.minRsaBits = b.minRsaBits;
    }

    /** @return the default: server authentication, RSA at least {@value #DEFAULT_MIN_RSA_BITS} bits */
    public static SelectionCriteria serverAuth() {
        return SERVER_AUTH;
    }

    /** @return server and client authentication (R14), otherwise defaults */
    public static SelectionCriteria serverAndClientAuth() {
        return builder().requireClientAuth(true).build();
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether client authentication is required besides server authentication */
    public boolean requireClientAuth() {
        return requireClientAuth;
    }

    /** @return the smallest acceptable RSA modulus in bits */
    public int minRsaBits() {
        return minRsaBits;
    }

    /** @return the key purposes a candidate must allow */
    public Set<KeyPurpose> requiredPurposes() {
        return Collections.unmodifiableSet(
                requireClientAuth
                        ? EnumSet.of(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH)
                        : EnumSet.of(KeyPurpose.SERVER_AUTH));
    }

    @Override
    public String toString() {
        return "requires " + requiredPurposes() + ", RSA >= " + minRsaBits;
    }

    /** Builder for {@link SelectionCriteria}. */
    public static final class Builder {
        private boolean requireClientAuth;
        private int minRsaBits = DEFAULT_MIN_RSA_BITS;

        private Builder() {}

        /**
         * @param require also require {@link KeyPurpose#CLIENT_AUTH} (default false)
         * @return this
         */
        public Builder requireClientAuth(boolean require) {
            this.requireClientAuth = require;
            return this;
        }

        /**
         * @param bits smallest RSA modulus, at least 2048 (default {@value SelectionCriteria#DEFAULT_MIN_RSA_BITS})
         * @return this
         * @throws IllegalArgumentException below 2048: weaker keys are refused by current TLS peers
         */
        public Builder minRsaBits(int bits) {
            if (bits < 2048) {
                throw new IllegalArgumentException("minRsaBits must be >= 2048, got " + bits);
            }
            this.minRsaBits = bits;
            return this;
        }

        /** @return the criteria */
        public SelectionCriteria build() {
            return new SelectionCriteria(this);
        }
    }
}
