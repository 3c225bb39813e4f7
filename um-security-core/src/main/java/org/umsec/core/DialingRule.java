package org.umsec.core;

import java.util.Objects;

/**
 * One entry of a dialing rule group: a number mask that recognises numbers, and the number that is
 * actually dialed for them, written the way Exchange writes them.
 *
 * <h2>Number masks</h2>
 * <ul>
 *   <li>a digit matches itself; {@code x} (or {@code X}) matches any one digit;</li>
 *   <li>a trailing {@code *} matches any number of further digits, including none;</li>
 *   <li>{@code *} alone matches every number;</li>
 *   <li>a leading {@code +} matches a number written in international form.</li>
 * </ul>
 * For example {@code 9xxxxxxx} matches {@code 95551234}, {@code 91425xxxxxxx} matches
 * {@code 914255551234} and {@code 0044*} matches every number that starts with {@code 0044}.
 *
 * <h2>Dialed number</h2>
 * The number to dial is the dialed-number pattern with its {@code x}s filled, in order, with the
 * digits the mask's {@code x}s matched, and a trailing {@code *} replaced by the digits the mask's
 * {@code *} matched. The pattern must have as many {@code x}s as the mask, and may end in {@code *}
 * only if the mask does. A dialed number of {@code *} alone dials the normalised number unchanged.
 * Example: mask {@code 91425xxxxxxx}, dialed {@code 9xxxxxxx}: {@code 914255551234} dials
 * {@code 95551234}.
 *
 * <p>Immutable.
 */
public final class DialingRule {
    /** Longest mask or dialed-number pattern accepted. */
    public static final int MAX_PATTERN_LENGTH = 32;

    private final String numberMask;
    private final String dialedNumber;
    private final String comment;
    private final int xCount;
    private final boolean star;

    private DialingRule(String numberMask, String dialedNumber, String comment) {
        this.numberMask = numberMask;
        this.dialedNumber = dialedNumber;
        this.comment = comment;
        this.xCount = countX(numberMask);
        this.star = numberMask.endsWith("*");
    }

    /**
     * Creates a rule that dials matching numbers unchanged.
     *
     * @param numberMask the mask
     * @return the rule
     * @throws NullPointerException if {@code numberMask} is null
     * @throws IllegalArgumentException if the mask is not valid; the message says why
     */
    public static DialingRule of(String numberMask) {
        return of(numberMask, "*", "");
    }

    /**
     * Creates a rule.
     *
     * @param numberMask the mask that recognises numbers
     * @param dialedNumber the dialed-number pattern, {@code *} for "unchanged"
     * @param comment free text for administrators, may be empty
     * @return the rule
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the mask or dialed number is not valid or they do not fit
     *         together; the message says why
     */
    public static DialingRule of(String numberMask, String dialedNumber, String comment) {
        Objects.requireNonNull(numberMask, "number mask must not be null");
        Objects.requireNonNull(dialedNumber, "dialed number must not be null");
        Objects.requireNonNull(comment, "comment must not be null");
        String mask = numberMask.strip();
        String dialed = dialedNumber.strip();
        checkPattern("Number mask", mask);
        checkPattern("Dialed number", dialed);
        if (!dialed.equals("*")) {
            int mx = countX(mask);
            int dx = countX(dialed);
            if (mx != dx) {
                throw new IllegalArgumentException("Dialed number '" + dialed + "' has " + dx
                        + " 'x' digits but number mask '" + mask + "' has " + mx + "; they must be equal");
            }
            if (dialed.endsWith("*") && !mask.endsWith("*")) {
                throw new IllegalArgumentException(
                        "Dialed number '" + dialed + "' ends in '*' but number mask '" + mask + "' does not");
            }
        }
        return new DialingRule(mask, dialed, comment.strip());
    }

    private static void checkPattern(String what, String p) {
        if (p.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (p.length() > MAX_PATTERN_LENGTH) {
            throw new IllegalArgumentException(
                    what + " '" + p + "' is longer than " + MAX_PATTERN_LENGTH + " characters");
        }
        boolean ok = !p.equals("+");
        for (int i = 0; i < p.length() && ok; i++) {
            char c = p.charAt(i);
            ok = (c >= '0' && c <= '9')
                    || c == 'x'
                    || c == 'X'
                    || (c == '+' && i == 0)
                    || (c == '*' && i == p.length() - 1);
        }
        if (!ok || p.startsWith("+*")) {
            throw new IllegalArgumentException(
                    what + " '" + p
                            + "' is not valid: use digits, 'x' for any digit, an optional leading '+' and an optional trailing '*'");
        }
    }

    private static int countX(String p) {
        int n = 0;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == 'x' || c == 'X') {
                n++;
            }
        }
        return n;
    }

    /**
     * Returns the number mask.
     *
     * @return the mask as given, without surrounding white space
     */
    public String numberMask() {
        return numberMask;
    }

    /**
     * Returns the dialed-number pattern.
     *
     * @return the pattern, {@code *} for "unchanged"
     */
    public String dialedNumber() {
        return dialedNumber;
    }

    /**
     * Returns the administrator's comment.
     *
     * @return the comment, possibly empty
     */
    public String comment() {
        return comment;
    }

    /**
     * Returns whether a normalised number matches the mask.
     *
     * @param number digits with an optional leading {@code +}, as {@link DialingRules#normalise(String)} returns
     * @return {@code true} if the mask matches
     */
    public boolean matches(String number) {
        return fill(number) != null;
    }

    /**
     * Returns the number to dial for a matching normalised number, or {@code null} if the mask does
     * not match.
     */
    String fill(String number) {
        if (numberMask.equals("*")) {
            return number.isEmpty() ? null : dial(number, new StringBuilder(), "");
        }
        int fixed = star ? numberMask.length() - 1 : numberMask.length();
        if (star ? number.length() < fixed : number.length() != fixed) {
            return null;
        }
        StringBuilder captured = new StringBuilder(xCount);
        for (int i = 0; i < fixed; i++) {
            char m = numberMask.charAt(i);
            char c = number.charAt(i);
            if (m == 'x' || m == 'X') {
                if (c < '0' || c > '9') {
                    return null;
                }
                captured.append(c);
            } else if (m != c) {
                return null;
            }
        }
        return dial(number, captured, number.substring(fixed));
    }

    private String dial(String number, CharSequence captured, String tail) {
        if (dialedNumber.equals("*")) {
            return number;
        }
        StringBuilder out = new StringBuilder(dialedNumber.length() + tail.length());
        int next = 0;
        for (int i = 0; i < dialedNumber.length(); i++) {
            char d = dialedNumber.charAt(i);
            if (d == 'x' || d == 'X') {
                out.append(captured.charAt(next++));
            } else if (d == '*') {
                out.append(tail);
            } else {
                out.append(d);
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DialingRule
                && numberMask.equals(((DialingRule) o).numberMask)
                && dialedNumber.equals(((DialingRule) o).dialedNumber)
                && comment.equals(((DialingRule) o).comment);
    }

    @Override
    public int hashCode() {
        return Objects.hash(numberMask, dialedNumber, comment);
    }

    /**
     * Returns {@code mask -> dialed}.
     *
     * @return the rendering
     */
    @Override
    public String toString() {
        return numberMask + " -> " + dialedNumber;
    }
}
