package org.umsec.certs.internal;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the store's directories on a daemon thread and runs a callback after changes. Events for
 * hidden files (the store's own temporary files) are ignored; a burst of events already queued is
 * coalesced into one callback.
 */
public final class StoreWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWatcher.class);

    private final WatchService service;
    private final Thread thread;

    /**
     * Starts watching.
     *
     * @param dirs the directories (not recursive)
     * @param onChange called on the watcher thread after each batch of relevant changes
     * @throws IOException when the platform cannot watch the directories
     */
    public StoreWatcher(List<Path> dirs, Runnable onChange) throws IOException {
        this.service = dirs.get(0).getFileSystem().newWatchService();
        for (Path d : dirs) {
            d.register(
                    service,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
        }
        this.thread = new Thread(() -> loop(onChange), "umsec-cert-store-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop(Runnable onChange) {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean relevant = drain(key);
                WatchKey more;
                while ((more = service.poll()) != null) {
                    relevant |= drain(more);
                }
                if (relevant) {
                    try {
                        onChange.run();
                    } catch (RuntimeException e) {
                        LOG.warn("certificate store change handler failed", e);
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean drain(WatchKey key) {
        boolean relevant = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            Object ctx = e.context();
            if (e.kind() == StandardWatchEventKinds.OVERFLOW
                    || (ctx instanceof Path
                            && !((Path) ctx).getFileName().toString().startsWith("."))) {
                relevant = true;
            }
        }
        key.reset();
        return relevant;
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing watch service", e);
        }
        thread.interrupt();
    }
}
