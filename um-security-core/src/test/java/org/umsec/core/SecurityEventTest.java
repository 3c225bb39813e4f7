package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SecurityEventTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:15:30Z");
    private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);

    @Test
    void documentStartEventsHaveTheDocumentIds() {
        assertThat(SecurityEventType.SERVICE_STARTED_SECURED.id()).isEqualTo(1112);
        assertThat(SecurityEventType.SECURED_CERTIFICATE_LOADED.id()).isEqualTo(1114);
        assertThat(SecurityEventType.SERVICE_STARTED_SECURED.defaultSeverity()).isEqualTo(Severity.INFO);
    }

    @Test
    void idsAreUniqueAndLookupRoundTrips() {
        Set<Integer> ids = Arrays.stream(SecurityEventType.values())
                .map(SecurityEventType::id)
                .collect(Collectors.toSet());
        assertThat(ids).hasSize(SecurityEventType.values().length);
        for (SecurityEventType t : SecurityEventType.values()) {
            assertThat(SecurityEventType.byId(t.id())).contains(t);
        }
        assertThat(SecurityEventType.byId(9999)).isEmpty();
    }

    @Test
    void contractIdsAreStable() {
        assertThat(SecurityEventType.SERVICE_STARTED_UNSECURED.id()).isEqualTo(1110);
        assertThat(SecurityEventType.CERTIFICATE_IN_USE.id()).isEqualTo(2001);
        assertThat(SecurityEventType.CERTIFICATE_CHANGED.id()).isEqualTo(2002);
        assertThat(SecurityEventType.CERTIFICATE_GENERATED.id()).isEqualTo(2003);
        assertThat(SecurityEventType.CERTIFICATE_EXPIRING.id()).isEqualTo(2004);
        assertThat(SecurityEventType.CERTIFICATE_EXPIRED.id()).isEqualTo(2005);
        assertThat(SecurityEventType.CERTIFICATE_EXPIRED.defaultSeverity()).isEqualTo(Severity.ERROR);
        assertThat(SecurityEventType.TLS_HANDSHAKE_FAILED.id()).isEqualTo(3001);
        assertThat(SecurityEventType.UNTRUSTED_PEER_REFUSED.id()).isEqualTo(3002);
        assertThat(SecurityEventType.CALL_REJECTED_NO_CERTIFICATE.id()).isEqualTo(3003);
        assertThat(SecurityEventType.DIALING_RESTRICTION_BLOCKED.id()).isEqualTo(4001);
        assertThat(SecurityEventType.CONFIGURATION_REJECTED.id()).isEqualTo(6002);
    }

    @Test
    void buildTakesTimeFromClockAndKeepsFieldOrder() {
        SecurityEvent e = SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, clock)
                .message("Peer not on the trusted gateway list")
                .field("peer", "10.0.0.9:5061")
                .field("identities", "[gw9.example.com]")
                .field("attempt", 3)
                .field("note", null)
                .build();
        assertThat(e.time()).isEqualTo(T0);
        assertThat(e.id()).isEqualTo(3002);
        assertThat(e.severity()).isEqualTo(Severity.WARNING);
        assertThat(e.fields().keySet()).containsExactly("peer", "identities", "attempt", "note");
        assertThat(e.field("attempt")).contains("3");
        assertThat(e.field("note")).contains("");
        assertThat(e.field("missing")).isEmpty();
        assertThat(e.toString())
                .isEqualTo("[3002 UNTRUSTED_PEER_REFUSED WARNING] Peer not on the trusted gateway list"
                        + " peer=10.0.0.9:5061 identities=[gw9.example.com] attempt=3 note=\"\"");
        assertThatThrownBy(() -> e.fields().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void defaultsAndOverrides() {
        SecurityEvent e = SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_SECURED, clock)
                .build();
        assertThat(e.message()).isEqualTo("Service started in secured mode");
        assertThat(e.toString()).isEqualTo("[1112 SERVICE_STARTED_SECURED INFO] Service started in secured mode");
        SecurityEvent w = SecurityEvent.builder(SecurityEventType.SERVICE_STARTED_SECURED, clock)
                .severity(Severity.WARNING)
                .field("a", 1)
                .field("a", 2)
                .build();
        assertThat(w.severity()).isEqualTo(Severity.WARNING);
        assertThat(w.fields()).containsExactly(java.util.Map.entry("a", "2"));
    }

    @Test
    void valuesCannotForgeFieldsInTheLogLine() {
        SecurityEvent e = SecurityEvent.builder(SecurityEventType.TLS_HANDSHAKE_FAILED, clock)
                .message("line1\nline2")
                .field("reason", "bad cert\nsev=INFO x=\"y\"")
                .build();
        assertThat(e.toString())
                .isEqualTo("[3001 TLS_HANDSHAKE_FAILED ERROR] line1\\nline2"
                        + " reason=\"bad cert\\nsev=INFO x=\\\"y\\\"\"");
    }

    /** Issue 9 item 8: a peer-supplied CN with ESC sequences must not reach a terminal raw. */
    @Test
    void everyControlCharacterIsEscapedInTheLogLine() {
        SecurityEvent e = SecurityEvent.builder(SecurityEventType.UNTRUSTED_PEER_REFUSED, Clock.systemUTC())
                .message("refused CN=evil\u001b[2J\u001b]0;owned\u0007 \u202egnp.exe")
                .field("identities", "[evil\u001b[31mred\u0000\u0085\t]")
                .build();
        String line = e.toString();
        assertThat(line).doesNotContainPattern("[\\p{Cc}\\p{Cf}]");
        assertThat(line)
                .contains("evil\\u001b[2J\\u001b]0;owned\\u0007 \\u202egnp.exe")
                .contains("identities=\"[evil\\u001b[31mred\\u0000\\u0085\\t]\"");
    }

    @Test
    void builderRejectsBadArguments() {
        assertThatThrownBy(() -> SecurityEvent.builder(null, clock)).hasMessage("event type must not be null");
        assertThatThrownBy(() -> SecurityEvent.builder(SecurityEventType.CERTIFICATE_IN_USE, null))
                .hasMessage("clock must not be null");
        SecurityEvent.Builder b = SecurityEvent.builder(SecurityEventType.CERTIFICATE_IN_USE, clock);
        assertThatThrownBy(() -> b.field(" ", "v"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("field name must not be blank");
        assertThatThrownBy(() -> b.field("a b", "v"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("field name 'a b' must not contain white space, control characters or '='");
        assertThatThrownBy(() -> b.field("a=b", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.field(null, "v")).hasMessage("field name must not be null");
        assertThatThrownBy(() -> b.message(null)).hasMessage("message must not be null");
        assertThatThrownBy(() -> b.severity(null)).hasMessage("severity must not be null");
    }
}
