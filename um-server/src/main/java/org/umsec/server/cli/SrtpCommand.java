package org.umsec.server.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.umsec.server.media.PcmAssembler;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.RtpReceiveStatistics;
import org.umsec.server.media.WavWriter;
import org.umsec.server.pcap.PcapFormatException;
import org.umsec.server.pcap.PcapReader;
import org.umsec.server.pcap.UdpDatagram;
import org.umsec.sip.sdp.CryptoAttribute;
import org.umsec.sip.sdp.SdesPolicyException;
import org.umsec.sip.sdp.SdesSrtp;
import org.umsec.sip.sdp.SdpParseException;
import org.umsec.srtp.SrtpPolicy;
import org.umsec.srtp.SrtpSession;
import org.umsec.srtp.SrtpStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code umsec srtp decrypt}: decrypts one SRTP stream of a capture into a WAV file, for debugging calls. */
@Command(name = "srtp", mixinStandardHelpOptions = true, description = "SRTP debugging tools.",
        subcommands = {SrtpCommand.Decrypt.class})
final class SrtpCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "decrypt", mixinStandardHelpOptions = true,
            description = {"Decrypt the SRTP packets of one RTP stream in a pcap file (Ethernet or Linux cooked capture,"
                + " IPv4/IPv6, UDP) with an SDES key and write the G.711 audio as 16-bit PCM WAV.",
                "Packets that fail authentication are counted and skipped. The stream is the first one seen, or --ssrc."})
    static final class Decrypt implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--crypto", required = true, paramLabel = "\"SUITE inline:KEY\"",
                description = "the sender's SDES crypto attribute, e.g. \"AES_CM_128_HMAC_SHA1_80 inline:...\""
                    + " (an a=crypto: prefix and tag are accepted)")
        String crypto;

        @Option(names = "--in", required = true, paramLabel = "FILE", description = "capture file (pcap, not pcapng)")
        Path in;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "WAV file to write")
        Path out;

        @Option(names = "--ssrc", paramLabel = "HEX", description = "SSRC of the stream to decrypt, e.g. 0x1234abcd")
        String ssrc;

        @Option(names = "--port", paramLabel = "UDP-PORT", description = "only datagrams to or from this UDP port")
        Integer port;

        @Override
        public Integer call() throws Exception {
            String c = crypto.strip().replaceFirst("^a=crypto:", "");
            if (!Character.isDigit(c.charAt(0))) {
                c = "1 " + c;
            }
            CryptoAttribute parsed;
            try {
                parsed = CryptoAttribute.parse(c);
            } catch (SdpParseException e) {
                throw new CliException("--crypto: " + e.getMessage());
            }
            SrtpPolicy policy;
            try {
                policy = SdesSrtp.policy(parsed);
            } catch (SdesPolicyException e) {
                throw new CliException("--crypto: " + e.getMessage());
            }
            SrtpSession rx = SrtpSession.inbound(policy);
            long wanted = -1;
            if (ssrc != null) {
                try {
                    wanted = Long.parseLong(ssrc.replaceFirst("^0[xX]", ""), 16);
                } catch (NumberFormatException e) {
                    throw new CliException("--ssrc must be hexadecimal, was " + ssrc);
                }
            }
            long datagrams = 0;
            long considered = 0;
            long decrypted = 0;
            long authFailed = 0;
            long replayed = 0;
            long otherFailed = 0;
            int payloadType = -1;
            RtpReceiveStatistics stats = new RtpReceiveStatistics();
            try (InputStream is = new BufferedInputStream(Files.newInputStream(in));
                 PcapReader reader = new PcapReader(is);
                 WavWriter wav = WavWriter.create(out, 8000)) {
                PcmAssembler assembler = new PcmAssembler(wav::write);
                for (Optional<UdpDatagram> d = reader.next(); d.isPresent(); d = reader.next()) {
                    datagrams++;
                    UdpDatagram u = d.get();
                    if (port != null && u.source().getPort() != port && u.destination().getPort() != port) {
                        continue;
                    }
                    byte[] b = u.payload();
                    if (b.length < 12 || (b[0] & 0xC0) != 0x80 || ((b[1] & 0xFF) >= 192 && (b[1] & 0xFF) <= 223)) {
                        continue; // not RTP (RTCP, STUN, SIP...)
                    }
                    long s = ((b[8] & 0xFFL) << 24) | ((b[9] & 0xFFL) << 16) | ((b[10] & 0xFFL) << 8) | (b[11] & 0xFFL);
                    if (wanted < 0) {
                        wanted = s;
                    }
                    if (s != wanted) {
                        continue;
                    }
                    considered++;
                    int len = rx.unprotectRtp(b, 0, b.length);
                    if (len < 0) {
                        if (len == SrtpStatus.AUTH_FAILED) {
                            authFailed++;
                        } else if (len == SrtpStatus.REPLAYED || len == SrtpStatus.TOO_OLD) {
                            replayed++;
                        } else {
                            otherFailed++;
                        }
                        continue;
                    }
                    Optional<RtpPacket> p = RtpPacket.parse(b, 0, len);
                    if (p.isEmpty() || (p.get().payloadType() != 0 && p.get().payloadType() != 8)) {
                        otherFailed++;
                        continue;
                    }
                    RtpPacket r = p.get();
                    decrypted++;
                    payloadType = r.payloadType();
                    if (!stats.update(r.sequenceNumber(), r.timestamp(), r.timestamp())) {
                        continue;
                    }
                    // the capture's clock bounds the audio, as the server's clock bounds a recording
                    assembler.accept(r, b, u.time().toEpochMilli());
                }
                PrintWriter o = spec.commandLine().getOut();
                o.printf("Read %d UDP datagrams; stream SSRC %s: %d packets, %d decrypted, %d failed authentication,"
                        + " %d replayed, %d other failures, %d lost%n", datagrams,
                        wanted < 0 ? "none" : String.format("0x%08x", wanted), considered, decrypted, authFailed, replayed,
                        otherFailed, stats.lost());
                o.printf("Wrote %d samples (%.2f s, %s) to %s%n", wav.samplesWritten(), wav.samplesWritten() / 8000.0,
                        payloadType == 0 ? "PCMU" : payloadType == 8 ? "PCMA" : "no audio", out);
                if (assembler.samplesDropped() > 0) {
                    o.printf("Dropped %d samples that ran ahead of the capture's clock (timestamp jumps)%n",
                            assembler.samplesDropped());
                }
                o.flush();
            } catch (NoSuchFileException e) {
                throw new CliException("no such file: " + e.getFile());
            } catch (PcapFormatException e) {
                throw new CliException(in + ": " + e.getMessage());
            } catch (IOException e) {
                throw new CliException(e.getMessage(), e);
            }
            if (decrypted == 0) {
                throw new CliException(considered == 0 ? "no RTP stream found in " + in
                        : "no packet of the stream could be decrypted with this key (" + authFailed
                            + " failed authentication)");
            }
            return 0;
        }
    }
}
