package org.umsec.server.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.umsec.server.media.PcmAssembler;
import org.umsec.server.media.RtpPacket;
import org.umsec.server.media.RtpReceiveStatistics;
import org.umsec.server.media.WavWriter;
import org.umsec.server.pcap.CaptureReader;
import org.umsec.server.pcap.PcapFormatException;
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
import picocli.CommandLine.Parameters;

/**
 * {@code umsec srtp streams | decrypt}: the RTP streams of a capture, and SRTP streams decrypted
 * into WAV files, for debugging calls. Captures are pcap or pcapng.
 */
@Command(
        name = "srtp",
        mixinStandardHelpOptions = true,
        description = "SRTP debugging tools.",
        subcommands = {SrtpCommand.Streams.class, SrtpCommand.Decrypt.class})
final class SrtpCommand implements Runnable {

    /** Most distinct streams tracked in one capture; the rest are counted, not listed. */
    static final int MAX_STREAMS = 10_000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** RTP version 2 and not RTCP (RFC 5761 §4: RTCP packet types 192-223 in the second byte). */
    static boolean isRtp(byte[] b) {
        return b.length >= 12 && (b[0] & 0xC0) == 0x80 && ((b[1] & 0xFF) < 192 || (b[1] & 0xFF) > 223);
    }

    static long ssrc(byte[] b) {
        return ((b[8] & 0xFFL) << 24) | ((b[9] & 0xFFL) << 16) | ((b[10] & 0xFFL) << 8) | (b[11] & 0xFFL);
    }

    static String endpoint(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    static CaptureReader open(Path in) throws IOException {
        InputStream is = new BufferedInputStream(Files.newInputStream(in));
        try {
            return CaptureReader.open(is);
        } catch (IOException | RuntimeException e) {
            is.close();
            throw e;
        }
    }

    static CliException readError(Path in, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new CliException("no such file: " + in);
        }
        if (e instanceof AccessDeniedException) {
            return new CliException(in + ": permission denied");
        }
        if (e instanceof PcapFormatException) {
            return new CliException(in + ": " + e.getMessage());
        }
        return new CliException(in + ": " + e.getMessage(), e);
    }

    /** One RTP stream: an SSRC from a source to a destination. */
    record StreamKey(long ssrc, InetSocketAddress source, InetSocketAddress destination) {}

    @Command(
            name = "streams",
            mixinStandardHelpOptions = true,
            description = {
                "List the RTP streams of a capture (pcap or pcapng): SSRC, source and destination,"
                        + " packets and payload types. SRTP keeps the RTP header in clear, so encrypted streams are listed"
                        + " too; pick one for decrypt with --ssrc or --port."
            })
    static final class Streams implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "capture file (pcap or pcapng)")
        Path in;

        @Override
        public Integer call() throws Exception {
            Map<StreamKey, long[]> streams =
                    new LinkedHashMap<>(); // packets, payload-type bit set (0-127 in two longs)
            long datagrams = 0;
            long untracked = 0;
            try (CaptureReader r = open(in)) {
                for (Optional<UdpDatagram> d = r.next(); d.isPresent(); d = r.next()) {
                    datagrams++;
                    byte[] b = d.get().payload();
                    if (!isRtp(b)) {
                        continue;
                    }
                    StreamKey k =
                            new StreamKey(ssrc(b), d.get().source(), d.get().destination());
                    long[] s = streams.get(k);
                    if (s == null) {
                        if (streams.size() >= MAX_STREAMS) {
                            untracked++;
                            continue;
                        }
                        s = new long[3];
                        streams.put(k, s);
                    }
                    s[0]++;
                    int pt = b[1] & 0x7F;
                    s[1 + pt / 64] |= 1L << (pt % 64);
                }
            } catch (IOException e) {
                throw readError(in, e);
            }
            PrintWriter o = spec.commandLine().getOut();
            o.printf("%-10s  %-40s  %-40s  %8s  %s%n", "SSRC", "SOURCE", "DESTINATION", "PACKETS", "PAYLOAD TYPES");
            for (Map.Entry<StreamKey, long[]> e : streams.entrySet()) {
                List<String> pts = new ArrayList<>();
                for (int pt = 0; pt < 128; pt++) {
                    if ((e.getValue()[1 + pt / 64] & (1L << (pt % 64))) != 0) {
                        pts.add(pt + (pt == 0 ? " (PCMU)" : pt == 8 ? " (PCMA)" : ""));
                    }
                }
                o.printf(
                        "0x%08x  %-40s  %-40s  %8d  %s%n",
                        e.getKey().ssrc(),
                        endpoint(e.getKey().source()),
                        endpoint(e.getKey().destination()),
                        e.getValue()[0],
                        String.join(", ", pts));
            }
            o.printf(
                    "%d RTP stream(s) in %d UDP datagrams%s%n",
                    streams.size(),
                    datagrams,
                    untracked > 0
                            ? "; " + untracked + " packets of further streams not listed (more than " + MAX_STREAMS
                                    + ")"
                            : "");
            o.flush();
            return 0;
        }
    }

    @Command(
            name = "decrypt",
            mixinStandardHelpOptions = true,
            description = {
                "Decrypt SRTP streams of a capture (pcap or pcapng; Ethernet, raw IP or Linux cooked,"
                        + " IPv4/IPv6, UDP) with SDES keys and write their G.711 audio as 16-bit PCM WAV.",
                "Give one --crypto and one --out per direction: with the two a=crypto lines of a call (the offer's"
                        + " and the answer's) both directions are decrypted. Each key takes the first stream it"
                        + " authenticates (narrowed by --ssrc or --port; see umsec srtp streams).",
                "Packets that fail authentication are counted and skipped. An existing output file is never"
                        + " touched unless --force is given, and then replaced only once the new file is complete."
            })
    static final class Decrypt implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--crypto",
                required = true,
                paramLabel = "\"SUITE inline:KEY\"",
                description = "a sender's SDES crypto attribute, e.g. \"AES_CM_128_HMAC_SHA1_80 inline:...\""
                        + " (an a=crypto: prefix and tag are accepted); repeat for the other direction")
        List<String> crypto;

        @Option(names = "--in", required = true, paramLabel = "FILE", description = "capture file (pcap or pcapng)")
        Path in;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "FILE",
                description = "WAV file to write, one per --crypto, in the same order")
        List<Path> out;

        @Option(names = "--ssrc", paramLabel = "HEX", description = "only the stream with this SSRC, e.g. 0x1234abcd")
        String ssrc;

        @Option(names = "--port", paramLabel = "UDP-PORT", description = "only datagrams to or from this UDP port")
        Integer port;

        @Option(names = "--force", description = "replace existing output files")
        boolean force;

        /** One key, the stream it decrypts and where its audio goes. */
        private static final class Direction {
            final int index;
            final SrtpSession rx;
            final Path target;
            final Path temp;
            final WavWriter wav;
            final RtpReceiveStatistics stats = new RtpReceiveStatistics();
            final PcmAssembler assembler;
            StreamKey stream;
            long considered;
            long decrypted;
            long authFailed;
            long replayed;
            long otherFailed;
            int payloadType = -1;

            Direction(int index, SrtpSession rx, Path target, Path temp, WavWriter wav) {
                this.index = index;
                this.rx = rx;
                this.target = target;
                this.temp = temp;
                this.wav = wav;
                this.assembler = new PcmAssembler(wav::write);
            }
        }

        @Override
        public Integer call() throws Exception {
            if (crypto.size() != out.size()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "give one --out per --crypto (" + crypto.size() + " --crypto, " + out.size() + " --out)");
            }
            List<SrtpPolicy> policies = new ArrayList<>();
            for (int i = 0; i < crypto.size(); i++) {
                policies.add(policy(crypto.get(i), crypto.size() > 1 ? "--crypto #" + (i + 1) : "--crypto"));
            }
            long wanted = -1;
            if (ssrc != null) {
                try {
                    wanted = Long.parseLong(ssrc.replaceFirst("^0[xX]", ""), 16);
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--ssrc must be hexadecimal, was " + ssrc);
                }
                if (wanted > 0xFFFF_FFFFL) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--ssrc is 32 bits, was " + ssrc);
                }
            }
            List<Path> targets = new ArrayList<>();
            for (Path p : out) {
                Path t = p.toAbsolutePath().normalize();
                if (targets.contains(t)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--out " + p + " is given twice");
                }
                if (t.equals(in.toAbsolutePath().normalize())) {
                    throw new CliException("--out " + p + " is the capture itself");
                }
                if (Files.isDirectory(t)) {
                    throw new CliException("--out " + p + " is a directory");
                }
                if (Files.exists(t, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
                    throw new CliException(p + " exists; not replacing it (use --force to replace it)");
                }
                targets.add(t);
            }
            List<Direction> dirs = new ArrayList<>();
            try {
                for (int i = 0; i < targets.size(); i++) {
                    Path t = targets.get(i);
                    Path parent = t.getParent();
                    Path temp;
                    try {
                        // beside the target, so that the final rename is atomic and never crosses file systems
                        temp = Files.createTempFile(parent, "." + t.getFileName() + ".", ".partial");
                    } catch (NoSuchFileException e) {
                        throw new CliException("--out " + out.get(i) + ": folder " + parent + " does not exist");
                    } catch (AccessDeniedException e) {
                        throw new CliException(
                                "--out " + out.get(i) + ": cannot write in " + parent + " (permission denied)");
                    }
                    WavWriter w;
                    try {
                        w = WavWriter.create(temp, 8000);
                    } catch (IOException e) {
                        Files.deleteIfExists(temp);
                        throw e;
                    }
                    dirs.add(new Direction(i + 1, SrtpSession.inbound(policies.get(i)), t, temp, w));
                }
                long datagrams = decrypt(dirs, wanted);
                for (Direction d : dirs) {
                    d.wav.close();
                }
                report(dirs, datagrams, wanted);
                for (Direction d : dirs) {
                    if (d.decrypted == 0) {
                        String key = dirs.size() > 1 ? "--crypto #" + d.index : "this key";
                        throw new CliException(
                                d.considered == 0
                                        ? (wanted >= 0
                                                        ? String.format("no packet of stream 0x%08x", wanted)
                                                        : "no packet of the stream")
                                                + " could be decrypted with " + key
                                                + "; nothing written (see umsec srtp streams "
                                                + in + ")"
                                        : "no packet of the stream could be decrypted with " + key + " (" + d.authFailed
                                                + " failed authentication); nothing written");
                    }
                }
                for (Direction d : dirs) {
                    commit(d);
                }
            } finally {
                for (Direction d : dirs) {
                    try {
                        d.wav.close();
                    } catch (IOException e) {
                        // already closed, or failing: the temporary file goes anyway
                    }
                    Files.deleteIfExists(d.temp);
                }
            }
            return 0;
        }

        private SrtpPolicy policy(String line, String what) {
            String c = line.strip().replaceFirst("^a=crypto:", "");
            if (c.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), what + " is empty");
            }
            if (!Character.isDigit(c.charAt(0))) {
                c = "1 " + c;
            }
            CryptoAttribute parsed;
            try {
                parsed = CryptoAttribute.parse(c);
            } catch (SdpParseException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), what + ": " + e.getMessage());
            }
            try {
                return SdesSrtp.policy(parsed);
            } catch (SdesPolicyException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), what + ": " + e.getMessage());
            }
        }

        private long decrypt(List<Direction> dirs, long wanted) throws CliException {
            Map<StreamKey, Direction> assigned = new HashMap<>();
            long datagrams = 0;
            try (CaptureReader reader = open(in)) {
                for (Optional<UdpDatagram> d = reader.next(); d.isPresent(); d = reader.next()) {
                    datagrams++;
                    UdpDatagram u = d.get();
                    if (port != null
                            && u.source().getPort() != port
                            && u.destination().getPort() != port) {
                        continue;
                    }
                    byte[] b = u.payload();
                    if (!isRtp(b)) {
                        continue; // RTCP, STUN, SIP...
                    }
                    long s = ssrc(b);
                    if (wanted >= 0 && s != wanted) {
                        continue;
                    }
                    StreamKey key = new StreamKey(s, u.source(), u.destination());
                    Direction dir = assigned.get(key);
                    int len;
                    if (dir == null) {
                        // a stream no key has taken yet: the first free key that authenticates it takes it
                        len = -1;
                        for (Direction candidate : dirs) {
                            if (candidate.stream != null) {
                                continue;
                            }
                            byte[] copy = b.clone();
                            int n = candidate.rx.unprotectRtp(copy, 0, copy.length);
                            if (n >= 0) {
                                candidate.stream = key;
                                assigned.put(key, candidate);
                                dir = candidate;
                                System.arraycopy(copy, 0, b, 0, n);
                                len = n;
                                break;
                            }
                        }
                        if (dir == null) {
                            continue;
                        }
                    } else {
                        len = dir.rx.unprotectRtp(b, 0, b.length);
                    }
                    dir.considered++;
                    if (len < 0) {
                        if (len == SrtpStatus.AUTH_FAILED) {
                            dir.authFailed++;
                        } else if (len == SrtpStatus.REPLAYED || len == SrtpStatus.TOO_OLD) {
                            dir.replayed++;
                        } else {
                            dir.otherFailed++;
                        }
                        continue;
                    }
                    audio(dir, b, len, u.time().toEpochMilli());
                }
            } catch (IOException e) {
                throw readError(in, e);
            }
            return datagrams;
        }

        private static void audio(Direction dir, byte[] b, int len, long arrivalMillis) throws IOException {
            Optional<RtpPacket> p = RtpPacket.parse(b, 0, len);
            if (p.isEmpty() || (p.get().payloadType() != 0 && p.get().payloadType() != 8)) {
                dir.otherFailed++;
                return;
            }
            RtpPacket r = p.get();
            dir.decrypted++;
            dir.payloadType = r.payloadType();
            if (!dir.stats.update(r.sequenceNumber(), r.timestamp(), r.timestamp())) {
                return;
            }
            // the capture's clock bounds the audio, as the server's clock bounds a recording
            dir.assembler.accept(r, b, arrivalMillis);
        }

        private void report(List<Direction> dirs, long datagrams, long wanted) {
            PrintWriter o = spec.commandLine().getOut();
            o.printf("Read %d UDP datagrams from %s%n", datagrams, in);
            for (Direction d : dirs) {
                String stream = d.stream == null
                        ? (wanted >= 0 ? String.format("SSRC 0x%08x", wanted) : "none")
                        : String.format(
                                "SSRC 0x%08x %s -> %s",
                                d.stream.ssrc(), endpoint(d.stream.source()), endpoint(d.stream.destination()));
                o.printf(
                        "%sstream %s: %d packets, %d decrypted, %d failed authentication, %d replayed,"
                                + " %d other failures, %d lost%n",
                        dirs.size() > 1 ? "Direction " + d.index + ": " : "",
                        stream,
                        d.considered,
                        d.decrypted,
                        d.authFailed,
                        d.replayed,
                        d.otherFailed,
                        d.stats.lost());
                if (d.decrypted > 0) {
                    o.printf(
                            "Wrote %d samples (%.2f s, %s) to %s%n",
                            d.wav.samplesWritten(),
                            d.wav.samplesWritten() / 8000.0,
                            d.payloadType == 0 ? "PCMU" : "PCMA",
                            out.get(d.index - 1));
                    if (d.assembler.samplesDropped() > 0) {
                        o.printf(
                                "Dropped %d samples that ran ahead of the capture's clock (timestamp jumps)%n",
                                d.assembler.samplesDropped());
                    }
                }
            }
            o.flush();
        }

        /** Moves the finished temporary file onto the target: atomically replacing with --force, never otherwise. */
        private void commit(Direction d) throws IOException, CliException {
            try {
                if (force) {
                    Files.move(d.temp, d.target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    // no REPLACE_EXISTING: a file created there meanwhile is not overwritten
                    Files.move(d.temp, d.target);
                }
            } catch (FileAlreadyExistsException e) {
                throw new CliException(
                        out.get(d.index - 1) + " appeared while decrypting; not replacing it (use --force)");
            }
        }
    }
}
