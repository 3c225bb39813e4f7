package org.umsec.server.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one file and runs a callback after it changes, once per burst of changes (editors write
 * a file in several steps; the callback runs {@value #DEBOUNCE_MS} ms after the last one).
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    static final long DEBOUNCE_MS = 300;

    private final WatchService service;
    private final Path file;
    private final ScheduledExecutorService scheduler;
    private final Runnable onChange;
    private ScheduledFuture<?> pending;

    /**
     * @param file the file to watch
     * @param scheduler runs the callback
     * @param onChange the callback
     * @throws IOException if the directory cannot be watched
     */
    public ConfigWatcher(Path file, ScheduledExecutorService scheduler, Runnable onChange) throws IOException {
        this.file = file.toAbsolutePath();
        this.scheduler = scheduler;
        this.onChange = onChange;
        this.service = FileSystems.getDefault().newWatchService();
        this.file
                .getParent()
                .register(service, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        Thread t = new Thread(this::loop, "umsec-config-watch");
        t.setDaemon(true);
        t.start();
    }

    private void loop() {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = false;
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (e.context() instanceof Path p && p.getFileName().equals(file.getFileName())) {
                        ours = true;
                    }
                }
                key.reset();
                if (ours) {
                    schedule();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            LOG.trace("config watcher ends");
        }
    }

    private synchronized void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = scheduler.schedule(
                () -> {
                    try {
                        onChange.run();
                    } catch (RuntimeException e) {
                        LOG.warn("Applying the changed configuration failed: {}", e.toString());
                    }
                },
                DEBOUNCE_MS,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        service.close();
    }
}
