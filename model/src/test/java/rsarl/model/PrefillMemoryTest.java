package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A generation forward (a cache, no autograd) frees each layer's intermediates when the layer ends. */
class PrefillMemoryTest {
    /** A prefill forward of 2 rows x 12 tokens with a cache of {@code capacity} slots (it grows when smaller). */
    private interface Prefill {
        NDArray forwardLast(QwenModel model, NDArray in, NDArray pos, KvCache cache);
    }

    private static void assertKeepsOnlyEachLayersOutput(QwenModel model, int capacity, Prefill prefill) {
        try (NDManager m = model.manager().newSubManager()) {
            int layers = model.config().numLayers();
            long[] ids = new long[2 * 12];
            for (int i = 0; i < ids.length; i++) ids[i] = 3 + (i * 7) % 90;
            NDArray in = m.create(ids, new Shape(2, 12));
            NDArray pos = m.arange(0, 12, 1, DataType.INT64).reshape(1, 12).repeat(0, 2);
            float[] expected = model.forward(in, pos, null, null).get(":, -1, :").toFloatArray();
            int before = m.getManagedArrays().size();
            try (KvCache cache = model.newCache(2, capacity); NoGrad ng = NoGrad.enter()) {
                NDArray logits = prefill.forwardLast(model, in, pos, cache);
                int made = m.getManagedArrays().size() - before;
                // a layer makes ~60 arrays (norms, projections, rope, scores, softmax, mlp: 154 in all before);
                // kept: its output
                assertTrue(made <= 32 + 2 * layers, made + " arrays left on the step's manager, " + layers + " layers");
                assertArrayEquals(expected, logits.toFloatArray(), 1e-5f);
            }
        }
    }

    @Test
    void aPrefillChunkKeepsOnlyEachLayersOutput() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            assertKeepsOnlyEachLayersOutput(model, 16, (mm, in, pos, cache) -> mm.forwardLast(in, pos, null, cache));
        }
    }

    /** The same on the fused weights (a shared copy prefills on them), with the cache growing inside a freed layer. */
    @Test
    void aFusedPrefillChunkKeepsOnlyEachLayersOutput() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3)); FusedWeights w = FusedWeights.of(model)) {
            CachedForward fused = new CachedForward(model, w);
            assertKeepsOnlyEachLayersOutput(model, 4, (mm, in, pos, cache) -> fused.forwardLast(in, pos, null, cache));
        }
    }

    /** Unfused decode steps run the plain forward's freed layers, where the cache grows (past 128 new tokens). */
    @Test
    void theCacheGrowsInsideAFreedLayer() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            java.util.List<GenerationRequest> reqs = java.util.List.of(
                    new GenerationRequest(new int[] {5, 17, 42}, SamplingParams.greedy(150), 1),
                    new GenerationRequest(new int[] {9}, SamplingParams.of(0.9, 1.0, 150), 2));
            java.util.List<Completion> plain = new Generator(model).withFusedWeights(false).generate(reqs);
            java.util.List<Completion> fused = new Generator(model).withFusedWeights(true).generate(reqs);
            assertTrue(plain.get(0).tokenIds().length > 130, "the greedy row runs past the first capacity");
            for (int i = 0; i < reqs.size(); i++) {
                assertArrayEquals(fused.get(i).tokenIds(), plain.get(i).tokenIds(), "row " + i);
            }
        }
    }
}
