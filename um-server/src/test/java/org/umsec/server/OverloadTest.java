package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;

/**
 * Overload without collapse (issue 13 item 3), against the real server over a real TCP connection: a
 * gateway floods new INVITEs beyond {@code server.maxSetupsInProgress} (set low, so the outcome is a
 * matter of counts, not of timing: every INVITE is on the wire before the first ACK); the excess gets 503
 * with Retry-After before any transaction, dialog or media work, the calls already taken complete, the
 * ACKs of the refusals are absorbed without a trace, and once the taken calls are confirmed new calls
 * are taken again.
 */
class OverloadTest {

    static final int LIMIT = 3;
    static final int FLOOD = 20;

    @TempDir
    Path dir;

    final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    UmsecServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    @Test
    void aFloodBeyondTheSetupLimitGets503WithRetryAfterWhileAdmittedCallsComplete() throws Exception {
        server = UmsecServer.builder(ServerConfiguration.builder()
                        .serverName("um-overload")
                        .fqdn("um.example.test")
                        .bindAddress("127.0.0.1")
                        .mediaAddress("127.0.0.1")
                        .sipPort(0)
                        .tlsPort(0)
                        .store(dir.resolve("certs"))
                        .voicemail(dir.resolve("voicemail"))
                        .dialPlan("dp-plain", VoipSecurityMode.UNSECURED)
                        .associateDialPlan("dp-plain")
                        .gateway(IpGateway.builder("pbx")
                                .address("127.0.0.1")
                                .port(5060)
                                .dialPlan("dp-plain")
                                .build())
                        .maxSetupsInProgress(LIMIT)
                        // the queue-delay signal off the table: the test counts, it does not time
                        .maxQueueDelay(ServerConfiguration.MAX_QUEUE_DELAY)
                        .build())
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
        try (TestGateway pbx = TestGateway.tcp(server.tcpPort())) {
            Map<String, String> branches = new HashMap<>();
            for (int i = 0; i < FLOOD; i++) {
                String callId = "flood-" + i;
                SipRequest invite = request(pbx, "INVITE", callId, "<sip:voicemail@um.example.test>", null);
                branches.put(callId, invite.topVia().branch().orElseThrow());
                pbx.connection.send(invite); // no ACK goes out before every INVITE is on the wire
            }
            Map<String, SipResponse> finals = new HashMap<>();
            while (finals.size() < FLOOD) {
                SipMessage m = pbx.read().orElseThrow(() -> new AssertionError("connection closed"));
                if (m instanceof SipResponse r && r.status() >= 200) {
                    finals.put(r.callId(), r); // a retransmitted 200 replaces itself
                }
            }
            Set<String> answered = new TreeSet<>();
            int refused = 0;
            for (SipResponse r : finals.values()) {
                if (r.status() == 200) {
                    answered.add(r.callId());
                } else {
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.reasonPhrase()).contains("overloaded");
                    assertThat(r.header("Retry-After")).contains("2");
                    assertThat(r.to().tag()).isPresent();
                    refused++;
                }
            }
            // one connection's calls are handled in parallel (one lane per core, each call in order): LIMIT of
            // them were taken, whichever came first, plus at most one more per other lane that was admitting a
            // call at the same moment (the limit is checked on arrival, counted when answered); every other
            // one was refused
            int taken = answered.size();
            assertThat(taken).isBetween(LIMIT, LIMIT + UmsecServer.SIGNALLING_LANES - 1);
            assertThat(refused).isEqualTo(FLOOD - taken);
            assertThat(server.metrics().getCallsRejected()).containsEntry("overload", (long) (FLOOD - taken));
            SecurityEvent e = events.stream()
                    .filter(x -> x.type() == SecurityEventType.SERVER_OVERLOADED)
                    .findFirst()
                    .orElseThrow();
            assertThat(e.id()).isEqualTo(3101);
            assertThat(e.field("reason")).contains("setups-in-progress");
            assertThat(e.field("maxSetupsInProgress")).contains(Integer.toString(LIMIT));

            // the refusals' ACKs (same branch, RFC 3261 §17.1.1.3) are absorbed: no answer, no event
            for (SipResponse r : finals.values()) {
                if (r.status() == 503) {
                    pbx.connection.send(
                            request(pbx, "ACK", r.callId(), r.header("To").orElseThrow(), branches.get(r.callId())));
                }
            }
            // the calls taken complete: ACK, BYE answered 200
            for (String callId : answered) {
                String to = finals.get(callId).header("To").orElseThrow();
                pbx.connection.send(request(pbx, "ACK", callId, to, null));
                SipResponse bye = pbx.send(request(pbx, "BYE", callId, to, null));
                assertThat(bye.status()).isEqualTo(200);
            }
            // a call leaves the active ones when it ends, and is counted as ended once its recording is closed
            CallDialogAttackTest.await(
                    "calls ended",
                    () -> server.activeCalls() == 0
                            && server.metrics().callsEndedByReason().getOrDefault(CallEndReason.CALLER_HUNG_UP, 0L)
                                    == taken);
            assertThat(server.metrics().callsEndedByReason()).containsEntry(CallEndReason.CALLER_HUNG_UP, (long) taken);

            // confirmed calls free the setup slots: a new call is taken again
            SipResponse again =
                    pbx.send(request(pbx, "INVITE", "after-flood", "<sip:voicemail@um.example.test>", null));
            assertThat(again.status()).isEqualTo(200);
            String to = again.header("To").orElseThrow();
            pbx.connection.send(request(pbx, "ACK", "after-flood", to, null));
            assertThat(pbx.send(request(pbx, "BYE", "after-flood", to, null)).status())
                    .isEqualTo(200);
        }
        assertThat(events).noneMatch(x -> x.type() == SecurityEventType.DIALOG_REQUEST_REFUSED);
        assertThat(server.metrics().getCallsAccepted())
                .isBetween(LIMIT + 1L, LIMIT + (long) UmsecServer.SIGNALLING_LANES);
    }

    /** A request of call {@code callId}; CSeq 1 for INVITE and its ACK, 2 for BYE; a fresh branch unless given. */
    static SipRequest request(TestGateway gw, String method, String callId, String to, String branch) {
        int port = gw.connection.localAddress().getPort();
        SipRequest.Builder b = SipRequest.builder(method, "sip:voicemail@um.example.test")
                .via(Via.of("TCP", "127.0.0.1", port, branch != null ? branch : Via.MAGIC_COOKIE + TestGateway.hex()))
                .maxForwards(70)
                .header("From", "<sip:alice@127.0.0.1>;tag=f-" + callId)
                .header("To", to)
                .callId(callId)
                .cseq(method.equals("BYE") ? 2 : 1)
                .header("Contact", "<sip:alice@127.0.0.1:" + port + ";transport=tcp>");
        return method.equals("INVITE")
                ? b.body("application/sdp", gw.offer("RTP/AVP", null, 0)).build()
                : b.build();
    }
}
