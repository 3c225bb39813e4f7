package org.umsec.server.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.umsec.core.ConfigSnapshot;
import org.umsec.core.ConfigSource;
import org.umsec.core.ConfigSourceException;
import org.umsec.core.DialPlan;
import org.umsec.core.IpGateway;
import org.umsec.core.UmConfiguration;
import org.umsec.core.UmMailboxPolicy;

/**
 * The server's YAML file as a {@link ConfigSource}, the default: the model (the {@code server:}
 * association, {@code dialPlans:}, {@code gateways:}) is read from the file itself, each object's
 * origin is {@code file:line}, and an edit of the file is reported as a change (once per burst of
 * writes, {@link ConfigWatcher}). A file that does not check out is a snapshot with its problems as
 * findings (no server), so that a caller refuses it; a file that cannot be read at all (missing,
 * permission denied) is a {@link ConfigSourceException}. A file whose model is in a directory
 * ({@code directory:}) yields the directory's model, read once.
 *
 * <p>{@link org.umsec.server.UmsecServer} watches its configuration file through this source and
 * re-reads the whole file on a change (server settings and model together).
 */
public final class YamlConfigSource implements ConfigSource {

    private final Path file;
    private ScheduledExecutorService scheduler;
    private ConfigWatcher watcher;
    private boolean closed;

    /** @param file the YAML configuration file */
    public YamlConfigSource(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** @return the file's name as problems give it */
    @Override
    public String name() {
        return YamlConfigReader.sourceName(file);
    }

    @Override
    public ConfigSnapshot read() throws ConfigSourceException {
        ServerConfiguration c;
        try {
            c = ServerConfiguration.load(file);
        } catch (ConfigurationException e) {
            boolean unreadable = e.problems().size() == 1
                    && e.problems().get(0).message().startsWith("cannot read the configuration: ");
            if (unreadable) {
                throw new ConfigSourceException(e.problems().get(0).toString(), e);
            }
            ConfigSnapshot.Builder b = ConfigSnapshot.builder(name());
            e.problems()
                    .forEach(p -> b.finding(
                            p.line() > 0 ? p.source() + ":" + p.line() : p.source(), p.severity(), p.message()));
            return b.build();
        } catch (IOException e) {
            throw new ConfigSourceException(ConfigFiles.explain(file, e), e);
        }
        if (c.modelSnapshot().isPresent()) {
            return c.modelSnapshot().get();
        }
        UmConfiguration m = c.umConfiguration();
        ConfigSnapshot.Builder b = ConfigSnapshot.builder(name()).server(m.server(), origin(c, "server"));
        int i = 0;
        for (DialPlan d : m.dialPlans()) {
            b.dialPlan(d, origin(c, "dialPlan#" + i++));
        }
        i = 0;
        for (IpGateway g : m.gateways()) {
            b.gateway(g, origin(c, "gateway#" + i++));
        }
        for (UmMailboxPolicy p : m.mailboxPolicies()) {
            b.mailboxPolicy(p, name());
        }
        c.warnings()
                .forEach(w ->
                        b.finding(w.line() > 0 ? w.source() + ":" + w.line() : w.source(), w.severity(), w.message()));
        return b.build();
    }

    private String origin(ServerConfiguration c, String key) {
        Integer line = c.lines.get(key);
        return line == null || line == 0 ? name() : name() + ":" + line;
    }

    @Override
    public synchronized void watch(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed || watcher != null) {
            throw new IllegalStateException(closed ? "source closed" : "already watching");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "umsec-config-file");
            t.setDaemon(true);
            return t;
        });
        try {
            watcher = new ConfigWatcher(file, scheduler, listener::changed);
        } catch (IOException e) {
            scheduler.shutdownNow();
            scheduler = null;
            throw new IllegalStateException("cannot watch " + ConfigFiles.explain(file, e), e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // the watch service is gone either way
            }
            watcher = null;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
