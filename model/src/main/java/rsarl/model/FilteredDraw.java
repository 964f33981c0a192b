package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Filtered sampling (top-k, top-p, min-p) without copying the vocabulary to the host: the engine ranks each row's
 * C most likely tokens and only those come back; the host makes {@link Sampler#keep}'s cut and {@link Sampler#draw}'s
 * draw on them. A row's C candidates decide the cut when its kept tokens end at a probability strictly above the
 * last candidate's (no token left out, nor one tied with it, could rank inside); for min-p alone, when the last
 * candidate is already below the floor. Rows they do not decide get a larger C, then all V ranked (a flat row whose
 * nucleus holds most of the vocabulary: one engine sort, still cheaper than the host's); min-p alone, whose kept
 * tokens are drawn in id order, goes from the first candidates to a running sum of the kept weights instead.
 * The kept set, its order and the weights are the host's, so the same draw gives the same token: the host path copied
 * B x V probabilities per step (at batch 64 over Qwen's 151,646 ids, 39 MB and ~140 ms on one thread; on a GPU, the
 * copy over PCIe and every row's passes in Java).
 */
final class FilteredDraw {
    /** Candidates a row without top-k ranks first (with top-k: k + 1, to see a tie at the cut). */
    static final int FIRST_CANDIDATES = 64;
    /** Candidates ranked for the rows the first round did not decide. */
    static final int SECOND_CANDIDATES = 2048;

    private FilteredDraw() {
    }

    /** A row's kept tokens in draw order and their weights (the most likely token weighs 1). */
    record Kept(int[] ids, double[] weights) {
    }

    /**
     * Draws every filtered row (temperature above 0, some filter) and writes its token into {@code tokens}.
     *
     * @param probs {@code [B, V]} tempered probabilities, float32
     */
    static void draw(NDManager m, NDArray probs, SamplingParams[] params, SplittableRandom[] rngs, int[] tokens) {
        int v = (int) probs.getShape().get(1);
        List<Integer> open = new ArrayList<>();
        int c = FIRST_CANDIDATES;
        for (int r = 0; r < params.length; r++) {
            SamplingParams p = params[r];
            if (p.temperature() == 0 || TokenPicker.plain(p)) continue;
            open.add(r);
            if (p.topK() > 0) c = Math.max(c, Math.min(p.topK(), v) + 1);
        }
        double[] mass = new double[params.length]; // top-p without top-k: the whole row's weight, as the host sums it
        Arrays.fill(mass, Double.NaN);
        for (int round = 0; !open.isEmpty(); round++) {
            c = round == 0 ? Math.min(v, c) : round == 1 ? Math.min(v, Math.max(c, SECOND_CANDIDATES)) : v;
            NDArray rows = subset(m, probs, open, params.length);
            NDList best = rows.topK(c, 1, true, true);
            float[] vals = best.get(0).toFloatArray();
            long[] ids = best.get(1).toLongArray();
            fillMass(m, rows, open, params, vals, c, mass);
            List<Integer> still = new ArrayList<>();
            for (int i = 0; i < open.size(); i++) {
                int r = open.get(i);
                Kept kept = decide(vals, ids, i * c, c, v, params[r], mass[r]);
                if (kept == null) {
                    still.add(r);
                } else {
                    tokens[r] = Sampler.draw(kept.ids(), kept.weights(), rngs[r]);
                }
            }
            open = still; // empty once c == v: every id is a candidate
            if (round == 0) open = minPAlone(m, probs, open, params, rngs, tokens);
        }
    }

    /** Min-p without top-k or top-p: keeps tokens in id order, so no ranking is needed. */
    private static boolean minPAlone(SamplingParams p) {
        return p.topK() <= 0 && p.topP() >= 1 && p.minP() > 0;
    }

    /**
     * Draws the min-p-only rows of {@code open} whose first candidates did not hold every kept token (a flat row: its
     * kept set can be most of the vocabulary, which ranking all V would sort): the weights {@code w = p / p_max},
     * zero below the floor, summed in id order in float64 as {@link Sampler#draw} sums the kept ones (a zero adds
     * nothing), and the first id whose running sum passes {@code u}, as plain sampling finds it. Returns the others.
     */
    private static List<Integer> minPAlone(NDManager m, NDArray probs, List<Integer> open, SamplingParams[] params,
                                           SplittableRandom[] rngs, int[] tokens) {
        List<Integer> rows = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        for (int r : open) (minPAlone(params[r]) ? rows : rest).add(r);
        if (rows.isEmpty()) return open;
        int n = rows.size();
        NDArray sub = subset(m, probs, rows, params.length);
        float[] max = sub.max(new int[] {1}).toFloatArray();
        double[] inv = new double[n];
        double[] floor = new double[n];
        for (int i = 0; i < n; i++) {
            inv[i] = 1.0 / max[i]; // the host's scale: the most likely token weighs 1
            floor[i] = params[rows.get(i)].minP();
        }
        NDArray w = sub.toType(DataType.FLOAT64, false).mul(m.create(inv, new Shape(n, 1)));
        NDArray kept = w.gte(m.create(floor, new Shape(n, 1))).toType(DataType.FLOAT64, false);
        NDArray cum = w.mul(kept).cumSum(1);
        double[] total = cum.get(":, -1").toDoubleArray();
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            if (!(total[i] > 0)) throw Sampler.nothingToSample();
            u[i] = rngs[rows.get(i)].nextDouble() * total[i];
        }
        int[] drawn = CdfSearch.draw(m, cum, u, total); // u at the total: the last kept id
        for (int i = 0; i < n; i++) tokens[rows.get(i)] = drawn[i];
        return rest;
    }

    private static NDArray subset(NDManager m, NDArray probs, List<Integer> rows, int b) {
        if (rows.size() == b) return probs;
        long[] idx = rows.stream().mapToLong(Integer::longValue).toArray();
        return probs.get(new NDIndex("{}", m.create(idx, new Shape(idx.length))));
    }

    /**
     * Sum of {@code p_i / p_max} over each top-p-only row in id order, in float64, as {@link Sampler#keep} sums it
     * (torch's CPU cumsum accumulates in order), so the nucleus cut sees the host's total.
     */
    private static void fillMass(NDManager m, NDArray rows, List<Integer> open, SamplingParams[] params,
                                 float[] vals, int c, double[] mass) {
        List<Integer> need = new ArrayList<>();
        for (int i = 0; i < open.size(); i++) {
            SamplingParams p = params[open.get(i)];
            if (p.topK() <= 0 && p.topP() < 1 && Double.isNaN(mass[open.get(i)])) need.add(i);
        }
        if (need.isEmpty()) return;
        double[] inv = new double[need.size()];
        for (int j = 0; j < inv.length; j++) inv[j] = 1.0 / vals[need.get(j) * c];
        NDArray sub = subset(m, rows, need, open.size());
        NDArray w = sub.toType(DataType.FLOAT64, false).mul(m.create(inv, new Shape(inv.length, 1)));
        double[] totals = w.cumSum(1).get(":, -1").toDoubleArray();
        for (int j = 0; j < totals.length; j++) mass[open.get(need.get(j))] = totals[j];
    }

    /**
     * The host's kept set from a row's {@code c} most likely tokens ({@code vals} descending at {@code off}), or null
     * when those do not decide it.
     *
     * @param mass the row's total weight (needed for top-p without top-k only)
     */
    static Kept decide(float[] vals, long[] ids, int off, int c, int v, SamplingParams p, double mass) {
        boolean all = c == v;
        double inv = 1.0 / vals[off]; // the host scales by 1 / max p
        int[] order = new int[c];
        double[] w = new double[c];
        for (int j = 0; j < c; j++) {
            order[j] = (int) ids[off + j];
            w[j] = vals[off + j] * inv;
        }
        byIdWithinTies(order, w);
        int k = p.topK() > 0 ? Math.min(p.topK(), v) : v;
        if (k == v && p.topP() >= 1) { // min-p alone: every token at or above the floor, in id order
            if (!all && w[c - 1] >= p.minP()) return null;
            int n = 0;
            while (n < c && w[n] >= p.minP()) n++;
            int[] kept = Arrays.copyOf(order, n);
            double[] kw = Arrays.copyOf(w, n);
            sortById(kept, kw);
            return new Kept(kept, kw);
        }
        if (!all && k >= c) return null;
        int n = Math.min(k, c);
        if (p.topP() < 1) {
            double total = mass;
            if (k < v) {
                total = 0;
                for (int j = 0; j < n; j++) total += w[j];
            }
            double acc = 0;
            int j = 0;
            while (j < n && (j == 0 || acc < p.topP() * total)) acc += w[j++];
            n = j;
        }
        if (!all && !(w[n - 1] > w[c - 1])) return null;
        int[] kept = new int[n];
        double[] kw = new double[n];
        int m = 0;
        for (int j = 0; j < n; j++) {
            if (w[j] >= p.minP()) {
                kept[m] = order[j];
                kw[m++] = w[j];
            }
        }
        return new Kept(Arrays.copyOf(kept, m), Arrays.copyOf(kw, m));
    }

    /** topk's order among equal probabilities is the engine's; the host ranks ties by lower id. */
    private static void byIdWithinTies(int[] order, double[] w) {
        for (int s = 0; s < order.length; ) {
            int e = s + 1;
            while (e < order.length && w[e] == w[s]) e++;
            if (e - s > 1) Arrays.sort(order, s, e);
            s = e;
        }
    }

    private static void sortById(int[] ids, double[] w) {
        Integer[] idx = new Integer[ids.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Integer.compare(ids[a], ids[b]));
        int[] si = new int[ids.length];
        double[] sw = new double[ids.length];
        for (int i = 0; i < idx.length; i++) {
            si[i] = ids[idx[i]];
            sw[i] = w[idx[i]];
        }
        System.arraycopy(si, 0, ids, 0, ids.length);
        System.arraycopy(sw, 0, w, 0, w.length);
    }
}
