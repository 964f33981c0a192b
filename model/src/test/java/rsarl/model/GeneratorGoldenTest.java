package rsarl.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Tokens for fixed seeds, recorded before the decode path moved greedy picks and plain sampling onto the engine:
 * where the distribution is unchanged the same seed must keep giving the same tokens.
 */
class GeneratorGoldenTest {
    private static QwenModel model;

    @BeforeAll
    static void load() {
        model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static final int[][] PROMPTS = {{5, 17, 42, 7}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {300}};
    private static final SamplingParams[] PARAMS = {
        SamplingParams.greedy(16),
        SamplingParams.of(0.7, 1.0, 16),                                        // plain sampling
        new SamplingParams(1.0, 0.9, 40, 0.0, 16, List.of(), List.of()),        // top-k + top-p on the host
    };
    private static final int[][] EXPECTED = {
        {289, 304, 19, 284, 142, 278, 358, 37, 142, 317, 217, 309, 289, 60, 125, 289},
        {163, 342, 329, 187, 148, 222, 353, 169, 68, 210, 307, 267, 209, 259, 325, 303},
        {101, 257, 183, 374, 360, 254, 79, 66, 43, 21, 46, 379, 55, 183, 13, 336},
    };

    @Test
    void sameSeedSameTokensAsBefore() {
        Generator gen = new Generator(model);
        List<GenerationRequest> reqs = List.of(
                new GenerationRequest(PROMPTS[0], PARAMS[0], 3),
                new GenerationRequest(PROMPTS[1], PARAMS[1], 4),
                new GenerationRequest(PROMPTS[2], PARAMS[2], 5));
        List<Completion> batch = gen.generate(reqs);
        StringBuilder all = new StringBuilder();
        for (Completion c : batch) all.append(Arrays.toString(c.tokenIds())).append('\n');
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(EXPECTED[i], batch.get(i).tokenIds(), "request " + i + ", all:\n" + all);
            // alone, each request gives the same tokens as in the mixed batch
            assertArrayEquals(EXPECTED[i], gen.generate(List.of(reqs.get(i))).get(0).tokenIds(), "alone " + i);
        }
    }
}
