package org.umsec.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.umsec.core.VoipSecurityMode;
import org.umsec.server.media.G711;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.TelephoneEvents;
import org.umsec.server.media.VoicemailRecorder;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.sdp.Connection;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.MediaDescription;
import org.umsec.sip.sdp.Origin;
import org.umsec.sip.sdp.SdesPolicyException;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SdpAttribute;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.sip.sdp.SessionDescription;
import org.umsec.srtp.SrtpMasterKey;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpSuite;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code umsec call}: a test IP gateway. Places one call the way a gateway does: INVITE with an SDP
 * offer (SDES keys over TLS when secured), sends audio as RTP or SRTP in real time, receives the
 * server's greeting and checks that it decrypts under the key the server answered with, hangs up.
 */
@Command(
        name = "call",
        mixinStandardHelpOptions = true,
        description = {
            "Place a test call like an IP gateway: INVITE with SDP (SDES crypto when secured), send audio"
                    + " as RTP/SRTP, receive the greeting, hang up. Exit 0 when the call was answered and ended cleanly."
        })
final class CallCommand implements Callable<Integer> {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** The payload type offered for telephone-event with {@code --dtmf}. */
    private static final int OFFERED_TELEPHONE_EVENT = 101;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--secured",
            arity = "0..1",
            fallbackValue = "true",
            defaultValue = "true",
            paramLabel = "true|false",
            description = "SIP over mutual TLS (default, port 5061) or plain TCP (port 5060)")
    boolean secured;

    @Option(
            names = "--srtp",
            arity = "0..1",
            fallbackValue = "true",
            paramLabel = "true|false",
            description = "offer SRTP with SDES keys (default: same as --secured)")
    Boolean srtp;

    @Option(
            names = "--suite",
            defaultValue = "AES_CM_128_HMAC_SHA1_80",
            description = "SRTP suite to offer (default ${DEFAULT-VALUE})")
    String suiteName;

    @Option(names = "--codec", defaultValue = "PCMU", description = "PCMU or PCMA (default ${DEFAULT-VALUE})")
    String codec;

    @Option(
            names = "--wav",
            paramLabel = "FILE",
            description = "audio to send (any WAV the JDK converts to 8 kHz mono)")
    Path wav;

    @Option(
            names = "--seconds",
            defaultValue = "3",
            description = "length of the test tone when no --wav (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(
            names = "--dtmf",
            paramLabel = "DIGITS",
            description = "after the audio, press these keys (0-9 * # A-D) as RFC 4733 telephone-events, e.g. 123#")
    String dtmf;

    @Option(
            names = "--rekey-after",
            paramLabel = "SECONDS",
            description = "mid-call, after this much audio, send a re-INVITE with a new SDES key and go on under it "
                    + "(RFC 4568 §7.1.4; SRTP only)")
    Double rekeyAfter;

    @Option(names = "--to", paramLabel = "URI", description = "called URI (default sip:voicemail@HOST)")
    String to;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description = "how long to wait for the connection and for each answer (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--verbose", description = "print the SDP offer and answer (SDES keys masked unless --show-keys)")
    boolean verbose;

    @Option(
            names = "--show-keys",
            description = "print both directions' a=crypto lines, ready for umsec srtp decrypt"
                    + " --crypto, with the ports and SSRC of our stream; keep captures and output private")
    boolean showKeys;

    @Parameters(paramLabel = "HOST[:PORT]", description = "the server")
    String target;

    @CommandLine.Mixin
    ClientOptions client = new ClientOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean useSrtp = srtp != null ? srtp : secured;
        int pt = switch (codec.toUpperCase()) {
            case "PCMU" -> G711.PAYLOAD_TYPE_PCMU;
            case "PCMA" -> G711.PAYLOAD_TYPE_PCMA;
            default -> throw CliException.usage("--codec must be PCMU or PCMA");
        };
        if (dtmf != null) {
            for (char c : dtmf.toCharArray()) {
                try {
                    TelephoneEvents.event(c);
                } catch (IllegalArgumentException e) {
                    throw new CliException("--dtmf: '" + c + "' is not a DTMF key (0-9 * # A-D)");
                }
            }
        }
        if (rekeyAfter != null && (!useSrtp || rekeyAfter < 0)) {
            throw new CliException("--rekey-after needs SRTP (--secured) and a non-negative number of seconds");
        }
        if (useSrtp && !secured) {
            throw new CliException(
                    "SDES keys are never sent over plain TCP (R19): use --secured=true, or --srtp=false");
        }
        SrtpSuite suite =
                SrtpSuite.fromSdesName(suiteName).orElseThrow(() -> CliException.usage("unknown suite " + suiteName));
        short[] audio = wav != null ? VoicemailRecorder.readGreeting(wav) : tone(seconds);
        TestConnectivityCommand.HostPort hp = TestConnectivityCommand.HostPort.parse(
                target, secured ? VoipSecurityMode.SECURED_PORT : VoipSecurityMode.UNSECURED_PORT);
        try (SipDialer d = SipDialer.connect(hp, secured, client, timeoutSeconds, out)) {
            InetAddress local = d.connection().localAddress().getAddress();
            try (DatagramSocket rtp = new DatagramSocket(new InetSocketAddress(local, 0));
                    DatagramSocket rtcp = new DatagramSocket(new InetSocketAddress(local, 0))) {
                return place(d, rtp, rtcp, hp, pt, useSrtp ? suite : null, audio, out);
            }
        }
    }

    private int place(
            SipDialer d,
            DatagramSocket rtp,
            DatagramSocket rtcp,
            TestConnectivityCommand.HostPort hp,
            int pt,
            SrtpSuite suite,
            short[] audio,
            PrintWriter out)
            throws Exception {
        String transport = secured ? "tls" : "tcp";
        String local = d.connection().localAddress().getAddress().getHostAddress();
        String ipVer = local.contains(":") ? "IP6" : "IP4";
        String callId = d.newTag() + d.newTag() + "@umsec-call";
        String toUri = to != null ? to : "sip:voicemail@" + hp.host();
        SrtpMasterKey ourKey = null;
        MediaDescription.Builder m = MediaDescription.builder(
                        "audio", rtp.getLocalPort(), suite != null ? "RTP/SAVP" : "RTP/AVP")
                .rtpFormat(pt, pt == 0 ? "PCMU/8000" : "PCMA/8000")
                .attribute(new SdpAttribute("rtcp", Integer.toString(rtcp.getLocalPort())));
        if (dtmf != null) {
            m.rtpFormat(OFFERED_TELEPHONE_EVENT, "telephone-event/8000")
                    .attribute(new SdpAttribute("fmtp", OFFERED_TELEPHONE_EVENT + " 0-15"));
        }
        if (suite != null) {
            byte[] k = new byte[suite.masterKeyLength()];
            byte[] salt = new byte[suite.masterSaltLength()];
            RANDOM.nextBytes(k);
            RANDOM.nextBytes(salt);
            ourKey = SrtpMasterKey.of(k, salt);
            m.crypto(SdesSrtp.attribute(1, suite, ourKey));
        }
        String offer = SessionDescription.builder()
                .origin(new Origin("umsec-gw", "1", "1", "IN", ipVer, local))
                .sessionName("umsec call")
                .connection(new Connection("IN", ipVer, local))
                .media(m.build())
                .build()
                .toSdp();
        NameAddress from = NameAddress.of("sip:umsec-gateway@" + d.localHost()).withTag(d.newTag());
        SipRequest invite = SipRequest.builder(SipRequest.INVITE, toUri)
                .via(d.via())
                .maxForwards(70)
                .from(from)
                .to(NameAddress.of(toUri))
                .callId(callId)
                .cseq(1)
                .contact(NameAddress.of("sip:umsec-gateway@" + d.localHostPort() + ";transport=" + transport))
                .header("User-Agent", "umsec call")
                .body("application/sdp", offer)
                .build();
        SipRequest sentInvite = invite.copy();
        long t0 = System.nanoTime();
        out.println("INVITE " + toUri + " (Call-ID " + callId + ", "
                + (suite != null ? "SRTP " + suite.sdesName() : "plain RTP") + ", " + codec.toUpperCase() + ")");
        if (verbose) {
            printSdp(out, "SDP offer", offer);
        }
        SipResponse answer = d.request(invite, "");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (answer.status() != 200) {
            throw new CliException("call refused: " + answer.status() + " " + answer.reasonPhrase()
                    + answer.header("Warning").map(w -> " (" + w + ")").orElse(""));
        }
        out.println("Answered: 200 OK in " + ms + " ms");
        d.dialog(new SipDialer.Dialog(
                callId, from.tag().orElseThrow(), answer.to().tag().orElse("")));
        if (verbose) {
            printSdp(out, "SDP answer", answer.bodyText());
        }
        SessionDescription sdp;
        try {
            sdp = SessionDescription.parse(answer.body());
        } catch (SdpParseException e) {
            throw new CliException("the answer has no usable SDP: " + e.getMessage());
        }
        MediaDescription a = sdp.audio().orElseThrow(() -> new CliException("the answer has no audio stream"));
        String mediaAddress = a.connection()
                .or(sdp::connection)
                .orElseThrow(() -> new CliException("the answer has no connection address"))
                .address();
        int rtcpPort = a.attributeValues("rtcp").stream()
                .findFirst()
                .map(v -> Integer.parseInt(v.split(" ")[0]))
                .orElse(a.port() + 1);
        Optional<CryptoAttribute> serverCrypto =
                a.cryptos().stream().filter(c -> c.knownSuite().isPresent()).findFirst();
        if (suite != null && serverCrypto.isEmpty()) {
            throw new CliException("the server answered without SRTP keys");
        }
        serverCrypto.ifPresent(c -> out.println("Server answered with its own SDES key (" + c.suite() + ")"));
        d.send(d.layer().createAck(sentInvite, answer));

        // receive the greeting while we talk
        AtomicLong received = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        SrtpSession serverRx = null;
        if (serverCrypto.isPresent()) {
            try {
                serverRx = SrtpSession.inbound(SdesSrtp.policy(serverCrypto.get()));
            } catch (SdesPolicyException e) {
                throw new CliException("the server answered an unusable SDES key: " + e.getMessage());
            }
        }
        SrtpSession rx = serverRx;
        // after a re-key the server's new key is tried first, its previous one still accepted (packets in flight)
        AtomicReference<SrtpSession[]> rxKeys = new AtomicReference<>(new SrtpSession[] {rx, null});
        rtp.setSoTimeout(200);
        Thread receiver = new Thread(
                () -> {
                    byte[] b = new byte[2048];
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    while (!rtp.isClosed() && !Thread.currentThread().isInterrupted()) {
                        try {
                            p.setLength(b.length);
                            rtp.receive(p);
                        } catch (SocketTimeoutException e) {
                            continue;
                        } catch (IOException e) {
                            return;
                        }
                        received.incrementAndGet();
                        SrtpSession[] keys = rxKeys.get();
                        int len = keys[0] == null ? p.getLength() : keys[0].unprotectRtp(b, 0, p.getLength());
                        if (len < 0 && keys[1] != null) {
                            len = keys[1].unprotectRtp(b, 0, p.getLength());
                        }
                        if (len > 0 && RtpPacket.parse(b, 0, len).isPresent()) {
                            verified.incrementAndGet();
                        }
                    }
                },
                "umsec-call-rx");
        receiver.setDaemon(true);
        receiver.start();

        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(mediaAddress), a.port());
        SrtpSession tx = ourKey == null
                ? null
                : SrtpSession.outbound(
                        SrtpPolicy.builder(suite).masterKey(ourKey).build());
        SrtpSession rtcpTx = ourKey == null
                ? null
                : SrtpSession.outbound(
                        SrtpPolicy.builder(suite).masterKey(ourKey).build());
        long ssrc = RANDOM.nextInt() & 0xFFFF_FFFFL;
        if (showKeys) {
            if (ourKey == null) {
                out.println("Keys: none, the media is plain RTP");
            } else {
                String ours = SdesSrtp.attribute(1, suite, ourKey).toSdpValue().substring(2);
                out.printf(
                        "Keys for umsec srtp decrypt (our stream: SSRC 0x%08x, UDP %d -> %s:%d):%n",
                        ssrc, rtp.getLocalPort(), mediaAddress, a.port());
                out.println("  --crypto \"" + ours + "\"");
                serverCrypto.ifPresent(
                        c -> out.println("  --crypto \"" + c.toSdpValue().replaceFirst("^\\d+ ", "")
                                + "\"   (the server's stream, UDP " + a.port() + " -> " + rtp.getLocalPort() + ")"));
            }
        }
        sendSenderReport(rtcp, rtcpTx, ssrc, new InetSocketAddress(server.getAddress(), rtcpPort));
        byte[] payload = new byte[160];
        byte[] buf = new byte[12 + 160 + 32];
        int seq = RANDOM.nextInt(0x10000);
        long ts = RANDOM.nextInt() & 0xFFFF_FFFFL;
        int packets = 0;
        long start = System.nanoTime();
        int cseq = 1;
        String remoteTarget =
                answer.contacts().isEmpty() ? toUri : answer.contacts().get(0).uri();
        boolean rekeyDone = false;
        java.util.concurrent.CompletableFuture<SipRequest> peerBye = d.peerBye();
        for (int off = 0;
                off < audio.length && !peerBye.isDone() && d.connection().isOpen();
                off += 160) {
            if (rekeyAfter != null && !rekeyDone && off >= rekeyAfter * 8000) {
                rekeyDone = true;
                byte[] k = new byte[suite.masterKeyLength()];
                byte[] salt = new byte[suite.masterSaltLength()];
                RANDOM.nextBytes(k);
                RANDOM.nextBytes(salt);
                SrtpMasterKey newKey = SrtpMasterKey.of(k, salt);
                MediaDescription remedia = m.build().toBuilder()
                        .clearCryptos()
                        .crypto(SdesSrtp.attribute(1, suite, newKey))
                        .build();
                String reoffer = SessionDescription.builder()
                        .origin(new Origin("umsec-gw", "1", "2", "IN", ipVer, local))
                        .sessionName("umsec call")
                        .connection(new Connection("IN", ipVer, local))
                        .media(remedia)
                        .build()
                        .toSdp();
                SipRequest reinvite = SipRequest.builder(SipRequest.INVITE, remoteTarget)
                        .via(d.via())
                        .maxForwards(70)
                        .from(from)
                        .to(answer.to())
                        .callId(callId)
                        .cseq(++cseq)
                        .contact(NameAddress.of("sip:umsec-gateway@" + d.localHostPort() + ";transport=" + transport))
                        .header("User-Agent", "umsec call")
                        .body("application/sdp", reoffer)
                        .build();
                SipRequest sentReinvite = reinvite.copy();
                SipResponse rekeyed = d.request(reinvite, "");
                if (rekeyed.status() != 200) {
                    throw new CliException(
                            "re-INVITE with a new key refused: " + rekeyed.status() + " " + rekeyed.reasonPhrase());
                }
                d.send(d.layer().createAck(sentReinvite, rekeyed));
                CryptoAttribute nc;
                SrtpSession newRx;
                try {
                    nc = SessionDescription.parse(rekeyed.body()).audio().orElseThrow().cryptos().stream()
                            .filter(c -> c.knownSuite().isPresent())
                            .findFirst()
                            .orElseThrow();
                    newRx = SrtpSession.inbound(SdesSrtp.policy(nc));
                } catch (SdpParseException | SdesPolicyException | java.util.NoSuchElementException e) {
                    throw new CliException("the answer to the re-INVITE has no usable SDES key");
                }
                boolean serverChanged = !java.util.Arrays.equals(
                        nc.keyParams().get(0).keyMaterial(),
                        serverCrypto.orElseThrow().keyParams().get(0).keyMaterial());
                rxKeys.set(new SrtpSession[] {newRx, rxKeys.get()[0]});
                tx = SrtpSession.outbound(
                        SrtpPolicy.builder(suite).masterKey(newKey).build());
                out.printf(
                        "Re-keyed after %.1f s: %d %s, %s%n",
                        off / 8000.0,
                        rekeyed.status(),
                        rekeyed.reasonPhrase(),
                        serverChanged ? "the server answered with a new key of its own" : "the server kept its key");
            }
            int n = Math.min(160, audio.length - off);
            G711.encode(pt, audio, off, n, payload, 0);
            int len = RtpPacket.write(buf, 0, pt, off == 0, seq, ts, ssrc, payload, 0, n);
            if (tx != null) {
                len = tx.protectRtp(buf, 0, len);
            }
            rtp.send(new DatagramPacket(buf, len, server));
            packets++;
            seq = (seq + 1) & 0xFFFF;
            ts = (ts + n) & 0xFFFF_FFFFL;
            long due = start + packets * 20_000_000L;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        out.printf(
                "Sent %d packets (%.1f s of audio) as %s%n",
                packets, packets * 160 / 8000.0, suite != null ? "SRTP " + suite.sdesName() : "plain RTP");
        if (peerBye.isDone()) {
            SipRequest bye = peerBye.join();
            receiver.interrupt();
            receiver.join(1000);
            out.printf(
                    "Received %d greeting packets from the server, %d %s%n",
                    received.get(),
                    verified.get(),
                    rx != null ? "authenticated and decrypted with the server's key" : "valid RTP");
            out.println("The server ended the call: BYE" + reason(bye) + "; answered 200 OK");
            out.flush();
            return 0;
        }
        if (!d.connection().isOpen()) {
            receiver.interrupt();
            throw new CliException("the server closed the connection during the call (no BYE)");
        }
        if (dtmf != null) {
            // RFC 4733 §2.5: send with the payload type the answer gave telephone-event
            int te = a.payloadType("telephone-event", 8000)
                    .orElseThrow(() ->
                            new CliException("the server did not accept telephone-event in its answer; DTMF not sent"));
            sendDtmf(rtp, tx, server, te, seq, ts, ssrc);
            out.printf("Pressed %s as RFC 4733 telephone-events (payload type %d)%n", dtmf, te);
        }
        SipRequest bye = SipRequest.builder(SipRequest.BYE, remoteTarget)
                .via(d.via())
                .maxForwards(70)
                .from(from)
                .to(answer.to())
                .callId(callId)
                .cseq(++cseq)
                .build();
        SipResponse byeAnswer = d.request(bye, "");
        receiver.interrupt();
        receiver.join(1000);
        out.printf(
                "Received %d greeting packets from the server, %d %s%n",
                received.get(),
                verified.get(),
                rx != null ? "authenticated and decrypted with the server's key" : "valid RTP");
        out.println("Hung up: " + byeAnswer.status() + " " + byeAnswer.reasonPhrase());
        out.flush();
        if (byeAnswer.status() != 200 && byeAnswer.status() != 481) {
            throw new CliException("BYE answered " + byeAnswer.status());
        }
        if (rx != null && received.get() > 0 && verified.get() == 0) {
            throw new CliException("the server's media did not authenticate under the key it answered with");
        }
        return 0;
    }

    /** The reason a BYE gives: its Reason header (RFC 3326), else its Warning, else nothing. */
    static String reason(SipRequest bye) {
        return bye.header("Reason")
                .map(r -> " (Reason: " + r + ")")
                .or(() -> bye.header("Warning").map(w -> " (Warning: " + w + ")"))
                .orElse(" (no reason given)");
    }

    private void printSdp(PrintWriter out, String what, String sdp) {
        out.println(what + ":");
        for (String line : sdp.split("\r?\n")) {
            String shown = line;
            if (!showKeys && line.startsWith("a=crypto:")) {
                // the key is the secret of the call: masked unless asked for
                shown = line.replaceAll("inline:[^\\s|]+", "inline:<masked; --show-keys prints it>");
            }
            out.println("  " + shown);
        }
    }

    /**
     * Each key: 100 ms of updates every 20 ms (marker on the first), the final packet three times
     * (RFC 4733 §2.5.1), then 60 ms of pause; in real time.
     */
    private void sendDtmf(
            DatagramSocket rtp, SrtpSession tx, InetSocketAddress server, int pt, int seq0, long ts0, long ssrc)
            throws IOException, InterruptedException {
        byte[] payload = new byte[TelephoneEvents.PAYLOAD_LENGTH];
        byte[] buf = new byte[12 + TelephoneEvents.PAYLOAD_LENGTH + 32];
        int seq = seq0;
        long ts = ts0;
        for (char c : dtmf.toCharArray()) {
            int event = TelephoneEvents.event(c);
            for (int i = 1; i <= 8; i++) {
                boolean end = i > 5;
                TelephoneEvents.write(payload, 0, event, end, 10, 160 * Math.min(i, 5));
                int len = RtpPacket.write(buf, 0, pt, i == 1, seq, ts, ssrc, payload, 0, payload.length);
                if (tx != null) {
                    len = tx.protectRtp(buf, 0, len);
                }
                rtp.send(new DatagramPacket(buf, len, server));
                seq = (seq + 1) & 0xFFFF;
                Thread.sleep(20);
            }
            Thread.sleep(60);
            ts = (ts + 160 * 8) & 0xFFFF_FFFFL;
        }
    }

    private static void sendSenderReport(DatagramSocket rtcp, SrtpSession tx, long ssrc, InetSocketAddress to)
            throws IOException {
        byte[] b = new byte[28 + 32];
        b[0] = (byte) 0x80;
        b[1] = (byte) 200;
        b[3] = 6;
        b[4] = (byte) (ssrc >> 24);
        b[5] = (byte) (ssrc >> 16);
        b[6] = (byte) (ssrc >> 8);
        b[7] = (byte) ssrc;
        long ntp = System.currentTimeMillis() / 1000 + 2_208_988_800L;
        b[8] = (byte) (ntp >> 24);
        b[9] = (byte) (ntp >> 16);
        b[10] = (byte) (ntp >> 8);
        b[11] = (byte) ntp;
        int len = tx == null ? 28 : tx.protectRtcp(b, 0, 28);
        if (len > 0) {
            rtcp.send(new DatagramPacket(b, len, to));
        }
    }

    static short[] tone(int seconds) {
        short[] s = new short[8000 * Math.max(1, Math.min(seconds, 120))];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (Math.sin(2 * Math.PI * 440 * i / 8000) * 8000);
        }
        return s;
    }
}
