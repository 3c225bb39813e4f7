package org.umsec.server.cli;

/** A failure a command reports as one line (its message) with exit code 1. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
