package rsarl.rollout.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.peft.PeftAdapter;
import rsarl.model.SafetensorsFile;
import rsarl.rollout.TinyModel;
import rsarl.rollout.backend.LocalEngine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rsa serve} as a trainer's rollout server: PEFT adapters hot-loaded and unloaded with vLLM's endpoints and
 * status codes, listed in {@code /v1/models}, sampled by name with token-id prompts and {@code return_token_ids};
 * a served adapter samples exactly what the adapter folder loaded as a model does; SGLang's
 * {@code /update_weights_from_disk} swaps the base weights.
 */
class ServedModelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int[] PROMPT = {5, 17, 40, 3, 99};

    @TempDir
    static Path tmp;
    static Path base;
    static Path adapter;
    static LocalEngine engine;
    static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        base = TinyModel.create(tmp.resolve("base"), 3);
        adapter = tmp.resolve("adapter");
        try (LocalEngine e = LocalEngine.load(base, "cpu"); NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            for (String module : List.of("model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj")) {
                Shape w = e.model().parameters().get(module + ".weight").getShape();
                t.put(module + ".lora_A.weight", m.randomNormal(0, 0.5f, new Shape(4, w.get(1)), ai.djl.ndarray.types.DataType.FLOAT32));
                t.put(module + ".lora_B.weight", m.randomNormal(0, 0.5f, new Shape(w.get(0), 4), ai.djl.ndarray.types.DataType.FLOAT32));
            }
            new PeftAdapter(4, 8, false, List.of("q_proj", "down_proj"), base.toString(), t).write(adapter);
        }
        engine = LocalEngine.load(base, "cpu");
        server = OpenAiServer.start(engine, ServeOptions.defaults("base", 0).withMaxBatch(4));
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

    private static JsonNode complete(String model) throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":[5,17,40,3,99],"
                + "\"n\":3,\"max_tokens\":6,\"seed\":11,\"logprobs\":0,\"return_token_ids\":true}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static int[] ids(JsonNode choice) {
        return JSON.convertValue(choice.get("token_ids"), int[].class);
    }

    @Test
    void adapterFolderIsPeftLayout() throws Exception {
        JsonNode cfg = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(8.0, cfg.get("lora_alpha").asDouble());
        assertEquals("[\"q_proj\",\"down_proj\"]", cfg.get("target_modules").toString());
        assertEquals(base.toString(), cfg.get("base_model_name_or_path").asText());
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
            assertTrue(f.entries().containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"),
                    f.entries().keySet().toString());
            assertEquals(4, f.entries().size());
        }
        assertFalse(Files.list(tmp).anyMatch(p -> p.getFileName().toString().contains(".tmp-")));
    }

    @Test
    void loadSampleListUnloadWithVllmStatusCodes() throws Exception {
        assertEquals(200, post("/v1/load_lora_adapter", "{\"lora_name\":\"policy-v1\",\"lora_path\":\"" + adapter
                + "\"}").statusCode());
        HttpResponse<String> again = post("/v1/load_lora_adapter", "{\"lora_name\":\"policy-v1\",\"lora_path\":\""
                + adapter + "\"}");
        assertEquals(400, again.statusCode());
        assertTrue(again.body().contains("has already been loaded"), again.body());
        assertEquals(404, post("/v1/load_lora_adapter", "{\"lora_name\":\"x\",\"lora_path\":\"" + tmp.resolve("none")
                + "\"}").statusCode());
        assertEquals(400, post("/v1/load_lora_adapter", "{\"lora_name\":\"x\"}").statusCode());

        JsonNode models = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("base", models.get("data").get(0).get("id").asText());
        assertEquals("policy-v1", models.get("data").get(1).get("id").asText());
        assertEquals("base", models.get("data").get(1).get("parent").asText());

        JsonNode viaAdapter = complete("policy-v1");
        JsonNode viaBase = complete("base");
        // The adapter served by name samples what the adapter folder loaded as a model samples.
        try (LocalEngine merged = LocalEngine.load(adapter, "cpu");
             OpenAiServer other = OpenAiServer.start(merged, ServeOptions.defaults("merged", 0))) {
            JsonNode ref = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(other.baseUrl() + "/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\":[5,17,40,3,99],\"n\":3,\"max_tokens\":6,\"seed\":11,\"logprobs\":0,"
                                    + "\"return_token_ids\":true}")).build(), HttpResponse.BodyHandlers.ofString())
                    .body());
            boolean differsFromBase = false;
            for (int i = 0; i < 3; i++) {
                JsonNode c = viaAdapter.get("choices").get(i);
                assertArrayEquals(ids(ref.get("choices").get(i)), ids(c));
                assertEquals(ids(c).length, c.get("logprobs").get("token_logprobs").size());
                assertArrayEquals(PROMPT, JSON.convertValue(c.get("prompt_token_ids"), int[].class));
                differsFromBase |= !java.util.Arrays.equals(ids(c), ids(viaBase.get("choices").get(i)));
            }
            assertTrue(differsFromBase, "the adapter changes what is sampled");
        }
        // SGLang's native route samples the same rows: adapter by lora_path, [logprob, id, text] triples.
        HttpResponse<String> g = post("/generate", "{\"input_ids\":[5,17,40,3,99],\"lora_path\":\"policy-v1\","
                + "\"sampling_params\":{\"n\":3,\"max_new_tokens\":6,\"sampling_seed\":11},\"return_logprob\":true}");
        assertEquals(200, g.statusCode(), g.body());
        JsonNode native_ = JSON.readTree(g.body());
        assertEquals(3, native_.size());
        for (int i = 0; i < 3; i++) {
            JsonNode c = viaAdapter.get("choices").get(i);
            assertArrayEquals(ids(c), JSON.convertValue(native_.get(i).get("output_ids"), int[].class));
            JsonNode first = native_.get(i).get("meta_info").get("output_token_logprobs").get(0);
            assertEquals(ids(c)[0], first.get(1).asInt());
            assertEquals(c.get("logprobs").get("token_logprobs").get(0).asDouble(), first.get(0).asDouble(), 1e-6);
            assertEquals(c.get("finish_reason").asText(),
                    native_.get(i).get("meta_info").get("finish_reason").get("type").asText());
        }
        List<rsarl.model.Completion> parsed = rsarl.rollout.engine.SglangGenerate.parse(native_, 3, 320, "u");
        assertArrayEquals(ids(viaAdapter.get("choices").get(2)), parsed.get(2).tokenIds());

        assertEquals(200, post("/v1/unload_lora_adapter", "{\"lora_name\":\"policy-v1\"}").statusCode());
        HttpResponse<String> gone = post("/v1/unload_lora_adapter", "{\"lora_name\":\"policy-v1\"}");
        assertEquals(404, gone.statusCode());
        assertTrue(gone.body().contains("cannot be found"), gone.body());
        HttpResponse<String> unknown = post("/v1/completions", "{\"model\":\"policy-v1\",\"prompt\":[5,6]}");
        assertEquals(404, unknown.statusCode());
        assertEquals("model", JSON.readTree(unknown.body()).get("error").get("param").asText());
        assertTrue(server.models().history().containsAll(List.of("load policy-v1", "unload policy-v1")));
    }

    @Test
    void updateWeightsFromDiskServesTheNewWeights() throws Exception {
        Path other = TinyModel.create(tmp.resolve("other"), 99);
        try (LocalEngine o = LocalEngine.load(other, "cpu");
             OpenAiServer ref = OpenAiServer.start(o, ServeOptions.defaults("other", 0));
             LocalEngine e2 = LocalEngine.load(base, "cpu");
             OpenAiServer swapped = OpenAiServer.start(e2, ServeOptions.defaults("base", 0))) {
            String body = "{\"prompt\":[5,17,40,3,99],\"n\":2,\"max_tokens\":6,\"seed\":5,\"logprobs\":0,"
                    + "\"return_token_ids\":true}";
            JsonNode before = call(swapped, "/v1/completions", body);
            JsonNode upd = call(swapped, "/update_weights_from_disk", "{\"model_path\":\"" + other
                    + "\",\"weight_version\":\"v1\",\"flush_cache\":true}");
            assertTrue(upd.get("success").asBoolean());
            assertEquals("v1", swapped.models().weightVersion());
            JsonNode after = call(swapped, "/v1/completions", body);
            JsonNode expected = call(ref, "/v1/completions", body);
            assertEquals(expected.get("choices").toString().replace("\"other\"", ""),
                    after.get("choices").toString().replace("\"base\"", ""));
            assertFalse(before.get("choices").equals(after.get("choices")));
        }
    }

    private static JsonNode call(OpenAiServer s, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void anAdapterOfAHubBaseLoadsWithAnExplicitBaseFolder() throws Exception {
        Path hub = tmp.resolve("hub-adapter");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            try (LocalEngine e = LocalEngine.load(adapter, "cpu")) {
                t.putAll(PeftAdapter.read(adapter, m).tensors());
            }
            new PeftAdapter(4, 8, false, List.of("q_proj", "down_proj"), "Qwen/Qwen3-0.6B", t).write(hub);
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LocalEngine.load(hub, "cpu"));
        assertTrue(e.getMessage().contains("'Qwen/Qwen3-0.6B' is not a model folder here")
                && e.getMessage().contains("name the base folder"), e.getMessage());
        rsarl.rollout.config.BackendConfig cfg = new rsarl.rollout.config.BackendConfig("local", null, hub.toString(),
                null, null, null, null, null, "cpu", 2, null, base.toString());
        try (LocalEngine viaBase = LocalEngine.load(hub, base, "cpu"); LocalEngine own = LocalEngine.load(adapter, "cpu");
             rsarl.rollout.backend.LocalBackend b = rsarl.rollout.backend.LocalBackend.fromConfig(cfg)) {
            String w = "model.layers.0.self_attn.q_proj.weight";
            assertArrayEquals(own.model().parameters().get(w).toFloatArray(),
                    viaBase.model().parameters().get(w).toFloatArray(), 0f);
            assertTrue(b.describe().contains(hub.getFileName().toString()), b.describe());
        }
    }
}
