package org.umsec.server.cli;

/** A failure a command reports as one line (its message) with exit code 1, or 2 for a {@link #usage} error. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean usage;

    CliException(String message) {
        super(message);
        this.usage = false;
    }

    private CliException(String message, boolean usage) {
        super(message);
        this.usage = usage;
    }

    /**
     * @param message what is wrong with the command line
     * @return an exception the command line reports with exit code 2
     */
    static CliException usage(String message) {
        return new CliException(message, true);
    }

    /** @return whether this is a usage error (exit code 2) */
    boolean isUsage() {
        return usage;
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
        this.usage = false;
    }
}
