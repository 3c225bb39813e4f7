package org.umsec.core;

/**
 * A {@link ConfigSource} cannot be read now: unreachable, authentication or TLS refused, a time or
 * size limit exceeded. Unlike a configuration with problems, the content is unknown; a running server
 * keeps its configuration.
 */
public final class ConfigSourceException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the source (no secrets)
     * @param cause the underlying failure, or null
     */
    public ConfigSourceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param message what failed, naming the source (no secrets) */
    public ConfigSourceException(String message) {
        super(message);
    }
}
