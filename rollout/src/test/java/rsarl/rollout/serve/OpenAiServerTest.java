package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.ChatMessage;
import rsarl.model.ChatTemplate;
import rsarl.model.SamplingParams;
import rsarl.rollout.TinyModel;
import rsarl.rollout.backend.BackendResult;
import rsarl.rollout.backend.ChatRequest;
import rsarl.rollout.backend.LocalBackend;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.OpenAiBackend;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real server on loopback, driven by {@link OpenAiBackend} and by raw HTTP. */
class OpenAiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path tmp;
    static Path modelDir;
    static LocalEngine engine;
    static OpenAiServer server;
    static LocalBackend local;

    @BeforeAll
    static void start() throws IOException {
        modelDir = TinyModel.create(tmp.resolve("tiny-chat"), 11);
        engine = LocalEngine.load(modelDir, "cpu");
        server = OpenAiServer.start(engine, ServeOptions.defaults("tiny-chat", 0).withMaxBatch(8)
                .withWaits(Duration.ofMillis(20), Duration.ofMillis(100)));
        // A second copy, batched differently, as the reference.
        local = new LocalBackend(LocalEngine.load(modelDir, "cpu"), 3);
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
        local.close();
    }

    private static ChatRequest question(int i) {
        SamplingParams p = new SamplingParams(1.0, i % 2 == 0 ? 1.0 : 0.9, i % 3 == 0 ? 40 : 0, i % 4 == 0 ? 0.05 : 0,
                8 + i, List.of(), List.of());
        return ChatRequest.user("Problem " + i + ": add " + i + " and " + (i * 7) + ".", p, 1000 + 17L * i);
    }

    @Test
    void openAiBackendThroughTheServerEqualsTheLocalBackend() {
        List<ChatRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) requests.add(question(i));
        List<BackendResult> expected = local.generate(requests);
        long rowsBefore = server.scheduler().stats().rows();
        List<BackendResult> got;
        try (OpenAiBackend remote = new OpenAiBackend(new OpenAiBackend.Options(server.baseUrl(), "tiny-chat", null,
                8, Duration.ofSeconds(120), 0, Duration.ofMillis(10)))) {
            got = remote.generate(requests);
            assertEquals(16, remote.attempts());
        }
        assertEquals(expected, got);
        assertEquals(16, server.scheduler().stats().rows() - rowsBefore);
        for (int i = 0; i < 16; i++) {
            BackendResult r = got.get(i);
            String rendered = ChatTemplate.render(requests.get(i).messages(), true);
            assertEquals(engine.tokenizer().encode(rendered).length, r.promptTokens());
            int max = requests.get(i).params().maxNewTokens();
            assertTrue(r.completionTokens() >= 1 && r.completionTokens() <= max, r.toString());
            assertTrue(r.finishReason().equals("stop")
                    || (r.finishReason().equals("length") && r.completionTokens() == max), r.toString());
        }
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json");
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(String path, String body) throws Exception {
        HttpResponse<String> r = call(body == null ? "GET" : "POST", path, body);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    @Test
    void severalChoicesWithLogprobsAndUsage() throws Exception {
        String body = "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"system\",\"content\":\"brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi \"},{\"type\":\"text\",\"text\":\"there\"}]}],"
                + "\"n\":3,\"seed\":77,\"temperature\":1.0,\"max_completion_tokens\":12,\"logprobs\":true}";
        JsonNode r = ok("/v1/chat/completions", body);
        assertEquals("chat.completion", r.get("object").asText());
        assertEquals("tiny-chat", r.get("model").asText());
        assertTrue(r.get("id").asText().startsWith("chatcmpl-"));
        JsonNode choices = r.get("choices");
        assertEquals(3, choices.size());
        List<ChatMessage> messages = List.of(ChatMessage.system("brief"), ChatMessage.user("hi there"));
        BackendResult first = local.generate(List.of(new ChatRequest(messages,
                new SamplingParams(1.0, 1.0, 0, 0, 12, List.of(), List.of()), 77))).get(0);
        assertEquals(first.text(), choices.get(0).get("message").get("content").asText(), "choice 0 samples from the seed");
        Set<String> texts = new HashSet<>();
        int tokens = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode c = choices.get(i);
            assertEquals(i, c.get("index").asInt());
            assertEquals("assistant", c.get("message").get("role").asText());
            texts.add(c.get("message").get("content").asText());
            JsonNode content = c.get("logprobs").get("content");
            assertTrue(content.size() >= 1 && content.size() <= 12);
            for (JsonNode t : content) {
                assertTrue(t.get("logprob").asDouble() <= 0, t.toString());
                assertTrue(t.get("token").isTextual() && t.get("bytes").isArray() && t.get("top_logprobs").isArray());
            }
            String finish = c.get("finish_reason").asText();
            assertTrue(finish.equals("length") ? content.size() == 12 : finish.equals("stop"), c.toString());
            tokens += content.size();
        }
        assertTrue(texts.size() >= 2, "choices draw from different seeds: " + texts);
        JsonNode usage = r.get("usage");
        assertEquals(first.promptTokens(), usage.get("prompt_tokens").asInt());
        assertEquals(tokens, usage.get("completion_tokens").asInt());
        assertEquals(tokens + first.promptTokens(), usage.get("total_tokens").asInt());
    }

    @Test
    void stopStringsCutTheReply() throws Exception {
        String base = "{\"messages\":[{\"role\":\"user\",\"content\":\"tell me\"}],\"seed\":5,\"max_tokens\":40";
        String full = ok("/v1/chat/completions", base + "}").get("choices").get(0).get("message").get("content").asText();
        int at = -1;
        for (int i = 1; i < full.length() && at < 0; i++) {
            if (full.charAt(i) < 128 && Character.isLetterOrDigit(full.charAt(i))) at = i;
        }
        assertTrue(at > 0, "sampled text should hold an ASCII letter: " + full);
        String stop = full.substring(at, at + 1);
        JsonNode one = ok("/v1/chat/completions", base + ",\"stop\":" + JSON.writeValueAsString(stop) + "}");
        assertEquals(full.substring(0, full.indexOf(stop)), one.get("choices").get(0).get("message").get("content").asText());
        assertEquals("stop", one.get("choices").get(0).get("finish_reason").asText());
        JsonNode list = ok("/v1/chat/completions", base + ",\"stop\":[\"\\u0001never\"," + JSON.writeValueAsString(stop) + "]}");
        assertEquals(one.get("choices").get(0).get("message"), list.get("choices").get(0).get("message"));
    }

    @Test
    void textCompletionsTakeStringsAndTokenIds() throws Exception {
        JsonNode r = ok("/v1/completions", "{\"model\":\"tiny-chat\",\"prompt\":[\"one two\",\"three\"],\"n\":2,"
                + "\"max_tokens\":5,\"seed\":3,\"logprobs\":0}");
        assertEquals("text_completion", r.get("object").asText());
        assertEquals(4, r.get("choices").size());
        int promptTokens = engine.tokenizer().encode("one two").length + engine.tokenizer().encode("three").length;
        assertEquals(promptTokens, r.get("usage").get("prompt_tokens").asInt());
        int tokens = 0;
        for (JsonNode c : r.get("choices")) {
            int n = c.get("logprobs").get("tokens").size();
            assertEquals(n, c.get("logprobs").get("token_logprobs").size());
            assertTrue(n >= 1 && n <= 5);
            tokens += n;
        }
        assertEquals(tokens, r.get("usage").get("completion_tokens").asInt());
        int[] ids = engine.tokenizer().encode("one two");
        JsonNode byIds = ok("/v1/completions", "{\"prompt\":" + JSON.writeValueAsString(ids) + ",\"max_tokens\":5,\"seed\":3}");
        assertEquals(r.get("choices").get(0).get("text"), byIds.get("choices").get(0).get("text"));
        JsonNode dflt = ok("/v1/completions", "{\"prompt\":\"x\",\"temperature\":0}");
        assertTrue(dflt.get("usage").get("completion_tokens").asInt() <= 16, "legacy default max_tokens is 16");
    }

    @Test
    void modelsAndHealth() throws Exception {
        JsonNode models = ok("/v1/models", null);
        assertEquals("list", models.get("object").asText());
        assertEquals("tiny-chat", models.get("data").get(0).get("id").asText());
        assertEquals("ok", ok("/health", null).get("status").asText());
        assertEquals("tiny-chat", ok("/v1/models/tiny-chat", null).get("id").asText());
        assertEquals(404, call("GET", "/v1/nothing", null).statusCode());
        assertEquals(405, call("GET", "/v1/chat/completions", null).statusCode());
    }

    private static void rejected(int status, String body, String param) throws Exception {
        HttpResponse<String> r = call("POST", "/v1/chat/completions", body);
        assertEquals(status, r.statusCode(), body + " -> " + r.body());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("invalid_request_error", error.get("type").asText(), r.body());
        assertTrue(error.get("message").asText().contains(param), r.body());
        if (!param.contains(" ")) assertEquals(param, error.get("param").asText(), r.body());
    }

    @Test
    void badRequestsGetA400NamingTheField() throws Exception {
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        rejected(400, "{" + msgs + ",\"temperature\":", "not valid JSON");
        rejected(400, "[1,2]", "JSON object");
        rejected(400, "{\"max_tokens\":3}", "messages");
        rejected(400, "{\"messages\":[]}", "messages");
        rejected(400, "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].role");
        rejected(400, "{\"messages\":[{\"role\":\"user\"}]}", "messages[0].content");
        rejected(400, "{" + msgs + ",\"temperature\":-0.5}", "temperature");
        rejected(400, "{" + msgs + ",\"temperature\":\"hot\"}", "temperature");
        rejected(400, "{" + msgs + ",\"top_p\":0}", "top_p");
        rejected(400, "{" + msgs + ",\"min_p\":1.5}", "min_p");
        rejected(400, "{" + msgs + ",\"top_k\":-2}", "top_k");
        rejected(400, "{" + msgs + ",\"max_tokens\":0}", "max_tokens");
        rejected(400, "{" + msgs + ",\"max_tokens\":2.5}", "max_tokens");
        rejected(400, "{" + msgs + ",\"max_completion_tokens\":\"ten\"}", "max_completion_tokens");
        rejected(400, "{" + msgs + ",\"n\":0}", "n");
        rejected(400, "{" + msgs + ",\"seed\":\"x\"}", "seed");
        rejected(400, "{" + msgs + ",\"stop\":5}", "stop");
        rejected(400, "{" + msgs + ",\"stop\":[\"a\",7]}", "stop[1]");
        rejected(400, "{" + msgs + ",\"stream_options\":{\"include_usage\":true}}", "stream_options");
        rejected(400, "{" + msgs + ",\"logprobs\":\"yes\"}", "logprobs");
        rejected(400, "{" + msgs + ",\"top_logprobs\":3}", "top_logprobs");
        rejected(400, "{" + msgs + ",\"logprobs\":true,\"top_logprobs\":21}", "top_logprobs");
        rejected(400, "{" + msgs + ",\"frequency_penalty\":2.5}", "frequency_penalty");
        rejected(400, "{" + msgs + ",\"repetition_penalty\":0}", "repetition_penalty");
        rejected(404, "{" + msgs + ",\"model\":\"gpt-9\"}", "model");
        HttpResponse<String> r = call("POST", "/v1/completions", "{\"prompt\":[[1,2,999999]]}");
        assertEquals(400, r.statusCode());
        assertEquals("prompt[0][2]", JSON.readTree(r.body()).get("error").get("param").asText());
        // Nulls are absent fields, as OpenAI clients send them.
        assertEquals(200, call("POST", "/v1/chat/completions", "{" + msgs + ",\"temperature\":null,\"stop\":null,"
                + "\"max_tokens\":2,\"user\":\"someone\"}").statusCode());
    }
}
