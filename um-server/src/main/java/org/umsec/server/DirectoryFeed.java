package org.umsec.server;

import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.ConfigSource;
import org.umsec.core.ConfigSourceException;
import org.umsec.core.SecurityEvent;
import org.umsec.core.SecurityEventType;
import org.umsec.directory.DirectorySettings;
import org.umsec.directory.LdapConfigSource;
import org.umsec.server.config.ConfigurationException;
import org.umsec.server.config.ConfigurationProblem;
import org.umsec.server.config.DirectoryAccess;
import org.umsec.server.config.ServerConfiguration;

/**
 * Follows the configuration directory of the running configuration ({@code directory:}): watches
 * it, reads it again on every change, and hands a changed snapshot to the server, which checks it
 * exactly like an edited file (the whole {@link ServerConfiguration} is built again) and applies it
 * or refuses it with event 6103, keeping the running configuration. A directory that cannot be read
 * keeps the running configuration too, with event 6101 once per outage and 6102 when it is back.
 * Notifications that changed nothing (the same snapshot) do nothing.
 *
 * <p>Thread-safe: reports from the source are handled one at a time on the given executor.
 */
final class DirectoryFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryFeed.class);

    /** Checks and applies a snapshot to the running configuration. */
    interface Applier {
        /**
         * @param snapshot what the directory holds now
         * @throws ConfigurationException if the configuration with this snapshot does not check out
         * @throws IOException if it cannot be applied (listeners)
         */
        void apply(ConfigSnapshot snapshot) throws ConfigurationException, IOException;
    }

    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final Consumer<SecurityEvent> events;
    private final Applier applier;
    private LdapConfigSource source;
    private String serverName;
    private ConfigSnapshot last;
    private boolean down;
    private long generation;

    DirectoryFeed(ScheduledExecutorService executor, Clock clock, Consumer<SecurityEvent> events, Applier applier) {
        this.executor = executor;
        this.clock = clock;
        this.events = events;
        this.applier = applier;
    }

    /**
     * Makes the feed follow the directory of a configuration now in force: a new source when the
     * settings (or the server's name) changed, none when the configuration has no directory.
     *
     * @param c the configuration in force
     */
    synchronized void follow(ServerConfiguration c) {
        Optional<DirectorySettings> want = c.directory();
        c.modelSnapshot().ifPresent(s -> last = s);
        if (source != null
                && want.isPresent()
                && want.get().equals(source.settings())
                && c.serverName().equals(serverName)) {
            return;
        }
        closeSource();
        if (want.isEmpty()) {
            return;
        }
        DirectorySettings s = want.get();
        serverName = c.serverName();
        source = LdapConfigSource.builder(s, serverName)
                .trustedRoots(DirectoryAccess.storeRoots(c.store()))
                .build();
        if (s.tls() == DirectorySettings.Tls.NONE) {
            events.accept(SecurityEvent.builder(SecurityEventType.INSECURE_OPTION_ENABLED, clock)
                    .message("Configuration directory read without TLS (directory.tls: none)")
                    .field("source", source.name())
                    .build());
        }
        long g = ++generation;
        LdapConfigSource watched = source;
        watched.watch(new ConfigSource.Listener() {
            @Override
            public void changed() {
                executor.execute(() -> refresh(g));
            }

            @Override
            public void unavailable(String reason) {
                executor.execute(() -> outage(g, reason));
            }

            @Override
            public void available() {
                executor.execute(() -> recovered(g));
            }
        });
        LOG.info("Following configuration directory {} for server {}", source.name(), serverName);
    }

    /**
     * Reads through the followed source when it is the one asked for (a file reload), otherwise once.
     *
     * @return a {@link DirectoryAccess} for {@link ServerConfiguration#load(java.nio.file.Path, DirectoryAccess)}
     */
    DirectoryAccess access() {
        return (settings, name, store) -> {
            LdapConfigSource s;
            synchronized (this) {
                s = source != null && settings.equals(source.settings()) && name.equals(serverName) ? source : null;
            }
            return s != null ? s.read() : DirectoryAccess.ldap().read(settings, name, store);
        };
    }

    private synchronized void refresh(long g) {
        if (g != generation || source == null) {
            return;
        }
        ConfigSnapshot snapshot;
        try {
            snapshot = source.read();
        } catch (ConfigSourceException e) {
            outage(g, e.getMessage());
            // the watch may still see the directory (only this read failed): try again, so that the
            // recovery is noticed without waiting for a change
            try {
                executor.schedule(
                        () -> refresh(g), source.settings().pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                LOG.debug("not retried: the server stops");
            }
            return;
        } catch (IllegalStateException closed) {
            return;
        }
        recovered(g);
        if (snapshot.equals(last)) {
            return;
        }
        last = snapshot; // a refused content is reported once, not at every notification
        try {
            applier.apply(snapshot);
        } catch (ConfigurationException e) {
            LOG.error(
                    "Change in directory {} refused; the running configuration stays:\n{}",
                    source.name(),
                    e.getMessage());
            events.accept(SecurityEvent.builder(SecurityEventType.DIRECTORY_CHANGE_REFUSED, clock)
                    .message("Configuration directory change refused; the running configuration stays")
                    .field("source", source.name())
                    .field("problems", e.errors().size())
                    .field(
                            "first",
                            e.errors().isEmpty()
                                    ? e.problems().get(0)
                                    : e.errors().get(0))
                    .field(
                            "errors",
                            e.errors().stream()
                                    .map(ConfigurationProblem::toString)
                                    .toList())
                    .build());
        } catch (IOException | RuntimeException e) {
            // reload() has published 6002 with the reason; the running configuration stays
            LOG.error("Change in directory {} could not be applied: {}", source.name(), e.toString());
        }
    }

    private synchronized void outage(long g, String reason) {
        if (g != generation || down) {
            return;
        }
        down = true;
        LOG.error("Configuration directory unavailable; the running configuration stays: {}", reason);
        events.accept(SecurityEvent.builder(SecurityEventType.DIRECTORY_UNAVAILABLE, clock)
                .message("Configuration directory unavailable; the last configuration read stays in force")
                .field("source", source.name())
                .field("reason", reason)
                .build());
    }

    private synchronized void recovered(long g) {
        if (g != generation || !down) {
            return;
        }
        down = false;
        LOG.info("Configuration directory {} available again", source.name());
        events.accept(SecurityEvent.builder(SecurityEventType.DIRECTORY_RECOVERED, clock)
                .message("Configuration directory available again; its content is read again")
                .field("source", source.name())
                .build());
    }

    private void closeSource() {
        if (source != null) {
            source.close();
            source = null;
            generation++;
            down = false;
        }
    }

    @Override
    public synchronized void close() {
        closeSource();
    }

    @Override
    public String toString() {
        return "DirectoryFeed[" + (source == null ? "none" : Objects.toString(source.name())) + "]";
    }
}
