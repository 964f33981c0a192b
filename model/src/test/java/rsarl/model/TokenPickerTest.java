package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's greedy picks and plain sampling give the host sampler's tokens for the same draws. */
class TokenPickerTest {
    @Test
    void engineAndHostPickTheSameTokens() {
        int b = 6;
        int vocab = 997;
        SplittableRandom gen = new SplittableRandom(7);
        int distinct = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 60; trial++) {
                float[] logits = new float[b * vocab];
                double spread = 0.5 + 8 * gen.nextDouble(); // flat to peaky rows (peaky: many underflow to 0)
                for (int i = 0; i < logits.length; i++) logits[i] = (float) (gen.nextGaussian() * spread);
                SamplingParams[] params = new SamplingParams[b];
                for (int r = 0; r < b; r++) {
                    params[r] = r == 0 ? SamplingParams.greedy(1) : SamplingParams.of(0.3 + 1.2 * gen.nextDouble(), 1, 1);
                }
                long seed = gen.nextLong();
                try (NDManager s = m.newSubManager()) {
                    NDArray x = s.create(logits, new Shape(b, vocab));
                    TokenPicker.Picks engine = TokenPicker.onEngine(s, x, x.logSoftmax(-1), params, rngs(b, seed),
                            temps(params), true, x.logSoftmax(-1));
                    TokenPicker.Picks host = host(s, x, params, seed);
                    assertArrayEquals(host.tokens(), engine.tokens(), "trial " + trial);
                    assertArrayEquals(host.logprobs(), engine.logprobs(), 0f, "trial " + trial);
                    distinct += (int) Arrays.stream(engine.tokens()).distinct().count();
                }
            }
        }
        assertTrue(distinct > 60 * 3, "the draws vary: " + distinct);
    }

    /**
     * Rows with top-k, top-p and min-p (alone and mixed with greedy and plain rows in one batch) get the host
     * sampler's tokens: peaky rows the first candidates decide, flat ones that need the second round or all ids
     * ranked (a nucleus over 2,048 of 5,000 ids), and logits on a coarse grid whose ties straddle the cut.
     */
    @Test
    void filteredRowsDrawTheHostsTokens() {
        SplittableRandom gen = new SplittableRandom(11);
        double[] topPs = {1, 0.5, 0.9, 0.95, 0.999};
        int[] topKs = {0, 1, 5, 20, 63, 64, 300};
        double[] minPs = {0, 0, 0.01, 0.2};
        int distinct = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 80; trial++) {
                int vocab = trial % 4 == 3 ? 5000 : 997;
                int b = 7;
                float[] logits = new float[b * vocab];
                double spread = trial % 5 == 0 ? 0.05 : 0.5 + 8 * gen.nextDouble();
                boolean grid = trial % 3 == 1;
                for (int i = 0; i < logits.length; i++) {
                    double x = gen.nextGaussian() * spread;
                    logits[i] = (float) (grid ? Math.rint(x * 2) / 2 : x);
                }
                SamplingParams[] params = new SamplingParams[b];
                for (int r = 0; r < b; r++) {
                    double t = 0.3 + 1.2 * gen.nextDouble();
                    params[r] = switch (r) {
                        case 0 -> SamplingParams.greedy(1);
                        case 1 -> SamplingParams.of(t, 1, 1);
                        default -> new SamplingParams(t, topPs[gen.nextInt(topPs.length)],
                                topKs[gen.nextInt(topKs.length)], minPs[gen.nextInt(minPs.length)], 1,
                                List.of(), List.of());
                    };
                }
                long seed = gen.nextLong();
                try (NDManager s = m.newSubManager()) {
                    NDArray x = s.create(logits, new Shape(b, vocab));
                    TokenPicker.Picks engine = TokenPicker.pick(s, x, params, rngs(b, seed), 0);
                    TokenPicker.Picks host = host(s, x, params, seed);
                    assertArrayEquals(host.tokens(), engine.tokens(), "trial " + trial + " " + Arrays.toString(params));
                    assertArrayEquals(host.logprobs(), engine.logprobs(), 0f, "trial " + trial);
                    distinct += (int) Arrays.stream(engine.tokens()).distinct().count();
                }
            }
        }
        assertTrue(distinct > 80 * 3, "the draws vary: " + distinct);
    }

    /** Min-p alone on flat rows (most of the vocabulary kept: the running-sum draw) and peaky ones (candidates). */
    @Test
    void minPAloneDrawsTheHostsTokensOnFlatAndPeakyRows() {
        SplittableRandom gen = new SplittableRandom(13);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 40; trial++) {
                int vocab = trial % 2 == 0 ? 5000 : 997;
                int b = 5;
                float[] logits = new float[b * vocab];
                for (int r = 0; r < b; r++) {
                    double spread = r < 3 ? 0.3 : 6; // rows 0-2 flat, 3-4 peaky
                    for (int i = 0; i < vocab; i++) logits[r * vocab + i] = (float) (gen.nextGaussian() * spread);
                }
                SamplingParams[] params = new SamplingParams[b];
                for (int r = 0; r < b; r++) {
                    double minP = new double[] {0.001, 0.05, 0.3}[gen.nextInt(3)];
                    params[r] = new SamplingParams(0.5 + gen.nextDouble(), 1, 0, minP, 1, List.of(), List.of());
                }
                long seed = gen.nextLong();
                try (NDManager s = m.newSubManager()) {
                    NDArray x = s.create(logits, new Shape(b, vocab));
                    TokenPicker.Picks engine = TokenPicker.pick(s, x, params, rngs(b, seed), 0);
                    TokenPicker.Picks host = host(s, x, params, seed);
                    assertArrayEquals(host.tokens(), engine.tokens(), "trial " + trial + " " + Arrays.toString(params));
                }
            }
        }
    }

    /** A row the candidates cannot decide (a tie at the top-k cut) still draws only among the host's k tokens. */
    @Test
    void aTieAtTheTopKCutFallsBackToTheHostsRanking() {
        int vocab = 300;
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) logits[i] = i % 3 == 0 ? 2f : 0f; // 100 tied leaders, k = 10 cuts inside them
        SamplingParams p = new SamplingParams(1, 1, 10, 0, 1, List.of(), List.of());
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (long seed = 0; seed < 200; seed++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray x = s.create(logits, new Shape(1, vocab));
                    seen.add(TokenPicker.pick(s, x, new SamplingParams[] {p}, rngs(1, seed), 0).tokens()[0]);
                }
            }
        }
        assertEquals(java.util.Set.of(0, 3, 6, 9, 12, 15, 18, 21, 24, 27), seen, "the ten lowest ids of the tie");
    }

    /** NaN logits leave min-p nothing to keep: a clear error, not an index out of bounds. */
    @Test
    void nanLogitsUnderMinPAreAClearError() {
        float[] logits = new float[300];
        java.util.Arrays.fill(logits, Float.NaN);
        SamplingParams p = new SamplingParams(1, 1, 0, 0.1, 1, List.of(), List.of());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(logits, new Shape(1, logits.length));
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> TokenPicker.pick(m, x, new SamplingParams[] {p}, rngs(1, 0), 0));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        }
    }

    @Test
    void topLogprobsAreTheMostLikelyIdsInOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {0.1f, 3f, -1f, 2f, 2.5f};
            NDArray x = m.create(logits, new Shape(1, 5));
            TokenPicker.Picks p = TokenPicker.pick(m, x, new SamplingParams[] {SamplingParams.greedy(1)},
                    rngs(1, 0), 3);
            assertArrayEquals(new int[] {1}, p.tokens());
            assertArrayEquals(new int[] {1, 4, 3}, p.topIds()[0]);
            assertEquals(p.logprobs()[0], p.topLogprobs()[0][0], 0f);
            double z = 0;
            for (float l : logits) z += Math.exp(l);
            assertEquals(2.5 - Math.log(z), p.topLogprobs()[0][1], 1e-5);
        }
    }

    /** The reference: the host sampler on the step's copied distributions, raw log-probs reported. */
    private static TokenPicker.Picks host(NDManager s, NDArray x, SamplingParams[] params, long seed) {
        return TokenPicker.onHost(s, x, x.logSoftmax(-1), params, rngs(params.length, seed), temps(params),
                x.logSoftmax(-1));
    }

    private static SplittableRandom[] rngs(int b, long seed) {
        SplittableRandom[] out = new SplittableRandom[b];
        for (int r = 0; r < b; r++) out[r] = new SplittableRandom(seed + r);
        return out;
    }

    private static float[] temps(SamplingParams[] params) {
        float[] t = new float[params.length];
        for (int r = 0; r < t.length; r++) t[r] = params[r].temperature() == 0 ? 1f : (float) params[r].temperature();
        return t;
    }
}
