package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Logits, log-probs and greedy continuations against an independent float64 reference. */
class QwenModelFixtureTest {

    static float[] logitsOf(QwenModel model, int[] ids) {
        try (NDManager m = model.manager().newSubManager()) {
            long[] l = new long[ids.length];
            long[] p = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                l[i] = ids[i];
                p[i] = i;
            }
            NDArray in = m.create(l, new Shape(1, ids.length));
            NDArray pos = m.create(p, new Shape(1, ids.length));
            return model.forward(in, pos, null, null).toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void logitsMatchReference(String name) {
        JsonNode exp = Fixtures.expected(name);
        double tol = exp.get("tolerance").get("logits_abs").doubleValue();
        try (QwenModel model = QwenModel.load(Fixtures.dir(name))) {
            int vocab = model.config().vocabSize();
            for (JsonNode seq : exp.get("sequences")) {
                int[] ids = Fixtures.ints(seq.get("input_ids"));
                float[] got = logitsOf(model, ids);
                assertEquals(ids.length * vocab, got.length);
                double worst = 0;
                for (int t = 0; t < ids.length; t++) {
                    float[] want = Fixtures.floats(seq.get("logits").get(t));
                    for (int v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(want[v] - got[t * vocab + v]));
                }
                assertEquals(0, worst, tol, name + " max |logit error|");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void nextTokenLogprobsMatchReference(String name) {
        JsonNode exp = Fixtures.expected(name);
        double tol = exp.get("tolerance").get("logprobs_abs").doubleValue();
        try (QwenModel model = QwenModel.load(Fixtures.dir(name))) {
            for (JsonNode seq : exp.get("sequences")) {
                float[] want = Fixtures.floats(seq.get("next_token_logprobs"));
                float[] got = LogProbs.tokenLogprobs(model, Fixtures.ints(seq.get("input_ids")));
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol, name + " logprob " + i);
            }
        }
    }

    /** The batched (right-padded) form gives every sequence its own reference log-probs. */
    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void batchedLogprobsMatchReference(String name) {
        JsonNode exp = Fixtures.expected(name);
        try (QwenModel model = QwenModel.load(Fixtures.dir(name))) {
            JsonNode seqs = exp.get("sequences");
            float[][] got = LogProbs.tokenLogprobs(model, java.util.List.of(Fixtures.ints(seqs.get(0).get("input_ids")),
                    Fixtures.ints(seqs.get(1).get("input_ids"))));
            for (int r = 0; r < 2; r++) {
                assertArrayEquals(Fixtures.floats(seqs.get(r).get("next_token_logprobs")), got[r], 1e-4f, name + " row " + r);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void greedyContinuationMatchesReference(String name) {
        JsonNode exp = Fixtures.expected(name);
        try (QwenModel model = QwenModel.load(Fixtures.dir(name))) {
            for (JsonNode seq : exp.get("sequences")) {
                JsonNode greedy = seq.get("greedy");
                int[] prompt = Fixtures.ints(seq.get("input_ids"));
                int n = greedy.get("max_new_tokens").intValue();
                Completion c = new Generator(model).generate(java.util.List.of(new GenerationRequest(prompt,
                        SamplingParams.greedy(n), 0L))).get(0);
                assertArrayEquals(Fixtures.ints(greedy.get("tokens")), c.tokenIds(), name + " greedy tokens");
                float[] want = Fixtures.floats(greedy.get("token_logprobs"));
                for (int i = 0; i < n; i++) assertEquals(want[i], c.logprobs()[i], 1e-4, name + " greedy logprob " + i);
                assertEquals("length", c.finishReason());
            }
        }
    }
}
