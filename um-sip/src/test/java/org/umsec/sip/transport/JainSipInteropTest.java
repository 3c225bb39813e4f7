package org.umsec.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.umsec.sip.transport.Lab.GATEWAY_FQDN;
import static org.umsec.sip.transport.Lab.SERVER_FQDN;
import static org.umsec.sip.transport.Lab.WAIT_SECONDS;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.core.TrustList;

/**
 * Interop with a SIP stack that is not ours: the JAIN-SIP reference implementation, as a gateway
 * holding a Lab client certificate, sends OPTIONS and INVITE (with SDES keys, which TLS allows) over
 * TLS to our server, which requires and checks its certificate.
 */
class JainSipInteropTest {
    @TempDir
    static Path dir;

    private static Lab lab;
    private static SipServer server;
    private static SipStack stack;
    private static SipProvider provider;
    private static final Lab.Responder RESPONDER = new Lab.Responder();
    private static final LinkedBlockingQueue<Response> RESPONSES = new LinkedBlockingQueue<>();
    private static int localPort;

    @BeforeAll
    static void start() throws Exception {
        lab = new Lab(dir);
        server = SipServer.builder()
                .tcp(false)
                .tlsPort(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .tls(lab.serverTls(TlsEngine.AUTO))
                .trustList(TrustList.of(List.of(GATEWAY_FQDN)))
                .handler(RESPONDER)
                .events(lab.events::add)
                .start();

        char[] pw = "changeit".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, pw);
        ks.setKeyEntry("gw", lab.gateway.privateKey(), pw, lab.gateway.chain().toArray(new X509Certificate[0]));
        Path keyStore = dir.resolve("gw.p12");
        try (OutputStream out = Files.newOutputStream(keyStore)) {
            ks.store(out, pw);
        }
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, pw);
        ts.setCertificateEntry("lab-root", lab.pki.rootCertificate());
        Path trustStore = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            ts.store(out, pw);
        }
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            localPort = probe.getLocalPort();
        }

        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", "jain-gw-" + UUID.randomUUID());
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", JainSipLoggers.Stack.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", JainSipLoggers.Server.class.getName());
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Enabled");
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.2");
        p.setProperty(
                "gov.nist.javax.sip.ENABLED_CIPHER_SUITES",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        p.setProperty("javax.net.ssl.keyStore", keyStore.toString());
        p.setProperty("javax.net.ssl.keyStorePassword", "changeit");
        p.setProperty("javax.net.ssl.keyStoreType", "PKCS12");
        p.setProperty("javax.net.ssl.trustStore", trustStore.toString());
        p.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        p.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        // the RI's default security manager provider reads the JSSE system properties
        for (String k : List.of(
                "javax.net.ssl.keyStore",
                "javax.net.ssl.keyStorePassword",
                "javax.net.ssl.keyStoreType",
                "javax.net.ssl.trustStore",
                "javax.net.ssl.trustStorePassword",
                "javax.net.ssl.trustStoreType")) {
            System.setProperty(k, p.getProperty(k));
        }
        SipFactory sf = SipFactory.getInstance();
        sf.setPathName("gov.nist");
        stack = sf.createSipStack(p);
        ListeningPoint lp = stack.createListeningPoint("127.0.0.1", localPort, ListeningPoint.TLS);
        provider = stack.createSipProvider(lp);
        provider.addSipListener(new Listener());
    }

    @AfterAll
    static void stop() {
        for (String k : List.of(
                "javax.net.ssl.keyStore",
                "javax.net.ssl.keyStorePassword",
                "javax.net.ssl.keyStoreType",
                "javax.net.ssl.trustStore",
                "javax.net.ssl.trustStorePassword",
                "javax.net.ssl.trustStoreType")) {
            System.clearProperty(k);
        }
        if (stack != null) {
            stack.stop();
        }
        if (server != null) {
            server.close();
        }
    }

    private static final class Listener implements SipListener {
        @Override
        public void processResponse(ResponseEvent e) {
            Response r = e.getResponse();
            RESPONSES.add(r);
            CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
            if (r.getStatusCode() == 200 && Request.INVITE.equals(cseq.getMethod())) {
                try {
                    Dialog d = e.getDialog() != null
                            ? e.getDialog()
                            : e.getClientTransaction().getDialog();
                    d.sendAck(d.createAck(cseq.getSeqNumber()));
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }

        @Override
        public void processRequest(RequestEvent e) {}

        @Override
        public void processTimeout(TimeoutEvent e) {}

        @Override
        public void processIOException(IOExceptionEvent e) {}

        @Override
        public void processTransactionTerminated(TransactionTerminatedEvent e) {}

        @Override
        public void processDialogTerminated(DialogTerminatedEvent e) {}
    }

    private static Request request(String method, String body) throws Exception {
        SipFactory sf = SipFactory.getInstance();
        AddressFactory af = sf.createAddressFactory();
        HeaderFactory hf = sf.createHeaderFactory();
        MessageFactory mf = sf.createMessageFactory();
        SipURI uri = af.createSipURI("um", "127.0.0.1");
        uri.setPort(server.tlsPort().getAsInt());
        uri.setTransportParam("tls");
        Address from = af.createAddress(af.createSipURI("gw", GATEWAY_FQDN));
        Address to = af.createAddress(af.createSipURI("um", SERVER_FQDN));
        List<ViaHeader> vias = new ArrayList<>();
        vias.add(hf.createViaHeader("127.0.0.1", localPort, "tls", null));
        Request r = mf.createRequest(
                uri,
                method,
                provider.getNewCallId(),
                hf.createCSeqHeader(1L, method),
                hf.createFromHeader(from, UUID.randomUUID().toString().substring(0, 8)),
                hf.createToHeader(to, null),
                vias,
                hf.createMaxForwardsHeader(70));
        SipURI contact = af.createSipURI("gw", "127.0.0.1");
        contact.setPort(localPort);
        contact.setTransportParam("tls");
        r.addHeader(hf.createContactHeader(af.createAddress(contact)));
        if (body != null) {
            r.setContent(body, hf.createContentTypeHeader("application", "sdp"));
        }
        return r;
    }

    private static Response awaitResponse(String method) throws InterruptedException {
        while (true) {
            Response r = RESPONSES.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(r).as("response to " + method).isNotNull();
            if (method.equals(((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getMethod()) && r.getStatusCode() >= 200) {
                return r;
            }
        }
    }

    @Test
    void jainSipGatewaySendsOptionsAndInviteOverMutualTls() throws Exception {
        ClientTransaction options = provider.getNewClientTransaction(request(Request.OPTIONS, null));
        options.sendRequest();
        assertThat(awaitResponse(Request.OPTIONS).getStatusCode()).isEqualTo(200);
        assertThat(RESPONDER.received.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("OPTIONS");
        TransportConnection atServer = RESPONDER.connections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        TlsSessionInfo tls = atServer.tls().orElseThrow();
        assertThat(tls.trustedAs()).isEqualTo(GATEWAY_FQDN);
        assertThat(tls.protocol()).isEqualTo("TLSv1.2");
        assertThat(tls.cipherSuite()).contains("_GCM_");

        ClientTransaction invite = provider.getNewClientTransaction(request(Request.INVITE, Lab.sdp(true)));
        invite.sendRequest();
        Response ok = awaitResponse(Request.INVITE);
        assertThat(ok.getStatusCode()).isEqualTo(200);
        assertThat(new String(ok.getRawContent(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("a=crypto:");
        assertThat(RESPONDER.received.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("INVITE");
        // the RI acknowledges the 2xx through the dialog, on the same mutual-TLS connection
        assertThat(RESPONDER.received.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("ACK");
        assertThat(server.openConnections()).isEqualTo(1);
    }
}
