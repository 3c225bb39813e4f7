/**
 * umsec directory: dial plans, IP gateways, UM servers and their associations read from an LDAP
 * directory (OpenLDAP, Active Directory with the umsec schema) and watched for changes, as an
 * {@link org.umsec.core.ConfigSource}. The schema and an example are resources of this module:
 * {@code org/umsec/directory/umsec-schema.ldif} and {@code org/umsec/directory/example.ldif}.
 *
 * <p>The UnboundID LDAP SDK is used internally only; the public API speaks core's model and
 * {@code java.security} types.
 */
module org.umsec.directory {
    requires transitive org.umsec.core;
    requires unboundid.ldapsdk;
    requires org.slf4j;

    exports org.umsec.directory;
    exports org.umsec.directory.testing;
}
