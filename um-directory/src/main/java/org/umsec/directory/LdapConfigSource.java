package org.umsec.directory;

import com.unboundid.ldap.sdk.AsyncRequestID;
import com.unboundid.ldap.sdk.AsyncSearchResultListener;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPResult;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.RootDSE;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchResultReference;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.controls.ContentSyncRequestControl;
import com.unboundid.ldap.sdk.controls.ContentSyncRequestMode;
import com.unboundid.ldap.sdk.controls.PersistentSearchChangeType;
import com.unboundid.ldap.sdk.controls.PersistentSearchRequestControl;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.ConfigSource;
import org.umsec.core.ConfigSourceException;

/**
 * Dial plans, gateways and a server's associations read from an LDAP directory (the umsec schema,
 * {@code org/umsec/directory/umsec-schema.ldif}), and watched for changes.
 *
 * <p><b>Reading.</b> {@link #read()} opens a connection (TLS per {@link DirectorySettings#tls()},
 * then a simple bind, or anonymous), searches the subtree of the base DN for {@code umsecDialPlan},
 * {@code umsecGateway} and {@code umsecServer} entries (at most {@value #MAX_ENTRIES}, within the
 * response timeout) and closes it. The snapshot holds every dial plan, the {@code umsecServer} entry
 * whose {@code cn} is this server's name, and the gateways of the dial plans that server entry names
 * ({@code umsecDialPlanName}); a pool's other gateways are not this server's trusted devices (R5).
 *
 * <p><b>Watching.</b> {@link #watch(ConfigSource.Listener)} keeps one connection open and uses, in
 * this order, what the directory offers: content synchronisation (RFC 4533 refreshAndPersist,
 * OpenLDAP's {@code syncprov}), a persistent search (draft-ietf-ldapext-psearch), or polling the
 * entries' {@code modifyTimestamp} (and {@code entryCSN} where present) every
 * {@linkplain DirectorySettings#pollInterval() poll interval}, which also sees deletions. A push
 * connection is checked for life at the same interval. Bursts of changes are reported once,
 * {@value #DEBOUNCE_MS} ms after the first. A lost or refused connection is reported once as
 * {@link ConfigSource.Listener#unavailable(String)}, retried at the poll interval, and its recovery as
 * {@link ConfigSource.Listener#available()} followed by {@link ConfigSource.Listener#changed()}.
 *
 * <p><b>Trust.</b> TLS 1.3 or 1.2; the directory's certificate must chain to the CA file of the
 * settings, or else to the {@linkplain Builder#trustedRoots(Collection) trusted roots} given (the
 * umsec server passes its certificate store's), or else to the JDK's; its host name (DNS or IP
 * subjectAltName, no wildcards) must match the URL's host, for LDAPS and StartTLS alike.
 *
 * <pre>{@code
 * DirectorySettings s = DirectorySettings.builder("ldaps://ldap.example.test")
 *         .bindDn("cn=umsec,ou=services,dc=example,dc=test").passwordSpec("env:UMSEC_LDAP_PASSWORD", System.getenv())
 *         .baseDn("ou=umsec,dc=example,dc=test").build();
 * try (LdapConfigSource source = LdapConfigSource.builder(s, "um1").trustedRoots(roots).build()) {
 *     ConfigSnapshot snapshot = source.read();
 *     List<ConfigProblem> problems = snapshot.configuration().orElseThrow().validate();
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class LdapConfigSource implements ConfigSource {

    private static final Logger LOG = LoggerFactory.getLogger(LdapConfigSource.class);

    /** Most umsec entries read below the base DN; more make the directory unreadable (size limit). */
    public static final int MAX_ENTRIES = 10_000;
    /** Changes arriving within this many milliseconds are reported once. */
    public static final long DEBOUNCE_MS = 300;

    static final String CONTENT_SYNC_OID = "1.3.6.1.4.1.4203.1.9.1.1";
    static final String PERSISTENT_SEARCH_OID = "2.16.840.1.113730.3.4.3";

    /** How a watching source learns about changes. */
    public enum ChangeNotification {
        /** RFC 4533 content synchronisation, refreshAndPersist (OpenLDAP {@code syncprov}). */
        CONTENT_SYNC,
        /** A persistent search (draft-ietf-ldapext-psearch; 389 Directory Server, Oracle, UnboundID). */
        PERSISTENT_SEARCH,
        /** Polling {@code modifyTimestamp}/{@code entryCSN} of the entries every poll interval. */
        POLLING
    }

    private final DirectorySettings settings;
    private final String serverName;
    private final SSLSocketFactory tlsFactory;
    private final String urlPrefix;
    private final String name;
    private final ScheduledExecutorService notifier;
    private final AtomicBoolean changePending = new AtomicBoolean();
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile ChangeNotification notification;
    private volatile LDAPConnection watchConnection;
    private Thread watcher;
    private Listener listener;

    private LdapConfigSource(Builder b, SSLSocketFactory tlsFactory) {
        this.settings = b.settings;
        this.serverName = b.serverName;
        this.tlsFactory = tlsFactory;
        this.urlPrefix = (settings.tls() == DirectorySettings.Tls.LDAPS ? "ldaps://" : "ldap://")
                + (settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host()) + ":"
                + settings.port();
        this.name = urlPrefix + "/" + settings.baseDn();
        this.notifier = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umsec-directory-events");
            t.setDaemon(true);
            return t;
        });
        if (settings.tls() == DirectorySettings.Tls.NONE) {
            LOG.warn(
                    "Directory {} is read without TLS (directory.tls: none): the bind password and the"
                            + " configuration cross the network in clear",
                    name);
        }
    }

    /**
     * @param settings how to reach the directory
     * @param serverName the server whose part is read: the {@code cn} of its {@code umsecServer} entry
     * @return a builder
     */
    public static Builder builder(DirectorySettings settings, String serverName) {
        return new Builder(settings, serverName);
    }

    /** @return {@code ldaps://host:port/baseDn} */
    @Override
    public String name() {
        return name;
    }

    /** @return the settings */
    public DirectorySettings settings() {
        return settings;
    }

    /** @return how the watch learns about changes now; empty before it first connected */
    public Optional<ChangeNotification> changeNotification() {
        return Optional.ofNullable(notification);
    }

    @Override
    public ConfigSnapshot read() throws ConfigSourceException {
        if (closed) {
            throw new IllegalStateException("source closed");
        }
        try (LDAPConnection c = connect()) {
            return read(c);
        } catch (LDAPException e) {
            throw new ConfigSourceException("cannot read the directory " + name + ": " + explain(e), e);
        }
    }

    private ConfigSnapshot read(LDAPConnection c) throws LDAPException {
        SearchRequest r =
                new SearchRequest(settings.baseDn(), SearchScope.SUB, EntryReader.FILTER, EntryReader.ATTRIBUTES);
        r.setSizeLimit(MAX_ENTRIES);
        r.setTimeLimitSeconds((int) Math.max(1, settings.responseTimeout().toSeconds()));
        SearchResult result = c.search(r);
        return EntryReader.read(name, urlPrefix, settings.baseDn(), serverName, result.getSearchEntries());
    }

    @Override
    public void watch(Listener l) {
        Objects.requireNonNull(l, "listener");
        synchronized (lock) {
            if (closed || watcher != null) {
                throw new IllegalStateException(closed ? "source closed" : "already watching");
            }
            listener = l;
            watcher = new Thread(this::watchLoop, "umsec-directory-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    @Override
    public void close() {
        Thread w;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            w = watcher;
        }
        LDAPConnection c = watchConnection;
        if (c != null) {
            c.close();
        }
        if (w != null) {
            w.interrupt();
            try {
                w.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        notifier.shutdownNow();
    }

    /** Opens, protects and binds a connection. */
    LDAPConnection connect() throws LDAPException {
        LDAPConnectionOptions o = new LDAPConnectionOptions();
        o.setConnectTimeoutMillis((int) settings.connectTimeout().toMillis());
        o.setResponseTimeoutMillis(settings.responseTimeout().toMillis());
        o.setAbandonOnTimeout(true);
        o.setUseKeepAlive(true);
        o.setSSLSocketVerifier(new HostNameSSLSocketVerifier(false));
        LDAPConnection c = settings.tls() == DirectorySettings.Tls.LDAPS
                ? new LDAPConnection(tlsFactory, o)
                : new LDAPConnection(o);
        boolean ok = false;
        try {
            c.connect(settings.host(), settings.port());
            if (settings.tls() == DirectorySettings.Tls.STARTTLS) {
                ExtendedResult r = c.processExtendedOperation(new StartTLSExtendedRequest(tlsFactory));
                if (r.getResultCode() != ResultCode.SUCCESS) {
                    throw new LDAPException(r);
                }
            }
            if (settings.bindDn().isPresent()) {
                c.bind(new SimpleBindRequest(
                        settings.bindDn().get(), settings.password().orElseThrow()));
            }
            ok = true;
            return c;
        } finally {
            if (!ok) {
                c.close();
            }
        }
    }

    private void watchLoop() {
        boolean down = false;
        while (!closed) {
            LDAPConnection c = null;
            try {
                c = connect();
                watchConnection = c;
                if (closed) {
                    break;
                }
                if (down) {
                    down = false;
                    LOG.info("Directory {} is available again", name);
                    notifier.execute(listener::available);
                }
                // whatever changed before the watch began, or during an outage
                signalChanged();
                ChangeNotification m = offered(c);
                if (m != ChangeNotification.POLLING && !push(c, m)) {
                    m = ChangeNotification.POLLING;
                }
                if (m == ChangeNotification.POLLING) {
                    poll(c);
                }
            } catch (LDAPException e) {
                if (closed) {
                    break;
                }
                if (!down) {
                    down = true;
                    String reason = explain(e);
                    LOG.warn("Directory {} is unavailable: {}", name, reason);
                    notifier.execute(() -> listener.unavailable(reason));
                }
            } finally {
                watchConnection = null;
                if (c != null) {
                    c.close();
                }
            }
            pause();
        }
    }

    private ChangeNotification offered(LDAPConnection c) throws LDAPException {
        RootDSE dse = c.getRootDSE();
        if (dse != null && dse.supportsControl(CONTENT_SYNC_OID)) {
            return ChangeNotification.CONTENT_SYNC;
        }
        if (dse != null && dse.supportsControl(PERSISTENT_SEARCH_OID)) {
            return ChangeNotification.PERSISTENT_SEARCH;
        }
        return ChangeNotification.POLLING;
    }

    /**
     * Waits for pushed changes until the source closes.
     *
     * @return false if the directory refused the mechanism at once (then poll instead)
     * @throws LDAPException when the connection is lost (an outage)
     */
    private boolean push(LDAPConnection c, ChangeNotification m) throws LDAPException {
        BlockingQueue<LDAPResult> done = new ArrayBlockingQueue<>(1);
        AtomicBoolean seen = new AtomicBoolean();
        AsyncSearchResultListener results = new AsyncSearchResultListener() {
            private static final long serialVersionUID = 1L;

            @Override
            public void searchEntryReturned(SearchResultEntry entry) {
                seen.set(true);
                signalChanged();
            }

            @Override
            public void searchReferenceReturned(SearchResultReference reference) {
                // referrals are not followed: the umsec entries are below one base DN
            }

            @Override
            public void searchResultReceived(AsyncRequestID id, SearchResult result) {
                done.offer(result);
            }
        };
        SearchRequest r = new SearchRequest(results, settings.baseDn(), SearchScope.SUB, EntryReader.FILTER, "1.1");
        r.setResponseTimeoutMillis(0L); // runs until closed: no response timeout
        if (m == ChangeNotification.CONTENT_SYNC) {
            r.addControl(new ContentSyncRequestControl(true, ContentSyncRequestMode.REFRESH_AND_PERSIST, null, false));
            r.setIntermediateResponseListener(ir -> {
                seen.set(true);
                signalChanged(); // sync info: refresh done, or a batch of deleted entries
            });
        } else {
            r.addControl(new PersistentSearchRequestControl(PersistentSearchChangeType.allChangeTypes(), true, false));
        }
        AsyncRequestID id = c.asyncSearch(r);
        notification = m;
        LOG.info("Directory {}: changes are pushed ({})", name, m);
        try {
            while (!closed) {
                LDAPResult result;
                try {
                    result = done.poll(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return true; // close()
                }
                if (result != null) {
                    if (!seen.get() && refusedControl(result.getResultCode())) {
                        LOG.info(
                                "Directory {} refused {} ({}); polling every {} s instead",
                                name,
                                m,
                                result.getResultCode(),
                                settings.pollInterval().toSeconds());
                        return false;
                    }
                    throw new LDAPException(result);
                }
                c.getRootDSE(); // a half-open connection shows here, not in the idle search
            }
            return true;
        } finally {
            if (!closed && c.isConnected()) {
                try {
                    c.abandon(id);
                } catch (LDAPException e) {
                    LOG.debug("abandon failed: {}", e.getMessage());
                }
            }
        }
    }

    private static boolean refusedControl(ResultCode code) {
        return code == ResultCode.UNAVAILABLE_CRITICAL_EXTENSION
                || code == ResultCode.UNWILLING_TO_PERFORM
                || code == ResultCode.PROTOCOL_ERROR
                || code == ResultCode.INSUFFICIENT_ACCESS_RIGHTS
                || code == ResultCode.UNAVAILABLE
                || code == ResultCode.OTHER;
    }

    private void poll(LDAPConnection c) throws LDAPException {
        notification = ChangeNotification.POLLING;
        LOG.info(
                "Directory {}: polling for changes every {} ms",
                name,
                settings.pollInterval().toMillis());
        String last = fingerprint(c);
        while (!closed) {
            if (!pause()) {
                return;
            }
            String now = fingerprint(c);
            if (!now.equals(last)) {
                signalChanged();
            }
            last = now;
        }
    }

    /** A digest of every umsec entry's DN, modifyTimestamp and entryCSN: sees additions, changes and deletions. */
    private String fingerprint(LDAPConnection c) throws LDAPException {
        SearchRequest r = new SearchRequest(
                settings.baseDn(), SearchScope.SUB, EntryReader.FILTER, "modifyTimestamp", "entryCSN");
        r.setSizeLimit(MAX_ENTRIES);
        SearchResult result = c.search(r);
        List<String> lines = new ArrayList<>();
        for (SearchResultEntry e : result.getSearchEntries()) {
            lines.add(e.getParsedDN().toNormalizedString() + "|" + e.getAttributeValue("modifyTimestamp") + "|"
                    + e.getAttributeValue("entryCSN"));
        }
        lines.sort(null);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String l : lines) {
                md.update(l.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private void signalChanged() {
        if (closed || !changePending.compareAndSet(false, true)) {
            return;
        }
        try {
            notifier.schedule(
                    () -> {
                        changePending.set(false);
                        if (!closed) {
                            listener.changed();
                        }
                    },
                    DEBOUNCE_MS,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            changePending.set(false); // closing
        }
    }

    /** Sleeps one poll interval; false when the source closes meanwhile. */
    private boolean pause() {
        try {
            Thread.sleep(settings.pollInterval().toMillis());
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Why an operation failed, for logs and events: the result and the cause, never the password. */
    static String explain(LDAPException e) {
        String detail = e.getDiagnosticMessage() != null ? e.getDiagnosticMessage() : e.getMessage();
        Throwable cause = e.getCause();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String why = e.getResultCode().getName() + ": " + detail;
        if (cause != null && cause.getMessage() != null && !why.contains(cause.getMessage())) {
            why += " (" + cause.getMessage() + ")";
        }
        if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
            why = "more than " + MAX_ENTRIES + " umsec entries below the base DN (" + why + ")";
        }
        // the SDK appends its version and source revision to every nested message: noise in a log line
        return DirectorySettings.clean(why.replaceAll(",? ?ldapSDKVersion=[^,)']*(, revision=[0-9a-fA-F]+)?", ""));
    }

    /** Builds a {@link LdapConfigSource}. */
    public static final class Builder {
        private final DirectorySettings settings;
        private final String serverName;
        private List<X509Certificate> roots;

        private Builder(DirectorySettings settings, String serverName) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.serverName = Objects.requireNonNull(serverName, "serverName");
        }

        /**
         * @param certificates the CA certificates (or pinned certificates) that may vouch for the
         *     directory when the settings name no CA file; the umsec server passes its certificate
         *     store's trusted roots. Without this call (and without a CA file) the JDK's trusted roots are used.
         * @return this
         */
        public Builder trustedRoots(Collection<X509Certificate> certificates) {
            roots = List.copyOf(certificates);
            return this;
        }

        /**
         * Builds the source; it connects only when read or watched.
         *
         * @return the source
         * @throws IllegalArgumentException if the CA file cannot be read, or the trusted roots given are
         *     empty while TLS is on (nothing could vouch for the directory)
         */
        public LdapConfigSource build() {
            SSLSocketFactory f = null;
            if (settings.tls() != DirectorySettings.Tls.NONE) {
                try {
                    if (settings.caFile().isPresent()) {
                        f = TlsSockets.factory(
                                TlsSockets.readCaFile(settings.caFile().get()));
                    } else if (roots != null) {
                        if (roots.isEmpty()) {
                            throw new IllegalArgumentException("directory.tls: no CA file (tls: {ca: FILE}) and no"
                                    + " trusted root in the certificate store: nothing can vouch for the"
                                    + " directory's certificate");
                        }
                        f = TlsSockets.factory(roots);
                    } else {
                        f = TlsSockets.jdkDefault();
                    }
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException("directory.tls: cannot set up TLS: " + e.getMessage(), e);
                }
            }
            return new LdapConfigSource(this, f);
        }
    }
}
