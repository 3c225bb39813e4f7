/**
 * The reference server's HTTP admin listener ({@code server.admin}): Prometheus figures and health
 * checks for an orchestrator or a monitoring system. Not part of the embedding API: an embedder reads
 * {@link org.umsec.server.UmsecServer#metrics()} and
 * {@link org.umsec.server.UmsecServer#notReadyReasons()} directly.
 */
package org.umsec.server.admin;
