package org.umsec.core;

/**
 * Which of a dial plan's two lists a {@link DialingRuleGroup} belongs to. Exchange keeps in-country
 * (or region) groups and international groups apart so that a mailbox policy can allow local and
 * national calls while still blocking international ones (R6).
 */
public enum DialingScope {
    /** In-country or in-region numbers (Exchange {@code ConfiguredInCountryOrRegionGroups}). */
    IN_COUNTRY("in-country"),
    /** International numbers (Exchange {@code ConfiguredInternationalGroups}). */
    INTERNATIONAL("international");

    private final String label;

    DialingScope(String label) {
        this.label = label;
    }

    /**
     * Returns the lower-case label used in messages.
     *
     * @return {@code "in-country"} or {@code "international"}
     */
    public String label() {
        return label;
    }
}
