package org.umsec.core;

/**
 * How serious a {@link SecurityEvent} is, in the sense of the Windows application event log the
 * Exchange document refers to (Information, Warning, Error).
 */
public enum Severity {
    /** Normal operation worth recording, for example "started in secured mode" (event 1112). */
    INFO,
    /** Something an administrator should look at soon: an expiring certificate, a refused peer. */
    WARNING,
    /** A security function failed: no usable certificate, a failed mutual-TLS handshake. */
    ERROR
}
