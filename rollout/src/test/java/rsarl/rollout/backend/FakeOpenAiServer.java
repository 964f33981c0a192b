package rsarl.rollout.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only OpenAI-compatible server on the loopback interface. Replies deterministically from the
 * request (seed and last message) and can inject faults chosen per (request fingerprint, attempt).
 */
public final class FakeOpenAiServer implements AutoCloseable {
    /** What to do with one attempt: reply normally, answer with a status code, or drop the connection. */
    public sealed interface Action permits Ok, Status, Drop, Raw {
    }

    public record Ok() implements Action {
    }

    public record Status(int code) implements Action {
    }

    public record Drop() implements Action {
    }

    public record Raw(String body) implements Action {
    }

    /** Chooses the action for the n-th attempt (1-based) of a request identified by its seed. */
    @FunctionalInterface
    public interface Faults {
        Action choose(long seed, int attempt);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(32);
    private final Map<Long, AtomicInteger> attemptsBySeed = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();
    private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    private final List<String> authHeaders = new CopyOnWriteArrayList<>();
    private volatile Faults faults = (seed, attempt) -> new Ok();
    private volatile long delayMs;
    private volatile boolean usage = true;

    public FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public FakeOpenAiServer faults(Faults f) {
        this.faults = f;
        return this;
    }

    public FakeOpenAiServer delayMs(long ms) {
        this.delayMs = ms;
        return this;
    }

    public FakeOpenAiServer usage(boolean on) {
        this.usage = on;
        return this;
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Attempts the server received for the request with this seed. */
    public int attempts(long seed) {
        AtomicInteger n = attemptsBySeed.get(seed);
        return n == null ? 0 : n.get();
    }

    /** Successful replies sent. */
    public int served() {
        return served.get();
    }

    public List<JsonNode> bodies() {
        return bodies;
    }

    public List<String> authHeaders() {
        return authHeaders;
    }

    /** The reply text the server gives for a request with this seed and last user message. */
    public static String replyText(long seed, String lastMessage) {
        return "answer for seed " + seed + " (" + lastMessage.length() + " chars) \\boxed{" + (seed % 5) + "}";
    }

    private void handle(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        boolean[] counted = {true};
        try {
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            long seed = body.path("seed").asLong();
            int attempt = attemptsBySeed.computeIfAbsent(seed, s -> new AtomicInteger()).incrementAndGet();
            Action action = faults.choose(seed, attempt);
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            leave(counted);
            if (action instanceof Drop) {
                ex.close(); // no status line: the client sees the connection closed
                return;
            }
            if (action instanceof Status s) {
                send(ex, s.code(), "{\"error\": {\"message\": \"injected " + s.code() + "\"}}");
                return;
            }
            if (action instanceof Raw r) {
                send(ex, 200, r.body());
                return;
            }
            bodies.add(body);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authHeaders.add(auth == null ? "" : auth);
            JsonNode messages = body.path("messages");
            String last = messages.path(messages.size() - 1).path("content").asText();
            ObjectNode reply = JSON.createObjectNode();
            reply.put("id", "cmpl-" + seed).put("object", "chat.completion").put("model", body.path("model").asText());
            ObjectNode choice = reply.putArray("choices").addObject();
            choice.put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", replyText(seed, last));
            if (usage) {
                reply.putObject("usage").put("prompt_tokens", last.length() / 4).put("completion_tokens", 12)
                        .put("total_tokens", last.length() / 4 + 12);
            }
            served.incrementAndGet();
            send(ex, 200, JSON.writeValueAsString(reply));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            leave(counted);
        }
    }

    /** A request stops counting as in flight before its reply is sent (the client may send the next one at once). */
    private void leave(boolean[] counted) {
        if (counted[0]) {
            counted[0] = false;
            inFlight.decrementAndGet();
        }
    }

    private static void send(HttpExchange ex, int code, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
