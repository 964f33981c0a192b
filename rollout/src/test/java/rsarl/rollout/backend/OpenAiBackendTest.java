package rsarl.rollout.backend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import rsarl.model.ChatMessage;
import rsarl.model.SamplingParams;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiBackendTest {
    private FakeOpenAiServer server;

    @BeforeEach
    void start() throws IOException {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private OpenAiBackend backend(int concurrency, int retries, Duration timeout) {
        return new OpenAiBackend(new OpenAiBackend.Options(server.baseUrl(), "test-model", "sk-test", concurrency,
                timeout, retries, Duration.ofMillis(1)));
    }

    private static List<ChatRequest> requests(int count) {
        List<ChatRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(ChatRequest.user("question " + i, new SamplingParams(0.7, 0.9, 20, 0, 128, List.of(), List.of("</s>")), 1000 + i));
        }
        return out;
    }

    @Test
    void sendsAnOpenAiBodyAndReadsTextUsageAndFinishReason() {
        try (OpenAiBackend b = backend(4, 0, Duration.ofSeconds(10))) {
            Set<Integer> told = ConcurrentHashMap.newKeySet();
            List<BackendResult> results = b.generate(requests(10), (i, r) -> told.add(i));
            assertEquals(10, told.size());
            for (int i = 0; i < 10; i++) {
                BackendResult r = results.get(i);
                assertEquals(FakeOpenAiServer.replyText(1000 + i, "question " + i), r.text());
                assertEquals(12, r.completionTokens());
                assertEquals(("question " + i).length() / 4, r.promptTokens());
                assertEquals("stop", r.finishReason());
            }
            var body = server.bodies().get(0);
            assertEquals("test-model", body.get("model").asText());
            assertEquals("user", body.path("messages").path(0).path("role").asText());
            assertEquals(0.7, body.get("temperature").asDouble());
            assertEquals(0.9, body.get("top_p").asDouble());
            assertEquals(20, body.get("top_k").asInt());
            assertEquals(128, body.get("max_tokens").asInt());
            assertEquals("</s>", body.path("stop").path(0).asText());
            assertFalse(body.get("stream").asBoolean());
            assertFalse(body.has("min_p"));
            assertTrue(server.authHeaders().stream().allMatch("Bearer sk-test"::equals));
        }
    }

    @Test
    void missingUsageGivesUnknownTokenCounts() {
        server.usage(false);
        try (OpenAiBackend b = backend(2, 0, Duration.ofSeconds(10))) {
            BackendResult r = b.generate(requests(1)).get(0);
            assertEquals(-1, r.completionTokens());
            assertEquals(-1, r.promptTokens());
        }
    }

    @Test
    void retriesRateLimitsServerErrorsAndDroppedConnections() {
        // Every request fails its first three attempts in three different ways, then succeeds.
        server.faults((seed, attempt) -> switch (attempt) {
            case 1 -> new FakeOpenAiServer.Status(503);
            case 2 -> new FakeOpenAiServer.Drop();
            case 3 -> new FakeOpenAiServer.Status(429);
            default -> new FakeOpenAiServer.Ok();
        });
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (OpenAiBackend b = backend(8, 3, Duration.ofSeconds(10))) {
            b.reportRetriesTo(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
            List<BackendResult> results = b.generate(requests(12));
            for (int i = 0; i < 12; i++) {
                assertEquals(FakeOpenAiServer.replyText(1000 + i, "question " + i), results.get(i).text());
            }
            // Each retry is reported as it happens: what failed, the wait, and how many retries are left.
            List<String> lines = log.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            assertEquals(36, lines.size(), String.join("\n", lines));
            assertEquals(12, lines.stream().filter(l -> l.contains(": HTTP 503") && l.contains("; retrying in ")
                    && l.endsWith(" s (retry 1 of 3)")).count(), String.join("\n", lines));
            assertEquals(12, lines.stream().filter(l -> l.contains(": HTTP 429") && l.endsWith("(retry 3 of 3)")).count());
            for (int i = 0; i < 12; i++) {
                assertEquals(4, server.attempts(1000 + i)); // three faults, then the success
            }
            assertTrue(b.attempts() >= 48, "attempts " + b.attempts());
            assertEquals(12, server.served());
        }
    }

    @Test
    void retriesRunningOutNameTheServerAndStatus() {
        server.faults((seed, attempt) -> new FakeOpenAiServer.Status(502));
        try (OpenAiBackend b = backend(2, 2, Duration.ofSeconds(10))) {
            BackendException e = assertThrows(BackendException.class, () -> b.generate(requests(1)));
            assertTrue(e.getMessage().contains(server.baseUrl() + "/chat/completions"), e.getMessage());
            assertTrue(e.getMessage().contains("HTTP 502"), e.getMessage());
            assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
            assertEquals(3, b.attempts());
        }
    }

    @Test
    void unreachableServerIsRetriedThenNamed() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String url = "http://127.0.0.1:" + port + "/v1";
        try (OpenAiBackend b = new OpenAiBackend(new OpenAiBackend.Options(url, "m", null, 1, Duration.ofSeconds(5), 2,
                Duration.ofMillis(1)))) {
            BackendException e = assertThrows(BackendException.class, () -> b.generate(requests(1)));
            assertTrue(e.getMessage().contains(url + "/chat/completions"), e.getMessage());
            assertTrue(e.getMessage().contains("ConnectException: "), e.getMessage());
            assertTrue(e.getMessage().contains("nothing answers at 127.0.0.1:" + port), e.getMessage());
            assertEquals(3, b.attempts());
        }
    }

    @Test
    void clientErrorsAreNotRetried() {
        server.faults((seed, attempt) -> new FakeOpenAiServer.Status(400));
        try (OpenAiBackend b = backend(2, 5, Duration.ofSeconds(10))) {
            BackendException e = assertThrows(BackendException.class, () -> b.generate(requests(1)));
            assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
            assertTrue(e.getMessage().contains("injected 400"), e.getMessage());
            assertEquals(1, b.attempts());
        }
    }

    @Test
    void malformedRepliesAreClearErrors() {
        server.faults((seed, attempt) -> new FakeOpenAiServer.Raw("<html>oops</html>"));
        try (OpenAiBackend b = backend(1, 0, Duration.ofSeconds(10))) {
            BackendException e = assertThrows(BackendException.class, () -> b.generate(requests(1)));
            assertTrue(e.getMessage().contains("not JSON") && e.getMessage().contains("oops"), e.getMessage());
        }
        server.faults((seed, attempt) -> new FakeOpenAiServer.Raw("{\"choices\": []}"));
        try (OpenAiBackend b = backend(1, 0, Duration.ofSeconds(10))) {
            BackendException e = assertThrows(BackendException.class, () -> b.generate(requests(1)));
            assertTrue(e.getMessage().contains("choices[0].message"), e.getMessage());
        }
    }

    @Test
    void separatedReasoningIsPutBackInFront() {
        server.faults((seed, attempt) -> new FakeOpenAiServer.Raw("{\"choices\": [{\"finish_reason\": \"length\","
                + " \"message\": {\"role\": \"assistant\", \"reasoning_content\": \"2+3 is 5\","
                + " \"content\": \"\\\\boxed{5}\"}}]}"));
        try (OpenAiBackend b = backend(1, 0, Duration.ofSeconds(10))) {
            BackendResult r = b.generate(requests(1)).get(0);
            assertEquals("<think>\n2+3 is 5\n</think>\n\n\\boxed{5}", r.text());
            assertEquals("length", r.finishReason());
            assertEquals(-1, r.completionTokens());
        }
    }

    @Test
    void timeoutsAreRetriedThenReported() {
        server.delayMs(1500);
        try (OpenAiBackend b = backend(1, 1, Duration.ofMillis(200))) {
            BackendException e = assertThrows(BackendException.class, () -> b.generate(requests(1)));
            assertTrue(e.getMessage().contains("Timeout"), e.getMessage());
            assertEquals(2, b.attempts());
        }
    }

    @Test
    void inFlightRequestsStayWithinTheConcurrencyBound() {
        server.delayMs(20);
        try (OpenAiBackend b = backend(3, 0, Duration.ofSeconds(10))) {
            b.generate(requests(24));
        }
        assertTrue(server.maxInFlight() <= 3, "max in flight " + server.maxInFlight());
        assertTrue(server.maxInFlight() >= 1);
        assertEquals(24, server.served());
    }

    @Test
    void configNamesAMissingKeyVariableAndUnavailableTypes() {
        String unset = "RSA_TEST_SURELY_UNSET_KEY_" + System.nanoTime();
        var cfg = new rsarl.rollout.config.BackendConfig("openai", server.baseUrl(), "m", unset, 4, 5.0, 0, 0.01, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenAiBackend.fromConfig(cfg));
        assertTrue(e.getMessage().contains("backend.api_key_env") && e.getMessage().contains(unset), e.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                () -> new rsarl.rollout.config.BackendConfig("tgi", null, "dir", null, null, null, null, null, null));
        assertTrue(l.getMessage().contains("type") && l.getMessage().contains("tgi"), l.getMessage());
        try (Backend b = BackendFactory.builtIn().open(rsarl.rollout.config.BackendConfig.openai(server.baseUrl(), "m"))) {
            assertEquals(FakeOpenAiServer.replyText(1000, "question 0"), b.generate(requests(1)).get(0).text());
            assertTrue(b.describe().contains(server.baseUrl()));
        }
        assertTrue(server.authHeaders().stream().allMatch(String::isEmpty));
    }

    @Test
    void endpointAcceptsBaseUrlsWithOrWithoutV1() {
        assertEquals("http://h:8000/v1/chat/completions", OpenAiBackend.endpoint("http://h:8000/v1/").toString());
        assertEquals("http://h:8000/v1/chat/completions", OpenAiBackend.endpoint("http://h:8000").toString());
        assertEquals("https://api.x.com/v1/chat/completions",
                OpenAiBackend.endpoint("https://api.x.com/v1/chat/completions").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenAiBackend.endpoint("h:8000"));
        assertTrue(e.getMessage().contains("backend.base_url"));
    }

    @Test
    void multiTurnMessagesKeepTheirRoles() {
        try (OpenAiBackend b = backend(1, 0, Duration.ofSeconds(10))) {
            b.generate(List.of(new ChatRequest(List.of(ChatMessage.system("sys"), ChatMessage.user("hi")),
                    SamplingParams.greedy(5), 3)));
        }
        var messages = server.bodies().get(0).get("messages");
        assertEquals("system", messages.get(0).get("role").asText());
        assertEquals("hi", messages.get(1).get("content").asText());
        assertEquals(0.0, server.bodies().get(0).get("temperature").asDouble());
    }
}
