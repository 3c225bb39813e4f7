package org.umsec.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.umsec.certs.CertificateStore;
import org.umsec.certs.PersonalCertificate;
import org.umsec.certs.testing.TestPki;
import org.umsec.server.FakeGateway;
import org.umsec.sip.SipRequest;

/**
 * {@code umsec call-out} with a YAML configuration that has dialing rules and a mailbox policy, against a
 * fake gateway on real sockets: exit codes and messages for a completed secured call, a blocked number, a
 * gateway whose certificate names someone else, and usage errors.
 */
class CallOutCommandTest {

    @TempDir
    Path dir;

    static final TestPki PKI = TestPki.create("CallOut", Clock.systemUTC());
    static final PersonalCertificate SERVER_CERT = PKI.leaf("um.example.test").build();
    static final PersonalCertificate GW1_CERT = PKI.leaf("gw1.example.test").build();
    static final PersonalCertificate OTHER_CERT = PKI.leaf("gw9.example.test").build();

    @BeforeEach
    void store() throws Exception {
        CertificateStore store = CertificateStore.open(dir.resolve("certs"));
        store.addPersonal(SERVER_CERT);
        store.addTrustedRoot(PKI.rootCertificate());
    }

    Path config(int plainGatewayPort, String mask) throws Exception {
        String rules = """
                    inCountryGroups:
                      - {name: Local, numberMask: "%s", dialedNumber: "9xxxxxxx", comment: Redmond}
                    internationalGroups:
                      - {name: Anywhere, numberMask: "*"}
                    allowedInCountryGroups: [Local]
                """.formatted(mask);
        String yaml = """
                server:
                  name: um-cli
                  fqdn: um.example.test
                  bind: 127.0.0.1
                  sipPort: 0
                  tlsPort: 0
                  store: certs
                  voicemail: vm
                  dialPlans: [dp-secure, dp-plain]
                media:
                  address: 127.0.0.1
                  advertisedAddress: 127.0.0.1
                dialPlans:
                  - name: dp-secure
                    voipSecurity: Secured
                %s  - name: dp-plain
                    voipSecurity: Unsecured
                %sgateways:
                  - {name: gw1, fqdn: gw1.example.test, address: 127.0.0.1, port: 5061, dialPlan: dp-secure}
                  - {name: pbx, address: 127.0.0.1, port: %d, dialPlan: dp-plain}
                mailboxPolicies:
                  - {name: Restricted, dialPlan: dp-secure, allowedInCountryGroups: []}
                """.formatted(rules, rules, plainGatewayPort);
        Path f = dir.resolve("umsec.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void securedCallOutPlaysSrtpAndExitsZero() throws Exception {
        try (FakeGateway gw = FakeGateway.tls(GW1_CERT, PKI.rootCertificate(), "um.example.test")) {
            Path cfg = config(5060, "+1425xxxxxxx");
            CliRunner r = CliRunner.run(
                    "call-out",
                    "--config",
                    cfg.toString(),
                    "--dial-plan",
                    "dp-secure",
                    "--connect-to",
                    "127.0.0.1:" + gw.address().getPort(),
                    "+1 (425) 555-0100");

            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(r.out())
                    .contains(
                            "Dialing rules (R6), dial plan dp-secure: Number +14255550100 is allowed by in-country group"
                                    + " 'Local' rule +1425xxxxxxx; dialing 95550100",
                            "via gateway gw1 (Secured, mutual TLS, SRTP AES_CM_128_HMAC_SHA1_80",
                            "COMPLETED (200)");
            assertThat(gw.received(SipRequest.INVITE)).hasSize(1);
            assertThat(gw.received(SipRequest.BYE)).hasSize(1);
            assertThat(gw.rtpDecrypted.get()).isPositive();
            assertThat(gw.rtpRejected.get()).isZero();
        }
    }

    @Test
    void blockedNumberExitsOneNamingTheRuleAndSendsNothing() throws Exception {
        try (FakeGateway gw = FakeGateway.tcp()) {
            Path cfg = config(gw.address().getPort(), "+1425xxxxxxx");
            CliRunner r = CliRunner.run("call-out", "--config", cfg.toString(), "--gateway", "pbx", "+44 20 7946 0000");

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err())
                    .contains("umsec call-out: error: blocked by the dialing rules, nothing was sent (event 4001)")
                    .contains("it matches international group 'Anywhere' rule *, which is not an allowed group");
            assertThat(gw.requests).isEmpty();

            CliRunner policy = CliRunner.run(
                    "call-out", "--config", cfg.toString(), "--mailbox-policy", "Restricted", "+14255550100");
            assertThat(policy.exit()).isEqualTo(1);
            assertThat(policy.out()).contains("dial plan dp-secure, mailbox policy Restricted");
            assertThat(policy.err()).contains("in-country group 'Local' rule +1425xxxxxxx");
        }
    }

    @Test
    void gatewayCertificateNamingSomeoneElseExitsOneWithoutInvite() throws Exception {
        try (FakeGateway gw = FakeGateway.tls(OTHER_CERT, PKI.rootCertificate(), "um.example.test")) {
            Path cfg = config(5060, "+1425xxxxxxx");
            CliRunner r = CliRunner.run(
                    "call-out",
                    "--config",
                    cfg.toString(),
                    "--gateway",
                    "gw1",
                    "--connect-to",
                    "127.0.0.1:" + gw.address().getPort(),
                    "+14255550100");

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err())
                    .contains("umsec call-out: error: failed: gateway gw1 refused: TLS IDENTITY_NOT_TRUSTED");
            assertThat(gw.requests).isEmpty();
        }
    }

    @Test
    void usageAndConfigurationErrors() throws Exception {
        Path cfg = config(5060, "+1425xxxxxxx");
        CliRunner noNumber = CliRunner.run("call-out", "--config", cfg.toString());
        assertThat(noNumber.exit()).isEqualTo(2);
        assertThat(noNumber.err()).contains("Missing required parameter: 'NUMBER'");

        CliRunner unknown = CliRunner.run("call-out", "--config", cfg.toString(), "--dial-plan", "nope", "1");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("umsec call-out: error: no dial plan 'nope' in the configuration");

        CliRunner ambiguous = CliRunner.run("call-out", "--config", cfg.toString(), "1");
        assertThat(ambiguous.exit()).isEqualTo(1);
        assertThat(ambiguous.err()).contains("name a dial plan: several have gateways [dp-secure, dp-plain]");

        CliRunner ring = CliRunner.run("call-out", "--config", cfg.toString(), "--ring-timeout", "0", "1");
        assertThat(ring.exit()).isEqualTo(2);

        // a bad number mask is a configuration error with its line, in call-out and in config check alike
        Path bad = config(5060, "+1425xxxxxxq");
        CliRunner check = CliRunner.run("config", "check", bad.toString());
        assertThat(check.exit()).isEqualTo(1);
        assertThat(check.out() + check.err()).contains("umsec.yaml:17: Number mask '+1425xxxxxxq' is not valid");
        CliRunner callOut = CliRunner.run("call-out", "--config", bad.toString(), "--gateway", "pbx", "1");
        assertThat(callOut.exit()).isEqualTo(1);
        assertThat(callOut.err()).contains("umsec.yaml:17: Number mask '+1425xxxxxxq' is not valid");
    }
}
