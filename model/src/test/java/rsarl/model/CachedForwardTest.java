package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decode steps on {@link FusedWeights} ({@link CachedForward}) against the plain forward. */
class CachedForwardTest {
    private static final int[][] PROMPTS = {{5, 17, 42, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {200}};

    private static List<GenerationRequest> requests(SamplingParams p) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) out.add(new GenerationRequest(PROMPTS[i], p, 11 + i));
        return out;
    }

    /** Qwen3 (q/k norm, head_dim 32: a scale that is not a power of two) and Qwen2 (q/k/v biases, no q/k norm). */
    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void fusedDecodeGivesThePlainForwardsTokensAndLogprobs(String fixture) {
        try (QwenModel model = QwenModel.load(Fixtures.dir(fixture))) {
            for (SamplingParams p : new SamplingParams[] {SamplingParams.greedy(24), SamplingParams.of(0.8, 1.0, 24)}) {
                // a padded batch (masked decode steps) and a single row (no mask)
                List<Completion> plain = new Generator(model).withFusedWeights(false).generate(requests(p));
                List<Completion> fused = new Generator(model).withFusedWeights(true).generate(requests(p));
                for (int i = 0; i < PROMPTS.length; i++) {
                    assertArrayEquals(plain.get(i).tokenIds(), fused.get(i).tokenIds(), fixture + " row " + i);
                    assertArrayEquals(plain.get(i).logprobs(), fused.get(i).logprobs(), 2e-5f, fixture + " row " + i);
                }
            }
        }
    }

    @Test
    void oneStepsLogitsMatchTheFullForward() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             NDManager m = model.manager().newSubManager();
             FusedWeights w = FusedWeights.of(model)) {
            long[] ids = {5, 17, 42, 7, 99, 3};
            NDArray full = model.forward(m.create(ids, new Shape(1, 6)), m.arange(0, 6, 1, DataType.INT64)
                    .reshape(1, 6), null, null);
            float[] expected = full.get(":, -1, :").toFloatArray();
            try (KvCache cache = model.newCache(1, 8)) {
                CachedForward step = new CachedForward(model, w);
                long[] prompt = {5, 17, 42, 7, 99};
                step.forwardLast(m.create(prompt, new Shape(1, 5)), m.arange(0, 5, 1, DataType.INT64).reshape(1, 5),
                        null, cache);
                NDArray last = step.forwardLast(m.create(new long[] {3}, new Shape(1, 1)),
                        m.create(new long[] {5}, new Shape(1, 1)), null, cache);
                assertArrayEquals(expected, last.toFloatArray(), 1e-5f);
                assertEquals(6, cache.length());
            }
        }
    }

    /** A withAdapters view (LoRA as x A^T B^T, not in the parameters) decodes as its merged W + s B A would. */
    @Test
    void anAdapterViewDecodesWithItsAdapters() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             NDManager m = model.manager().newSubManager()) {
            String name = "model.layers.0.self_attn.q_proj.weight";
            NDArray w = model.parameters().get(name);
            long out = w.getShape().get(0);
            long in = w.getShape().get(1);
            LowRank lora = new LowRank(m.randomNormal(0, 0.5f, new Shape(2, in), DataType.FLOAT32),
                    m.randomNormal(0, 0.5f, new Shape(out, 2), DataType.FLOAT32), 2f);
            QwenModel adapted = model.withAdapters(java.util.Map.of(name, lora));
            QwenModel merged = model.withWeights(java.util.Map.of(name, lora.effective(w)));
            List<Completion> viaAdapters = new Generator(adapted).withFusedWeights(true)
                    .generate(requests(SamplingParams.greedy(12)));
            List<Completion> viaMerged = new Generator(merged).withFusedWeights(true)
                    .generate(requests(SamplingParams.greedy(12)));
            List<Completion> base = new Generator(model).withFusedWeights(true)
                    .generate(requests(SamplingParams.greedy(12)));
            boolean differsFromBase = false;
            for (int i = 0; i < PROMPTS.length; i++) {
                assertArrayEquals(viaMerged.get(i).tokenIds(), viaAdapters.get(i).tokenIds(), "row " + i);
                differsFromBase |= !java.util.Arrays.equals(base.get(i).tokenIds(), viaAdapters.get(i).tokenIds());
            }
            assertTrue(differsFromBase, "the adapter must change the greedy tokens for this test to mean anything");
        }
    }

    /**
     * o and down are the model's own arrays (closing the copy leaves them usable), unless an adapter is folded into
     * them; q/k/v and gate/up are stacked copies in the checkpoint's [out, in] layout.
     */
    @Test
    void theCopyReusesUnadaptedMatricesAndOwnsTheRest() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             NDManager m = model.manager().newSubManager()) {
            var p = model.parameters();
            QwenConfig c = model.config();
            try (FusedWeights w = FusedWeights.of(model)) {
                FusedWeights.Layer l = w.layer(1);
                assertTrue(l.o() == p.get("model.layers.1.self_attn.o_proj.weight"));
                assertTrue(l.down() == p.get("model.layers.1.mlp.down_proj.weight"));
                assertEquals(new Shape((long) (c.numHeads() + 2 * c.numKvHeads()) * c.headDim(), c.hiddenSize()),
                        l.qkv().getShape());
                assertEquals(new Shape(2L * c.intermediateSize(), c.hiddenSize()), l.gateUp().getShape());
                float[] up = p.get("model.layers.1.mlp.up_proj.weight").toFloatArray();
                float[] stacked = l.gateUp().get(c.intermediateSize() + ":").toFloatArray();
                assertArrayEquals(up, stacked, 0f);
            }
            String name = "model.layers.0.mlp.down_proj.weight";
            NDArray down = p.get(name);
            LowRank lora = new LowRank(m.randomNormal(0, 0.5f, new Shape(2, down.getShape().get(1)), DataType.FLOAT32),
                    m.randomNormal(0, 0.5f, new Shape(down.getShape().get(0), 2), DataType.FLOAT32), 2f);
            try (FusedWeights w = FusedWeights.of(model.withAdapters(java.util.Map.of(name, lora)))) {
                assertFalse(w.layer(0).down() == down);
            }
            // both copies closed: the model's own o and down still work
            List<Completion> out = new Generator(model).withFusedWeights(false).generate(requests(SamplingParams.greedy(4)));
            assertEquals(4, out.get(0).tokenIds().length);
        }
    }

    /** Each batch builds its copy from the weights as they are: an in-place update between batches is seen. */
    @Test
    void weightsChangedInPlaceBetweenBatchesAreUsed() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            Generator fused = new Generator(model).withFusedWeights(true);
            Generator plain = new Generator(model).withFusedWeights(false);
            List<Completion> before = fused.generate(requests(SamplingParams.greedy(12)));
            model.parameters().get("model.layers.0.mlp.up_proj.weight").muli(-3f);
            model.parameters().get("model.layers.1.self_attn.k_proj.weight").muli(2f);
            List<Completion> after = fused.generate(requests(SamplingParams.greedy(12)));
            List<Completion> reference = plain.generate(requests(SamplingParams.greedy(12)));
            boolean changed = false;
            for (int i = 0; i < PROMPTS.length; i++) {
                assertArrayEquals(reference.get(i).tokenIds(), after.get(i).tokenIds(), "row " + i);
                assertArrayEquals(reference.get(i).logprobs(), after.get(i).logprobs(), 2e-5f, "row " + i);
                changed |= !java.util.Arrays.equals(before.get(i).logprobs(), after.get(i).logprobs());
            }
            assertTrue(changed, "the weight change must show in the outputs");
        }
    }

    /** One row takes the matrix-vector product, more rows linear: both equal x W^T + b, in x's shape and manager. */
    @Test
    void oneRowProductEqualsLinear() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.randomNormal(0, 0.1f, new Shape(48, 32), DataType.FLOAT32);
            NDArray bias = m.randomNormal(new Shape(48));
            for (Shape s : new Shape[] {new Shape(1, 1, 32), new Shape(1, 32), new Shape(3, 1, 32)}) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.randomNormal(s);
                    for (NDArray b : new NDArray[] {null, bias}) {
                        NDArray expected = QwenForward.linear(x, w, b);
                        NDArray y = QwenForward.product(x, w, b);
                        assertEquals(expected.getShape(), y.getShape(), s.toString());
                        assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), 1e-5f, s.toString());
                        assertEquals(step, y.getManager());
                    }
                }
            }
        }
    }

    /** Batches above 8 rows run the lm head in blocks of vocabulary rows: the same logits as one linear. */
    @Test
    void headInBlocksEqualsOneLinear() {
        try (NDManager m = NDManager.newBaseManager()) {
            // rows of 1024 floats = 4 KiB: blocks of 256 rows, so 1000 rows are 3 whole blocks and a ragged one
            NDArray head = m.randomNormal(0, 0.05f, new Shape(1000, 1024), DataType.FLOAT32);
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(12, 1024));
                float[] expected = QwenForward.linear(x, head, null).toFloatArray();
                NDArray blocked = CachedForward.headInBlocks(head, x, step);
                assertEquals(new Shape(12, 1000), blocked.getShape());
                assertArrayEquals(expected, blocked.toFloatArray(), 1e-5f);
                assertEquals(step, blocked.getManager());
            }
        }
    }

    /** The CPU-only head workarounds never run on a GPU or on MKL's Intel kernels. */
    @Test
    void headShapeIsThePlainLinearOnAGpu() {
        for (long rows : new long[] {1, 2, 8, 9, 64, 256}) {
            assertEquals(CachedForward.HeadShape.LINEAR, CachedForward.headShape(rows, true, false), "gpu " + rows);
            assertEquals(CachedForward.HeadShape.LINEAR, CachedForward.headShape(rows, false, true), "intel " + rows);
        }
        assertEquals(CachedForward.HeadShape.LINEAR, CachedForward.headShape(1, false, false));
        assertEquals(CachedForward.HeadShape.WX, CachedForward.headShape(8, false, false));
        assertEquals(CachedForward.HeadShape.BLOCKS, CachedForward.headShape(9, false, false));
    }

    @Test
    void switchAndSize() {
        QwenConfig c = QwenConfig.read(Fixtures.dir(Fixtures.QWEN3).resolve("config.json"));
        // layers x (hidden x (nh + 2 kv) d + 2 hidden x I) x 4 bytes: o and down are the model's own arrays
        long perLayer = 64L * (4 + 2 * 2) * 32 + 2L * 64 * 160;
        assertEquals(2 * perLayer * 4, FusedWeights.bytes(c, DataType.FLOAT32));
        String old = System.getProperty(FusedWeights.PROPERTY);
        try {
            System.setProperty(FusedWeights.PROPERTY, "off");
            assertFalse(FusedWeights.enabledFor(c, DataType.FLOAT32));
            System.setProperty(FusedWeights.PROPERTY, "auto");
            assertTrue(FusedWeights.enabledFor(c, DataType.FLOAT32));
            System.setProperty(FusedWeights.PROPERTY, "sometimes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FusedWeights.enabledFor(c, DataType.FLOAT32));
            assertTrue(e.getMessage().contains(FusedWeights.PROPERTY), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(FusedWeights.PROPERTY);
            else System.setProperty(FusedWeights.PROPERTY, old);
        }
        // Qwen3-0.6B in float32 (28 layers, hidden 1024, 16 q / 8 kv heads of 128, I 3072): above the auto limit
        long qwen06 = 28L * (1024L * (16 + 16) * 128 + 16L * 128 * 1024 + 3L * 1024 * 3072) * 4;
        assertTrue(qwen06 > FusedWeights.AUTO_MAX_BYTES);
    }
}
