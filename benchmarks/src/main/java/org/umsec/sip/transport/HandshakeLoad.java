package org.umsec.sip.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.umsec.certs.CertificateFiles;
import org.umsec.certs.PeerCertificateValidator;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.StoreContents;
import org.umsec.certs.testing.TestPki;
import org.umsec.core.TrustList;

/**
 * A mutual-TLS handshake load driver: many connections per second from one client JVM to any TLS
 * server that requires a client certificate (a {@link SipServer}, kamailio, ...), measuring the
 * server's CPU time per handshake from {@code /proc/<pid>/stat} (the process and its descendants,
 * so kamailio's forked workers count too). Each of {@code concurrency} lanes connects, completes the
 * TLS handshake with the client certificate (BoringSSL, TLS 1.3 unless {@code --tls12}), closes and
 * starts again. By default every handshake is a full one (the client keeps no session); with
 * {@code --resume} the client offers the session of its previous connection (tickets in TLS 1.3,
 * session ids in TLS 1.2) and keeps each connection open until the first TLS record after the
 * handshake (the TLS 1.3 ticket) has been read, at most 500 ms. Resumed handshakes are counted by the client's trust manager not running. The client does not check the server's certificate: it is a load
 * generator, not a peer (both servers are checked by their own tests).
 *
 * <p>Run {@code benchmarks/handshakes.sh} for the whole comparison (PKI, umsec with and without the
 * peer-chain cache, kamailio 5.6, same client, same run). The pieces:
 *
 * <pre>
 * J="java -cp benchmarks/target/benchmarks.jar org.umsec.sip.transport.HandshakeLoad"
 * $J pki /tmp/hs                                   # EC P-256 root, intermediate, server and gateway leaves
 * $J serve /tmp/hs 35061 --cache 1024 &amp;           # a SipServer with mutual TLS (0 = no chain cache)
 * $J drive 127.0.0.1 35061 /tmp/hs --pid $! --seconds 20 --warmup 5 --concurrency 16
 * </pre>
 */
public final class HandshakeLoad {
    private static final int USER_HZ = 100; // Linux reports utime/stime in USER_HZ ticks, 100 on every arch

    private HandshakeLoad() {}

    /**
     * @param args {@code pki DIR}, {@code serve DIR PORT [options]} or {@code drive HOST PORT DIR [options]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
            return;
        }
        switch (args[0]) {
            case "pki" -> pki(Path.of(args[1]));
            case "serve" -> serve(args);
            case "drive" -> drive(args);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: HandshakeLoad pki DIR\n"
                + "       HandshakeLoad serve DIR PORT [--cache ENTRIES] [--engine AUTO|JDK|OPENSSL] [--io-threads N]\n"
                + "       HandshakeLoad drive HOST PORT DIR [--pid PID] [--seconds S] [--warmup S]"
                + " [--concurrency N] [--resume] [--tls12] [--label TEXT]");
        System.exit(2);
    }

    private static void pki(Path dir) throws IOException {
        Files.createDirectories(dir);
        TestPki pki = TestPki.create("Handshake", Clock.systemUTC());
        PersonalCertificate server = pki.leaf("um1.bench.test").build();
        PersonalCertificate gateway = pki.leaf("gw1.bench.test").build();
        write(dir.resolve("root.pem"), CertificateFiles.toPem(pki.rootCertificate()));
        write(
                dir.resolve("intermediate.pem"),
                CertificateFiles.toPem(pki.intermediate().certificate()));
        write(dir.resolve("crl.pem"), CertificateFiles.toPem(pki.intermediate().crl(Duration.ofDays(7))));
        write(dir.resolve("server.pem"), CertificateFiles.toPem(server.chain()));
        write(dir.resolve("server.key"), CertificateFiles.toPem(server.privateKey()));
        write(dir.resolve("client.pem"), CertificateFiles.toPem(gateway.chain()));
        write(dir.resolve("client.key"), CertificateFiles.toPem(gateway.privateKey()));
        System.out.println("EC P-256 test PKI written to " + dir);
    }

    private static void write(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.US_ASCII);
    }

    private static List<X509Certificate> certs(Path p) throws Exception {
        return CertificateFiles.readCertificates(Files.readAllBytes(p));
    }

    private static PrivateKey key(Path p) throws Exception {
        return CertificateFiles.readPrivateKey(Files.readAllBytes(p), null);
    }

    private static String option(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }

    private static boolean flag(String[] args, String name) {
        for (String a : args) {
            if (a.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static void serve(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        int port = Integer.parseInt(args[2]);
        int cache = Integer.parseInt(option(args, "--cache", "1024"));
        TlsEngine engine = TlsEngine.valueOf(option(args, "--engine", "AUTO").toUpperCase(Locale.ROOT));
        StoreContents trust = StoreContents.builder()
                .addTrustedRoot(certs(dir.resolve("root.pem")).get(0))
                .addIntermediate(certs(dir.resolve("intermediate.pem")).get(0))
                .addCrl(CertificateFiles.readCrls(Files.readAllBytes(dir.resolve("crl.pem")))
                        .get(0))
                .build();
        PeerCertificateValidator peers = PeerCertificateValidator.builder()
                .contents(trust)
                .chainCache(cache, PeerCertificateValidator.DEFAULT_CACHE_MAX_AGE)
                .build();
        SipServer.Builder b = SipServer.builder()
                .tcp(false)
                .tlsPort(port)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(TlsSettings.builder()
                        .certificate(key(dir.resolve("server.key")), certs(dir.resolve("server.pem")))
                        .peers(peers)
                        .engine(engine)
                        .build())
                .trustList(TrustList.of(List.of("gw1.bench.test")))
                .handler((c, m) -> m.release());
        String io = option(args, "--io-threads", null);
        if (io != null) {
            b.ioThreads(Integer.parseInt(io));
        }
        SipServer server = b.start();
        System.out.println("serving mutual TLS on 127.0.0.1:" + server.tlsPort().getAsInt() + ", engine "
                + engine.resolve() + ", peer-chain cache " + (cache == 0 ? "off" : cache + " entries") + ", pid "
                + ProcessHandle.current().pid());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("peer-chain cache: " + peers.cacheStatistics());
            server.close();
        }));
        Thread.currentThread().join();
    }

    private static void drive(String[] args) throws Exception {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        Path dir = Path.of(args[3]);
        long pid = Long.parseLong(option(args, "--pid", "-1"));
        int seconds = Integer.parseInt(option(args, "--seconds", "20"));
        int warmup = Integer.parseInt(option(args, "--warmup", "5"));
        int concurrency = Integer.parseInt(option(args, "--concurrency", "16"));
        boolean resume = flag(args, "--resume");
        String label = option(args, "--label", host + ":" + port);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong full = new AtomicLong();
        SslContext ctx = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .keyManager(key(dir.resolve("client.key")), certs(dir.resolve("client.pem")))
                .trustManager(new AnyServer(full))
                .protocols(flag(args, "--tls12") ? "TLSv1.2" : "TLSv1.3")
                .build();
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap bs = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // the client keeps one session per host and port: each lane its own name, so that
                        // lanes do not race for one single-use TLS 1.3 ticket
                        SslHandler ssl = resume
                                ? ctx.newHandler(ch.alloc(), ch.attr(LANE).get(), port)
                                : ctx.newHandler(ch.alloc());
                        ssl.setHandshakeTimeoutMillis(10_000);
                        if (resume) {
                            // TLS 1.3 tickets follow the handshake: close once the first record after
                            // it has gone through TLS (the ticket is then in the client's cache), or
                            // after 500 ms for a server that sends none
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext c, Object msg) {
                                    boolean after = ssl.handshakeFuture().isSuccess();
                                    c.fireChannelRead(msg);
                                    if (after) {
                                        c.close();
                                    }
                                }
                            });
                        }
                        ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                                if (evt instanceof SslHandshakeCompletionEvent e) {
                                    if (e.isSuccess()) {
                                        ok.incrementAndGet();
                                    } else {
                                        failed.incrementAndGet();
                                    }
                                    if (resume && e.isSuccess()) {
                                        c.executor().schedule(() -> c.close(), 500, TimeUnit.MILLISECONDS);
                                    } else {
                                        c.close();
                                    }
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                                c.close();
                            }
                        });
                    }
                });
        InetAddress address = InetAddress.getByName(host);
        for (int i = 0; i < concurrency; i++) {
            lane(bs.clone().attr(LANE, "lane" + i + ".bench.test"), address, port, failed);
        }
        Thread.sleep(warmup * 1000L);
        long ok0 = ok.get();
        long failed0 = failed.get();
        long full0 = full.get();
        long server0 = cpuTicks(pid);
        long self0 = selfCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long t1 = System.nanoTime();
        long server1 = cpuTicks(pid);
        long self1 = selfCpuNanos();
        long n = ok.get() - ok0;
        long f = failed.get() - failed0;
        long r = Math.max(0, n - (full.get() - full0));
        double secs = (t1 - t0) / 1e9;
        double serverMs = (server1 - server0) * 1000.0 / USER_HZ;
        System.out.printf(
                Locale.ROOT,
                "%s: %d handshakes (%d resumed, %d failed) in %.1f s = %.0f/s; server CPU %.0f ms = %.3f ms per"
                        + " handshake (%.2f cores); client CPU %.3f ms per handshake; load average %s%n",
                label,
                n,
                r,
                f,
                secs,
                n / secs,
                serverMs,
                n == 0 ? 0.0 : serverMs / n,
                serverMs / 1000.0 / secs,
                n == 0 ? 0.0 : (self1 - self0) / 1e6 / n,
                loadAverage());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static final io.netty.util.AttributeKey<String> LANE = io.netty.util.AttributeKey.valueOf("lane");

    /** One lane: connect; when the connection closes, connect again. */
    private static void lane(Bootstrap bs, InetAddress address, int port, AtomicLong failed) {
        ChannelFuture f = bs.connect(address, port);
        f.addListener(cf -> {
            if (!cf.isSuccess()) {
                failed.incrementAndGet();
                f.channel().eventLoop().schedule(() -> lane(bs, address, port, failed), 10, TimeUnit.MILLISECONDS);
                return;
            }
            Channel ch = f.channel();
            ch.closeFuture().addListener(x -> lane(bs, address, port, failed));
        });
    }

    /**
     * Accepts any server certificate (a load generator, not a peer) and counts the calls: the
     * client's trust manager runs in full handshakes only, so the rest were resumed.
     */
    private static final class AnyServer extends javax.net.ssl.X509ExtendedTrustManager {
        private final AtomicLong calls;

        AnyServer(AtomicLong calls) {
            this.calls = calls;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) {
            calls.incrementAndGet();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {
            calls.incrementAndGet();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            calls.incrementAndGet();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a client only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private static long selfCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * utime + stime of a process and all its descendants (kamailio forks its workers).
     *
     * @param pid the process, or -1
     * @return ticks of {@value #USER_HZ} per second
     */
    private static long cpuTicks(long pid) throws IOException {
        if (pid < 0) {
            return 0;
        }
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        long ticks = 0;
        for (long p : pids) {
            String stat;
            try {
                stat = Files.readString(Path.of("/proc/" + p + "/stat"));
            } catch (IOException e) {
                continue; // exited
            }
            // the command may contain spaces and parentheses: fields start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        }
        return ticks;
    }
}
