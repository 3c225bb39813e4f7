package org.umsec.server.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.umsec.certs.CertificateInfo;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.CallEndReason;
import org.umsec.server.ServerMetrics;

/**
 * Writes {@link ServerMetrics} in the Prometheus text exposition format (version 0.0.4) or in
 * OpenMetrics 1.0 text, by hand: the format is a few lines of grammar, and writing it here keeps a
 * metrics client library off the embeddable server's dependencies.
 *
 * <p>Families (all prefixed {@code umsec_}):
 * <pre>
 * calls_accepted_total{mode}          counter  calls accepted, by the VoIP security mode of the dial plan
 * calls_active                        gauge    calls in progress
 * calls_ended_total{reason}           counter  calls ended, by {@link CallEndReason}
 * calls_rejected_total{reason}        counter  calls refused, by reason (untrusted-peer, wrong-transport, ...)
 * tls_handshakes_failed_total{reason} counter  failed mutual-TLS handshakes, by um-sip's typed reason
 * srtp_packets_failed_total{status}   counter  SRTP/SRTCP packets refused (auth-failed, replayed, ...)
 * rtp_packets_received_total          counter  RTP packets accepted over all calls
 * media_packets_not_recorded_total    counter  packets not recorded: a media worker fell behind
 * media_packets_not_sent_total        counter  packets of the server dropped: a socket's send buffer was full
 * sip_options_answered_total          counter  OPTIONS requests answered
 * sip_queue_delay_seconds             gauge    time the latest new INVITE waited for the signalling thread
 * security_events_total{id}           counter  security events published, by event id
 * certificate_expiry_days{thumbprint} gauge    days until the certificate in use expires (negative: expired)
 * </pre>
 */
final class MetricsExposition {

    /** Content type of the Prometheus text format. */
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Content type of OpenMetrics text. */
    static final String OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final StringBuilder out = new StringBuilder(2048);
    private final boolean openMetrics;

    private MetricsExposition(boolean openMetrics) {
        this.openMetrics = openMetrics;
    }

    /**
     * @param m the counters
     * @param certificate the certificate in use for mutual TLS, if any
     * @param now the server's clock, for days to expiry
     * @param openMetrics OpenMetrics 1.0 text instead of the Prometheus text format
     * @return the exposition
     */
    static String write(ServerMetrics m, Optional<CertificateInfo> certificate, Instant now, boolean openMetrics) {
        MetricsExposition e = new MetricsExposition(openMetrics);
        e.family("umsec_calls_accepted", "counter", "Calls accepted, by the VoIP security mode of their dial plan.");
        for (Map.Entry<VoipSecurityMode, Long> c : m.callsAcceptedByMode().entrySet()) {
            e.sample("umsec_calls_accepted_total", "mode", c.getKey().displayName(), c.getValue());
        }
        e.family("umsec_calls_active", "gauge", "Calls in progress.");
        e.sample("umsec_calls_active", null, null, m.getCallsActive());
        e.family("umsec_calls_ended", "counter", "Calls ended, by why they ended.");
        for (Map.Entry<CallEndReason, Long> c : m.callsEndedByReason().entrySet()) {
            e.sample("umsec_calls_ended_total", "reason", c.getKey().name().toLowerCase(Locale.ROOT), c.getValue());
        }
        e.labelled("umsec_calls_rejected", "Calls refused, by reason.", "reason", m.getCallsRejected());
        e.labelled(
                "umsec_tls_handshakes_failed",
                "Mutual-TLS handshakes that failed, by reason.",
                "reason",
                m.getHandshakesFailed());
        e.labelled(
                "umsec_srtp_packets_failed",
                "SRTP and SRTCP packets refused, by status.",
                "status",
                m.getSrtpPacketsFailed());
        e.family("umsec_rtp_packets_received", "counter", "RTP packets accepted over all calls.");
        e.sample("umsec_rtp_packets_received_total", null, null, m.getRtpPacketsReceived());
        e.family(
                "umsec_media_packets_not_recorded",
                "counter",
                "Packets received but not recorded because a media worker fell behind (recording queue full).");
        e.sample("umsec_media_packets_not_recorded_total", null, null, m.getMediaPacketsNotRecorded());
        e.family(
                "umsec_media_packets_not_sent",
                "counter",
                "RTP/RTCP packets of the server dropped because a socket's send buffer was full or the send failed.");
        e.sample("umsec_media_packets_not_sent_total", null, null, m.getMediaPacketsNotSent());
        e.family("umsec_sip_options_answered", "counter", "SIP OPTIONS requests answered.");
        e.sample("umsec_sip_options_answered_total", null, null, m.getOptionsAnswered());
        e.family(
                "umsec_sip_queue_delay_seconds",
                "gauge",
                "Time the latest new INVITE waited for the signalling thread; beyond server.maxQueueDelayMillis"
                        + " new INVITEs get 503 (calls_rejected reason overload).");
        e.sample("umsec_sip_queue_delay_seconds", null, null, m.getSipQueueDelaySeconds());
        e.labelled("umsec_security_events", "Security events published, by event id.", "id", m.getEvents());
        e.family(
                "umsec_certificate_expiry_days",
                "gauge",
                "Days until the certificate in use for mutual TLS expires; negative once expired.");
        certificate.ifPresent(c -> e.sample(
                "umsec_certificate_expiry_days", "thumbprint", c.sha1Thumbprint(), daysUntil(now, c.notAfter())));
        if (openMetrics) {
            e.out.append("# EOF\n");
        }
        return e.out.toString();
    }

    private static double daysUntil(Instant now, Instant notAfter) {
        // whole seconds, then days with three decimals: alerting rules compare against a few days
        double days = Duration.between(now, notAfter).getSeconds() / 86_400.0;
        return Math.round(days * 1000.0) / 1000.0;
    }

    private void labelled(String name, String help, String label, Map<String, Long> values) {
        family(name, "counter", help);
        values.forEach((k, v) -> sample(name + "_total", label, k, v));
    }

    private void family(String name, String type, String help) {
        // Prometheus text names a counter family by its sample name (with _total); OpenMetrics without
        String family = !openMetrics && type.equals("counter") ? name + "_total" : name;
        out.append("# HELP ").append(family).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(family).append(' ').append(type).append('\n');
    }

    private void sample(String name, String label, String value, double v) {
        out.append(name);
        if (label != null) {
            out.append('{').append(label).append("=\"");
            escape(value);
            out.append("\"}");
        }
        out.append(' ');
        if (v == Math.rint(v) && !Double.isInfinite(v)) {
            out.append((long) v);
        } else {
            out.append(v);
        }
        out.append('\n');
    }

    /** Label values: backslash, double quote and line feed escaped (the format's only escapes). */
    private void escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }
}
