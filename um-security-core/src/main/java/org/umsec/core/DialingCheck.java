package org.umsec.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The verdict of {@link DialingRules#check(String)} on one number (R6): allowed or blocked, why,
 * which group and rule decided, and the number to dial. Blocking is an ordinary outcome, not an
 * exception, so callers can publish {@link SecurityEventType#DIALING_RESTRICTION_BLOCKED} with
 * {@link #reason()}. Immutable.
 */
public final class DialingCheck {
    /** The four possible verdicts. */
    public enum Outcome {
        /** The number matched a rule of an allowed group. */
        ALLOWED,
        /** The number matched a rule only in groups that are configured but not allowed. */
        BLOCKED_BY_RULE,
        /** The number matched no rule at all. */
        NO_MATCHING_RULE,
        /** The text is not a phone number. */
        INVALID_NUMBER
    }

    private final Outcome outcome;
    private final String number;
    private final String normalisedNumber;
    private final DialingRuleGroup group;
    private final DialingRule rule;
    private final String dialedNumber;

    private DialingCheck(
            Outcome outcome,
            String number,
            String normalisedNumber,
            DialingRuleGroup group,
            DialingRule rule,
            String dialedNumber) {
        this.outcome = outcome;
        this.number = number;
        this.normalisedNumber = normalisedNumber;
        this.group = group;
        this.rule = rule;
        this.dialedNumber = dialedNumber;
    }

    static DialingCheck allowed(String number, String normalised, DialingRuleGroup g, DialingRule r, String dialed) {
        return new DialingCheck(Outcome.ALLOWED, number, normalised, g, r, dialed);
    }

    static DialingCheck blockedByRule(String number, String normalised, DialingRuleGroup g, DialingRule r) {
        return new DialingCheck(Outcome.BLOCKED_BY_RULE, number, normalised, g, r, null);
    }

    static DialingCheck noMatch(String number, String normalised) {
        return new DialingCheck(Outcome.NO_MATCHING_RULE, number, normalised, null, null, null);
    }

    static DialingCheck invalid(String number) {
        return new DialingCheck(Outcome.INVALID_NUMBER, number, null, null, null, null);
    }

    /**
     * Returns the verdict.
     *
     * @return the outcome
     */
    public Outcome outcome() {
        return outcome;
    }

    /**
     * Returns whether the call may be placed.
     *
     * @return {@code true} only for {@link Outcome#ALLOWED}
     */
    public boolean allowed() {
        return outcome == Outcome.ALLOWED;
    }

    /**
     * Returns the number as given to the check.
     *
     * @return the original text
     */
    public String number() {
        return number;
    }

    /**
     * Returns the number with separators removed.
     *
     * @return the normalised number, empty for {@link Outcome#INVALID_NUMBER}
     */
    public Optional<String> normalisedNumber() {
        return Optional.ofNullable(normalisedNumber);
    }

    /**
     * Returns the group whose rule decided.
     *
     * @return the group for {@link Outcome#ALLOWED} and {@link Outcome#BLOCKED_BY_RULE}, otherwise empty
     */
    public Optional<DialingRuleGroup> matchedGroup() {
        return Optional.ofNullable(group);
    }

    /**
     * Returns the rule that decided.
     *
     * @return the rule for {@link Outcome#ALLOWED} and {@link Outcome#BLOCKED_BY_RULE}, otherwise empty
     */
    public Optional<DialingRule> matchedRule() {
        return Optional.ofNullable(rule);
    }

    /**
     * Returns the number to dial, after the rule's transformation.
     *
     * @return the dialed number when allowed, otherwise empty
     */
    public Optional<String> dialedNumber() {
        return Optional.ofNullable(dialedNumber);
    }

    /**
     * Returns a sentence explaining the verdict, suitable for an event or a log line.
     *
     * @return the explanation
     */
    public String reason() {
        switch (outcome) {
            case ALLOWED:
                return "Number " + normalisedNumber + " is allowed by "
                        + group.scope().label() + " group '" + group.name() + "' rule " + rule.numberMask()
                        + "; dialing " + dialedNumber;
            case BLOCKED_BY_RULE:
                return "Number " + normalisedNumber + " is blocked: it matches "
                        + group.scope().label() + " group '" + group.name() + "' rule " + rule.numberMask()
                        + ", which is not an allowed group";
            case NO_MATCHING_RULE:
                return "Number " + normalisedNumber + " is blocked: it matches no dialing rule";
            default:
                return "Number '" + printable(number) + "' is blocked: it is not a valid phone number"
                        + " (digits, an optional leading '+' and the separators space - ( ) . are accepted)";
        }
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DialingCheck)) {
            return false;
        }
        DialingCheck c = (DialingCheck) o;
        return outcome == c.outcome
                && number.equals(c.number)
                && Objects.equals(normalisedNumber, c.normalisedNumber)
                && Objects.equals(group, c.group)
                && Objects.equals(rule, c.rule)
                && Objects.equals(dialedNumber, c.dialedNumber);
    }

    @Override
    public int hashCode() {
        return Objects.hash(outcome, number, normalisedNumber, group, rule, dialedNumber);
    }

    @Override
    public String toString() {
        return outcome + ": " + reason();
    }
}
