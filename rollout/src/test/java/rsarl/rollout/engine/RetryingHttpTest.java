package rsarl.rollout.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures are retried, what each retry says, and the one error after the bounded wait. */
class RetryingHttpTest {
    /** Answers attempt i (from 1) with {@code plan[i-1]}: a status, or 0 to drop the connection unanswered. */
    private static HttpServer server(AtomicInteger attempts, int... plan) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        s.createContext("/", ex -> {
            int i = attempts.incrementAndGet();
            int status = i <= plan.length ? plan[i - 1] : 200;
            ex.getRequestBody().readAllBytes();
            if (status == 0) {
                ex.close(); // dropped: the exchange ends without any response
                return;
            }
            byte[] body = ("{\"attempt\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            if (status == 429) ex.getResponseHeaders().set("Retry-After", "1");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        s.start();
        return s;
    }

    private static String url(HttpServer s) {
        return "http://127.0.0.1:" + s.getAddress().getPort() + "/v1/completions";
    }

    @Test
    void droppedConnections429And5xxAreRetriedWithAnnouncedBackoff() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        HttpServer s = server(attempts, 0, 429, 503);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try {
            RetryingHttp http = new RetryingHttp(Duration.ofSeconds(10), Duration.ofSeconds(30), null,
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            assertEquals(4, http.post(url(s), JsonNodeFactory.instance.objectNode()).get("attempt").asInt());
        } finally {
            s.stop(0);
        }
        String said = log.toString(StandardCharsets.UTF_8);
        assertEquals(3, said.lines().count(), said);
        assertTrue(said.contains("HTTP 429") && said.contains("HTTP 503") && said.contains("retrying in 4 s"), said);
        assertTrue(said.lines().allMatch(l -> l.startsWith("rollout server " + url(s))), said);
    }

    @Test
    void clientErrorsFailAtOnceAndTheWaitIsBounded() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        HttpServer s = server(attempts, 404, 503, 503, 503, 503);
        try {
            RetryingHttp http = new RetryingHttp(Duration.ofSeconds(10), Duration.ofSeconds(3), null,
                    new PrintStream(OutputStream.nullOutputStream()));
            RetryingHttp.Refused r = assertThrows(RetryingHttp.Refused.class,
                    () -> http.post(url(s), JsonNodeFactory.instance.objectNode()));
            assertEquals(404, r.status());
            assertEquals(1, attempts.get());
            IOException e = assertThrows(IOException.class, () -> http.get(url(s)));
            // 1 s + 2 s of backoff fill the 3 s budget: three attempts, then one error naming the URL.
            assertEquals(4, attempts.get());
            assertTrue(e.getMessage().startsWith("rollout server " + url(s) + " failed after 3 attempts")
                    && e.getMessage().contains("rerun"), e.getMessage());
        } finally {
            s.stop(0);
        }
    }
}
