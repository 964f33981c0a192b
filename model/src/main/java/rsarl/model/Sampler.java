package rsarl.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: greedy when temperature is 0, else samples after temperature,
 * top-k, top-p (on the top-k renormalised distribution) and min-p, in that order (HF/vLLM semantics).
 * Works on one row so a request's draw depends only on its own logits and random stream.
 */
final class Sampler {
    private Sampler() {
    }

    /** log softmax(logits)[token], in double precision. */
    static double logProb(float[] logits, int off, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + token] - max - Math.log(sum);
    }

    static int argmax(float[] logits, int off, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    /** Samples from weights {@code w} (most likely token has weight 1) after top-k, top-p and min-p. */
    static int pick(double[] w, SamplingParams p, SplittableRandom rng) {
        int[] kept = keep(w, p);
        double[] kw = new double[kept.length];
        for (int i = 0; i < kept.length; i++) kw[i] = w[kept[i]];
        return draw(kept, kw, rng);
    }

    /** One of {@code kept} (tried in this order) with probability proportional to its weight {@code kw}. */
    static int draw(int[] kept, double[] kw, SplittableRandom rng) {
        if (kept.length == 0) throw nothingToSample(); // min-p keeps the top token unless the row is NaN
        double total = 0;
        for (double x : kw) total += x;
        double u = rng.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < kept.length; i++) {
            acc += kw[i];
            if (u < acc) return kept[i];
        }
        return kept[kept.length - 1];
    }

    /** Greedy when temperature is 0, else a sample from the tempered logits. */
    static int pick(float[] logits, int off, int vocab, SamplingParams p, SplittableRandom rng) {
        if (p.temperature() == 0) return argmax(logits, off, vocab);
        return pick(weights(logits, off, vocab, p.temperature()), p, rng);
    }

    /** A row with nothing to draw: min-p keeps the most likely token unless the probabilities are NaN. */
    static IllegalStateException nothingToSample() {
        return new IllegalStateException("no token left to sample: the row's probabilities are NaN"
                + " (the model produced NaN or infinite logits)");
    }

    /** Plain sampling (no filter) straight from a row of probabilities: no per-step allocation. */
    static int sampleAll(float[] probs, int off, int vocab, SplittableRandom rng) {
        double total = 0;
        for (int i = 0; i < vocab; i++) total += probs[off + i];
        double u = rng.nextDouble() * total;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            float q = probs[off + i];
            if (q > 0) {
                acc += q;
                last = i;
                if (u < acc) return i;
            }
        }
        return last;
    }

    /** Weights from a row of (tempered) probabilities, scaled so the most likely token has weight 1. */
    static double[] weightsFromProbs(float[] probs, int off, int vocab) {
        float max = 0;
        for (int i = 0; i < vocab; i++) max = Math.max(max, probs[off + i]);
        double[] w = new double[vocab];
        double inv = 1.0 / max;
        for (int i = 0; i < vocab; i++) w[i] = probs[off + i] * inv;
        return w;
    }

    /** exp((l - max) / T): unnormalised probabilities, the most likely token has weight 1. */
    static double[] weights(float[] logits, int off, int vocab, double temperature) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double[] w = new double[vocab];
        for (int i = 0; i < vocab; i++) w[i] = Math.exp((logits[off + i] - max) / temperature);
        return w;
    }

    /** Tokens that survive top-k, top-p and min-p, most likely first (ties: lower id first). */
    static int[] keep(float[] logits, int off, int vocab, SamplingParams p) {
        return keep(weights(logits, off, vocab, p.temperature()), p);
    }

    static int[] keep(double[] w, SamplingParams p) {
        int vocab = w.length;
        int k = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
        boolean ranked = k < vocab || p.topP() < 1;
        double total = 0;
        for (double x : w) total += x;
        int[] cand;
        if (!ranked) {
            cand = above(w, 0);
        } else {
            // Sorting the whole vocabulary per step is slow; a threshold that already holds the top-k set
            // and enough mass for top-p contains the exact nucleus, so only those tokens are sorted.
            double cut = 1e-4;
            while (true) {
                cand = above(w, cut);
                double mass = 0;
                for (int t : cand) mass += w[t];
                boolean enoughK = cand.length >= k || k == vocab;
                boolean enoughP = p.topP() >= 1 || k < vocab || mass >= p.topP() * total;
                if ((enoughK && enoughP) || cut == 0) break;
                cut = cut < 1e-300 ? 0 : cut * 1e-4;
            }
            cand = sortByWeight(cand, w);
            if (cand.length > k) cand = Arrays.copyOf(cand, k);
            if (p.topP() < 1) {
                // the nucleus is taken from the top-k renormalised distribution (all tokens when k is off)
                double kept = total;
                if (k < vocab) {
                    kept = 0;
                    for (int t : cand) kept += w[t];
                }
                double acc = 0;
                int n = 0;
                while (n < cand.length && (n == 0 || acc < p.topP() * kept)) acc += w[cand[n++]];
                cand = Arrays.copyOf(cand, n);
            }
        }
        if (p.minP() > 0) {
            // w of the most likely token is 1, so p_i >= minP * p_max is w_i >= minP.
            cand = Arrays.stream(cand).filter(t -> w[t] >= p.minP()).toArray();
        }
        return cand;
    }

    private static int[] above(double[] w, double cut) {
        int n = 0;
        for (double x : w) if (x >= cut) n++;
        int[] out = new int[n];
        int j = 0;
        for (int i = 0; i < w.length; i++) if (w[i] >= cut) out[j++] = i;
        return out;
    }

    private static int[] sortByWeight(int[] ids, double[] w) {
        return Arrays.stream(ids).boxed()
                .sorted((a, b) -> w[a] != w[b] ? Double.compare(w[b], w[a]) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
    }
}
