package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.TrustList;
import org.umsec.sip.transaction.TimerScheduler;
import org.umsec.sip.transaction.TransactionLayer;

/**
 * Issue 9 item 9: one trusted peer cannot take the whole server-transaction table. Through the real
 * TCP listener: a peer that keeps its requests unanswered beyond its share gets 503 with Retry-After
 * and an event, while another peer is still served.
 */
class PeerFairnessTest {
    @TempDir
    static Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aPeerBeyondItsTransactionShareGets503WhileOthersAreServed() throws Exception {
        Lab lab = new Lab(dir);
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        open.add(timers::shutdownNow);
        InetAddress greedy = InetAddress.getByName("127.0.0.1");
        InetAddress polite = InetAddress.getByName("127.0.0.2");
        TransactionLayer layer = TransactionLayer.builder()
                .scheduler(TimerScheduler.of(timers))
                .maxServerTransactionsPerPeer(2)
                .events(lab.events::add)
                .handler(tx -> {
                    // the greedy peer's requests stay pending (as calls being set up would)
                    if (!tx.connection().remoteAddress().getAddress().equals(greedy)) {
                        tx.respond(tx.createResponse(200).build());
                    }
                })
                .build();
        SipServer s = SipServer.builder()
                .tlsListener(false)
                .tcpPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .trustList(TrustList.of(List.of("127.0.0.1", "127.0.0.2")))
                .handler(SipMessageHandler.of(layer))
                .events(lab.events::add)
                .start();
        open.add(s);
        try (Socket g = socket(greedy, s);
                Socket p = socket(polite, s)) {
            for (int i = 0; i < 2; i++) {
                g.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            }
            g.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            String refused = readHead(g.getInputStream());
            assertThat(refused).startsWith("SIP/2.0 503 ").contains("Retry-After: 5");
            SecurityEvent e = lab.awaitEvent(SecurityEventType.PEER_LIMIT_REACHED);
            assertThat(e.field("resource")).contains("serverTransactions");
            assertThat(e.field("remote").orElseThrow()).contains("127.0.0.1");

            p.getOutputStream().write(Lab.options("TCP").toWireString().getBytes(StandardCharsets.UTF_8));
            assertThat(readHead(p.getInputStream())).startsWith("SIP/2.0 200 ");
            assertThat(layer.serverTransactionCount()).isEqualTo(2);
        }
    }

    private static Socket socket(InetAddress from, SipServer s) throws IOException {
        Socket sock = new Socket();
        sock.bind(new InetSocketAddress(from, 0));
        sock.connect(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), s.tcpPort().getAsInt()));
        sock.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        return sock;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            sb.append((char) b);
            if (sb.length() >= 4 && sb.lastIndexOf("\r\n\r\n") == sb.length() - 4) {
                break;
            }
        }
        return sb.toString();
    }
}
