package rsarl.rollout.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.model.ChatMessage;
import rsarl.model.SamplingParams;
import rsarl.rollout.TinyModel;
import rsarl.rollout.config.BackendConfig;
import rsarl.rollout.config.ConfigLoader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalBackendTest {
    @TempDir
    static Path tmp;
    static Path modelDir;
    static LocalBackend backend;

    @BeforeAll
    static void open() {
        modelDir = TinyModel.create(tmp.resolve("tiny"), 7);
        backend = (LocalBackend) BackendFactory.builtIn().open(BackendConfig.local(modelDir.toString(), "cpu"));
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    private static SamplingParams sampled(int maxTokens) {
        return new SamplingParams(1.0, 0.95, 0, 0.0, maxTokens, List.of(), List.of());
    }

    private static List<ChatRequest> questions(int count, int maxTokens) {
        List<ChatRequest> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Different prompt lengths, so batches hold left padding.
            out.add(ChatRequest.user("question " + i + " " + "x".repeat(3 * i), sampled(maxTokens), 100 + i));
        }
        return out;
    }

    /** The trainer's in-process eval builds its backend with over(): max_batch and token_budget as rsa eval's. */
    @Test
    void overAnOpenEngineTakesTheConfigsBatchSettings() {
        BackendConfig c = new BackendConfig("local", null, modelDir.toString(), null, null, null, null, null, "cpu", 3,
                null, null, 4096L);
        try (LocalBackend b = LocalBackend.over(LocalEngine.load(modelDir, "cpu"), c)) {
            assertTrue(b.describe().contains("max batch 3, token budget 4096"), b.describe());
            List<ChatRequest> requests = questions(4, 8);
            assertEquals(backend.generate(requests), b.generate(requests));
        }
    }

    @Test
    void sameSeedSameTextOtherSeedOtherText() {
        ChatRequest r = ChatRequest.user("What is 2+3?", sampled(24), 42);
        BackendResult a = backend.generate(List.of(r)).get(0);
        BackendResult b = backend.generate(List.of(r)).get(0);
        assertEquals(a, b);
        BackendResult c = backend.generate(List.of(ChatRequest.user("What is 2+3?", sampled(24), 43))).get(0);
        assertNotEquals(a.text(), c.text());
        assertTrue(a.promptTokens() > 5, "the chat template adds role markers: " + a.promptTokens());
        assertTrue(a.completionTokens() >= 1 && a.completionTokens() <= 24);
    }

    @Test
    void resultsDoNotDependOnBatching() {
        List<ChatRequest> requests = questions(7, 16);
        List<BackendResult> alone = new ArrayList<>();
        for (ChatRequest r : requests) {
            alone.add(backend.generate(List.of(r)).get(0));
        }
        Map<Integer, BackendResult> told = new ConcurrentHashMap<>();
        List<BackendResult> together;
        try (LocalBackend batched = new LocalBackend(LocalEngine.load(modelDir, "cpu"), 3)) {
            together = batched.generate(requests, told::put);
        }
        assertEquals(alone, together);
        assertEquals(7, told.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(together.get(i), told.get(i));
        }
    }

    @Test
    void maxTokensIsRespectedAndReportedAsLength() {
        List<ChatRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(ChatRequest.user("count " + i, sampled(1 + i), i));
        }
        List<BackendResult> out = backend.generate(requests);
        for (int i = 0; i < 6; i++) {
            BackendResult r = out.get(i);
            assertTrue(r.completionTokens() >= 1 && r.completionTokens() <= 1 + i, r.toString());
            if (r.completionTokens() < 1 + i) {
                assertEquals("stop", r.finishReason(), r.toString());
            } else {
                assertTrue(r.finishReason().equals("length") || r.finishReason().equals("stop"), r.toString());
            }
        }
        BackendResult longer = backend.generate(List.of(ChatRequest.user("go", SamplingParams.greedy(40), 0))).get(0);
        assertTrue(longer.completionTokens() <= 40);
        assertFalse(longer.text().contains("<|im_end|>"), "special tokens are not in the text");
    }

    @Test
    void stopStringEndsTheReplyAndIsLeftOut() {
        ChatRequest free = new ChatRequest(List.of(ChatMessage.system("be brief"), ChatMessage.user("hello")),
                sampled(48), 5);
        String full = backend.generate(List.of(free)).get(0).text();
        int at = -1;
        for (int i = 1; i < full.length(); i++) {
            if (Character.isLetterOrDigit(full.charAt(i)) && full.charAt(i) < 128) {
                at = i;
                break;
            }
        }
        assertTrue(at > 0, "sampled text of the random model should hold an ASCII letter: " + full);
        String stop = full.substring(at, at + 1);
        SamplingParams withStop = new SamplingParams(1.0, 0.95, 0, 0.0, 48, List.of(), List.of(stop));
        BackendResult cut = backend.generate(List.of(new ChatRequest(free.messages(), withStop, 5))).get(0);
        assertEquals(full.substring(0, full.indexOf(stop)), cut.text());
        assertEquals("stop", cut.finishReason());
    }

    @Test
    void configBindsMaxBatchAndRejectsBadDevice() throws Exception {
        var tree = new ObjectMapper().readTree("{\"type\":\"local\",\"model\":\"" + modelDir + "\",\"max_batch\":5}");
        BackendConfig c = ConfigLoader.bind(tree, BackendConfig.class, "test.yaml");
        assertEquals(5, c.maxBatch());
        assertEquals("cpu", c.device());
        try (Backend b = BackendFactory.builtIn().open(c)) {
            assertTrue(b.describe().contains("max batch 5"), b.describe());
        }
        BackendConfig bad = new BackendConfig("local", null, modelDir.toString(), null, null, null, null, null, "tpu", 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendFactory.builtIn().open(bad));
        assertTrue(e.getMessage().startsWith("backend.device:"), e.getMessage());
        BackendConfig missing = BackendConfig.local(tmp.resolve("nope").toString(), "cpu");
        e = assertThrows(IllegalArgumentException.class, () -> BackendFactory.builtIn().open(missing));
        assertTrue(e.getMessage().contains("backend.model") && e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void dtypeLoadsHalfPrecisionWeightsAndRejectsBf16() throws Exception {
        var tree = new ObjectMapper().readTree("{\"type\":\"local\",\"model\":\"" + modelDir + "\",\"dtype\":\"fp16\"}");
        BackendConfig c = ConfigLoader.bind(tree, BackendConfig.class, "test.yaml");
        try (LocalBackend b = LocalBackend.fromConfig(c)) {
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT16, b.engine().dtype());
        }
        var bf = new ObjectMapper().readTree("{\"type\":\"local\",\"model\":\"" + modelDir + "\",\"dtype\":\"bf16\"}");
        Exception e = assertThrows(Exception.class, () -> ConfigLoader.bind(bf, BackendConfig.class, "test.yaml"));
        assertTrue(String.valueOf(e.getMessage()).contains("dtype"), e.getMessage());
    }
}
