package rsarl.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chunked, optionally checkpointed pass gives the gradients of one plain backward through the full logits. */
class TrainingPassTest {
    private static final int B = 2;
    private static final int S = 9;
    private static final int FIRST = 3; // columns 3..7 predict the targets (tokens 4..8)
    private static final int C = S - 1 - FIRST;
    private static final float T = 0.7f;

    private static final long[] IDS = {5, 17, 42, 7, 99, 3, 250, 11, 64, /* row 2, left-padded */ 0, 9, 8, 31, 77,
        120, 4, 6, 200};
    private static final long[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    private static final long[] POS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 1, 2, 3, 4, 5, 6, 7};

    /** A nonlinear loss of the log-probs, so dL/dlogp differs per token. */
    private static NDArray loss(NDArray logp, NDManager m) {
        NDArray w = m.arange(1f, 1f + B * C).reshape(B, C).div(10f);
        return logp.mul(w).sum().add(logp.exp().sum().mul(Scalars.of(logp, 0.3f)));
    }

    private static TrainingPass.Batch batch(NDManager m) {
        Shape s = new Shape(B, S);
        NDArray ids = m.create(IDS, s);
        return new TrainingPass.Batch(ids, m.create(POS, s), m.create(MASK, s), FIRST,
                ids.get(new NDIndex(":, {}:{}", FIRST + 1, S)));
    }

    /** Reference: one graph over the full [B, S, vocab] logits; returns {loss, logp...}. */
    private static float[] plain(QwenModel model, NDManager m) {
        TrainingPass.Batch b = batch(m);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = model.forward(b.inputIds(), b.positionIds(), b.keyMask(), null);
            NDArray lp = logits.get(new NDIndex(":, {}:{}, :", FIRST, FIRST + C)).div(Scalars.of(logits, T))
                    .logSoftmax(-1).gather(b.targets().expandDims(-1), -1).squeeze(-1);
            NDArray l = loss(lp, m);
            gc.backward(l);
            return lp.stopGradient().toFloatArray();
        }
    }

    private static Map<String, float[]> grads(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, p) -> {
            out.put(n, p.getGradient().toFloatArray());
            p.getGradient().subi(p.getGradient());
        });
        return out;
    }

    private static void assertClose(Map<String, float[]> want, Map<String, float[]> got) {
        double norm = 0;
        for (float[] g : want.values()) for (float v : g) norm += (double) v * v;
        norm = Math.sqrt(norm);
        assertTrue(norm > 1e-3, "gradient norm " + norm);
        for (String n : want.keySet()) {
            float[] a = want.get(n);
            float[] b = got.get(n);
            double worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            assertTrue(worst <= 1e-6 * norm, n + ": max |diff| " + worst + " vs norm " + norm);
        }
    }

    /** Head chunks: 64 MiB of float32 logits on a CPU, 512 MiB on a GPU, never under 16 tokens. */
    @Test
    void headChunksAreSizedPerDevice() {
        assertEquals(110, TrainingPass.chunkTokensFor(151_936, false));
        assertEquals(883, TrainingPass.chunkTokensFor(151_936, true));
        assertEquals(16, TrainingPass.chunkTokensFor(Integer.MAX_VALUE / 2, false));
        assertEquals(16, TrainingPass.chunkTokensFor(Integer.MAX_VALUE / 2, true));
    }

    @Test
    void fullFineTuningGradientsMatchPlainBackward() {
        for (String name : new String[] {Fixtures.QWEN3, Fixtures.QWEN2}) {
            try (QwenModel model = QwenModel.load(Fixtures.dir(name)); NDManager m = model.manager().newSubManager()) {
                model.attachGradients();
                float[] logp = plain(model, m);
                Map<String, float[]> want = grads(model.parameters());
                for (boolean ckpt : new boolean[] {false, true}) {
                    for (int chunk : new int[] {3, 512}) {
                        for (int keep : new int[] {0, B * C}) { // head recomputed in backward, or kept
                            TrainingPass.Result r = new TrainingPass(ckpt, chunk, 0, keep).run(() -> model, batch(m),
                                    T, lp -> loss(lp, m), true, true);
                            assertArrayEquals(logp, r.logprobs().toFloatArray(), 1e-5f, "logp ckpt=" + ckpt);
                            assertEquals(new Shape(B, C), r.entropy().getShape());
                            assertTrue(r.entropy().min().getFloat() > 0);
                            assertEquals(new Shape(B, C), r.rawLogprobs().getShape());
                            assertClose(want, grads(model.parameters()));
                        }
                    }
                }
            }
        }
    }

    /** Checkpointed attention in query blocks smaller than the sequence (4, 4, 1 rows of 9; 2 rows) is exact. */
    @Test
    void blockwiseAttentionGradientsMatchPlainBackward() {
        for (String name : new String[] {Fixtures.QWEN3, Fixtures.QWEN2}) {
            try (QwenModel model = QwenModel.load(Fixtures.dir(name)); NDManager m = model.manager().newSubManager()) {
                model.attachGradients();
                float[] logp = plain(model, m);
                Map<String, float[]> want = grads(model.parameters());
                for (int block : new int[] {4, 2, 1}) {
                    TrainingPass pass = new TrainingPass(true, 3, block);
                    TrainingPass.Result r = pass.run(() -> model, batch(m), T, lp -> loss(lp, m), false, false);
                    assertArrayEquals(logp, r.logprobs().toFloatArray(), 1e-5f, "logp block=" + block);
                    assertClose(want, grads(model.parameters()));
                    assertArrayEquals(logp, pass.logprobs(model, batch(m), T).toFloatArray(), 1e-5f,
                            "scoring block=" + block);
                }
            }
        }
    }

    @Test
    void gradientsReachNonLeafLayerWeights() {
        String q = "model.layers.1.self_attn.q_proj.weight";
        String down = "model.layers.0.mlp.down_proj.weight";
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3)); NDManager m = model.manager().newSubManager()) {
            Map<String, NDArray> deltas = new LinkedHashMap<>();
            for (String n : new String[] {q, down}) {
                NDArray d = m.randomNormal(0f, 0.01f, model.parameters().get(n).getShape(),
                        ai.djl.ndarray.types.DataType.FLOAT32);
                d.setRequiresGradient(true);
                deltas.put(n, d);
            }
            // W + delta, as LoRA's W + s B A: built inside the collector, a non-leaf the layer's graph owns
            java.util.function.Supplier<QwenModel> view = () -> {
                Map<String, NDArray> o = new LinkedHashMap<>();
                deltas.forEach((n, d) -> o.put(n, model.parameters().get(n).add(d)));
                return model.withWeights(o);
            };
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                TrainingPass.Batch b = batch(m);
                NDArray logits = view.get().forward(b.inputIds(), b.positionIds(), b.keyMask(), null);
                NDArray lp = logits.get(new NDIndex(":, {}:{}, :", FIRST, FIRST + C)).div(Scalars.of(logits, T))
                        .logSoftmax(-1).gather(b.targets().expandDims(-1), -1).squeeze(-1);
                gc.backward(loss(lp, m));
            }
            Map<String, float[]> want = grads(deltas);
            for (boolean ckpt : new boolean[] {true, false}) {
                new TrainingPass(ckpt, 4).run(view, batch(m), T, lp -> loss(lp, m), false, false);
                assertClose(want, grads(deltas));
            }
            // query blocks share each non-leaf weight: its graph is kept until the layer's last block
            new TrainingPass(true, 4, 3).run(view, batch(m), T, lp -> loss(lp, m), false, false);
            assertClose(want, grads(deltas));
        }
    }

    /** LoRA applied as x W^T + s (x A^T) B^T gives the log-probs and A/B gradients of substituting W + s B A. */
    @Test
    void factoredLoraMatchesTheMaterialisedWeights() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3)); NDManager m = model.manager().newSubManager()) {
            Map<String, LowRank> adapters = new LinkedHashMap<>();
            Map<String, NDArray> leaves = new LinkedHashMap<>();
            for (String n : model.parameters().keySet()) {
                if (!QwenModel.adaptable(n)) continue;
                Shape w = model.parameters().get(n).getShape();
                NDArray a = m.randomNormal(0f, 0.1f, new Shape(3, w.get(1)), ai.djl.ndarray.types.DataType.FLOAT32);
                NDArray bm = m.randomNormal(0f, 0.1f, new Shape(w.get(0), 3), ai.djl.ndarray.types.DataType.FLOAT32);
                a.setRequiresGradient(true);
                bm.setRequiresGradient(true);
                adapters.put(n, new LowRank(a, bm, 0.5f));
                leaves.put(n + ".A", a);
                leaves.put(n + ".B", bm);
            }
            assertEquals(7 * model.config().numLayers(), adapters.size());
            java.util.function.Supplier<QwenModel> materialised = () -> {
                Map<String, NDArray> o = new LinkedHashMap<>();
                adapters.forEach((n, lr) -> o.put(n, lr.effective(model.parameters().get(n))));
                return model.withWeights(o);
            };
            float[] want = new TrainingPass(false, 4).run(materialised, batch(m), T, lp -> loss(lp, m), false, false)
                    .logprobs().toFloatArray();
            Map<String, float[]> wantGrads = grads(leaves);
            for (boolean ckpt : new boolean[] {false, true}) {
                TrainingPass.Result r = new TrainingPass(ckpt, 4, 4).run(() -> model.withAdapters(adapters), batch(m),
                        T, lp -> loss(lp, m), false, false);
                assertArrayEquals(want, r.logprobs().toFloatArray(), 1e-5f, "ckpt=" + ckpt);
                assertClose(wantGrads, grads(leaves));
            }
            assertThrows(IllegalArgumentException.class, () -> model.withAdapters(Map.of("model.embed_tokens.weight",
                    adapters.values().iterator().next())));
        }
    }

    @Test
    void scoringLogprobsInChunksMatchTheFullLogits() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3)); NDManager m = model.manager().newSubManager()) {
            TrainingPass.Batch b = batch(m);
            float[] full = LogProbs.tokenLogprobs(model, b.inputIds(), b.positionIds(), b.keyMask()).toFloatArray();
            for (int chunk : new int[] {1, 5, 4096}) {
                assertArrayEquals(full, LogProbs.chunked(model, b.inputIds(), b.positionIds(), b.keyMask(), chunk),
                        1e-5f, "chunk " + chunk);
            }
        }
    }

    @Test
    void refusesALoraTargetOnTheHead() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3)); NDManager m = model.manager().newSubManager()) {
            String n = "model.norm.weight";
            Function<NDArray, NDArray> l = lp -> lp.sum();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainingPass(false, 8)
                    .run(() -> model.withWeights(Map.of(n, model.parameters().get(n).mul(1f))), batch(m), 1f, l,
                            false, false));
            assertTrue(e.getMessage().contains(n), e.getMessage());
        }
    }
}
