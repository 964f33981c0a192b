package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The KV cache and padding must not change any logit at a real position. */
class QwenModelBatchTest {

    private static int[][] sequences(String name) {
        JsonNode seqs = Fixtures.expected(name).get("sequences");
        return new int[][] {Fixtures.ints(seqs.get(0).get("input_ids")), Fixtures.ints(seqs.get(1).get("input_ids"))};
    }

    private static void assertClose(float[] want, int wantOff, float[] got, int gotOff, int n, double tol, String what) {
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(want[wantOff + i] - got[gotOff + i]));
        assertEquals(0, worst, tol, what);
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void incrementalDecodingWithCacheEqualsFullForward(String name) {
        try (QwenModel model = QwenModel.load(Fixtures.dir(name))) {
            int vocab = model.config().vocabSize();
            int[] ids = sequences(name)[1];
            float[] full = QwenModelFixtureTest.logitsOf(model, ids);
            int prefix = 5;
            try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache(1, 4)) {
                long[] in = new long[prefix];
                long[] pos = new long[prefix];
                for (int i = 0; i < prefix; i++) {
                    in[i] = ids[i];
                    pos[i] = i;
                }
                float[] got = model.forward(m.create(in, new Shape(1, prefix)), m.create(pos, new Shape(1, prefix)),
                        null, cache).toFloatArray();
                assertClose(full, 0, got, 0, prefix * vocab, 1e-5, "prefill");
                // capacity 4 < 12 tokens: the cache must also grow correctly on the way
                for (int t = prefix; t < ids.length; t++) {
                    try (NDManager step = m.newSubManager()) {
                        NDArray one = step.create(new long[] {ids[t]}, new Shape(1, 1));
                        NDArray p = step.create(new long[] {t}, new Shape(1, 1));
                        float[] row = model.forward(one, p, null, cache).toFloatArray();
                        assertClose(full, t * vocab, row, 0, vocab, 1e-5, "decode step at position " + t);
                    }
                }
                assertEquals(ids.length, cache.length());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void paddedBatchEqualsUnpadded(boolean leftPadding) {
        for (String name : new String[] {Fixtures.QWEN3, Fixtures.QWEN2}) {
            try (QwenModel model = QwenModel.load(Fixtures.dir(name)); NDManager m = model.manager().newSubManager()) {
                int vocab = model.config().vocabSize();
                int[][] seqs = sequences(name);
                int width = Math.max(seqs[0].length, seqs[1].length);
                long[] ids = new long[2 * width];
                long[] pos = new long[2 * width];
                long[] mask = new long[2 * width];
                int[] offset = new int[2];
                for (int r = 0; r < 2; r++) {
                    offset[r] = leftPadding ? width - seqs[r].length : 0;
                    for (int j = 0; j < width; j++) ids[r * width + j] = 7; // a real id, hidden by the mask
                    for (int i = 0; i < seqs[r].length; i++) {
                        int at = r * width + offset[r] + i;
                        ids[at] = seqs[r][i];
                        pos[at] = i;
                        mask[at] = 1;
                    }
                }
                Shape s = new Shape(2, width);
                float[] got = model.forward(m.create(ids, s), m.create(pos, s), m.create(mask, s), null).toFloatArray();
                for (int r = 0; r < 2; r++) {
                    float[] alone = QwenModelFixtureTest.logitsOf(model, seqs[r]);
                    int start = (r * width + offset[r]) * vocab;
                    assertClose(alone, 0, got, start, seqs[r].length * vocab, 1e-5,
                            name + (leftPadding ? " left" : " right") + " padding, row " + r);
                }
            }
        }
    }
}
