package org.umsec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DialingRulesTest {

    private static final DialingRuleGroup LOCAL = DialingRuleGroup.builder("Local", DialingScope.IN_COUNTRY)
            .rule(DialingRule.of("91425xxxxxxx", "9xxxxxxx", "Seattle local"))
            .rule("9xxxxxxx", "*")
            .build();
    private static final DialingRuleGroup NATIONAL = DialingRuleGroup.builder("National", DialingScope.IN_COUNTRY)
            .rule("91xxxxxxxxxx", "*")
            .build();
    private static final DialingRuleGroup EUROPE = DialingRuleGroup.builder("Europe", DialingScope.INTERNATIONAL)
            .rule("901144*", "01144*")
            .rule("901133*", "*")
            .build();
    private static final DialingRuleGroup ANYWHERE = DialingRuleGroup.builder("Anywhere", DialingScope.INTERNATIONAL)
            .rule("*", "*")
            .build();

    private static DialingRules rules() {
        return DialingRules.builder()
                .group(LOCAL)
                .group(NATIONAL)
                .group(EUROPE)
                .group(ANYWHERE)
                .allowInCountry("local")
                .build();
    }

    @ParameterizedTest
    @CsvSource({
        "'9 (1425) 555-1234', 914255551234",
        "+44 20.7946.0000, +442079460000",
        "'  9-555-1234\t', 95551234",
        "(0)123, 0123"
    })
    void normaliseRemovesSeparatorsAndKeepsLeadingPlus(String in, String out) {
        assertThat(DialingRules.normalise(in)).contains(out);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "+",
                "--",
                "1+2",
                "++44",
                "555-CALL",
                "123#",
                "12*3",
                "１２３",
                "1/2",
                "123456789012345678901234567890123"
            })
    void normaliseRejectsNonNumbers(String in) {
        assertThat(DialingRules.normalise(in)).isEmpty();
    }

    @Test
    void thirtyTwoDigitsAreAccepted() {
        assertThat(DialingRules.normalise("12345678901234567890123456789012")).isPresent();
    }

    @Test
    void allowedGroupRuleAllowsAndTransformsTheNumber() {
        DialingCheck c = rules().check("9 (1425) 555-1234");
        assertThat(c.outcome()).isEqualTo(DialingCheck.Outcome.ALLOWED);
        assertThat(c.allowed()).isTrue();
        assertThat(c.matchedGroup()).contains(LOCAL);
        assertThat(c.matchedRule().orElseThrow().numberMask()).isEqualTo("91425xxxxxxx");
        assertThat(c.normalisedNumber()).contains("914255551234");
        assertThat(c.dialedNumber()).contains("95551234");
        assertThat(c.number()).isEqualTo("9 (1425) 555-1234");
        assertThat(c.reason())
                .isEqualTo(
                        "Number 914255551234 is allowed by in-country group 'Local' rule 91425xxxxxxx; dialing 95551234");
    }

    @Test
    void secondRuleOfGroupDialsUnchanged() {
        DialingCheck c = rules().check("9555 1234");
        assertThat(c.allowed()).isTrue();
        assertThat(c.matchedRule().orElseThrow().numberMask()).isEqualTo("9xxxxxxx");
        assertThat(c.dialedNumber()).contains("95551234");
    }

    @Test
    void configuredButNotAllowedGroupBlocksNamingTheRule() {
        DialingCheck c = rules().check("9-1-206-555-1234");
        assertThat(c.outcome()).isEqualTo(DialingCheck.Outcome.BLOCKED_BY_RULE);
        assertThat(c.allowed()).isFalse();
        assertThat(c.matchedGroup()).contains(NATIONAL);
        assertThat(c.dialedNumber()).isEmpty();
        assertThat(c.reason())
                .isEqualTo("Number 912065551234 is blocked: it matches in-country group 'National'"
                        + " rule 91xxxxxxxxxx, which is not an allowed group");
    }

    @Test
    void internationalNumbersAreBlockedUnlessAllowed() {
        DialingCheck c = rules().check("9011 44 20 7946 0000");
        assertThat(c.outcome()).isEqualTo(DialingCheck.Outcome.BLOCKED_BY_RULE);
        assertThat(c.matchedGroup()).contains(EUROPE);
        assertThat(c.reason())
                .isEqualTo("Number 9011442079460000 is blocked: it matches international group 'Europe'"
                        + " rule 901144*, which is not an allowed group");
    }

    @Test
    void allowedGroupsWinOverBroadBlockedRules() {
        DialingRules r = DialingRules.builder()
                .group(ANYWHERE)
                .group(LOCAL)
                .allowInCountry("Local")
                .build();
        assertThat(r.check("95551234").allowed()).isTrue();
        assertThat(r.check("0123").matchedGroup()).contains(ANYWHERE);
        assertThat(r.check("0123").allowed()).isFalse();
    }

    @Test
    void starTailIsCarriedIntoTheDialedNumber() {
        AllowedDialingGroups europe = AllowedDialingGroups.of(List.of(), List.of("EUROPE"));
        DialingCheck c = rules().check("9011 44 20 7946 0000", europe);
        assertThat(c.allowed()).isTrue();
        assertThat(c.dialedNumber()).contains("011442079460000");
        assertThat(rules().check("9011 33 1 0000", europe).dialedNumber()).contains("90113310000");
        // A policy allowing only Europe no longer allows the dial plan's Local group.
        DialingCheck local = rules().check("95551234", europe);
        assertThat(local.outcome()).isEqualTo(DialingCheck.Outcome.BLOCKED_BY_RULE);
        assertThat(local.matchedGroup()).contains(LOCAL);
    }

    @Test
    void noMatchingRuleIsBlocked() {
        DialingRules r =
                DialingRules.builder().group(LOCAL).allowInCountry("Local").build();
        DialingCheck c = r.check("12345");
        assertThat(c.outcome()).isEqualTo(DialingCheck.Outcome.NO_MATCHING_RULE);
        assertThat(c.matchedRule()).isEmpty();
        assertThat(c.reason()).isEqualTo("Number 12345 is blocked: it matches no dialing rule");
        assertThat(DialingRules.none().check("95551234").outcome()).isEqualTo(DialingCheck.Outcome.NO_MATCHING_RULE);
    }

    @Test
    void invalidNumberIsBlockedWithAClearReason() {
        DialingCheck c = rules().check("1-800-FLOWERS");
        assertThat(c.outcome()).isEqualTo(DialingCheck.Outcome.INVALID_NUMBER);
        assertThat(c.normalisedNumber()).isEmpty();
        assertThat(c.reason())
                .isEqualTo("Number '1-800-FLOWERS' is blocked: it is not a valid phone number"
                        + " (digits, an optional leading '+' and the separators space - ( ) . are accepted)");
        assertThat(rules().check("12\n34").reason()).startsWith("Number '12?34' is blocked");
    }

    @Test
    void leadingPlusIsMatchedLiterallyOrReplacedByTheAccessCode() {
        DialingRuleGroup plus = DialingRuleGroup.builder("UK", DialingScope.INTERNATIONAL)
                .rule("+44*", "0044*")
                .build();
        DialingRules literal =
                DialingRules.builder().group(plus).allowInternational("UK").build();
        assertThat(literal.check("+44 20 7946 0000").dialedNumber()).contains("00442079460000");
        assertThat(literal.check("0044 20 7946 0000").allowed()).isFalse();

        DialingRuleGroup zeros = DialingRuleGroup.builder("UK", DialingScope.INTERNATIONAL)
                .rule("0044*", "*")
                .build();
        DialingRules iac = DialingRules.builder()
                .group(zeros)
                .allowInternational("UK")
                .internationalAccessCode("00")
                .build();
        assertThat(iac.internationalAccessCode()).contains("00");
        DialingCheck c = iac.check("+44 20 7946 0000");
        assertThat(c.normalisedNumber()).contains("00442079460000");
        assertThat(c.dialedNumber()).contains("00442079460000");
    }

    @Test
    void starMaskMatchesEverythingButNothingEmpty() {
        DialingRule any = DialingRule.of("*");
        assertThat(any.matches("1")).isTrue();
        assertThat(any.matches("+4412")).isTrue();
        assertThat(any.matches("")).isFalse();
    }

    @Test
    void masksMatchExactLengthUnlessTheyEndInStar() {
        DialingRule r = DialingRule.of("9xxx");
        assertThat(r.matches("9123")).isTrue();
        assertThat(r.matches("912")).isFalse();
        assertThat(r.matches("91234")).isFalse();
        assertThat(r.matches("8123")).isFalse();
        assertThat(r.matches("+123")).isFalse();
        DialingRule s = DialingRule.of("9x*");
        assertThat(s.matches("91")).isTrue();
        assertThat(s.matches("9123456")).isTrue();
        assertThat(s.matches("9")).isFalse();
        assertThat(DialingRule.of("9XX", "1xx", "").fill("945")).isEqualTo("145");
    }

    @Test
    void ruleValidationMessages() {
        assertThatThrownBy(() -> DialingRule.of("91425xxxxxxx", "9xxxx", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Dialed number '9xxxx' has 4 'x' digits but number mask '91425xxxxxxx' has 7; they must be equal");
        assertThatThrownBy(() -> DialingRule.of("9xxx", "9xxx*", ""))
                .hasMessage("Dialed number '9xxx*' ends in '*' but number mask '9xxx' does not");
        assertThatThrownBy(() -> DialingRule.of("9*1"))
                .hasMessage(
                        "Number mask '9*1' is not valid: use digits, 'x' for any digit, an optional leading '+' and an optional trailing '*'");
        assertThatThrownBy(() -> DialingRule.of("9xxx", "9y", ""))
                .hasMessage(
                        "Dialed number '9y' is not valid: use digits, 'x' for any digit, an optional leading '+' and an optional trailing '*'");
        assertThatThrownBy(() -> DialingRule.of(" ")).hasMessage("Number mask must not be empty");
        assertThatThrownBy(() -> DialingRule.of("+")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DialingRule.of("+*")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DialingRule.of("9-555")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DialingRule.of("1".repeat(33)))
                .hasMessage("Number mask '" + "1".repeat(33) + "' is longer than 32 characters");
        assertThatThrownBy(() -> DialingRule.of(null)).hasMessage("number mask must not be null");
    }

    @Test
    void groupAndRulesValidationMessages() {
        assertThatThrownBy(() -> DialingRuleGroup.builder("Empty", DialingScope.IN_COUNTRY)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Dialing rule group 'Empty' has no rules");
        assertThatThrownBy(() -> DialingRuleGroup.builder("a,b", DialingScope.IN_COUNTRY))
                .hasMessage("Dialing rule group name 'a,b' must not contain control characters or commas");
        assertThatThrownBy(() -> DialingRuleGroup.builder("Local", null)).hasMessage("dialing scope must not be null");
        assertThatThrownBy(() -> DialingRules.builder()
                        .group(LOCAL)
                        .group(DialingRuleGroup.builder("LOCAL", DialingScope.IN_COUNTRY)
                                .rule("1", "*")
                                .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dialing rules already have an in-country group named 'Local'");
        // Same name in the other scope is fine.
        DialingRules.builder()
                .group(LOCAL)
                .group(DialingRuleGroup.builder("Local", DialingScope.INTERNATIONAL)
                        .rule("1", "*")
                        .build())
                .build();
        assertThatThrownBy(() -> DialingRules.builder()
                        .group(LOCAL)
                        .allowInCountry("Local")
                        .allowInternational("Local")
                        .allowInCountry("Long")
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Dialing rules allow groups that are not configured: in-country group 'Long',"
                        + " international group 'Local'");
        assertThatThrownBy(() -> DialingRules.builder().internationalAccessCode("+00"))
                .hasMessage("International access code '+00' must be one to four digits");
        assertThatThrownBy(() -> rules().check(null)).hasMessage("number must not be null");
        assertThatThrownBy(() -> rules().check("1", null)).hasMessage("allowed groups must not be null");
    }

    @Test
    void groupsByScopeAndLookup() {
        DialingRules r = rules();
        assertThat(r.groups(DialingScope.IN_COUNTRY)).containsExactly(LOCAL, NATIONAL);
        assertThat(r.groups(DialingScope.INTERNATIONAL)).containsExactly(EUROPE, ANYWHERE);
        assertThat(r.group(DialingScope.INTERNATIONAL, "europe")).contains(EUROPE);
        assertThat(r.group(DialingScope.IN_COUNTRY, "europe")).isEmpty();
        assertThat(r.allowed().inCountry()).containsExactly("local");
        assertThat(AllowedDialingGroups.none().allows(DialingScope.IN_COUNTRY, "Local"))
                .isFalse();
    }
}
