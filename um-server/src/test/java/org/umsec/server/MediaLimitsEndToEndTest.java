package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.IpGateway;
import org.umsec.core.SecurityEvent;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.PcmAssembler;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.WavWriter;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;

/**
 * Issue 9 items 5 and 6 through the real server (TCP listener, an Unsecured dial plan): hostile SDP numbers,
 * the RTP timestamp-jump attack, {@code voicemail.maxBytes} and {@code voicemail.minFreeBytes}.
 */
class MediaLimitsEndToEndTest {

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

    ServerConfiguration.Builder config() {
        return ServerConfiguration.builder()
                .serverName("um-media")
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
                .mediaTimeout(Duration.ofSeconds(5))
                .ackTimeout(Duration.ofSeconds(5))
                .maxRecording(Duration.ofSeconds(20));
    }

    void start(ServerConfiguration c) throws Exception {
        server = UmsecServer.builder(c)
                .eventListener(events::add)
                .registerJmx(false)
                .build();
        server.start();
    }

    Path file(String callId, String ext) throws Exception {
        Path vm = dir.resolve("voicemail");
        ServerEndToEndTest.await(ext + " of " + callId, () -> {
            try (Stream<Path> s = Files.exists(vm) ? Files.list(vm) : Stream.empty()) {
                return s.anyMatch(p -> p.getFileName().toString().contains(callId)
                        && p.toString().endsWith(ext));
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try (Stream<Path> s = Files.list(vm)) {
            return s.filter(p -> p.getFileName().toString().contains(callId)
                            && p.toString().endsWith(ext))
                    .findFirst()
                    .orElseThrow();
        }
    }

    @Test
    void outOfRangeSdpNumbersAre488AndLeakNoCall() throws Exception {
        start(config().build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            String good = gw.offer("RTP/AVP", null, 0);
            String[] bad = {
                good.replaceFirst("a=rtcp:\\d+", "a=rtcp:70000"),
                good.replaceFirst("m=audio \\d+", "m=audio 99999"),
                good + "a=rtpmap:300 PCMU/8000\r\n",
                good.replaceFirst("a=rtcp:\\d+", "a=rtcp:-1"),
                good.replaceFirst("a=rtcp:\\d+", "a=rtcp:99999999999999999999999"),
                good + "a=rtpmap:0 PCMU/0\r\n",
            };
            for (int i = 0; i < 60; i++) {
                String callId = "badsdp-" + i;
                SipResponse r = gw.send(gw.request(
                        "INVITE",
                        callId,
                        "b" + i,
                        "<sip:voicemail@um.example.test>",
                        bad[i % bad.length],
                        "application/sdp"));
                assertThat(r.status()).as(bad[i % bad.length]).isEqualTo(488);
                assertThat(r.header("Warning").orElseThrow()).contains("bad SDP");
            }
            assertThat(server.activeCalls()).isZero();
            assertThat(dir.resolve("voicemail")).doesNotExist(); // no recording was opened
            // the server still takes a good call
            SipResponse ok = gw.send(
                    gw.request("INVITE", "good", "g1", "<sip:voicemail@um.example.test>", good, "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(server.activeCalls()).isOne();
            gw.send(gw.request("BYE", "good", "g1", ok.header("To").orElseThrow(), null, null));
        }
    }

    @Test
    void timestampJumpAttackIsBoundedByTheWallClock() throws Exception {
        start(config().build());
        long started;
        long ended;
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "tsjump",
                    "j1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            gw.send(gw.request("ACK", "tsjump", "j1", ok.header("To").orElseThrow(), null, null));
            int port = TestGateway.answer(ok).port();
            byte[] payload = new byte[160];
            java.util.Arrays.fill(payload, (byte) 0x10);
            long ts = 0;
            started = System.nanoTime();
            for (int i = 0; i < 400; i++) {
                byte[] b = new byte[12 + 160];
                RtpPacket.write(b, 0, 0, false, i, ts, 0x77, payload, 0, 160);
                gw.sendRaw(b, port);
                ts += 160 + PcmAssembler.MAX_GAP_SAMPLES; // each packet 2 s after the previous one
                if (i % 20 == 0) {
                    Thread.sleep(1); // keep the receive buffer from overflowing
                }
            }
            ServerEndToEndTest.await("packets", () -> server.metrics().getRtpPacketsReceived() >= 400);
            ended = System.nanoTime();
            gw.send(gw.request("BYE", "tsjump", "j1", ok.header("To").orElseThrow(), null, null));
        }
        Path wav = file("tsjump", ".wav");
        file("tsjump", ".json");
        // before: 400 x 16,160 samples = 12.9 MB; now at most the elapsed time + 0.5 s
        long elapsedMs = (ended - started) / 1_000_000 + 100;
        long samples = (Files.size(wav) - WavWriter.HEADER_SIZE) / 2;
        assertThat(samples).isLessThanOrEqualTo(elapsedMs * 8 + PcmAssembler.JITTER_ALLOWANCE_SAMPLES);
        assertThat(Files.size(wav)).isLessThan(400L * 16_160 * 2 / 10);
    }

    @Test
    void maxBytesEndsTheCallWithByeAndAnEvent() throws Exception {
        start(config().voicemailMaxBytes(WavWriter.HEADER_SIZE + 2 * 2000).build()); // 0.25 s
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    "toolong",
                    "m1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            gw.send(gw.request("ACK", "toolong", "m1", ok.header("To").orElseThrow(), null, null));
            gw.sendAudio(
                    ServerEndToEndTest.signal(4000),
                    0,
                    null,
                    TestGateway.answer(ok).port(),
                    1,
                    0,
                    5);
            SipRequest bye = gw.readRequest().orElseThrow();
            assertThat(bye.method()).isEqualTo("BYE");
        }
        assertThat(Files.readString(file("toolong", ".json")))
                .contains("\"endReason\": \"RECORDING_LIMIT\"", "\"samples\": 2000");
        assertThat(Files.size(file("toolong", ".wav"))).isEqualTo(WavWriter.HEADER_SIZE + 2 * 2000);
        assertThat(events).anySatisfy(e -> assertThat(e.id()).isEqualTo(7001));
    }

    @Test
    void belowTheFreeSpaceFloorNewCallsGet503WithAnEvent() throws Exception {
        start(config().voicemailMinFreeBytes(Long.MAX_VALUE).build());
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            SipResponse r = gw.send(gw.request(
                    "INVITE",
                    "nodisk",
                    "d1",
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.reasonPhrase()).contains("free space");
            assertThat(r.header("Retry-After")).isPresent();
        }
        assertThat(server.activeCalls()).isZero();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.id()).isEqualTo(7002);
            assertThat(e.field("minFreeBytes")).contains(Long.toString(Long.MAX_VALUE));
        });
    }
}
