package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.PromptLogprobs;
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
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming, top log-probs, echo with prompt log-probs and penalties over real HTTP. */
class OpenAiFeaturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path tmp;
    static LocalEngine engine;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws IOException {
        engine = LocalEngine.load(TinyModel.create(tmp.resolve("tiny-chat"), 11), "cpu");
        server = OpenAiServer.start(engine, ServeOptions.defaults("tiny-chat", 0).withMaxBatch(8)
                .withWaits(Duration.ofMillis(5), Duration.ofMillis(20)));
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(String path, String body) throws Exception {
        HttpResponse<String> r = post(path, body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The JSON events of an SSE body, checking it ends with [DONE]. */
    private static List<JsonNode> events(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(""));
        List<JsonNode> out = new ArrayList<>();
        String[] blocks = r.body().split("\n\n");
        assertEquals("data: [DONE]", blocks[blocks.length - 1].strip());
        for (int i = 0; i < blocks.length - 1; i++) {
            assertTrue(blocks[i].startsWith("data: "), blocks[i]);
            out.add(JSON.readTree(blocks[i].substring(6)));
        }
        return out;
    }

    @Test
    void streamedChatAddsUpToTheUnstreamedReplyAndEndsWithUsage() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"count to five\"}],\"max_tokens\":24,"
                + "\"seed\":5,\"temperature\":0.9,\"stop\":[\"e \"]";
        JsonNode whole = ok("/v1/chat/completions", body + "}");
        List<JsonNode> chunks = events(post("/v1/chat/completions", body
                + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertEquals("chat.completion.chunk", c.get("object").asText());
            assertTrue(c.get("usage").isNull());
            JsonNode choice = c.get("choices").get(0);
            text.append(choice.get("delta").path("content").asText(""));
            if (!choice.get("finish_reason").isNull()) finish = choice.get("finish_reason").asText();
        }
        assertEquals("assistant", chunks.get(0).get("choices").get(0).get("delta").get("role").asText());
        JsonNode want = whole.get("choices").get(0);
        assertEquals(want.get("message").get("content").asText(), text.toString());
        assertEquals(want.get("finish_reason").asText(), finish);
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals(0, last.get("choices").size());
        assertEquals(whole.get("usage"), last.get("usage"));
    }

    /** {@code --stream-interval 3}: a chunk per 3 tokens (the last holds the rest), the same text and log-probs. */
    @Test
    void aStreamIntervalGroupsTokensIntoFewerChunks() throws Exception {
        String body = "{\"prompt\":\"one two\",\"max_tokens\":10,\"seed\":4,\"logprobs\":2";
        List<JsonNode> every = events(post("/v1/completions", body + ",\"stream\":true}"));
        try (OpenAiServer grouped = OpenAiServer.start(engine, ServeOptions.defaults("tiny-chat", 0).withMaxBatch(8)
                .withWaits(Duration.ofMillis(5), Duration.ofMillis(20)).withStreamInterval(3))) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(grouped.baseUrl() + "/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body + ",\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            List<JsonNode> chunks = events(r);
            StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
            List<Double> lp = new ArrayList<>();
            List<Double> lpEvery = new ArrayList<>();
            int withTokens = 0;
            for (JsonNode c : chunks) {
                JsonNode choice = c.get("choices").get(0);
                text[0].append(choice.get("text").asText());
                JsonNode values = choice.path("logprobs").path("token_logprobs");
                if (values.size() > 0) withTokens++;
                assertTrue(values.size() <= 3, c.toString());
                values.forEach(v -> lp.add(v.asDouble()));
            }
            for (JsonNode c : every) {
                JsonNode choice = c.get("choices").get(0);
                text[1].append(choice.get("text").asText());
                choice.path("logprobs").path("token_logprobs").forEach(v -> lpEvery.add(v.asDouble()));
            }
            assertEquals(text[1].toString(), text[0].toString());
            assertEquals(lpEvery, lp);
            assertTrue(lp.size() > 3, "a reply long enough to group: " + lp.size());
            assertEquals((lp.size() + 2) / 3, withTokens, "chunks of 3 tokens, the last with the rest");
        }
    }

    @Test
    void streamedCompletionsCarryEveryChoice() throws Exception {
        String body = "{\"prompt\":\"one two\",\"max_tokens\":10,\"n\":2,\"seed\":8";
        JsonNode whole = ok("/v1/completions", body + "}");
        List<JsonNode> chunks = events(post("/v1/completions", body + ",\"stream\":true}"));
        StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
        for (JsonNode c : chunks) {
            assertEquals("text_completion", c.get("object").asText());
            JsonNode choice = c.get("choices").get(0);
            text[choice.get("index").asInt()].append(choice.get("text").asText());
        }
        for (int i = 0; i < 2; i++) assertEquals(whole.get("choices").get(i).get("text").asText(), text[i].toString());
    }

    @Test
    void chatTopLogprobsListAlternativesWithTheGreedyTokenFirst() throws Exception {
        JsonNode r = ok("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_tokens\":6,\"temperature\":0,\"logprobs\":true,\"top_logprobs\":4}");
        JsonNode content = r.get("choices").get(0).get("logprobs").get("content");
        assertTrue(content.size() > 0);
        for (JsonNode e : content) {
            JsonNode top = e.get("top_logprobs");
            assertEquals(4, top.size());
            assertEquals(e.get("token").asText(), top.get(0).get("token").asText());
            assertEquals(e.get("logprob").asDouble(), top.get(0).get("logprob").asDouble(), 1e-6);
            assertTrue(top.get(1).get("logprob").asDouble() <= top.get(0).get("logprob").asDouble());
        }
    }

    @Test
    void echoWithMaxTokensZeroScoresThePrompt() throws Exception {
        int[] ids = {5, 17, 42, 7, 99};
        JsonNode r = ok("/v1/completions", "{\"prompt\":" + JSON.writeValueAsString(ids)
                + ",\"max_tokens\":0,\"echo\":true,\"logprobs\":2}");
        JsonNode choice = r.get("choices").get(0);
        JsonNode lp = choice.get("logprobs");
        assertEquals(ids.length, lp.get("tokens").size());
        assertTrue(lp.get("token_logprobs").get(0).isNull(), "the first prompt token has no log-prob");
        assertTrue(lp.get("top_logprobs").get(0).isNull());
        PromptLogprobs want = engine.scorePrompt(ids, 2);
        for (int k = 1; k < ids.length; k++) {
            assertEquals(want.logprobs()[k - 1], lp.get("token_logprobs").get(k).asDouble(), 1e-5);
            assertEquals(2, lp.get("top_logprobs").get(k).size());
        }
        assertEquals(engine.tokenizer().decode(ids, false), choice.get("text").asText());
        assertEquals(0, r.get("usage").get("completion_tokens").asInt());
        assertEquals(ids.length, r.get("usage").get("prompt_tokens").asInt());
        // echo with generation: the prompt's tokens come first, then the new ones
        JsonNode more = ok("/v1/completions", "{\"prompt\":" + JSON.writeValueAsString(ids)
                + ",\"max_tokens\":3,\"echo\":true,\"logprobs\":0,\"temperature\":0}").get("choices").get(0);
        int generated = more.get("logprobs").get("tokens").size() - ids.length;
        assertTrue(generated >= 1 && generated <= 3);
        assertTrue(more.get("text").asText().startsWith(choice.get("text").asText()));
    }

    @Test
    void presencePenaltyAvoidsRepeatedTokens() throws Exception {
        String body = "{\"prompt\":[1,2,3],\"max_tokens\":20,\"temperature\":0,\"logprobs\":0";
        JsonNode plain = ok("/v1/completions", body + "}").get("choices").get(0).get("logprobs").get("tokens");
        JsonNode penalised = ok("/v1/completions", body + ",\"presence_penalty\":2}").get("choices").get(0)
                .get("logprobs").get("tokens");
        assertTrue(!plain.equals(penalised), "the penalty changes the greedy text: " + plain);
        // byte tokens of a split character all print as U+FFFD; every other token appears once
        List<String> whole = new ArrayList<>();
        penalised.forEach(t -> {
            if (!t.asText().contains("\uFFFD")) whole.add(t.asText());
        });
        assertEquals(whole.size(), new HashSet<>(whole).size(), "no token repeats: " + penalised);
    }

}
