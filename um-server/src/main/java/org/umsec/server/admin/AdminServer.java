package org.umsec.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.umsec.server.UmsecServer;

/**
 * The HTTP admin listener ({@code server.admin}) of a running {@link UmsecServer}:
 *
 * <ul>
 * <li>{@code GET /metrics}: the server's figures in the Prometheus text format, or OpenMetrics
 *     text when the scraper's {@code Accept} asks for {@code application/openmetrics-text} (see
 *     {@link MetricsExposition} for the families);</li>
 * <li>{@code GET /health/live}: 200 while the process serves requests (a liveness probe);</li>
 * <li>{@code GET /health/ready}: 200 when every listener the configuration needs is bound and the
 *     certificate for mutual TLS is valid now, otherwise 503 with one reason per line.</li>
 * </ul>
 *
 * <p>Built on the JDK's {@code com.sun.net.httpserver}: no dependency for embedders. Only
 * {@code GET} and {@code HEAD} are answered (405 otherwise, 404 for other paths); request bodies are
 * never read. There is no authentication: bind it to loopback or a management network. Requests are
 * served by {@value #THREADS} daemon threads, so a slow client cannot make it spawn threads.
 */
public final class AdminServer implements AutoCloseable {

    /** Threads serving admin requests. */
    public static final int THREADS = 2;

    private final HttpServer http;
    private final ExecutorService executor;
    private final UmsecServer server;
    private final Clock clock;

    private AdminServer(HttpServer http, ExecutorService executor, UmsecServer server, Clock clock) {
        this.http = http;
        this.executor = executor;
        this.server = server;
        this.clock = clock;
    }

    /**
     * Binds and starts the admin listener.
     *
     * @param address address and port (0: any free port)
     * @param server the server it reports on
     * @param clock the server's clock (certificate validity and days to expiry are judged on it)
     * @return the running listener
     * @throws IOException if the address cannot be bound; the message names it
     */
    public static AdminServer start(InetSocketAddress address, UmsecServer server, Clock clock) throws IOException {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(clock, "clock");
        HttpServer http;
        try {
            http = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IOException(
                    "admin listener (server.admin) cannot bind " + hostPort(address) + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService ex = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "umsec-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AdminServer a = new AdminServer(http, ex, server, clock);
        http.createContext("/", a::handle);
        http.setExecutor(ex);
        http.start();
        return a;
    }

    /** @return the bound address and port */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            try {
                respond(x);
            } catch (RuntimeException e) {
                // a failure while reporting must not take the listener down
                send(x, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n", false);
            }
        }
    }

    private void respond(HttpExchange x) throws IOException {
        String method = x.getRequestMethod();
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            x.getResponseHeaders().set("Allow", "GET, HEAD");
            send(x, 405, "text/plain; charset=utf-8", "method not allowed\n", false);
            return;
        }
        switch (x.getRequestURI().getPath()) {
            case "/metrics" -> {
                String accept = String.join(",", x.getRequestHeaders().getOrDefault("Accept", List.of()));
                boolean om = accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text");
                String body = MetricsExposition.write(server.metrics(), server.certificate(), clock.instant(), om);
                send(x, 200, om ? MetricsExposition.OPENMETRICS_TYPE : MetricsExposition.PROMETHEUS_TYPE, body, head);
            }
            case "/health/live" -> send(x, 200, "text/plain; charset=utf-8", "live\n", head);
            case "/health/ready" -> {
                List<String> problems = server.notReadyReasons();
                if (problems.isEmpty()) {
                    send(x, 200, "text/plain; charset=utf-8", "ready\n", head);
                } else {
                    send(x, 503, "text/plain; charset=utf-8", "not ready\n" + String.join("\n", problems) + "\n", head);
                }
            }
            default ->
                send(
                        x,
                        404,
                        "text/plain; charset=utf-8",
                        "not found; try /metrics, /health/live, /health/ready\n",
                        head);
        }
    }

    private static void send(HttpExchange x, int status, String type, String body, boolean head) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "no-store");
        if (head) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, b.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(b);
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    /** Stops answering and frees the port (requests in progress get up to one second). */
    @Override
    public void close() {
        http.stop(1);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
