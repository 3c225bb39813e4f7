package org.umsec.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.IpGateway;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.VoicemailRecorder;
import org.umsec.server.media.WavWriter;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipResponse;

/**
 * Ending calls through the real server (TCP, an Unsecured dial plan): an end never holds a thread while it
 * waits for media, so many calls ending at once are finished by the few {@code umsec-call-end} threads
 * however long each handler's {@code end} takes; and stopping the server waits for every end in progress,
 * so no recording is left unfinished (WAV header complete, metadata written).
 */
class CallEndTest {

    static final int CALLS = 40;

    @TempDir
    Path dir;

    UmsecServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    ServerConfiguration config() throws Exception {
        return ServerConfiguration.builder()
                .serverName("um-ends")
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
                .mediaTimeout(Duration.ofSeconds(60))
                .maxRecording(Duration.ofSeconds(60))
                .build();
    }

    static long callEndThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("umsec-call-end-"))
                .count();
    }

    /** A call set up by {@link #setUp}: its To header (with the server's tag) and the server's RTP port. */
    record Call(String callId, String fromTag, String to, int port) {}

    /** Sets up {@code n} calls over one connection. */
    static List<Call> setUp(TestGateway gw, int n) throws Exception {
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String callId = callId(i);
            SipResponse ok = gw.send(gw.request(
                    "INVITE",
                    callId,
                    "f" + i,
                    "<sip:voicemail@um.example.test>",
                    gw.offer("RTP/AVP", null, 0),
                    "application/sdp"));
            assertThat(ok.status()).isEqualTo(200);
            String to = ok.header("To").orElseThrow();
            gw.send(gw.request("ACK", callId, "f" + i, to, null, null));
            calls.add(new Call(callId, "f" + i, to, TestGateway.answer(ok).port()));
        }
        return calls;
    }

    /** "end-1-x" is no part of "end-10-x": each call's files are found by its id alone. */
    static String callId(int i) {
        return "end-" + i + "-x";
    }

    @Test
    void manyCallsEndingAtOnceAreFinishedByAFewCallEndThreads() throws Exception {
        long before = callEndThreads();
        CountDownLatch release = new CountDownLatch(1);
        List<CallSummary> ended = new CopyOnWriteArrayList<>();
        server = UmsecServer.builder(config())
                .registerJmx(false)
                .callHandler(info -> new CallHandler.Call() {
                    @Override
                    public void audio(short[] s, int off, int len) {}

                    @Override
                    public void end(CallSummary s) throws java.io.IOException {
                        try {
                            // a slow disk: every end takes as long as the test wants
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        ended.add(s);
                    }
                })
                .build();
        server.start();
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            for (Call c : setUp(gw, CALLS)) {
                gw.connection.send(gw.request("BYE", c.callId(), c.fromTag(), c.to(), null, null));
            }
            // every BYE is answered while every handler's end is still blocked: signalling never waits for an end
            int answered = 0;
            while (answered < CALLS) {
                SipMessage m = gw.read().orElseThrow();
                if (m instanceof SipResponse r && r.cseq().method().equals("BYE")) {
                    assertThat(r.status()).isEqualTo(200);
                    answered++;
                }
            }
            ServerEndToEndTest.await("calls ended", () -> server.activeCalls() == 0);
            assertThat(ended).isEmpty();
            // CALLS ends pending, each blocked in the handler: they wait in the queue, not on a thread each
            assertThat(callEndThreads() - before).isLessThanOrEqualTo(UmsecServer.CALL_END_THREADS);
            release.countDown();
            ServerEndToEndTest.await("every end", () -> ended.size() == CALLS);
        }
        assertThat(ended).allSatisfy(s -> assertThat(s.reason()).isEqualTo(CallEndReason.CALLER_HUNG_UP));
        assertThat(server.metrics().callsEndedByReason()).containsEntry(CallEndReason.CALLER_HUNG_UP, (long) CALLS);
    }

    @Test
    void stoppingWithEndsInProgressFinishesEveryRecording() throws Exception {
        server = UmsecServer.builder(config()).registerJmx(false).build();
        server.start();
        Path vm = dir.resolve("voicemail");
        try (TestGateway gw = TestGateway.tcp(server.tcpPort())) {
            List<Call> calls = setUp(gw, CALLS);
            // every call records something: two packets each, from the gateway's one media socket
            byte[] pkt = new byte[12 + 160];
            byte[] payload = new byte[160];
            java.util.Arrays.fill(payload, (byte) 0x20);
            for (Call c : calls) {
                for (int seq = 0; seq < 2; seq++) {
                    int len = RtpPacket.write(pkt, 0, 0, seq == 0, seq, 160L * seq, 0x5EED, payload, 0, 160);
                    gw.sendRaw(java.util.Arrays.copyOf(pkt, len), c.port());
                }
            }
            ServerEndToEndTest.await(
                    "media of every call", () -> server.metrics().getRtpPacketsReceived() >= 2L * CALLS);
            // half the calls hang up, and the server stops before their ends are done; it ends the others itself
            for (int i = 0; i < CALLS; i += 2) {
                Call c = calls.get(i);
                gw.connection.send(gw.request("BYE", c.callId(), c.fromTag(), c.to(), null, null));
            }
            server.stop(Duration.ZERO);
        }
        // stop() returned: every recording is complete now, without waiting for anything
        for (int n = 0; n < CALLS; n++) {
            String callId = callId(n);
            Path wav = only(vm, callId, ".wav");
            Path json = only(vm, callId, ".json");
            String meta = Files.readString(json);
            Matcher m = Pattern.compile("\"samples\": (\\d+)").matcher(meta);
            assertThat(m.find()).as(meta).isTrue();
            long samples = Long.parseLong(m.group(1));
            assertThat(samples).as(callId).isPositive();
            ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(wav)).order(ByteOrder.LITTLE_ENDIAN);
            long size = Files.size(wav);
            assertThat(size).isEqualTo(WavWriter.HEADER_SIZE + 2 * samples);
            assertThat(h.getInt(4) & 0xFFFF_FFFFL).as("RIFF size").isEqualTo(size - 8);
            assertThat(h.getInt(40) & 0xFFFF_FFFFL).as("data size").isEqualTo(2 * samples);
            assertThat(meta).containsAnyOf("\"endReason\": \"CALLER_HUNG_UP\"", "\"endReason\": \"SERVER_STOPPING\"");
        }
        try (Stream<Path> s = Files.list(vm)) {
            assertThat(s.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
        }
    }

    static Path only(Path vm, String callId, String ext) throws Exception {
        String safe = VoicemailRecorder.safe(callId, 64);
        try (Stream<Path> s = Files.list(vm)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().contains(safe)
                            && p.getFileName().toString().endsWith(ext))
                    .toList();
            assertThat(found).as(callId + ext).hasSize(1);
            return found.get(0);
        }
    }
}
