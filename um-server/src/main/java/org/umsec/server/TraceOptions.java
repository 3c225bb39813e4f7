package org.umsec.server;

import java.nio.file.Path;

/**
 * What the administrator asked to see of the signalling (issue 12 item 1): the SIP message trace,
 * SDES keys in it, and the TLS key log file.
 *
 * @param sipTrace trace every SIP message from the start
 * @param traceKeys show SDES keys in the trace instead of masking them
 * @param keyLogFile write TLS secrets here (NSS key log format), or null
 */
record TraceOptions(boolean sipTrace, boolean traceKeys, Path keyLogFile) {}
