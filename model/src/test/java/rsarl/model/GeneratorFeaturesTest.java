package rsarl.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Top log-probs, penalties, processed log-probs and the token listener. */
class GeneratorFeaturesTest {
    private static QwenModel model;
    private static final int[] PROMPT = {5, 17, 42, 7};

    @BeforeAll
    static void load() {
        model = QwenModel.load(Fixtures.dir(Fixtures.QWEN3));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Completion one(Generator gen, SamplingParams p, long seed) {
        return gen.generate(List.of(new GenerationRequest(PROMPT, p, seed))).get(0);
    }

    @Test
    void topLogprobsListTheMostLikelyTokensAndTheGreedyPickFirst() {
        Completion c = one(new Generator(model), SamplingParams.greedy(8).withTopLogprobs(5), 1);
        Completion plain = one(new Generator(model), SamplingParams.greedy(8), 1);
        assertArrayEquals(plain.tokenIds(), c.tokenIds(), "asking for top log-probs changes no token");
        assertEquals(c.tokenIds().length, c.topIds().length);
        float[][] teacher = {LogProbs.tokenLogprobs(model, concat(PROMPT, c.tokenIds()))};
        for (int t = 0; t < c.tokenIds().length; t++) {
            assertEquals(5, c.topIds()[t].length);
            assertEquals(c.tokenIds()[t], c.topIds()[t][0]);
            assertEquals(c.logprobs()[t], c.topLogprobs()[t][0], 0f);
            for (int j = 1; j < 5; j++) assertTrue(c.topLogprobs()[t][j] <= c.topLogprobs()[t][j - 1]);
            assertEquals(teacher[0][PROMPT.length - 1 + t], c.logprobs()[t], 1e-4f);
        }
    }

    @Test
    void presencePenaltyStopsRepeatsAndRepetitionPenaltyChangesTheText() {
        Generator gen = new Generator(model);
        SamplingParams greedy = SamplingParams.greedy(24);
        Completion plain = one(gen, greedy, 1);
        assertTrue(new HashSet<>(boxed(plain.tokenIds())).size() < plain.tokenIds().length,
                "the fixture's greedy output repeats tokens: " + java.util.Arrays.toString(plain.tokenIds()));
        // a presence penalty beyond any logit gap makes every output token distinct (24 < vocab)
        Completion distinct = one(gen, greedy.withPenalties(new SamplingParams.Penalties(2, 0, 1)), 1);
        Set<Integer> seen = new HashSet<>(boxed(distinct.tokenIds()));
        // logits of this fixture span a few units at most: the penalty of 2 per token must break every repeat
        assertEquals(distinct.tokenIds().length, seen.size(), java.util.Arrays.toString(distinct.tokenIds()));
        Completion rep = one(gen, greedy.withPenalties(new SamplingParams.Penalties(0, 0, 5)), 1);
        assertNotEquals(java.util.Arrays.toString(plain.tokenIds()), java.util.Arrays.toString(rep.tokenIds()));
        // raw log-probs stay the model's own: the teacher-forced log-probs of the penalised text
        float[] teacher = LogProbs.tokenLogprobs(model, concat(PROMPT, distinct.tokenIds()));
        for (int t = 0; t < distinct.tokenIds().length; t++) {
            assertEquals(teacher[PROMPT.length - 1 + t], distinct.logprobs()[t], 1e-4f);
        }
    }

    @Test
    void processedLogprobsAreOfTheTemperedDistribution() {
        SamplingParams hot = SamplingParams.of(0.5, 1.0, 6);
        Completion raw = one(new Generator(model), hot, 9);
        Completion processed = one(new Generator(model).withProcessedLogprobs(true), hot, 9);
        assertArrayEquals(raw.tokenIds(), processed.tokenIds(), "the mode changes reports, not draws");
        float[] teacher = LogProbs.tokenLogprobs(model, concat(PROMPT, raw.tokenIds()));
        for (int t = 0; t < raw.tokenIds().length; t++) {
            assertEquals(teacher[PROMPT.length - 1 + t], raw.logprobs()[t], 1e-4f);
            // sharpening at T = 0.5 makes a sampled token's log-prob differ from the raw one
            assertNotEquals(raw.logprobs()[t], processed.logprobs()[t], 1e-6f);
            assertTrue(processed.logprobs()[t] <= 0);
        }
    }

    @Test
    void listenerSeesEveryTokenInOrderForItsRequest() {
        List<int[]> heard = new ArrayList<>();
        List<GenerationRequest> reqs = List.of(new GenerationRequest(new int[] {1, 2, 3, 4, 5, 6}, SamplingParams.greedy(5), 1),
                new GenerationRequest(PROMPT, SamplingParams.of(1.0, 1.0, 7), 2));
        List<Completion> out = new Generator(model).generate(reqs,
                (req, index, token, lp, ti, tl) -> heard.add(new int[] {req, index, token}));
        for (int r = 0; r < 2; r++) {
            int rr = r;
            int[] tokens = heard.stream().filter(h -> h[0] == rr).mapToInt(h -> h[2]).toArray();
            int[] indices = heard.stream().filter(h -> h[0] == rr).mapToInt(h -> h[1]).toArray();
            assertArrayEquals(out.get(r).tokenIds(), tokens);
            for (int i = 0; i < indices.length; i++) assertEquals(i, indices[i]);
        }
    }

    @Test
    void aShortRequestFinishesBeforeItsBatchDoes() {
        List<String> events = new ArrayList<>();
        List<Completion> finished = new ArrayList<>(List.of(new Completion(new int[0], new float[0], "x"),
                new Completion(new int[0], new float[0], "x")));
        List<GenerationRequest> reqs = List.of(new GenerationRequest(PROMPT, SamplingParams.greedy(3), 1),
                new GenerationRequest(PROMPT, SamplingParams.of(1.0, 1.0, 12), 2));
        List<Completion> out = new Generator(model).generate(reqs, new Generator.TokenListener() {
            @Override
            public void onToken(int request, int index, int token, float lp, int[] ti, float[] tl) {
                events.add("token " + request);
            }

            @Override
            public void onFinish(int request, Completion c) {
                events.add("finish " + request);
                finished.set(request, c);
            }
        });
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(out.get(r).tokenIds(), finished.get(r).tokenIds());
            assertEquals(out.get(r).finishReason(), finished.get(r).finishReason());
        }
        if (out.get(0).tokenIds().length < out.get(1).tokenIds().length) {
            assertTrue(events.indexOf("finish 0") < events.lastIndexOf("token 1"), events.toString());
        }
        assertEquals(1, events.stream().filter(e -> e.equals("finish 0")).count());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static List<Integer> boxed(int[] a) {
        List<Integer> out = new ArrayList<>();
        for (int x : a) out.add(x);
        return out;
    }
}
