package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.umsec.core.SignallingTransport;

/** Presets, peers and builder argument checks. */
class TransportValuesTest {
    @ParameterizedTest
    @EnumSource(TlsPolicy.class)
    void presetsOfferOnlyTls12Or13WithForwardSecretAeadSuites(TlsPolicy p) {
        assertThat(p.protocols()).isNotEmpty().allMatch(v -> v.equals("TLSv1.3") || v.equals("TLSv1.2"));
        assertThat(p.cipherSuites()).isNotEmpty().allSatisfy(s -> {
            assertThat(s).matches(".*(_GCM_|CHACHA20_POLY1305).*");
            assertThat(s).doesNotContain("CBC", "RC4", "3DES", "NULL", "anon", "EXPORT");
            if (!s.startsWith("TLS_AES_") && !s.startsWith("TLS_CHACHA20_")) {
                assertThat(s).startsWith("TLS_ECDHE_");
            }
        });
        if (p == TlsPolicy.TLS13_ONLY) {
            assertThat(p.cipherSuites()).allMatch(s -> !s.startsWith("TLS_ECDHE_"));
        }
    }

    @Test
    void autoResolvesToAnEngineThatLoads() {
        TlsEngine e = TlsEngine.AUTO.resolve();
        assertThat(e).isIn(TlsEngine.JDK, TlsEngine.OPENSSL);
        assertThat(e == TlsEngine.OPENSSL).isEqualTo(TlsEngine.openSslAvailable());
        assertThat(IoMode.AUTO.resolve()).isIn(IoMode.EPOLL, IoMode.NIO);
        assertThat(IoMode.NIO.resolve()).isEqualTo(IoMode.NIO);
    }

    @Test
    void peersAreNormalisedAndCompared() {
        SipPeer a = SipPeer.tls("GW1.Contoso.COM.", 5061);
        assertThat(a.host()).isEqualTo("gw1.contoso.com");
        assertThat(a)
                .isEqualTo(SipPeer.tls("gw1.contoso.com", 5061))
                .hasSameHashCodeAs(SipPeer.tls("gw1.contoso.com", 5061));
        assertThat(a).isNotEqualTo(SipPeer.tcp("gw1.contoso.com", 5061));
        SipPeer pinned = a.connectingTo(InetAddress.getLoopbackAddress());
        assertThat(pinned).isNotEqualTo(a);
        assertThat(pinned.host()).isEqualTo(a.host());
        assertThat(pinned.address()).contains(InetAddress.getLoopbackAddress());
        assertThat(pinned.transport()).isEqualTo(SignallingTransport.TLS);
        assertThatThrownBy(() -> SipPeer.tcp(" ", 5060)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SipPeer.tcp("gw", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SipPeer.tcp("gw", 65536)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builderSettersRejectBadValuesAtOnce() {
        SipServer.Builder b = SipServer.builder();
        assertThatThrownBy(() -> b.tcpPort(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.tlsPort(70000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.handshakeTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.idleTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxConnections(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxConnectionsPerAddress(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.writeWaterMarks(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("handler");
        b.handler((c, m) -> m.release());
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("tlsTrustList");
        // R26: one list for both listeners would trust Secured gateways' addresses on plain TCP
        b.trustList(org.umsec.core.TrustList.of(java.util.List.of("gw1.lab.test")));
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("both listeners");
        b.tcp(false);
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("TLS listener");
        assertThatThrownBy(() -> b.reservedConnections(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.preAuthTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        b.tlsListener(false).tcp(false);
        assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("neither");
        assertThatThrownBy(() -> TlsSettings.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SipClient.builder().build()).isInstanceOf(IllegalStateException.class);
    }

    /** Issue 10 item 5: one option type, one set of rules for server and client, snapshotted at start. */
    @Test
    void serverAndClientShareOneOptionTypeAndSnapshotItAtStart() throws Exception {
        for (java.util.function.IntConsumer threads : List.<java.util.function.IntConsumer>of(
                n -> SipServer.builder().ioThreads(n),
                n -> SipClient.builder().ioThreads(n),
                n -> TransportOptions.builder().ioThreads(n))) {
            threads.accept(0);
            assertThatThrownBy(() -> threads.accept(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(">= 0");
        }
        TransportOptions o = TransportOptions.builder()
                .ioThreads(1)
                .idleTimeout(Duration.ofSeconds(42))
                .build();
        SipServer.Builder b = SipServer.builder()
                .options(o)
                .tcp(true)
                .tlsListener(false)
                .tcpPort(0)
                .bindAddress(java.net.InetAddress.getLoopbackAddress())
                .trustList(org.umsec.core.TrustList.of(List.of("127.0.0.1")))
                .handler((c, m) -> m.release());
        try (SipServer s = b.start();
                SipClient c = SipClient.builder()
                        .options(o)
                        .handler((x, m) -> m.release())
                        .build()) {
            b.idleTimeout(Duration.ofSeconds(1)).sipTrace(true);
            assertThat(s.options().idleTimeout()).isEqualTo(Duration.ofSeconds(42));
            assertThat(s.sipTrace()).isFalse();
            assertThat(c.options().idleTimeout()).isEqualTo(Duration.ofSeconds(42));
            assertThat(o.toBuilder().build().toString()).isEqualTo(o.toString());
        }
    }
}
