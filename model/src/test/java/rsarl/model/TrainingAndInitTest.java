package rsarl.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingAndInitTest {
    @TempDir
    Path tmp;

    private static float loss(QwenModel model, NDManager m, long[] ids) {
        NDArray logits = model.forward(m.create(ids, new Shape(1, ids.length)), m.arange(0, ids.length).toType(
                ai.djl.ndarray.types.DataType.INT64, false).reshape(1, ids.length), null, null);
        return nll(logits, m, ids).getFloat();
    }

    private static NDArray nll(NDArray logits, NDManager m, long[] ids) {
        int n = ids.length;
        long[] next = new long[n - 1];
        System.arraycopy(ids, 1, next, 0, n - 1);
        return logits.get(new NDIndex(":, 0:{}, :", n - 1)).logSoftmax(-1)
                .gather(m.create(next, new Shape(1, n - 1, 1)), -1).mean().neg();
    }

    /** Gradients flow to the weights and agree with a finite difference. */
    @Test
    void forwardIsDifferentiable() {
        long[] ids = {5, 17, 42, 7, 99, 3};
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN2))) {
            model.attachGradients();
            NDArray w = model.parameters().get("model.layers.0.self_attn.k_proj.weight");
            int before = model.manager().getManagedArrays().size();
            float analytic;
            try (NDManager m = model.manager().newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = model.forward(m.create(ids, new Shape(1, ids.length)),
                            m.create(new long[] {0, 1, 2, 3, 4, 5}, new Shape(1, ids.length)), null, null);
                    gc.backward(nll(logits, m, ids));
                }
                assertEquals(before, model.manager().getManagedArrays().size() - m.getManagedArrays().size(),
                        "intermediates must go to the caller's manager");
                analytic = w.getGradient().getFloat(3, 10);
                assertTrue(model.parameters().get("model.layers.0.self_attn.k_proj.bias").getGradient().abs().sum()
                        .getFloat() > 0);
            }
            float eps = 1e-2f;
            float base = w.getFloat(3, 10);
            float up;
            float down;
            try (NDManager m = model.manager().newSubManager()) {
                w.set(new NDIndex(3, 10), base + eps);
                up = loss(model, m, ids);
                w.set(new NDIndex(3, 10), base - eps);
                down = loss(model, m, ids);
                w.set(new NDIndex(3, 10), base);
            }
            float numeric = (up - down) / (2 * eps);
            assertEquals(numeric, analytic, Math.max(1e-4, Math.abs(numeric) * 0.05), "d loss / d k_proj[3,10]");
            assertTrue(Math.abs(analytic) > 1e-7, "gradient should not vanish: " + analytic);
        }
    }

    @Test
    void initRandomTinyPresetIsSeededAndRuns() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        QwenModel.initRandom("tiny", 500, List.of(498, 499), 42, a);
        QwenModel.initRandom("tiny", 500, List.of(498, 499), 42, b);
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));
        try (QwenModel model = QwenModel.load(a)) {
            QwenConfig c = model.config();
            assertEquals("qwen3", c.modelType());
            assertEquals(500, c.vocabSize());
            assertEquals(List.of(498, 499), c.eosTokenIds());
            long count = model.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
            assertEquals(c.parameterCount(), count);
            assertTrue(count > 100_000 && count < 1_000_000, "a few hundred K parameters: " + count);
            assertArrayEquals(new float[] {1, 1, 1}, java.util.Arrays.copyOf(model.parameters().get("model.norm.weight").toFloatArray(), 3));
            float[] q = model.parameters().get("model.layers.0.self_attn.q_proj.weight").toFloatArray();
            double sq = 0;
            for (float x : q) sq += x * x;
            assertEquals(0.02, Math.sqrt(sq / q.length), 0.002);
            Completion c1 = new Generator(model).generate(List.of(new GenerationRequest(new int[] {1, 2}, SamplingParams.greedy(4), 0))).get(0);
            assertTrue(c1.tokenIds().length >= 1);
        }
        assertThrows(IllegalArgumentException.class, () -> QwenModel.initRandom("huge", 500, 1, tmp.resolve("c")));
    }

    /** Qwen3 with attention_bias has q/k/v and o_proj biases; zero biases leave the logits unchanged. */
    @Test
    void qwen3AttentionBiasIncludesOProj() throws IOException {
        Map<String, RawSafetensors.Tensor> t = RawSafetensors.read(Fixtures.dir(Fixtures.QWEN3).resolve("model.safetensors"));
        QwenConfig c = QwenConfig.read(Fixtures.dir(Fixtures.QWEN3).resolve("config.json"));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".self_attn.";
            t.put(p + "q_proj.bias", zeros(c.numHeads() * c.headDim()));
            t.put(p + "k_proj.bias", zeros(c.numKvHeads() * c.headDim()));
            t.put(p + "v_proj.bias", zeros(c.numKvHeads() * c.headDim()));
            t.put(p + "o_proj.bias", zeros(c.hiddenSize()));
        }
        Path d = Files.createDirectories(tmp.resolve("bias"));
        var cfg = (com.fasterxml.jackson.databind.node.ObjectNode) QwenConfig.readJson(Fixtures.dir(Fixtures.QWEN3).resolve("config.json"));
        cfg.put("attention_bias", true);
        QwenConfig.JSON.writeValue(d.resolve("config.json").toFile(), cfg);
        RawSafetensors.write(d.resolve("model.safetensors"), t, "F32");
        int[] ids = {1, 2, 3, 4};
        try (QwenModel withBias = QwenModel.load(d); QwenModel plain = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            assertTrue(withBias.parameters().containsKey("model.layers.1.self_attn.o_proj.bias"));
            assertArrayEquals(QwenModelFixtureTest.logitsOf(plain, ids), QwenModelFixtureTest.logitsOf(withBias, ids), 1e-6f);
            // a non-zero o_proj bias must move the logits
            withBias.parameters().get("model.layers.0.self_attn.o_proj.bias").addi(0.5f);
            float[] moved = QwenModelFixtureTest.logitsOf(withBias, ids);
            assertTrue(Math.abs(moved[0] - QwenModelFixtureTest.logitsOf(plain, ids)[0]) > 1e-4);
        }
        t.remove("model.layers.0.self_attn.o_proj.bias");
        RawSafetensors.write(d.resolve("model.safetensors"), t, "F32");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QwenModel.load(d));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.o_proj.bias"), e.getMessage());
    }

    private static RawSafetensors.Tensor zeros(int n) {
        return new RawSafetensors.Tensor(new long[] {n}, new float[n]);
    }

    @Test
    void presetSizes() {
        assertTrue(between(ModelPresets.config("mini", 320, List.of()).parameterCount(), 0.75e6, 0.9e6));
        assertTrue(between(ModelPresets.config("small", 1000, List.of()).parameterCount(), 2e6, 5e6));
        assertTrue(between(ModelPresets.config("20m", 1000, List.of()).parameterCount(), 18e6, 22e6));
        assertTrue(between(ModelPresets.config("qwen3-0.6b", 151936, List.of()).parameterCount(), 0.55e9, 0.65e9));
        assertTrue(between(ModelPresets.config("qwen3-4b", 151936, List.of()).parameterCount(), 3.9e9, 4.1e9));
    }

    private static boolean between(long x, double lo, double hi) {
        return x >= lo && x <= hi;
    }
}
