/**
 * SDP (RFC 8866) for audio offers and answers, and SDES keys (RFC 4568 {@code a=crypto}) with the suite
 * table, offer/answer selection ({@link org.umsec.sip.sdp.SdesNegotiator}) and the TLS-only rule
 * ({@link org.umsec.sip.sdp.SdesTransportGuard}).
 */
package org.umsec.sip.sdp;
