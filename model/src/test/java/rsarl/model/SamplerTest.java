package rsarl.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Filtering on hand-made distributions, and the exact nucleus on a large vocabulary. */
class SamplerTest {
    private static final float[] P = {0.05f, 0.5f, 0.1f, 0.2f, 0.15f};

    private static float[] logits(float[] p) {
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) l[i] = (float) Math.log(p[i]);
        return l;
    }

    private static int[] keep(double topP, int topK, double minP) {
        SamplingParams sp = new SamplingParams(1, topP, topK, minP, 1, List.of(), List.of());
        return Sampler.keep(logits(P), 0, P.length, sp);
    }

    @Test
    void topKTopPMinPKeepTheRightTokens() {
        // by probability: 1 (0.5), 3 (0.2), 4 (0.15), 2 (0.1), 0 (0.05)
        assertArrayEquals(new int[] {1, 3}, keep(1, 2, 0));
        assertArrayEquals(new int[] {1}, keep(0.5, 0, 0));
        assertArrayEquals(new int[] {1, 3}, keep(0.6, 0, 0));
        assertArrayEquals(new int[] {1, 3, 4}, keep(0.8, 0, 0));
        int[] all = keep(1, 0, 0);
        Arrays.sort(all);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, all);
        // min-p 0.25: keep p >= 0.125
        int[] minP = keep(1, 0, 0.25);
        Arrays.sort(minP);
        assertArrayEquals(new int[] {1, 3, 4}, minP);
        // top-k 3 renormalised: 0.588, 0.235, 0.176 -> top-p 0.8 keeps two
        assertArrayEquals(new int[] {1, 3}, keep(0.8, 3, 0));
    }

    @Test
    void samplingFollowsTheFilteredDistribution() {
        SamplingParams sp = new SamplingParams(1, 1, 2, 0, 1, List.of(), List.of());
        SplittableRandom rng = new SplittableRandom(7);
        int[] counts = new int[P.length];
        int n = 20000;
        for (int i = 0; i < n; i++) counts[Sampler.pick(logits(P), 0, P.length, sp, rng)]++;
        assertEquals(0, counts[0] + counts[2] + counts[4]);
        assertEquals(0.5 / 0.7, counts[1] / (double) n, 0.02);
        // temperature 0 is argmax whatever the filters
        assertEquals(1, Sampler.pick(logits(P), 0, P.length, SamplingParams.greedy(1), rng));
    }

    @Test
    void unfilteredSamplingMatchesProbabilities() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] probs = {0.1f, 0f, 0.6f, 0.3f};
        int[] counts = new int[4];
        int n = 20000;
        for (int i = 0; i < n; i++) counts[Sampler.sampleAll(probs, 0, 4, rng)]++;
        assertEquals(0, counts[1]);
        assertEquals(0.6, counts[2] / (double) n, 0.02);
        assertEquals(0.1, counts[0] / (double) n, 0.02);
    }

    @Test
    void nucleusOnLargeVocabularyEqualsFullSort() {
        Random r = new Random(3);
        int vocab = 50_000;
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) l[i] = (float) (r.nextGaussian() * 3);
        for (double topP : new double[] {0.5, 0.9, 0.999}) {
            SamplingParams sp = new SamplingParams(0.7, topP, 0, 0, 1, List.of(), List.of());
            double[] w = Sampler.weights(l, 0, vocab, 0.7);
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> w[a] != w[b] ? Double.compare(w[b], w[a]) : Integer.compare(a, b));
            double total = Arrays.stream(w).sum();
            double acc = 0;
            int n = 0;
            while (n < vocab && (n == 0 || acc < topP * total)) acc += w[order[n++]];
            int[] want = Arrays.stream(order, 0, n).mapToInt(Integer::intValue).toArray();
            assertArrayEquals(want, Sampler.keep(l, 0, vocab, sp), "top_p " + topP);
            assertTrue(want.length > 1);
        }
    }

    @Test
    void logProbIsRawLogSoftmax() {
        float[] l = logits(P);
        for (int t = 0; t < P.length; t++) assertEquals(Math.log(P[t]), Sampler.logProb(l, 0, P.length, t), 1e-6);
    }
}
