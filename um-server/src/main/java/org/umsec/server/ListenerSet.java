package org.umsec.server;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.umsec.certs.SelectedCertificate;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventBus;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;
import org.umsec.server.config.ServerConfiguration;
import org.umsec.sip.transport.SipMessageHandler;
import org.umsec.sip.transport.SipServer;
import org.umsec.sip.transport.TlsSettings;

/**
 * The server's um-sip listeners (R2, R3): SIP over TCP on {@link ServerConfiguration#sipPort()} when a
 * mode needs plain TCP, SIP over mutual TLS (TLS 1.2+, client certificate required, identity on the
 * trust list, R16, R17) on {@link ServerConfiguration#tlsPort()} when a mode needs it. Each listener
 * trusts its own gateways (R26): the TLS listener the identities of gateways on secured dial plans,
 * the TCP listener the addresses of gateways on Unsecured ones. Applying a configuration opens, closes
 * or moves listeners as its modes, ports and bind address require, and hands the new trust lists to
 * those that stay, which closes established connections of peers no longer trusted. A port that
 * cannot be bound is named in the error.
 *
 * <p>Confined to the server's lifecycle lock; the port getters may be read from any thread.
 */
final class ListenerSet implements AutoCloseable {

    private final SecurityEventBus bus;
    private final Clock clock;
    private final SipMessageHandler handler;
    private final ExecutorService signalling;
    private final TraceOptions trace;
    private volatile boolean sipTrace;
    private volatile Listener tcp;
    private volatile Listener tls;

    ListenerSet(
            SecurityEventBus bus,
            Clock clock,
            SipMessageHandler handler,
            ExecutorService signalling,
            TraceOptions trace) {
        this.bus = bus;
        this.clock = clock;
        this.handler = handler;
        this.signalling = signalling;
        this.trace = trace;
        this.sipTrace = trace.sipTrace();
    }

    /** Re-checks the established connections of both listeners (see {@link SipServer#revalidate()}). */
    void revalidate() {
        Listener t = tls;
        Listener p = tcp;
        if (t != null) {
            t.server.revalidate();
        }
        if (p != null) {
            p.server.revalidate();
        }
    }

    /** @param on the SIP trace of both listeners, now and for listeners opened later */
    void setSipTrace(boolean on) {
        sipTrace = on;
        Listener t = tls;
        Listener p = tcp;
        if (t != null) {
            t.server.setSipTrace(on);
        }
        if (p != null) {
            p.server.setSipTrace(on);
        }
    }

    /**
     * Makes the listeners match {@code c}.
     *
     * @param c the configuration
     * @param certs gives the TLS settings when a mutual-TLS listener is needed
     * @throws IOException naming the address and port that could not be bound, or the certificate problem
     */
    void apply(ServerConfiguration c, CertificateBootstrap certs) throws IOException {
        InetAddress bind = InetAddress.getByName(c.bindAddress()); // an IP literal: no look-up
        TrustList tlsTrust = c.tlsTrustList();
        TrustList tcpTrust = c.tcpTrustList();
        if (c.tlsListener()) {
            TlsSettings settings = certs.ensure(c);
            if (tls != null && (tls.configuredPort != c.tlsPort() || !tls.bind.equals(bind))) {
                tls.close();
                tls = null;
            }
            if (tls == null) {
                SipServer.Builder b = sipServer(bind, tlsTrust)
                        .tcp(false)
                        .tlsListener(true)
                        .tlsPort(c.tlsPort())
                        .tls(settings);
                Path keyLog = trace.keyLogFile();
                if (keyLog != null) {
                    b.keyLogFile(keyLog);
                }
                tls = open("SIP over mutual TLS", bind, c.tlsPort(), b);
                SelectedCertificate sel = certs.current().orElseThrow();
                int port = tls.port();
                bus.publish(SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_SECURED, clock)
                        .message("UM started in secured mode: SIP over mutual TLS on port " + port)
                        .field("port", port)
                        .field("thumbprint", sel.info().sha1Thumbprint())
                        .build());
            }
        } else if (tls != null) {
            tls.close();
            tls = null;
        }
        if (c.tcpListener()) {
            if (tcp != null && (tcp.configuredPort != c.sipPort() || !tcp.bind.equals(bind))) {
                tcp.close();
                tcp = null;
            }
            if (tcp == null) {
                tcp = open(
                        "SIP over TCP",
                        bind,
                        c.sipPort(),
                        sipServer(bind, tcpTrust).tcp(true).tlsListener(false).tcpPort(c.sipPort()));
                int port = tcp.port();
                bus.publish(SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_UNSECURED, clock)
                        .message("UM listening for unsecured SIP over TCP on port " + port)
                        .field("port", port)
                        .build());
            }
        } else if (tcp != null) {
            tcp.close();
            tcp = null;
        }
        // a changed trust list applies to the next connection and handshake (R5, R17) and closes the
        // established connections of peers it no longer trusts (issue 9 item 7)
        if (tls != null) {
            tls.server.updateTlsTrustList(tlsTrust);
        }
        if (tcp != null) {
            tcp.server.updateTcpTrustList(tcpTrust);
        }
    }

    private static Listener open(String what, InetAddress bind, int port, SipServer.Builder b) throws IOException {
        try {
            return new Listener(b.start(), port, bind);
        } catch (IOException e) {
            // Netty reports "Address already in use" without the address: name it
            String cause = e.getCause() != null
                            && e.getMessage() != null
                            && e.getMessage().startsWith("cannot bind")
                    ? e.getCause().getMessage()
                    : e.getMessage();
            throw new IOException(
                    "cannot listen for " + what + " on " + bind.getHostAddress() + " port " + port + ": " + cause, e);
        }
    }

    private SipServer.Builder sipServer(InetAddress bind, TrustList trust) {
        return SipServer.builder()
                .bindAddress(bind)
                .trustList(trust)
                .sipTrace(sipTrace)
                .traceKeys(trace.traceKeys())
                .handler(handler)
                .events(bus)
                .clock(clock)
                .handlerExecutor(signalling)
                // one gateway's or edge proxy's connection carries many calls: handle them on every core,
                // each call's messages in order (issue 13: one mutual-TLS connection at 1,000 calls/s)
                .handlerLanes(UmsecServer.SIGNALLING_LANES)
                .handshakeTimeout(UmsecServer.HANDSHAKE_TIMEOUT)
                .maxConnections(UmsecServer.MAX_CONNECTIONS);
    }

    /** @return the TCP listener's port, or -1 if there is none */
    int tcpPort() {
        Listener l = tcp;
        return l == null ? -1 : l.port();
    }

    /** @return the mutual-TLS listener's port, or -1 if there is none */
    int tlsPort() {
        Listener l = tls;
        return l == null ? -1 : l.port();
    }

    /** Closes both listeners and every connection they accepted. */
    @Override
    public void close() {
        Listener t = tcp;
        if (t != null) {
            t.close();
        }
        Listener s = tls;
        if (s != null) {
            s.close();
        }
    }

    /** One um-sip listener (TCP or mutual TLS) and the configuration it was opened for. */
    private static final class Listener {
        final SipServer server;
        final int configuredPort;
        final InetAddress bind;

        Listener(SipServer server, int configuredPort, InetAddress bind) {
            this.server = server;
            this.configuredPort = configuredPort;
            this.bind = bind;
        }

        int port() {
            return server.tlsPort().orElseGet(() -> server.tcpPort().orElse(-1));
        }

        void close() {
            server.close();
        }
    }
}
