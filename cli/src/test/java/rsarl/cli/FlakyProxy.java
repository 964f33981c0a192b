package rsarl.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A rollout server that fails on purpose: forwards everything to a real server, except the completion attempts
 * (counted from 1) that {@link #fail} selects, which get a 503.
 */
final class FlakyProxy implements AutoCloseable {
    private final HttpServer http;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String target;
    final AtomicInteger completionAttempts = new AtomicInteger();
    volatile IntPredicate fail = i -> false;

    FlakyProxy(String targetRoot) throws IOException {
        this.target = targetRoot;
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        http.setExecutor(Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "flaky-proxy");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/", this::handle);
        http.start();
    }

    String root() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            if (path.endsWith("/completions") && fail.test(completionAttempts.incrementAndGet())) {
                reply(ex, 503, "{\"error\":{\"message\":\"overloaded on purpose\"}}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + path))
                    .header("Content-Type", "application/json");
            b = ex.getRequestMethod().equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            reply(ex, r.statusCode(), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
