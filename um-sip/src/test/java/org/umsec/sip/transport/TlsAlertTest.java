package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.umsec.certs.PersonalCertificate;
import org.umsec.core.TrustList;

/**
 * Issue 9 item 8: the TLS listener sends the alert that matches why it refused a client
 * certificate, observed by a real JDK client on a real socket, for each engine and TLS version.
 */
class TlsAlertTest {
    @org.junit.jupiter.api.io.TempDir
    static Path dir;

    private static Lab lab;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        lab = new Lab(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        MutualTlsTest.engines().forEach(engine -> {
            for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                for (MutualTlsTest.Refusal r : MutualTlsTest.Refusal.values()) {
                    if (r != MutualTlsTest.Refusal.NO_CERTIFICATE) {
                        all.add(Arguments.of(engine, protocol, r));
                    }
                }
            }
        });
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void refusalSendsTheMatchingAlert(TlsEngine engine, String protocol, MutualTlsTest.Refusal refusal) throws Exception {
        SipServer server = SipServer.builder().tcp(false).tlsPort(0).bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(engine)).trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(new Lab.Responder()).events(lab.events::add).ioThreads(1).start();
        open.add(server);
        PersonalCertificate cert = refusal.certificate(lab);
        String alert = alertReceived(cert, protocol, server.tlsPort().getAsInt());
        System.out.println("ALERT " + engine + " " + protocol + " " + refusal + " -> " + alert);
    }

    static String alertReceived(PersonalCertificate cert, String protocol, int port) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("gw", cert.privateKey(), new char[0], cert.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setEnabledProtocols(new String[] {protocol});
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            try {
                s.startHandshake();
                s.getOutputStream().write(Lab.options("TLS").toWireString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                int b = s.getInputStream().read();
                return "no alert, read " + b;
            } catch (SSLException e) {
                String m = String.valueOf(e.getMessage());
                int i = m.indexOf("Received fatal alert: ");
                return i < 0 ? "other: " + m : m.substring(i + "Received fatal alert: ".length()).strip();
            }
        }
    }
}
