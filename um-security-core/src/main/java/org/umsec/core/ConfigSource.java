package org.umsec.core;

/**
 * Where one server's part of the model comes from: its {@link UmServer} (name, FQDN,
 * {@code StartSecured}, the dial plans it is associated with), the {@link DialPlan}s and the
 * {@link IpGateway}s it trusts. Two implementations ship with umsec: the server's YAML file (the
 * default; {@code org.umsec.server.config.YamlConfigSource}) and an LDAP directory shared by a pool of
 * servers ({@code org.umsec.directory.LdapConfigSource}, module {@code um-directory}).
 *
 * <p>A source only reads: it reports what it holds as a {@link ConfigSnapshot}, with the problems it
 * found reading (an entry a builder refused), and every object's origin (a file line, a directory
 * entry's DN), so that a loader checks the whole with {@link UmConfiguration#validate()} and names
 * the origin of each problem. A source never decides whether a configuration is good: the same
 * rules apply to every source.
 *
 * <p>Live changes: {@link #watch(Listener)} reports that the content may have changed, that the
 * source cannot be reached, and that it can be reached again. The usual reaction: read again, check,
 * apply or refuse; keep the running configuration while the source is unavailable.
 *
 * <p>Implementations are thread-safe; listener callbacks arrive on a thread of the source.
 */
public interface ConfigSource extends AutoCloseable {

    /**
     * Names the source in logs, events and problems.
     *
     * @return for example {@code umsec.yaml} or {@code ldaps://ldap.example.test:636/ou=umsec,dc=example,dc=test}
     */
    String name();

    /**
     * Reads the current content.
     *
     * @return the content with the problems found reading it; never null
     * @throws ConfigSourceException if the source cannot be reached, read or trusted now (the content
     *     is unknown, which is not the same as a content with problems)
     */
    ConfigSnapshot read() throws ConfigSourceException;

    /**
     * Starts reporting changes to a listener. Called at most once; the reports stop at
     * {@link #close()}.
     *
     * @param listener receives the reports
     * @throws IllegalStateException if already watching or closed
     */
    void watch(Listener listener);

    /** Stops watching and releases connections and threads; idempotent. */
    @Override
    void close();

    /** What {@link #watch(Listener)} reports. Callbacks must return quickly (hand work to another thread). */
    interface Listener {
        /** The content may have changed: {@link ConfigSource#read()} again. */
        void changed();

        /**
         * The source cannot be reached or read; reported once per outage.
         *
         * @param reason why, for logs and events (no secrets)
         */
        void unavailable(String reason);

        /** The source can be read again after {@link #unavailable(String)}; {@link #changed()} follows. */
        void available();
    }
}
