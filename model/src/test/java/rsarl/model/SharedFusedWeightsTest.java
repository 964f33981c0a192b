package rsarl.model;

import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One fused copy across batches ({@link SharedFusedWeights}): prefill and decode on it, rebuilt after reloads. */
class SharedFusedWeightsTest {
    private static final int[][] PROMPTS = {{5, 17, 42, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {200}};

    private static List<GenerationRequest> requests(SamplingParams p) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < PROMPTS.length; i++) out.add(new GenerationRequest(PROMPTS[i], p, 11 + i));
        return out;
    }

    private static void assertSame(List<Completion> expected, List<Completion> actual, String what) {
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).tokenIds(), actual.get(i).tokenIds(), what + " row " + i);
            assertArrayEquals(expected.get(i).logprobs(), actual.get(i).logprobs(), 2e-5f, what + " row " + i);
        }
    }

    /** Several batches (max batch 2), chunked prefill (4 columns): the plain forward's tokens, one copy built. */
    @ParameterizedTest
    @ValueSource(strings = {Fixtures.QWEN3, Fixtures.QWEN2})
    void batchesOnTheSharedCopyGiveThePlainForwardsTokens(String fixture) {
        try (QwenModel model = QwenModel.load(Fixtures.dir(fixture));
             SharedFusedWeights shared = new SharedFusedWeights(model)) {
            Generator plain = new Generator(model).withFusedWeights(false).withMaxBatch(2);
            Generator fused = new Generator(model).withFusedWeights(true).withMaxBatch(2).withSharedFusedWeights(shared);
            plain.prefillChunk = 4;
            fused.prefillChunk = 4;
            for (SamplingParams p : new SamplingParams[] {SamplingParams.greedy(20), SamplingParams.of(0.8, 1.0, 20)}) {
                assertSame(plain.generate(requests(p)), fused.generate(requests(p)), fixture);
            }
            assertEquals(1, shared.builds(), "one copy for all four batches");
        }
    }

    /** The copy is the only thing batches leave behind, and closing it frees it. */
    @Test
    void batchesLeaveNothingButTheCopyAndClosingFreesIt() {
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            int before = model.manager().getManagedArrays().size();
            SharedFusedWeights shared = new SharedFusedWeights(model);
            Generator gen = new Generator(model).withFusedWeights(true).withSharedFusedWeights(shared);
            gen.generate(requests(SamplingParams.greedy(8)));
            int withCopy = model.manager().getManagedArrays().size();
            assertFalse(withCopy == before, "the copy is kept between batches");
            for (int i = 0; i < 3; i++) gen.generate(requests(SamplingParams.of(0.8, 1.0, 8)));
            assertEquals(withCopy, model.manager().getManagedArrays().size(), "later batches add nothing");
            shared.close();
            assertEquals(before, model.manager().getManagedArrays().size(), "closed: the copy is freed");
        }
    }

    @Test
    void aReloadBuildsANewCopyAndABatchInFlightKeepsItsOwn(@TempDir Path tmp) {
        Path changed = tmp.resolve("changed");
        try (QwenModel other = QwenModel.load(Fixtures.dir(Fixtures.QWEN3))) {
            for (String name : new String[] {"model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.up_proj.weight"}) {
                NDArray w = other.parameters().get(name);
                w.muli(-1.5f);
            }
            other.save(changed);
        }
        SamplingParams greedy = SamplingParams.greedy(16);
        try (QwenModel model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
             QwenModel expected = QwenModel.load(changed);
             SharedFusedWeights shared = new SharedFusedWeights(model)) {
            Generator gen = new Generator(model).withFusedWeights(true).withSharedFusedWeights(shared);
            List<Completion> before = gen.generate(requests(greedy));
            List<Completion> finished = new ArrayList<>();
            Generator.TokenListener collect = new Generator.TokenListener() {
                @Override
                public void onToken(int request, int index, int token, float logprob, int[] ti, float[] tl) {
                }

                @Override
                public void onFinish(int request, Completion c) {
                    finished.add(c);
                }
            };
            try (Generator.Running inFlight = gen.begin(requests(greedy), collect)) {
                model.loadWeightsFrom(changed);
                List<Completion> after = gen.generate(requests(greedy));
                assertSame(new Generator(expected).withFusedWeights(false).generate(requests(greedy)), after, "reloaded");
                assertFalse(java.util.Arrays.equals(before.get(0).tokenIds(), after.get(0).tokenIds())
                        && java.util.Arrays.equals(before.get(1).tokenIds(), after.get(1).tokenIds()),
                        "the changed weights change the greedy tokens");
                assertEquals(2, shared.builds());
                // the batch begun before the reload still decodes on its (old) copy: not closed under it
                while (inFlight.step()) {
                    assertFalse(finished.size() > 3, "finished rows");
                }
                assertEquals(3, finished.size(), "every row of the batch in flight finished");
                for (Completion c : finished) assertFalse(c.tokenIds().length == 0, "tokens");
            }
            shared.close();
            assertThrows(IllegalStateException.class, () -> gen.generate(requests(greedy)));
        }
    }
}
