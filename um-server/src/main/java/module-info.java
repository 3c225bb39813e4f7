/**
 * The umsec reference server (R22-R24) and the {@code umsec} command-line tools.
 *
 * <p>Public packages: {@code org.umsec.server} (the server to embed, {@code UmsecServer}, and the call
 * handler API), {@code org.umsec.server.config} (its configuration: core's {@code UmConfiguration}
 * plus the server's own settings, the YAML reader and the problems it reports) and
 * {@code org.umsec.server.media} (RTP, G.711 and WAV helpers shared by the server and the tools).
 * The command line ({@code org.umsec.server.cli}) is opened to picocli only, which fills its options
 * by reflection; {@code internal} and {@code pcap} are implementation.
 */
module org.umsec.server {
    requires transitive org.umsec.core;
    requires transitive org.umsec.certs;
    requires transitive org.umsec.sip;
    requires transitive org.umsec.directory; // directory: (issue 14): ServerConfiguration.directory()
    requires org.umsec.srtp;
    requires io.netty.transport.classes.epoll; // the media plane: native datagram sockets where epoll loads
    requires io.netty.transport.unix.common; // the media plane sends with the native socket's sendto
    requires org.snakeyaml.engine;
    // the umsec program only: optional Maven dependencies, so an embedder needs neither
    requires static info.picocli;
    requires static ch.qos.logback.classic;
    requires static ch.qos.logback.core;
    requires jdk.httpserver; // the admin listener (server.admin)
    requires org.slf4j;
    requires java.management;
    requires java.desktop; // javax.sound.sampled reads greeting WAV files

    exports org.umsec.server;
    exports org.umsec.server.config;
    exports org.umsec.server.media;

    opens org.umsec.server.cli to
            info.picocli;
}
