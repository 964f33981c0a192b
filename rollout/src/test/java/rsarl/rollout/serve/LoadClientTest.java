package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rollout.TinyModel;
import rsarl.rollout.backend.LocalEngine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load benchmark's one-thread client against a real server: what it reports is what the server sent. */
class LoadClientTest {
    private static String body(int i, int maxTokens, boolean stream) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"question " + i + "\"}],\"max_tokens\":" + maxTokens
                + ",\"seed\":" + i + ",\"stream\":" + stream
                + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
    }

    @Test
    void streamedAndPlainRequestsCountTheServersCompletionTokens(@TempDir Path tmp) throws Exception {
        try (LocalEngine engine = LocalEngine.load(TinyModel.create(tmp.resolve("m"), 5), "cpu");
             OpenAiServer server = OpenAiServer.start(engine, ServeOptions.defaults("m", 0).withMaxBatch(4)
                     .withWaits(Duration.ofMillis(2), Duration.ofMillis(10)))) {
            // what the server answers each request (same seed, same tokens), read with the JDK's client
            HttpClient http = HttpClient.newHttpClient();
            long expected = 0;
            for (int i = 0; i < 7; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                        + "/chat/completions")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body(i, 3 + i, false))).build(),
                        HttpResponse.BodyHandlers.ofString());
                expected += new ObjectMapper().readTree(r.body()).get("usage").get("completion_tokens").asLong();
            }
            for (boolean stream : new boolean[] {true, false}) {
                List<String> bodies = new ArrayList<>();
                for (int i = 0; i < 7; i++) bodies.add(body(i, 3 + i, stream));
                // 3 clients for 7 requests: each client sends its next request when its answer has ended
                List<LoadClient.Sample> samples = LoadClient.run("127.0.0.1", server.port(), "/v1/chat/completions",
                        bodies, 3);
                assertEquals(7, samples.size());
                assertEquals(expected, samples.stream().mapToLong(LoadClient.Sample::tokens).sum(),
                        "stream " + stream);
                for (LoadClient.Sample s : samples) {
                    assertTrue(s.ttftMs() > 0 && s.ttftMs() <= s.latencyMs(), s.toString());
                }
            }
        }
    }

    @Test
    void anErrorReplyFailsTheRunWithItsStatus(@TempDir Path tmp) throws Exception {
        try (LocalEngine engine = LocalEngine.load(TinyModel.create(tmp.resolve("m"), 5), "cpu");
             OpenAiServer server = OpenAiServer.start(engine, ServeOptions.defaults("m", 0))) {
            IOException e = assertThrows(IOException.class, () -> LoadClient.run("127.0.0.1", server.port(),
                    "/v1/chat/completions", List.of("{\"messages\":[],\"max_tokens\":-1}"), 1));
            assertTrue(e.getMessage().startsWith("HTTP 400"), e.getMessage());
        }
    }
}
