package rsarl.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests joining a running batch get the tokens they get alone; finished rows leave as they end. */
class ContinuousBatchTest {
    private static QwenModel model;

    @BeforeAll
    static void load() {
        model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationRequest req(int promptLen, SamplingParams p, long seed) {
        int[] ids = new int[promptLen];
        for (int i = 0; i < promptLen; i++) ids[i] = (int) ((seed * 31 + i * 7) % 300) + 1;
        return new GenerationRequest(ids, p, seed);
    }

    @Test
    void joinersShorterAndLongerThanTheCacheMatchTheirSoloRuns() {
        Generator gen = new Generator(model);
        GenerationRequest a = req(6, SamplingParams.of(1.0, 1.0, 30), 1);
        GenerationRequest shortJoin = req(3, SamplingParams.greedy(12), 2);        // 3 < cache length: padded
        GenerationRequest longJoin = req(40, SamplingParams.of(0.8, 1.0, 9), 3);   // 40 > cache length: the batch is padded
        GenerationRequest filtered = req(5, new SamplingParams(1.0, 0.9, 20, 0, 8, List.of(), List.of()), 4);
        List<Completion> solo = new ArrayList<>();
        for (GenerationRequest r : List.of(a, shortJoin, longJoin, filtered)) solo.add(gen.generate(List.of(r)).get(0));

        Completion[] got = new Completion[4];
        int[] finishedAt = new int[4];
        int[] step = {0};
        Generator.TokenListener[] listeners = new Generator.TokenListener[3];
        int[][] owners = {{0}, {1}, {2, 3}};
        for (int g = 0; g < 3; g++) {
            int[] owner = owners[g];
            listeners[g] = new Generator.TokenListener() {
                @Override
                public void onToken(int request, int index, int token, float lp, int[] ti, float[] tl) {
                }

                @Override
                public void onFinish(int request, Completion c) {
                    got[owner[request]] = c;
                    finishedAt[owner[request]] = step[0];
                }
            };
        }
        try (Generator.Running run = gen.begin(List.of(a), listeners[0])) {
            for (; step[0] < 4; step[0]++) assertTrue(run.step());
            run.join(List.of(shortJoin), listeners[1]);
            assertEquals(2, run.rows());
            for (; step[0] < 6; step[0]++) assertTrue(run.step());
            run.join(List.of(longJoin, filtered), listeners[2]);
            assertEquals(4, run.rows());
            while (run.step()) step[0]++;
            assertEquals(0, run.rows());
        }
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(solo.get(i).tokenIds(), got[i].tokenIds(), "request " + i + ": " + Arrays.toString(got[i].tokenIds()));
            assertArrayEquals(solo.get(i).logprobs(), got[i].logprobs(), 1e-4f, "request " + i);
            assertEquals(solo.get(i).finishReason(), got[i].finishReason());
        }
        // the short greedy row (12 tokens, joined at step 4) is done long before the 30-token first row
        assertTrue(finishedAt[1] < finishedAt[0], Arrays.toString(finishedAt));
    }

    @Test
    void aRunningBatchLeavesNoArraysBehind() {
        Generator gen = new Generator(model);
        model.reservePositions(64);
        int before = model.manager().getManagedArrays().size();
        try (Generator.Running run = gen.begin(List.of(req(4, SamplingParams.greedy(20), 1)), null)) {
            for (int i = 0; i < 5; i++) run.step();
            run.join(List.of(req(9, SamplingParams.greedy(6), 2)), null);
            while (run.step()) {
                // decode to the end
            }
        }
        assertEquals(before, model.manager().getManagedArrays().size());
    }

    @Test
    void paddingNoRowNeedsIsDroppedOnceTheLongRowLeavesAndTokensStayTheSame() {
        Generator gen = new Generator(model);
        GenerationRequest longPrompt = req(40, SamplingParams.greedy(2), 5);
        GenerationRequest s1 = req(4, SamplingParams.of(1.0, 1.0, 25), 6);
        GenerationRequest s2 = req(6, SamplingParams.of(0.7, 1.0, 25), 7);
        List<Completion> solo = new ArrayList<>();
        for (GenerationRequest r : List.of(longPrompt, s1, s2)) solo.add(gen.generate(List.of(r)).get(0));
        Completion[] got = new Completion[3];
        Generator.TokenListener listener = new Generator.TokenListener() {
            @Override
            public void onToken(int request, int index, int token, float lp, int[] ti, float[] tl) {
            }

            @Override
            public void onFinish(int request, Completion c) {
                got[request] = c;
            }
        };
        long shortest = Long.MAX_VALUE;
        try (Generator.Running run = gen.begin(List.of(longPrompt, s1, s2), listener)) {
            assertEquals(40, run.cachedLength());
            while (run.step()) {
                if (run.rows() == 2) shortest = Math.min(shortest, run.cachedLength());
            }
        }
        // the short rows had 34-36 slots of padding in front; once the 40-token row left, the cache lost them
        assertTrue(shortest < 20, "cache length with the two short rows left: " + shortest);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(solo.get(i).tokenIds(), got[i].tokenIds(), "request " + i);
            assertArrayEquals(solo.get(i).logprobs(), got[i].logprobs(), 1e-4f, "request " + i);
        }
    }
}
