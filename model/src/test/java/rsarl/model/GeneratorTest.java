package rsarl.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    private static QwenModel model;

    @BeforeAll
    static void load() {
        model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static SamplingParams sampled(int n) {
        return new SamplingParams(1.0, 0.95, 50, 0.01, n, List.of(), List.of());
    }

    private static GenerationRequest req(int[] prompt, SamplingParams p, long seed) {
        return new GenerationRequest(prompt, p, seed);
    }

    @Test
    void seededSamplingIsReproducibleAndIndependentOfTheBatch() {
        int[] a = {5, 17, 42, 7};
        Generator gen = new Generator(model);
        Completion alone = gen.generate(List.of(req(a, sampled(12), 11))).get(0);
        Completion again = gen.generate(List.of(req(a, sampled(12), 11))).get(0);
        assertArrayEquals(alone.tokenIds(), again.tokenIds());
        List<Completion> batch = gen.generate(List.of(
                req(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, sampled(3), 99),
                req(a, sampled(12), 11),
                req(new int[] {300}, SamplingParams.greedy(20), 5)));
        assertArrayEquals(alone.tokenIds(), batch.get(1).tokenIds());
        assertArrayEquals(alone.logprobs(), batch.get(1).logprobs(), 1e-4f);
        assertEquals(3, batch.get(0).tokenIds().length);
        Completion greedyAlone = gen.generate(List.of(req(new int[] {300}, SamplingParams.greedy(20), 5))).get(0);
        assertArrayEquals(greedyAlone.tokenIds(), batch.get(2).tokenIds());
        assertEquals(greedyAlone.finishReason(), batch.get(2).finishReason());
        Completion otherSeed = gen.generate(List.of(req(a, sampled(12), 12))).get(0);
        assertFalse(Arrays.equals(alone.tokenIds(), otherSeed.tokenIds()), "a different seed should sample differently");
    }

    @Test
    void batchedGreedyEqualsFixtureGreedy() {
        JsonNode seqs = Fixtures.expected(Fixtures.QWEN3).get("sequences");
        List<GenerationRequest> reqs = new ArrayList<>();
        for (JsonNode s : seqs) reqs.add(req(Fixtures.ints(s.get("input_ids")), SamplingParams.greedy(8), 0));
        for (int chunk : new int[] {256, 3}) { // 3: the prompts are prefilled in several column chunks
            Generator gen = new Generator(model);
            gen.prefillChunk = chunk;
            List<Completion> out = gen.generate(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                JsonNode greedy = seqs.get(i).get("greedy");
                assertArrayEquals(Fixtures.ints(greedy.get("tokens")), out.get(i).tokenIds(), "chunk " + chunk);
                assertArrayEquals(Fixtures.floats(greedy.get("token_logprobs")), out.get(i).logprobs(), 1e-4f);
            }
        }
    }

    @Test
    void logprobsEqualTeacherForcedLogprobs() {
        int[] prompt = {9, 8, 7, 6, 5};
        List<Completion> out = new Generator(model).generate(List.of(
                req(prompt, sampled(10), 3), req(new int[] {1, 2}, SamplingParams.of(0.7, 1, 10), 4)));
        int[][] prompts = {prompt, {1, 2}};
        for (int r = 0; r < 2; r++) {
            Completion c = out.get(r);
            int[] full = new int[prompts[r].length + c.tokenIds().length];
            System.arraycopy(prompts[r], 0, full, 0, prompts[r].length);
            System.arraycopy(c.tokenIds(), 0, full, prompts[r].length, c.tokenIds().length);
            float[] tf = LogProbs.tokenLogprobs(model, full);
            float[] tail = Arrays.copyOfRange(tf, prompts[r].length - 1, tf.length);
            assertArrayEquals(tail, c.logprobs(), 1e-4f, "row " + r);
        }
    }

    @Test
    void stopTokensEosAndStopStrings() {
        int[] prompt = {5, 17, 42, 7};
        Generator gen = new Generator(model);
        int[] greedy = gen.generate(List.of(req(prompt, SamplingParams.greedy(8), 0))).get(0).tokenIds();
        SamplingParams stopAtThird = new SamplingParams(0, 1, 0, 0, 8, List.of(greedy[2]), List.of());
        Completion c = gen.generate(List.of(req(prompt, stopAtThird, 0))).get(0);
        assertArrayEquals(Arrays.copyOf(greedy, 3), c.tokenIds());
        assertEquals("stop", c.finishReason());

        String target = "<" + greedy[1] + ">";
        SamplingParams stopString = new SamplingParams(0, 1, 0, 0, 8, List.of(), List.of(target));
        Generator withText = gen.withDetokenizer(ids -> Arrays.stream(ids).mapToObj(i -> "<" + i + ">")
                .collect(Collectors.joining()));
        Completion s = withText.generate(List.of(req(prompt, stopString, 0), req(prompt, SamplingParams.greedy(8), 0))).get(0);
        assertArrayEquals(Arrays.copyOf(greedy, 2), s.tokenIds());
        assertEquals("stop", s.finishReason());
        assertTrue(gen.generate(List.of(req(prompt, SamplingParams.greedy(8), 0))).get(0).truncated());
    }

    @Test
    void outOfRangePromptIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Generator(model)
                .generate(List.of(req(new int[] {1, 384}, SamplingParams.greedy(2), 0))));
        assertTrue(e.getMessage().contains("384"), e.getMessage());
    }

    /** Each step's arrays are freed: the live array count is flat over a long generation. */
    @Test
    void nativeArraysDoNotGrowOverALongGeneration() {
        int before = model.manager().getManagedArrays().size();
        List<Integer> counts = new ArrayList<>();
        Generator gen = new Generator(model);
        gen.afterStep = step -> counts.add(model.manager().getManagedArrays().size());
        List<GenerationRequest> reqs = List.of(req(new int[] {1, 2, 3}, sampled(150), 1),
                req(new int[] {4}, sampled(150), 2), req(new int[] {5, 6, 7, 8, 9}, sampled(150), 3));
        List<Completion> out = gen.generate(reqs);
        int steps = out.stream().mapToInt(c -> c.tokenIds().length).max().orElseThrow();
        assertTrue(steps > 100, "long enough: " + steps);
        // the cache grows from its initial buffers only when rows leave (same count) - the count stays flat
        int first = counts.get(1);
        for (int i = 1; i < counts.size(); i++) assertEquals(first, counts.get(i), "live arrays at step " + i);
        assertEquals(before, model.manager().getManagedArrays().size());
    }

    @Test
    void prefillColumnsAreFixedOnTheCpuAndSizedByScoresOnAGpu() {
        assertEquals(256, Generator.prefillColumns(256, false, 1, 16, 1024));
        // qwen3-0.6b (16 heads): one or sixteen 1,024-token prompts in one forward; 64 of them in 256 columns
        assertEquals(1024, Generator.prefillColumns(256, true, 1, 16, 1024));
        assertEquals(1024, Generator.prefillColumns(256, true, 16, 16, 1024));
        assertEquals(256, Generator.prefillColumns(256, true, 64, 16, 1024));
        // 32k-token prompts stay within the GPU budget, never below the CPU's columns
        int cols = Generator.prefillColumns(256, true, 1, 32, 32768);
        assertTrue(4L * 32 * 32768 * cols <= Generator.GPU_PREFILL_SCORE_BYTES, "columns " + cols);
        assertEquals(256, Generator.prefillColumns(256, true, 64, 64, 1 << 20));
    }
}
