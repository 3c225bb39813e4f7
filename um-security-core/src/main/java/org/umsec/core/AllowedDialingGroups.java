package org.umsec.core;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The dialing rule groups a dial plan or a UM mailbox policy allows, by name and scope (Exchange
 * {@code AllowedInCountryOrRegionGroups} and {@code AllowedInternationalGroups}). A number may be
 * dialed only if it matches a rule of an allowed group (R6). Names compare case-insensitively.
 * Immutable.
 */
public final class AllowedDialingGroups {
    private static final AllowedDialingGroups NONE = new AllowedDialingGroups(Set.of(), Set.of());

    private final Set<String> inCountry;
    private final Set<String> international;

    private AllowedDialingGroups(Set<String> inCountry, Set<String> international) {
        this.inCountry = inCountry;
        this.international = international;
    }

    /**
     * Returns the empty allowance: every call is blocked.
     *
     * @return the empty allowance
     */
    public static AllowedDialingGroups none() {
        return NONE;
    }

    /**
     * Creates an allowance.
     *
     * @param inCountry allowed in-country group names
     * @param international allowed international group names
     * @return the allowance
     * @throws NullPointerException if a collection or element is null
     * @throws IllegalArgumentException if a name is not a valid group name
     */
    public static AllowedDialingGroups of(Collection<String> inCountry, Collection<String> international) {
        return new AllowedDialingGroups(check(inCountry), check(international));
    }

    private static Set<String> check(Collection<String> names) {
        Objects.requireNonNull(names, "group names must not be null");
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            out.add(Names.checkName("Dialing rule group", n));
        }
        return Collections.unmodifiableSet(out);
    }

    /**
     * Returns the allowed in-country group names.
     *
     * @return an unmodifiable set in the order given
     */
    public Set<String> inCountry() {
        return inCountry;
    }

    /**
     * Returns the allowed international group names.
     *
     * @return an unmodifiable set in the order given
     */
    public Set<String> international() {
        return international;
    }

    /**
     * Returns the allowed names of one scope.
     *
     * @param scope the scope
     * @return {@link #inCountry()} or {@link #international()}
     */
    public Set<String> names(DialingScope scope) {
        return scope == DialingScope.IN_COUNTRY ? inCountry : international;
    }

    /**
     * Returns whether a group is allowed.
     *
     * @param scope the group's scope
     * @param groupName the group's name, compared case-insensitively
     * @return {@code true} if allowed
     */
    public boolean allows(DialingScope scope, String groupName) {
        String key = Names.key(groupName);
        for (String n : names(scope)) {
            if (Names.key(n).equals(key)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AllowedDialingGroups
                && inCountry.equals(((AllowedDialingGroups) o).inCountry)
                && international.equals(((AllowedDialingGroups) o).international);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inCountry, international);
    }

    @Override
    public String toString() {
        return "AllowedDialingGroups{inCountry=" + inCountry + ", international=" + international + "}";
    }
}
