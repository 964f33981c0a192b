package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses every batch row's next token from one step's logits {@code [B, V]} and reports log-probs. Greedy picks and plain sampling
 * (temperature only) run on the engine and only the chosen ids and their log-probs come back to Java; rows that
 * filter (top-k, top-p, min-p) bring back their most likely candidates only ({@link FilteredDraw}).
 *
 * <p>{@link #onHost}, which copies the step's distributions and lets {@link Sampler} draw, is the reference: the
 * engine gives its token for the same draw. Plain sampling takes the first id whose float64 running sum of the
 * tempered probabilities exceeds {@code u = rng.nextDouble() * total}, which is the host's sequential loop (torch's
 * CPU cumsum accumulates in order). Each sampled row draws once per step on either path.
 */
final class TokenPicker {
    private TokenPicker() {
    }

    /**
     * One step's choices; {@code logprobs[r]} is the chosen token's reported log-prob; {@code topIds/topLogprobs[r]}
     * the most likely ids and their reported log-probs, as many as the largest {@code topLogprobs} asked (null when
     * no row asks).
     */
    record Picks(int[] tokens, float[] logprobs, int[][] topIds, float[][] topLogprobs) {
    }

    /** The picks of two batches, rows of {@code a} first (a batch joining another). */
    static Picks concat(Picks a, Picks b) {
        int na = a.tokens().length;
        int nb = b.tokens().length;
        int[] tokens = Arrays.copyOf(a.tokens(), na + nb);
        System.arraycopy(b.tokens(), 0, tokens, na, nb);
        float[] lps = Arrays.copyOf(a.logprobs(), na + nb);
        System.arraycopy(b.logprobs(), 0, lps, na, nb);
        if (a.topIds() == null && b.topIds() == null) return new Picks(tokens, lps, null, null);
        int[][] ids = new int[na + nb][];
        float[][] tops = new float[na + nb][];
        for (int r = 0; r < na + nb; r++) {
            Picks from = r < na ? a : b;
            int i = r < na ? r : r - na;
            ids[r] = from.topIds() == null ? new int[0] : from.topIds()[i];
            tops[r] = from.topLogprobs() == null ? new float[0] : from.topLogprobs()[i];
        }
        return new Picks(tokens, lps, ids, tops);
    }

    /** Raw log-probs (temperature 1, no penalties), the picks made from {@code logits} as they are. */
    static Picks pick(NDManager m, NDArray logits, SamplingParams[] params, SplittableRandom[] rngs, int top) {
        return pick(m, logits, logits, params, rngs, top, false);
    }

    /**
     * @param raw       the model's logits {@code [B, V]}
     * @param processed the logits the tokens are drawn from (after penalties; {@code raw} itself when none)
     * @param processedLogprobs report log-probs of the processed, tempered distribution (vLLM's
     *                  {@code processed_logprobs}) instead of the raw model's
     */
    static Picks pick(NDManager m, NDArray raw, NDArray processed, SamplingParams[] params, SplittableRandom[] rngs,
                      int top, boolean processedLogprobs) {
        int b = params.length;
        boolean sampling = false;
        float[] temps = new float[b];
        for (int r = 0; r < b; r++) {
            SamplingParams p = params[r];
            temps[r] = p.temperature() == 0 ? 1f : (float) p.temperature();
            sampling |= p.temperature() > 0;
        }
        NDArray rawLp = raw.logSoftmax(-1);
        NDArray lp = processed == raw ? rawLp : processed.logSoftmax(-1);
        NDArray report = rawLp;
        if (processedLogprobs) {
            report = sampling ? processed.div(m.create(temps, new Shape(b, 1))).logSoftmax(-1) : lp;
        }
        Picks picks = onEngine(m, processed, lp, params, rngs, temps, sampling, report);
        return top > 0 ? withTop(picks, report, top) : picks;
    }

    /** Sampling with no filter: the only kind the engine draws. */
    static boolean plain(SamplingParams p) {
        return p.topK() <= 0 && p.topP() >= 1 && p.minP() == 0;
    }

    static Picks onEngine(NDManager m, NDArray logits, NDArray lp, SamplingParams[] params,
                          SplittableRandom[] rngs, float[] temps, boolean sampling, NDArray report) {
        int b = params.length;
        int[] tokens = new int[b];
        boolean greedy = false;
        boolean plainRows = false;
        boolean filtered = false;
        for (SamplingParams p : params) {
            greedy |= p.temperature() == 0;
            plainRows |= p.temperature() > 0 && plain(p);
            filtered |= p.temperature() > 0 && !plain(p);
        }
        if (greedy && (lp.getDevice().isGpu() || !FirstMax.pays(lp.size()))) {
            long[] ids = lp.argMax(-1).toLongArray();
            for (int r = 0; r < b; r++) tokens[r] = (int) ids[r];
        } else if (greedy) {
            tokens = FirstMax.of(m, lp); // argmax's ids, vectorised (on a GPU argmax is one cheap launch)
        }
        NDArray probs = sampling ? logits.div(m.create(temps, new Shape(b, 1))).softmax(-1) : null;
        if (filtered) FilteredDraw.draw(m, probs, params, rngs, tokens);
        if (plainRows) {
            NDArray cum = probs.toType(DataType.FLOAT64, false).cumSum(1);
            double[] total = cum.get(":, -1").toDoubleArray();
            double[] u = new double[b];
            for (int r = 0; r < b; r++) {
                boolean draws = params[r].temperature() > 0 && plain(params[r]);
                u[r] = draws ? rngs[r].nextDouble() * total[r] : Double.NaN;
            }
            int[] drawn = CdfSearch.draw(m, cum, u, total);
            for (int r = 0; r < b; r++) if (!Double.isNaN(u[r])) tokens[r] = drawn[r];
        }
        long[] chosenIds = new long[b];
        for (int r = 0; r < b; r++) chosenIds[r] = tokens[r];
        NDArray chosen = report.gather(m.create(chosenIds, new Shape(b, 1)), 1);
        return new Picks(tokens, chosen.toFloatArray(), null, null);
    }

    static Picks onHost(NDManager m, NDArray logits, NDArray lp, SamplingParams[] params,
                        SplittableRandom[] rngs, float[] temps, NDArray report) {
        int b = params.length;
        int vocab = (int) logits.getShape().get(1);
        float[] lps = lp.toFloatArray();
        float[] reported = report == lp ? lps : report.toFloatArray();
        float[] probs = logits.div(m.create(temps, new Shape(b, 1))).softmax(-1).toFloatArray();
        int[] tokens = new int[b];
        float[] chosen = new float[b];
        for (int r = 0; r < b; r++) {
            SamplingParams p = params[r];
            int off = r * vocab;
            int token;
            if (p.temperature() == 0) {
                token = Sampler.argmax(lps, off, vocab);
            } else if (plain(p)) {
                token = Sampler.sampleAll(probs, off, vocab, rngs[r]);
            } else {
                token = Sampler.pick(Sampler.weightsFromProbs(probs, off, vocab), p, rngs[r]);
            }
            tokens[r] = token;
            chosen[r] = reported[off + token];
        }
        return new Picks(tokens, chosen, null, null);
    }

    private static Picks withTop(Picks picks, NDArray lp, int top) {
        int b = picks.tokens().length;
        int k = (int) Math.min(top, lp.getShape().get(1));
        NDList best = lp.topK(k, 1, true, true);
        float[] values = best.get(0).toFloatArray();
        long[] ids = best.get(1).toLongArray();
        int[][] topIds = new int[b][k];
        float[][] topLps = new float[b][k];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < k; j++) {
                topIds[r][j] = (int) ids[r * k + j];
                topLps[r][j] = values[r * k + j];
            }
        }
        return new Picks(picks.tokens(), picks.logprobs(), topIds, topLps);
    }
}
