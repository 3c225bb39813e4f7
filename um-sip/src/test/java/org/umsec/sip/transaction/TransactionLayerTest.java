package org.umsec.sip.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.umsec.sip.DialogId;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipConnection;
import org.umsec.sip.SipMessage;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.codec.SipDecodeError;
import org.umsec.sip.codec.SipMessageDecoder;
import org.umsec.sip.codec.SipMessageEncoder;

class TransactionLayerTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingConnection conn = new RecordingConnection();
    private final List<ServerTransaction> received = new ArrayList<>();
    private final List<SipRequest> acks = new ArrayList<>();
    private final List<ServerTransaction> cancelled = new ArrayList<>();

    private final SipRequestHandler app = new SipRequestHandler() {
        @Override
        public void onRequest(ServerTransaction tx) {
            received.add(tx);
        }

        @Override
        public void onAck(SipRequest ack, SipConnection c) {
            acks.add(ack);
        }

        @Override
        public void onCancelled(ServerTransaction invite) {
            cancelled.add(invite);
        }
    };
    private final TransactionLayer layer =
            TransactionLayer.builder().handler(app).scheduler(scheduler).build();

    private static SipRequest request(String method, String branch) {
        return SipRequest.builder(method, "sip:um@um.example.com")
                .via(Via.of("TLS", "gw.example.com", 5061, branch))
                .from(NameAddress.of("sip:gw@example.com").withTag("gwtag"))
                .to(NameAddress.of("sip:um@um.example.com"))
                .callId("call-" + branch)
                .cseq(1)
                .build();
    }

    private static SipRequest sameTx(SipRequest invite, String method) {
        SipRequest.Builder b = SipRequest.builder(method, invite.requestUri())
                .header("Via", invite.topVia().toString())
                .from(invite.from())
                .to(invite.to())
                .callId(invite.callId())
                .cseq(invite.cseq().sequence());
        return b.build();
    }

    private int status(int i) {
        return ((SipResponse) conn.sent.get(i)).status();
    }

    @Test
    void optionsIsAnsweredByTheApplication() {
        layer.onMessage(conn, request("OPTIONS", "z9hG4bKo1"));
        assertThat(received).hasSize(1);
        ServerTransaction tx = received.get(0);
        assertThat(tx.request().method()).isEqualTo("OPTIONS");
        assertThat(conn.sent).as("no 100 Trying for non-INVITE").isEmpty();
        tx.respond(tx.createResponse(200)
                .header("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS")
                .build());
        SipResponse ok = (SipResponse) conn.last();
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.to().tag()).contains(tx.localTag());
        assertThat(ok.topVia().branch()).contains("z9hG4bKo1");
        assertThat(ok.cseq().method()).isEqualTo("OPTIONS");
        assertThat(tx.isCompleted()).isTrue();
        assertThat(layer.serverTransactionCount()).isZero();
        assertThatThrownBy(() -> tx.respond(tx.createResponse(500).build())).isInstanceOf(IllegalStateException.class);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void inviteGetsTryingThenFinalAndNon2xxAckIsAbsorbed() {
        SipRequest invite = request("INVITE", "z9hG4bKi1");
        layer.onMessage(conn, invite.copy());
        assertThat(status(0)).isEqualTo(100);
        assertThat(((SipResponse) conn.sent.get(0)).to().tag())
                .as("100 carries no tag")
                .isEmpty();
        ServerTransaction tx = received.get(0);
        tx.respond(tx.createResponse(180).build());
        tx.respond(tx.createResponse(486).build());
        assertThat(status(1)).isEqualTo(180);
        assertThat(status(2)).isEqualTo(486);
        assertThat(((SipResponse) conn.sent.get(1)).to().tag())
                .isEqualTo(((SipResponse) conn.sent.get(2)).to().tag());
        assertThat(layer.serverTransactionCount()).as("waiting for ACK").isOne();
        layer.onMessage(conn, sameTx(invite, "ACK"));
        assertThat(acks).as("ACK for non-2xx stays in the transaction").isEmpty();
        assertThat(layer.serverTransactionCount()).isZero();
        assertThat(tx.dialogId()).contains(new DialogId(invite.callId(), tx.localTag(), "gwtag"));
    }

    @Test
    void withATryingDelayThe100GoesOutOnlyWhenTheAnswerIsLate() {
        TransactionLayer delayed = TransactionLayer.builder()
                .handler(app)
                .scheduler(scheduler)
                .tryingDelay(Duration.ofMillis(200))
                .inviteAnswerTimeout(Duration.ofSeconds(10))
                .build();
        // answered at once: no 100 at all, and no timer left behind
        delayed.onMessage(conn, request("INVITE", "z9hG4bKd1"));
        assertThat(conn.sent).isEmpty();
        ServerTransaction quick = received.get(0);
        quick.respond(quick.createResponse(486).build());
        scheduler.advance(Duration.ofMillis(300));
        assertThat(conn.sent).hasSize(1);
        assertThat(status(0)).isEqualTo(486);
        // answered late: the 100 after 200 ms, then the final answer
        delayed.onMessage(conn, request("INVITE", "z9hG4bKd2"));
        scheduler.advance(Duration.ofMillis(199));
        assertThat(conn.sent).hasSize(1);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(status(1)).isEqualTo(100);
        ServerTransaction late = received.get(1);
        late.respond(late.createResponse(200).build());
        assertThat(status(2)).isEqualTo(200);
        // a provisional answer first: no 100; never answered: 408 at the answer timeout
        delayed.onMessage(conn, request("INVITE", "z9hG4bKd3"));
        ServerTransaction ringing = received.get(2);
        ringing.respond(ringing.createResponse(180).build());
        scheduler.advance(Duration.ofMillis(200));
        assertThat(status(3)).isEqualTo(180);
        assertThat(conn.sent).hasSize(4);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(status(4)).isEqualTo(408);
    }

    @Test
    void statelessRefusalLeavesNothingAndItsAckIsAbsorbed() {
        SipRequest invite = request("INVITE", "z9hG4bKs1");
        layer.refuseStatelessly(conn, invite.copy(), 503, "Service Unavailable - overloaded", 2);
        assertThat(status(0)).isEqualTo(503);
        SipResponse refusal = (SipResponse) conn.sent.get(0);
        assertThat(refusal.header("Retry-After")).contains("2");
        assertThat(refusal.to().tag()).isPresent();
        assertThat(received).isEmpty();
        assertThat(layer.serverTransactionCount()).isZero();
        assertThat(scheduler.pending()).isZero();
        // the peer's ACK carries the refusal's To tag: absorbed, the application never sees it
        SipRequest ack = SipRequest.builder("ACK", invite.requestUri())
                .header("Via", invite.topVia().toString())
                .from(invite.from())
                .to(refusal.to())
                .callId(invite.callId())
                .cseq(invite.cseq().sequence())
                .build();
        layer.onMessage(conn, ack);
        assertThat(acks).isEmpty();
        assertThat(conn.sent).hasSize(1);
        // an ACK is never answered, and a refusal must be final
        layer.refuseStatelessly(conn, sameTx(invite, "ACK"), 503, "x", -1);
        assertThat(conn.sent).hasSize(1);
        assertThatThrownBy(() -> layer.refuseStatelessly(conn, invite.copy(), 200, "OK", -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timerHEndsTheTransactionWhenNoAckComes() {
        layer.onMessage(conn, request("INVITE", "z9hG4bKi2"));
        ServerTransaction tx = received.get(0);
        tx.respond(tx.createResponse(603).build());
        scheduler.advance(Duration.ofSeconds(31));
        assertThat(layer.serverTransactionCount()).isOne();
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(layer.serverTransactionCount()).isZero();
    }

    @Test
    void twoHundredEndsTheInviteAndItsAckGoesToTheApplication() {
        SipRequest invite = request("INVITE", "z9hG4bKi3");
        layer.onMessage(conn, invite.copy());
        ServerTransaction tx = received.get(0);
        tx.respond(tx.createResponse(200)
                .contact(NameAddress.of("sip:um@um.example.com;transport=tls"))
                .build());
        assertThat(layer.serverTransactionCount()).isZero();
        SipRequest ack = SipRequest.builder("ACK", "sip:um@um.example.com;transport=tls")
                .via(Via.of("TLS", "gw.example.com", 5061, "z9hG4bKack3"))
                .from(invite.from())
                .to(((SipResponse) conn.last()).to())
                .callId(invite.callId())
                .cseq(1)
                .build();
        layer.onMessage(conn, ack);
        assertThat(acks).hasSize(1);
        assertThat(DialogId.atUas(acks.get(0))).isEqualTo(tx.dialogId().orElseThrow());
    }

    @Test
    void cancelGets200AndTheInvite487() {
        SipRequest invite = request("INVITE", "z9hG4bKc1");
        layer.onMessage(conn, invite.copy());
        ServerTransaction tx = received.get(0);
        tx.respond(tx.createResponse(180).build());
        layer.onMessage(conn, sameTx(invite, "CANCEL"));
        assertThat(status(2)).isEqualTo(200);
        assertThat(((SipResponse) conn.sent.get(2)).cseq().method()).isEqualTo("CANCEL");
        assertThat(((SipResponse) conn.sent.get(2)).to().tag()).contains(tx.localTag());
        assertThat(status(3)).isEqualTo(487);
        assertThat(((SipResponse) conn.sent.get(3)).cseq().method()).isEqualTo("INVITE");
        assertThat(cancelled).containsExactly(tx);
        assertThat(tx.isCompleted()).isTrue();
        // a late answer from the application is refused
        assertThatThrownBy(() -> tx.respond(tx.createResponse(200).build())).isInstanceOf(IllegalStateException.class);
        // the ACK for the 487 is absorbed
        layer.onMessage(conn, sameTx(invite, "ACK"));
        assertThat(acks).isEmpty();
        assertThat(layer.serverTransactionCount()).isZero();
    }

    @Test
    void cancelWithoutInviteGets481() {
        layer.onMessage(conn, request("CANCEL", "z9hG4bKnone"));
        assertThat(status(0)).isEqualTo(481);
        assertThat(received).isEmpty();
    }

    @Test
    void byeAndHandlerExceptionsAndRetransmissions() {
        TransactionLayer failing = TransactionLayer.builder()
                .scheduler(scheduler)
                .handler(tx -> {
                    throw new IllegalStateException("boom");
                })
                .build();
        failing.onMessage(conn, request("BYE", "z9hG4bKb1"));
        assertThat(status(0)).isEqualTo(500);
        assertThat(failing.serverTransactionCount()).isZero();

        SipRequest bye = request("BYE", "z9hG4bKb2");
        layer.onMessage(conn, bye.copy());
        layer.onMessage(conn, bye.copy());
        assertThat(received).as("retransmission absorbed").hasSize(1);
    }

    @Test
    void unansweredRequestsAreGuarded() {
        layer.onMessage(conn, request("INVITE", "z9hG4bKg1"));
        layer.onMessage(conn, request("OPTIONS", "z9hG4bKg2"));
        assertThat(layer.serverTransactionCount()).isEqualTo(2);
        scheduler.advance(Duration.ofSeconds(33));
        assertThat(layer.serverTransactionCount())
                .as("OPTIONS dropped after 64*T1")
                .isOne();
        scheduler.advance(TransactionLayer.DEFAULT_INVITE_ANSWER_TIMEOUT);
        assertThat(((SipResponse) conn.last()).status()).isEqualTo(408);
    }

    @Test
    void serverTransactionLimitAnswers503() {
        TransactionLayer small = TransactionLayer.builder()
                .handler(app)
                .scheduler(scheduler)
                .maxServerTransactions(2)
                .build();
        small.onMessage(conn, request("OPTIONS", "z9hG4bKl1"));
        small.onMessage(conn, request("OPTIONS", "z9hG4bKl2"));
        small.onMessage(conn, request("OPTIONS", "z9hG4bKl3"));
        assertThat(status(0)).isEqualTo(503);
        assertThat(received).hasSize(2);
    }

    @Test
    void rfc2543RequestsWithoutBranchStillMatchTheirAck() {
        SipRequest invite = SipRequest.builder("INVITE", "sip:um@um.example.com")
                .header("Via", "SIP/2.0/TCP old.example.com")
                .from(NameAddress.of("sip:old@example.com"))
                .to(NameAddress.of("sip:um@um.example.com"))
                .callId("old-1")
                .cseq(7)
                .build();
        layer.onMessage(conn, invite.copy());
        ServerTransaction tx = received.get(0);
        tx.respond(tx.createResponse(404).build());
        layer.onMessage(conn, sameTx(invite, "ACK"));
        assertThat(acks).isEmpty();
        assertThat(layer.serverTransactionCount()).isZero();
    }

    // ---- client side ---------------------------------------------------------------------------------

    private SipResponse responseTo(SipRequest req, int status, String toTag) {
        SipResponse.Builder b = req.createResponse(status);
        if (toTag != null) {
            b.toTag(toTag);
        }
        return b.build();
    }

    @Test
    void clientNonInviteCompletesWithFinalResponse() throws Exception {
        SipRequest options = request("OPTIONS", layer.newBranch());
        List<SipResponse> seen = new ArrayList<>();
        ClientTransaction ct = layer.sendRequest(conn, options.copy(), seen::add);
        assertThat(((SipRequest) conn.last()).method()).isEqualTo("OPTIONS");
        assertThat(ct.branch()).startsWith("z9hG4bK");
        layer.onMessage(conn, responseTo(options, 200, "remote"));
        assertThat(ct.finalResponse().get().status()).isEqualTo(200);
        assertThat(seen).hasSize(1);
        assertThat(layer.clientTransactionCount()).isZero();
        assertThat(DialogId.atUac(ct.finalResponse().get()))
                .isEqualTo(new DialogId(options.callId(), "gwtag", "remote"));
    }

    @Test
    void timerFAndTimerBFireAt64T1() {
        ClientTransaction opt = layer.sendRequest(conn, request("OPTIONS", layer.newBranch()), ResponseListener.IGNORE);
        SipRequest inviteReq = request("INVITE", layer.newBranch());
        ClientTransaction inv = layer.sendRequest(conn, inviteReq.copy(), ResponseListener.IGNORE);
        scheduler.advance(Duration.ofMillis(31_999));
        assertThat(opt.finalResponse()).isNotDone();
        assertThat(inv.finalResponse()).isNotDone();
        layer.onMessage(conn, responseTo(inviteReq, 180, "r")); // provisional does not stop Timer B here
        scheduler.advance(Duration.ofMillis(1));
        assertThatThrownBy(() -> opt.finalResponse().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TransactionTimeoutException.class)
                .hasMessageContaining("Timer F");
        assertThatThrownBy(() -> inv.finalResponse().get())
                .hasCauseInstanceOf(TransactionTimeoutException.class)
                .hasMessageContaining("Timer B");
        assertThat(layer.clientTransactionCount()).isZero();
    }

    @Test
    void clientInviteAcksNon2xxItselfAndLeaves2xxAckToTheApplication() throws Exception {
        SipRequest invite = request("INVITE", layer.newBranch());
        ClientTransaction ct = layer.sendRequest(conn, invite.copy(), ResponseListener.IGNORE);
        layer.onMessage(conn, responseTo(invite, 100, null));
        layer.onMessage(conn, responseTo(invite, 486, "busy"));
        assertThat(ct.finalResponse().get().status()).isEqualTo(486);
        SipRequest ack = (SipRequest) conn.last();
        assertThat(ack.method()).isEqualTo("ACK");
        assertThat(ack.topVia().branch()).isEqualTo(invite.topVia().branch());
        assertThat(ack.to().tag()).contains("busy");
        assertThat(ack.cseq().method()).isEqualTo("ACK");
        assertThat(ack.cseq().sequence()).isEqualTo(invite.cseq().sequence());

        SipRequest invite2 = request("INVITE", layer.newBranch());
        ClientTransaction ct2 = layer.sendRequest(conn, invite2.copy(), ResponseListener.IGNORE);
        int before = conn.sent.size();
        layer.onMessage(
                conn,
                invite2.createResponse(200)
                        .toTag("ok")
                        .contact(NameAddress.of("sip:gw@192.0.2.9:5061;transport=tls"))
                        .recordRoute(NameAddress.of("sip:p1.example.com;lr"))
                        .recordRoute(NameAddress.of("sip:p2.example.com;lr"))
                        .build());
        SipResponse ok = ct2.finalResponse().get();
        assertThat(conn.sent).as("no automatic ACK for 2xx").hasSize(before);
        SipRequest ack2 = layer.createAck(ct2.request(), ok);
        assertThat(ack2.requestUri()).isEqualTo("sip:gw@192.0.2.9:5061;transport=tls");
        assertThat(ack2.topVia().branch()).isNotEqualTo(invite2.topVia().branch());
        assertThat(ack2.routes())
                .extracting(NameAddress::uri)
                .containsExactly("sip:p2.example.com;lr", "sip:p1.example.com;lr");
        assertThat(ack2.to().tag()).contains("ok");
    }

    @Test
    void cancelIsSentAfterTheFirstProvisional() throws Exception {
        SipRequest invite = request("INVITE", layer.newBranch());
        ClientTransaction ct = layer.sendRequest(conn, invite.copy(), ResponseListener.IGNORE);
        assertThat(ct.cancel()).isTrue();
        assertThat(conn.sent).hasSize(1);
        layer.onMessage(conn, responseTo(invite, 180, "r"));
        SipRequest cancel = (SipRequest) conn.last();
        assertThat(cancel.method()).isEqualTo("CANCEL");
        assertThat(cancel.topVia().branch()).isEqualTo(invite.topVia().branch());
        assertThat(cancel.cseq().method()).isEqualTo("CANCEL");
        layer.onMessage(conn, responseTo(cancel, 200, "r"));
        layer.onMessage(conn, responseTo(invite, 487, "r"));
        assertThat(ct.finalResponse().get().status()).isEqualTo(487);
        assertThat(((SipRequest) conn.last()).method()).isEqualTo("ACK");
        assertThat(layer.clientTransactionCount()).isZero();
        assertThat(layer.sendRequest(conn, request("OPTIONS", layer.newBranch()), ResponseListener.IGNORE)
                        .cancel())
                .isFalse();
    }

    @Test
    void connectionCloseFailsClientTransactions() {
        ClientTransaction ct = layer.sendRequest(conn, request("OPTIONS", layer.newBranch()), ResponseListener.IGNORE);
        layer.onMessage(conn, request("INVITE", "z9hG4bKcl"));
        layer.connectionClosed(conn);
        assertThatThrownBy(() -> ct.finalResponse().get()).hasCauseInstanceOf(IOException.class);
        assertThat(layer.clientTransactionCount()).isZero();
        assertThat(layer.serverTransactionCount()).isZero();
    }

    @Test
    void badRequestsAreRefused() {
        assertThatThrownBy(() -> layer.sendRequest(conn, request("OPTIONS", "nocookie"), ResponseListener.IGNORE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> layer.sendRequest(conn, request("ACK", layer.newBranch()), ResponseListener.IGNORE))
                .isInstanceOf(IllegalArgumentException.class);
        String b = layer.newBranch();
        layer.sendRequest(conn, request("OPTIONS", b), ResponseListener.IGNORE);
        assertThatThrownBy(() -> layer.sendRequest(conn, request("OPTIONS", b), ResponseListener.IGNORE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(layer.newBranch()).isNotEqualTo(layer.newBranch()).startsWith("z9hG4bK");
    }

    // ---- through the Netty codec ----------------------------------------------------------------------

    /** How a transport plugs in: decoder, encoder, and a handler feeding the layer. */
    static final class ChannelConnection implements SipConnection {
        final EmbeddedChannel channel;

        ChannelConnection(EmbeddedChannel channel) {
            this.channel = channel;
        }

        @Override
        public void send(SipMessage message) {
            channel.writeAndFlush(message);
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("192.0.2.1", 5060);
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }
    }

    @Test
    void wiredToTheCodecOnAChannel() {
        TransactionLayer server = TransactionLayer.builder()
                .scheduler(scheduler)
                .handler(tx -> tx.respond(tx.createResponse(200)
                        .header("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS")
                        .build()))
                .build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ChannelConnection c = new ChannelConnection(ch);
        ch.pipeline()
                .addLast(
                        new SipMessageDecoder(),
                        new SipMessageEncoder(),
                        new SimpleChannelInboundHandler<Object>(false) {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof SipMessage) {
                                    server.onMessage(c, (SipMessage) msg);
                                } else if (msg instanceof SipDecodeError
                                        && server.onDecodeError(c, (SipDecodeError) msg)) {
                                    ctx.close();
                                }
                            }
                        });
        String options = "OPTIONS sip:um@um.example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKw1\r\n"
                + "From: <sip:gw@example.com>;tag=a\r\nTo: <sip:um@um.example.com>\r\nCall-ID: w1\r\nCSeq: 1 OPTIONS\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        ch.writeInbound(Unpooled.copiedBuffer(
                options + options.replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE"), StandardCharsets.UTF_8));
        ByteBuf out = ch.readOutbound();
        String wire = out.toString(StandardCharsets.UTF_8);
        out.release();
        assertThat(wire)
                .startsWith("SIP/2.0 200 OK\r\n")
                .contains("Allow: INVITE")
                .contains("branch=z9hG4bKw1");
        out = ch.readOutbound();
        wire = out.toString(StandardCharsets.UTF_8);
        out.release();
        assertThat(wire)
                .startsWith("SIP/2.0 400 Bad Request (CSeq method does not match the Request-Line)\r\n")
                .contains("Call-ID: w1");
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(Unpooled.copiedBuffer("garbage\r\n\r\n", StandardCharsets.UTF_8));
        assertThat(ch.isOpen()).as("framing lost: closed").isFalse();
        ch.finishAndReleaseAll();
    }
}
