package org.umsec.directory.testing;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.schema.Schema;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An in-memory LDAP directory (UnboundID's {@code InMemoryDirectoryServer}) with the umsec schema
 * and, unless told otherwise, the example entries ({@code org/umsec/directory/example.ldif}: server
 * {@code um1}, dial plans {@code dp-secure} and {@code dp-plain}, gateways {@code gw1} and
 * {@code pbx-lab}) below {@value #UMSEC_BASE}, for tests and labs. It listens on loopback ports the
 * system chooses: plain LDAP (with StartTLS when a certificate is given) and LDAPS. Its listeners can
 * be stopped and started again on the same ports, to play an outage.
 *
 * <p><b>For tests and labs only</b>: no access control beyond one bind DN, nothing persisted.
 *
 * <pre>{@code
 * try (TestDirectory dir = TestDirectory.builder().tls(key, chain).start()) {
 *     DirectorySettings s = DirectorySettings.builder(dir.ldapsUrl()).bindDn(TestDirectory.BIND_DN)
 *             .password(TestDirectory.BIND_PASSWORD).baseDn(TestDirectory.UMSEC_BASE).build();
 * }
 * }</pre>
 */
public final class TestDirectory implements AutoCloseable {

    /** The suffix of the directory. */
    public static final String SUFFIX = "dc=example,dc=test";
    /** Where the example entries are: the {@code directory.baseDn} to use. */
    public static final String UMSEC_BASE = "ou=umsec,dc=example,dc=test";
    /** The DN that may bind. */
    public static final String BIND_DN = "cn=umsec,dc=example,dc=test";
    /** Its password. */
    public static final String BIND_PASSWORD = "test-directory-secret";
    /** The schema resource (OpenLDAP cn=config form). */
    public static final String SCHEMA_RESOURCE = "/org/umsec/directory/umsec-schema.ldif";
    /** The example entries resource. */
    public static final String EXAMPLE_RESOURCE = "/org/umsec/directory/example.ldif";

    private static final String LDAP = "ldap";
    private static final String LDAPS = "ldaps";

    private final InMemoryDirectoryServer server;
    private final int ldapPort;
    private final int ldapsPort;
    private final boolean tls;

    private TestDirectory(InMemoryDirectoryServer server, int ldapPort, int ldapsPort, boolean tls) {
        this.server = server;
        this.ldapPort = ldapPort;
        this.ldapsPort = ldapsPort;
        this.tls = tls;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The umsec schema as UnboundID reads it: the standard schema plus the attribute types and object
     * classes of {@value #SCHEMA_RESOURCE} (its {@code olcAttributeTypes}/{@code olcObjectClasses}).
     *
     * @return the schema
     * @throws IOException if the resource is missing or malformed
     */
    static Schema schema() throws IOException {
        List<Entry> entries = ldif(SCHEMA_RESOURCE);
        if (entries.size() != 1) {
            throw new IOException(SCHEMA_RESOURCE + " must hold one entry, holds " + entries.size());
        }
        Entry olc = entries.get(0);
        Entry schema = new Entry("cn=schema");
        schema.addAttribute("objectClass", "top", "ldapSubentry", "subschema");
        schema.addAttribute("cn", "schema");
        schema.addAttribute("attributeTypes", olc.getAttributeValues("olcAttributeTypes"));
        schema.addAttribute("objectClasses", olc.getAttributeValues("olcObjectClasses"));
        try {
            return Schema.mergeSchemas(Schema.getDefaultStandardSchema(), new Schema(schema));
        } catch (LDAPException e) {
            throw new IOException("cannot load the standard schema: " + e.getMessage(), e);
        }
    }

    /**
     * @param resource an LDIF resource of this module
     * @return its entries
     * @throws IOException if missing or malformed
     */
    static List<Entry> ldif(String resource) throws IOException {
        try (InputStream in = TestDirectory.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource missing: " + resource);
            }
            LDIFReader r = new LDIFReader(in);
            List<Entry> out = new ArrayList<>();
            for (Entry e = r.readEntry(); e != null; e = r.readEntry()) {
                out.add(e);
            }
            return out;
        } catch (LDIFException e) {
            throw new IOException(resource + ": " + e.getMessage(), e);
        }
    }

    /** @return {@code ldap://localhost:PORT} (StartTLS offered when a certificate was given) */
    public String ldapUrl() {
        return "ldap://localhost:" + ldapPort;
    }

    /**
     * @return {@code ldaps://localhost:PORT}
     * @throws IllegalStateException without a certificate
     */
    public String ldapsUrl() {
        if (!tls) {
            throw new IllegalStateException("no LDAPS listener: the directory was started without a certificate");
        }
        return "ldaps://localhost:" + ldapsPort;
    }

    /**
     * Adds an entry.
     *
     * @param ldifLines the entry in LDIF, one line per argument
     * @throws IOException if the directory refuses it (schema, duplicate), with its reason
     */
    public void add(String... ldifLines) throws IOException {
        try {
            server.add(ldifLines);
        } catch (LDAPException | LDIFException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Replaces an attribute's values.
     *
     * @param dn the entry
     * @param attribute the attribute
     * @param values the new values (none: remove the attribute)
     * @throws IOException if the directory refuses it, with its reason
     */
    public void replace(String dn, String attribute, String... values) throws IOException {
        try {
            server.modify(dn, new Modification(ModificationType.REPLACE, attribute, values));
        } catch (LDAPException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Deletes an entry.
     *
     * @param dn the entry
     * @throws IOException if the directory refuses it, with its reason
     */
    public void delete(String dn) throws IOException {
        try {
            server.delete(dn);
        } catch (LDAPException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Stops listening and closes every connection: an outage. The content stays. */
    public void stop() {
        server.shutDown(LDAP, true);
        if (tls) {
            server.shutDown(LDAPS, true);
        }
    }

    /**
     * Listens again, on the same ports, after {@link #stop()}.
     *
     * @throws IOException if a port cannot be bound again
     */
    public void restart() throws IOException {
        try {
            server.startListening(LDAP);
            if (tls) {
                server.startListening(LDAPS);
            }
        } catch (LDAPException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.shutDown(true);
    }

    /** Configures a {@link TestDirectory}. */
    public static final class Builder {
        private PrivateKey key;
        private List<X509Certificate> chain;
        private boolean example = true;

        private Builder() {}

        /**
         * Offers TLS: an LDAPS listener, and StartTLS on the LDAP listener.
         *
         * @param privateKey the directory's key
         * @param certificateChain its certificate first, then the issuers (a name the client checks:
         *     {@code localhost})
         * @return this
         */
        public Builder tls(PrivateKey privateKey, List<X509Certificate> certificateChain) {
            key = Objects.requireNonNull(privateKey, "privateKey");
            chain = List.copyOf(certificateChain);
            return this;
        }

        /**
         * @param on load the example entries (default true); otherwise only the suffix and the
         *     {@value TestDirectory#UMSEC_BASE} container
         * @return this
         */
        public Builder exampleEntries(boolean on) {
            example = on;
            return this;
        }

        /**
         * Starts the directory.
         *
         * @return the running directory
         * @throws IOException if it cannot be started (ports, schema, TLS)
         */
        public TestDirectory start() throws IOException {
            try {
                InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(SUFFIX);
                config.setSchema(schema());
                config.addAdditionalBindCredentials(BIND_DN, BIND_PASSWORD);
                config.setEnforceSingleStructuralObjectClass(true);
                InetAddress loopback = InetAddress.getByName("127.0.0.1");
                int ldapPort = freePort();
                int ldapsPort = 0;
                List<InMemoryListenerConfig> listeners = new ArrayList<>();
                if (key != null) {
                    SSLContext ctx = serverContext();
                    listeners.add(
                            InMemoryListenerConfig.createLDAPConfig(LDAP, loopback, ldapPort, ctx.getSocketFactory()));
                    ldapsPort = freePort();
                    listeners.add(InMemoryListenerConfig.createLDAPSConfig(
                            LDAPS, loopback, ldapsPort, ctx.getServerSocketFactory(), ctx.getSocketFactory()));
                } else {
                    listeners.add(InMemoryListenerConfig.createLDAPConfig(LDAP, loopback, ldapPort, null));
                }
                config.setListenerConfigs(listeners);
                InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
                server.add(
                        "dn: " + SUFFIX,
                        "objectClass: dcObject",
                        "objectClass: organization",
                        "dc: example",
                        "o: example");
                if (example) {
                    for (Entry e : ldif(EXAMPLE_RESOURCE)) {
                        server.add(e);
                    }
                } else {
                    server.add("dn: " + UMSEC_BASE, "objectClass: organizationalUnit", "ou: umsec");
                }
                server.startListening();
                return new TestDirectory(server, ldapPort, ldapsPort, key != null);
            } catch (LDAPException | LDIFException | GeneralSecurityException e) {
                throw new IOException("cannot start the test directory: " + e.getMessage(), e);
            }
        }

        private SSLContext serverContext() throws GeneralSecurityException, IOException {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "test".toCharArray();
            ks.setKeyEntry("directory", key, pw, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        }

        /** A port the system has just handed out, kept so that {@link TestDirectory#restart()} finds it again. */
        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                return s.getLocalPort();
            }
        }
    }
}
