package org.umsec.server.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSIX signal handlers for the server process ({@code SIGHUP} reloads, {@code SIGTERM} is logged
 * before the JVM's own shutdown). Java has no public signal API; {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}, exported to the class path on every JDK since 9) is used through
 * reflection, so the build stays free of internal-API warnings and a JVM without it (or one started
 * with {@code -Xrs}, which refuses handlers) falls back to the default behaviour with a warning
 * instead of failing.
 */
final class Signals {

    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /**
     * Installs {@code action} for a signal.
     *
     * @param name signal name without {@code SIG}: {@code HUP}, {@code TERM}, ...
     * @param action runs on the JVM's signal dispatch thread
     * @param chain after {@code action}, run the handler that was installed before (for
     *     {@code TERM}: the JVM's, which runs the shutdown hooks and exits with 143)
     * @return whether the handler was installed
     */
    static boolean handle(String name, Runnable action, boolean chain) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object sig = signal.getConstructor(String.class).newInstance(name);
            Method handleMethod = handler.getMethod("handle", signal);
            Object[] previous = new Object[1];
            Object proxy = Proxy.newProxyInstance(
                    Signals.class.getClassLoader(), new Class<?>[] {handler}, (p, m, args) -> switch (m.getName()) {
                        case "handle" -> {
                            try {
                                action.run();
                            } catch (RuntimeException e) {
                                LOG.error("SIG{} handler failed: {}", name, e.toString());
                            }
                            if (chain) {
                                runPrevious(name, handleMethod, previous[0], args[0]);
                            }
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        case "toString" -> "umsec SIG" + name + " handler";
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
            previous[0] = signal.getMethod("handle", signal, handler).invoke(null, sig, proxy);
            return true;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            LOG.warn(
                    "Cannot handle SIG{} ({}); it keeps the JVM's default behaviour",
                    name.toUpperCase(Locale.ROOT),
                    cause.toString());
            return false;
        }
    }

    private static void runPrevious(String name, Method handle, Object previous, Object sig) {
        try {
            if (previous != null) {
                handle.invoke(previous, sig);
                return;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // SIG_DFL and SIG_IGN are native handlers that cannot be called from Java
            LOG.debug("Previous SIG{} handler not callable: {}", name, e.toString());
        }
        if (name.equals("TERM") || name.equals("INT") || name.equals("HUP")) {
            System.exit(128 + (name.equals("HUP") ? 1 : name.equals("INT") ? 2 : 15));
        }
    }
}
