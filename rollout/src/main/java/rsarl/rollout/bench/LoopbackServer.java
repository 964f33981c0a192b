package rsarl.rollout.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The fastest possible OpenAI-compatible server, for the orchestration benchmark: it ignores the
 * request and answers a canned completion (with usage) at once, on 127.0.0.1 only.
 */
final class LoopbackServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool;
    private final byte[] reply;
    private final List<byte[]> recorded = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean recording;

    LoopbackServer(int threads, int responseChars) throws IOException {
        StringBuilder text = new StringBuilder();
        while (text.length() < responseChars) {
            text.append("Step ").append(text.length()).append(": we simplify the expression and check it. ");
        }
        text.append("So the answer is \\\\boxed{1}.");
        reply = ("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"}}],"
                + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":" + responseChars / 4 + ",\"total_tokens\":1}}")
                .getBytes(StandardCharsets.UTF_8);
        pool = Executors.newFixedThreadPool(threads);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Keeps every request body from now on (to replay the very same requests as raw HTTP). */
    void record(boolean on) {
        recording = on;
    }

    List<byte[]> recorded() {
        return recorded;
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        if (recording) {
            recorded.add(body);
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, reply.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(reply);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
