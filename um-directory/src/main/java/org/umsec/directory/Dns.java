package org.umsec.directory;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import java.util.Objects;

/** Distinguished names: checked with the UnboundID parser, kept as written. */
final class Dns {
    private Dns() {}

    static String check(String key, String dn) {
        Objects.requireNonNull(dn, key);
        try {
            DN parsed = new DN(dn.strip());
            if (parsed.isNullDN()) {
                throw new IllegalArgumentException(key + " is empty");
            }
            return parsed.toString();
        } catch (LDAPException e) {
            throw new IllegalArgumentException(
                    key + " '" + DirectorySettings.clean(dn) + "' is not a distinguished name: " + e.getMessage());
        }
    }
}
