package org.umsec.sip.dialog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.core.VoipSecurityMode;
import org.umsec.sip.NameAddress;
import org.umsec.sip.SipRequest;
import org.umsec.sip.SipResponse;
import org.umsec.sip.Via;
import org.umsec.sip.transaction.ServerTransaction;
import org.umsec.sip.transaction.TransactionLayer;

/**
 * The dialog layer behind a real transaction layer, on virtual time: matching by dialog ID and binding
 * (the hijack attempts of issue 10: a BYE over plain TCP for a TLS call, a re-INVITE from a second trusted
 * peer), CSeq order, CANCEL and BYE races with the answer, 2xx retransmission until ACK and the ACK
 * timeout, and RFC 4028 session timers.
 */
class DialogLayerTest {
    private final ManualScheduler clock = new ManualScheduler();
    private final List<ServerTransaction> initial = new ArrayList<>();
    private final List<ServerTransaction> inDialog = new ArrayList<>();
    private final List<SipRequest> acks = new ArrayList<>();
    private final List<String> ended = new ArrayList<>();
    private final List<ServerTransaction> cancelledEarly = new ArrayList<>();
    private final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

    private final DialogLayer dialogs = DialogLayer.builder()
            .scheduler(clock)
            .events(events::add)
            .handler(new DialogHandler() {
                @Override
                public void onRequest(ServerTransaction tx) {
                    initial.add(tx);
                }

                @Override
                public void onDialogRequest(Dialog dialog, ServerTransaction tx) {
                    inDialog.add(tx);
                }

                @Override
                public void onAck(Dialog dialog, SipRequest ack) {
                    acks.add(ack);
                }

                @Override
                public void onEnded(Dialog dialog, DialogEnd why) {
                    ended.add(why.name());
                }

                @Override
                public void onCancelled(ServerTransaction invite) {
                    cancelledEarly.add(invite);
                }
            })
            .build();
    private final TransactionLayer transactions =
            TransactionLayer.builder().handler(dialogs).scheduler(clock).build();

    /** The gateway's TLS connection, the same gateway's second TLS connection, another gateway, a TCP peer. */
    private final FakeConnection gwTls = new FakeConnection(true, "192.0.2.10");

    private final FakeConnection gwTls2 = new FakeConnection(true, "192.0.2.10");
    private final FakeConnection otherGw = new FakeConnection(true, "192.0.2.20");
    private final FakeConnection pbxTcp = new FakeConnection(false, "192.0.2.10");
    private int branch;

    private SipRequest request(
            String method, String callId, String fromTag, String toTag, long cseq, String... headers) {
        SipRequest.Builder b = SipRequest.builder(method, "sip:um@um.example.test")
                .via(Via.of("TLS", "gw.example.test", 5061, Via.MAGIC_COOKIE + "b" + (++branch)))
                .from(NameAddress.of("sip:alice@gw.example.test").withTag(fromTag))
                .to(
                        toTag == null
                                ? NameAddress.of("sip:um@um.example.test")
                                : NameAddress.of("sip:um@um.example.test").withTag(toTag))
                .callId(callId)
                .cseq(cseq)
                .header("Contact", "<sip:alice@192.0.2.10:5061;transport=tls>");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    /** An INVITE from the gateway over TLS, its dialog created and answered 200; returns the dialog. */
    private Dialog establishedCall(String callId) {
        transactions.onMessage(gwTls, request("INVITE", callId, "from1", null, 1));
        ServerTransaction tx = initial.remove(initial.size() - 1);
        Dialog d = dialogs.createDialog(tx, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        assertThat(d.respond(tx, tx.createResponse(200).body("application/sdp", "v=0\r\n")))
                .isTrue();
        return d;
    }

    private SecurityEvent lastEvent() {
        assertThat(events).isNotEmpty();
        return events.get(events.size() - 1);
    }

    @Test
    void byeOverPlainTcpForATlsDialogIsRefusedAndTheCallContinues() {
        Dialog d = establishedCall("c1");
        String toTag = d.id().localTag();
        transactions.onMessage(pbxTcp, request("BYE", "c1", "from1", toTag, 2));
        assertThat(pbxTcp.lastResponse().status()).isEqualTo(403);
        assertThat(lastEvent().type()).isEqualTo(SecurityEventType.DIALOG_REQUEST_REFUSED);
        assertThat(lastEvent().field("reason")).contains("weaker-transport");
        assertThat(ended).isEmpty();
        assertThat(d.state()).isEqualTo(Dialog.State.CONFIRMED);
        assertThat(dialogs.dialogCount()).isOne();

        // the real peer may still hang up, and its CSeq was not consumed by the refused request
        transactions.onMessage(gwTls, request("BYE", "c1", "from1", toTag, 2));
        assertThat(gwTls.lastResponse().status()).isEqualTo(200);
        assertThat(ended).containsExactly("BYE");
        assertThat(dialogs.dialogCount()).isZero();
    }

    @Test
    void reInviteFromASecondTrustedPeerWithTheRightTagsNeverReachesTheApplication() {
        Dialog d = establishedCall("c2");
        transactions.onMessage(gwTls, request("ACK", "c2", "from1", d.id().localTag(), 1));
        transactions.onMessage(otherGw, request("INVITE", "c2", "from1", d.id().localTag(), 2));
        SipResponse r = otherGw.lastResponse();
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).isEmpty();
        assertThat(inDialog).isEmpty();
        assertThat(lastEvent().field("reason")).contains("other-peer");
        assertThat(lastEvent().field("dialogPeer")).contains("tls:192.0.2.10");

        // a second connection of the same peer identity is the same peer (RFC 3261 lets it reconnect)
        transactions.onMessage(gwTls2, request("INVITE", "c2", "from1", d.id().localTag(), 2));
        assertThat(inDialog).hasSize(1);
    }

    @Test
    void aCallIdAloneOrAGuessedTagMatchesNothing() {
        Dialog d = establishedCall("c3");
        transactions.onMessage(gwTls, request("BYE", "c3", "from1", "guessed", 2));
        assertThat(gwTls.lastResponse().status()).isEqualTo(481);
        transactions.onMessage(gwTls, request("BYE", "c3", "from1", null, 3));
        assertThat(gwTls.lastResponse().status()).isEqualTo(481);
        transactions.onMessage(gwTls, request("BYE", "c3", "otherfrom", d.id().localTag(), 4));
        assertThat(gwTls.lastResponse().status()).isEqualTo(481);
        assertThat(events)
                .extracting(e -> e.field("reason").orElseThrow())
                .containsOnly("no-dialog")
                .hasSize(3);
        assertThat(ended).isEmpty();
        assertThat(dialogs.dialogCount()).isOne();
    }

    @Test
    void anInitialInviteReusingALiveCallIdFromAnotherPeerIsRefused() {
        establishedCall("c4");
        transactions.onMessage(otherGw, request("INVITE", "c4", "x", null, 1));
        assertThat(otherGw.lastResponse().status()).isEqualTo(403);
        assertThat(initial).isEmpty();
        assertThat(lastEvent().field("reason")).contains("call-id-in-use");
        transactions.onMessage(pbxTcp, request("INVITE", "c4", "x", null, 1));
        assertThat(pbxTcp.lastResponse().status()).isEqualTo(403);
        assertThat(initial).isEmpty();
    }

    @Test
    void aLowerOrRepeatedCSeqInTheDialogGets500() {
        Dialog d = establishedCall("c5");
        String tag = d.id().localTag();
        transactions.onMessage(gwTls, request("INFO", "c5", "from1", tag, 5));
        assertThat(inDialog).hasSize(1);
        transactions.onMessage(gwTls, request("INFO", "c5", "from1", tag, 3));
        assertThat(gwTls.lastResponse().status()).isEqualTo(500);
        transactions.onMessage(gwTls, request("INFO", "c5", "from1", tag, 5));
        assertThat(gwTls.lastResponse().status()).isEqualTo(500);
        assertThat(inDialog).hasSize(1);
        assertThat(d.remoteCSeq()).isEqualTo(5);
    }

    @Test
    void twoHundredIsRetransmittedWithDoublingIntervalsUntilTheAck() {
        Dialog d = establishedCall("c6");
        assertThat(gwTls.count(200)).isOne();
        clock.advance(Duration.ofMillis(499));
        assertThat(gwTls.count(200)).isOne();
        clock.advance(Duration.ofMillis(1)); // T1
        assertThat(gwTls.count(200)).isEqualTo(2);
        clock.advance(Duration.ofMillis(1000)); // 2·T1 later
        assertThat(gwTls.count(200)).isEqualTo(3);
        clock.advance(Duration.ofMillis(1999));
        assertThat(gwTls.count(200)).isEqualTo(3);
        clock.advance(Duration.ofMillis(1)); // 4·T1 later
        assertThat(gwTls.count(200)).isEqualTo(4);
        assertThat(gwTls.lastResponse().body())
                .isEqualTo("v=0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // an ACK from someone else does not stop it
        transactions.onMessage(otherGw, request("ACK", "c6", "from1", d.id().localTag(), 1));
        assertThat(lastEvent().field("method")).contains("ACK");
        assertThat(acks).isEmpty();
        transactions.onMessage(gwTls, request("ACK", "c6", "from1", d.id().localTag(), 1));
        assertThat(acks).hasSize(1);
        assertThat(d.awaitingAck()).isFalse();
        clock.advance(Duration.ofMinutes(5));
        assertThat(gwTls.count(200)).isEqualTo(4);
        assertThat(ended).isEmpty();
        assertThat(clock.pending()).isZero();
    }

    @Test
    void noAckWithin64T1EndsTheDialogAfterRetransmissionsCappedAtT2() {
        establishedCall("c7");
        clock.advance(Duration.ofMillis(31_999));
        // 0.5, 1.5, 3.5, 7.5 (T2 reached), 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s
        assertThat(gwTls.count(200)).isEqualTo(11);
        assertThat(ended).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(ended).containsExactly("ACK_TIMEOUT");
        assertThat(DialogEnd.ACK_TIMEOUT.needsBye()).isTrue();
        assertThat(dialogs.dialogCount()).isZero();
        assertThat(gwTls.count(200)).isEqualTo(11);
    }

    @Test
    void cancelBeforeTheAnswerWinsAndTheLateAnswerIsNotSent() {
        SipRequest invite = request("INVITE", "c8", "from1", null, 1);
        transactions.onMessage(gwTls, invite.copy());
        ServerTransaction tx = initial.get(0);
        Dialog d = dialogs.createDialog(tx, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        transactions.onMessage(gwTls, sameTransaction(invite, "CANCEL"));
        assertThat(gwTls.count(487)).isOne();
        assertThat(ended).containsExactly("CANCELLED");
        assertThat(d.respond(tx, tx.createResponse(200))).isFalse();
        assertThat(gwTls.count(200)).as("only the 200 for the CANCEL").isOne();
        assertThat(dialogs.dialogCount()).isZero();
        clock.advance(Duration.ofMinutes(1));
        assertThat(gwTls.count(200))
                .as("no retransmission of a 200 that was never sent")
                .isOne();
    }

    @Test
    void cancelBeforeTheDialogExistsAndCancelAfterTheAnswer() {
        SipRequest invite = request("INVITE", "c9", "from1", null, 1);
        transactions.onMessage(gwTls, invite.copy());
        ServerTransaction tx = initial.get(0);
        transactions.onMessage(gwTls, sameTransaction(invite, "CANCEL"));
        assertThat(cancelledEarly).containsExactly(tx);
        Dialog d = dialogs.createDialog(tx, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        assertThat(d.state()).isEqualTo(Dialog.State.TERMINATED);
        assertThat(d.respond(tx, tx.createResponse(200))).isFalse();
        assertThat(dialogs.dialogCount()).isZero();

        // the 200 first: the CANCEL finds no transaction (481) and the call stays up
        SipRequest invite2 = request("INVITE", "c10", "from1", null, 1);
        transactions.onMessage(gwTls, invite2.copy());
        ServerTransaction tx2 = initial.get(1);
        Dialog d2 = dialogs.createDialog(tx2, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        assertThat(d2.respond(tx2, tx2.createResponse(200))).isTrue();
        transactions.onMessage(gwTls, sameTransaction(invite2, "CANCEL"));
        assertThat(gwTls.lastResponse().status()).isEqualTo(481);
        assertThat(d2.state()).isEqualTo(Dialog.State.CONFIRMED);
    }

    @Test
    void byeInTheEarlyStateEndsThePendingInviteWith487() {
        transactions.onMessage(gwTls, request("INVITE", "c11", "from1", null, 1));
        ServerTransaction tx = initial.get(0);
        Dialog d = dialogs.createDialog(tx, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        assertThat(d.respond(tx, tx.createResponse(180))).isTrue();
        assertThat(d.state()).isEqualTo(Dialog.State.EARLY);
        transactions.onMessage(gwTls, request("BYE", "c11", "from1", d.id().localTag(), 2));
        assertThat(gwTls.count(200)).isOne();
        assertThat(gwTls.count(487)).isOne();
        assertThat(ended).containsExactly("BYE");
        assertThat(d.respond(tx, tx.createResponse(200))).isFalse();
    }

    @Test
    void aSecondReInviteBeforeTheFirstIsAnsweredGets500WithRetryAfter() {
        Dialog d = establishedCall("c12");
        transactions.onMessage(gwTls, request("ACK", "c12", "from1", d.id().localTag(), 1));
        transactions.onMessage(gwTls, request("INVITE", "c12", "from1", d.id().localTag(), 2));
        assertThat(inDialog).hasSize(1);
        transactions.onMessage(gwTls, request("INVITE", "c12", "from1", d.id().localTag(), 3));
        assertThat(gwTls.lastResponse().status()).isEqualTo(500);
        assertThat(gwTls.lastResponse().header("Retry-After")).isPresent();
        ServerTransaction reinvite = inDialog.get(0);
        assertThat(d.respond(reinvite, reinvite.createResponse(200))).isTrue();
        transactions.onMessage(gwTls, request("INVITE", "c12", "from1", d.id().localTag(), 4));
        assertThat(inDialog).hasSize(2);
    }

    @Test
    void sessionTimerShortIntervalGets422AndAMissedRefreshEndsTheSession() {
        transactions.onMessage(
                gwTls, request("INVITE", "c13", "from1", null, 1, "Supported", "timer", "Session-Expires", "60"));
        assertThat(gwTls.lastResponse().status()).isEqualTo(422);
        assertThat(gwTls.lastResponse().header("Min-SE")).contains("90");
        assertThat(initial).isEmpty();

        transactions.onMessage(
                gwTls,
                request(
                        "INVITE",
                        "c13",
                        "from1",
                        null,
                        2,
                        "Supported",
                        "timer",
                        "Session-Expires",
                        "120;refresher=uac"));
        ServerTransaction tx = initial.get(0);
        Dialog d = dialogs.createDialog(tx, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        assertThat(d.respond(tx, tx.createResponse(200))).isTrue();
        SipResponse ok = gwTls.lastResponse();
        assertThat(ok.header("Session-Expires")).contains("120;refresher=uac");
        assertThat(ok.header("Require")).contains("timer");
        assertThat(d.sessionInterval()).contains(Duration.ofSeconds(120));
        transactions.onMessage(gwTls, request("ACK", "c13", "from1", d.id().localTag(), 2));

        // refreshed by UPDATE after 60 s: the session now lasts until 60 + 120 - 32 s
        clock.advance(Duration.ofSeconds(60));
        transactions.onMessage(
                gwTls,
                request(
                        "UPDATE",
                        "c13",
                        "from1",
                        d.id().localTag(),
                        3,
                        "Supported",
                        "timer",
                        "Session-Expires",
                        "120"));
        ServerTransaction update = inDialog.get(0);
        assertThat(d.respond(update, update.createResponse(200))).isTrue();
        clock.advance(Duration.ofSeconds(87));
        assertThat(ended).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(ended).containsExactly("SESSION_EXPIRED");
        assertThat(DialogEnd.SESSION_EXPIRED.needsBye()).isTrue();
        SipRequest bye = d.createRequest("BYE", Via.of("TLS", "um.example.test", 5061, Via.MAGIC_COOKIE + "bye"));
        assertThat(bye.to().tag()).contains("from1");
        assertThat(bye.from().tag()).contains(d.id().localTag());
        assertThat(bye.requestUri()).isEqualTo("sip:alice@192.0.2.10:5061;transport=tls");
        assertThat(bye.cseq().sequence()).isEqualTo(1);
    }

    @Test
    void withoutSupportedTimerNoSessionTimerRunsAndARefreshWithoutOneTurnsItOff() {
        transactions.onMessage(gwTls, request("INVITE", "c16", "from1", null, 1, "Session-Expires", "120"));
        ServerTransaction tx = initial.get(0);
        Dialog d = dialogs.createDialog(tx, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
        assertThat(d.respond(tx, tx.createResponse(200))).isTrue();
        assertThat(gwTls.lastResponse().header("Session-Expires")).isEmpty();
        assertThat(gwTls.lastResponse().header("Require")).isEmpty();
        assertThat(d.sessionInterval()).isEmpty();
        transactions.onMessage(gwTls, request("ACK", "c16", "from1", d.id().localTag(), 1));
        transactions.onMessage(
                gwTls,
                request("UPDATE", "c16", "from1", d.id().localTag(), 2, "Supported", "timer", "Session-Expires", "90"));
        ServerTransaction update = inDialog.get(0);
        d.respond(update, update.createResponse(200));
        assertThat(d.sessionInterval()).contains(Duration.ofSeconds(90));
        transactions.onMessage(gwTls, request("UPDATE", "c16", "from1", d.id().localTag(), 3));
        ServerTransaction plain = inDialog.get(1);
        d.respond(plain, plain.createResponse(200));
        assertThat(d.sessionInterval())
                .as("a refresh without timers turns the timer off")
                .isEmpty();
        clock.advance(Duration.ofHours(1));
        assertThat(ended).isEmpty();
    }

    @Test
    void theClosedConnectionEndsItsDialogsOnly() {
        establishedCall("c14");
        transactions.onMessage(gwTls2, request("INVITE", "c15", "from1", null, 1));
        ServerTransaction tx = initial.get(0);
        Dialog other = dialogs.createDialog(tx, DialogBinding.of(gwTls2, VoipSecurityMode.SECURED));
        other.respond(tx, tx.createResponse(200));
        dialogs.connectionClosed(gwTls);
        assertThat(ended).containsExactly("CONNECTION_CLOSED");
        assertThat(dialogs.dialogCount()).isOne();
        assertThat(other.state()).isEqualTo(Dialog.State.CONFIRMED);
    }

    @Test
    void aBindingForMutualTlsCannotBeMadeOnPlainTcp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DialogBinding.of(pbxTcp, VoipSecurityMode.SECURED))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DialogBinding.of(pbxTcp, VoipSecurityMode.UNSECURED).peer()).isEqualTo("tcp:192.0.2.10");
        assertThat(DialogLayer.printable("a\r\nb\u001b")).isEqualTo("a\\x0d\\x0ab\\x1b");
    }

    private static SipRequest sameTransaction(SipRequest invite, String method) {
        return SipRequest.builder(method, invite.requestUri())
                .header("Via", invite.topVia().toString())
                .from(invite.from())
                .to(invite.to())
                .callId(invite.callId())
                .cseq(invite.cseq().sequence())
                .build();
    }

    /** A call this side placed (UAC): our INVITE over TLS to the gateway and its 2xx. */
    private Dialog placedCall(String callId) {
        SipRequest invite = SipRequest.builder("INVITE", "sip:+15551234@gw.example.test")
                .via(Via.of("TLS", "um.example.test", 5061, Via.MAGIC_COOKIE + "out" + (++branch)))
                .from(NameAddress.of("sip:um@um.example.test").withTag("ours"))
                .to(NameAddress.of("sip:+15551234@gw.example.test"))
                .callId(callId)
                .cseq(7)
                .build();
        SipResponse ok = invite.createResponse(200)
                .toTag("theirs")
                .header("Contact", "<sip:callee@192.0.2.10:5061;transport=tls>")
                .header("Record-Route", "<sip:p1.example.test;lr>")
                .header("Record-Route", "<sip:p2.example.test;lr>")
                .build();
        return dialogs.createUacDialog(invite, ok, DialogBinding.of(gwTls, VoipSecurityMode.SECURED));
    }

    @Test
    void uacDialogTakesTheGatewaysByeAndRefusesItFromAnotherPeer() {
        Dialog d = placedCall("out1");
        assertThat(d.id().localTag()).isEqualTo("ours");
        assertThat(d.id().remoteTag()).isEqualTo("theirs");
        assertThat(d.state()).isEqualTo(Dialog.State.CONFIRMED);
        // the gateway's BYE: From carries its tag, To ours; from another trusted gateway it is refused
        SipRequest bye = SipRequest.builder("BYE", "sip:um@um.example.test")
                .via(Via.of("TLS", "gw.example.test", 5061, Via.MAGIC_COOKIE + "bye" + (++branch)))
                .from(NameAddress.of("sip:+15551234@gw.example.test").withTag("theirs"))
                .to(NameAddress.of("sip:um@um.example.test").withTag("ours"))
                .callId("out1")
                .cseq(1)
                .build();
        transactions.onMessage(otherGw, bye.copy());
        assertThat(otherGw.lastResponse().status()).isEqualTo(403);
        assertThat(lastEvent().field("reason")).contains("other-peer");
        assertThat(ended).isEmpty();
        transactions.onMessage(gwTls, bye);
        assertThat(gwTls.lastResponse().status()).isEqualTo(200);
        assertThat(ended).containsExactly("BYE");
        assertThat(dialogs.dialogCount()).isZero();
    }

    @Test
    void uacDialogRequestsGoToTheContactWithTheReversedRouteSetAndTheNextCSeq() {
        Dialog d = placedCall("out2");
        SipRequest bye = d.createRequest("BYE", Via.of("TLS", "um.example.test", 5061, Via.MAGIC_COOKIE + "x"));
        assertThat(bye.requestUri()).isEqualTo("sip:callee@192.0.2.10:5061;transport=tls");
        assertThat(bye.cseq().sequence()).isEqualTo(8);
        assertThat(bye.from().tag()).contains("ours");
        assertThat(bye.to().tag()).contains("theirs");
        assertThat(bye.routes())
                .extracting(NameAddress::uri)
                .containsExactly("sip:p2.example.test;lr", "sip:p1.example.test;lr");
    }
}
