package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;

/**
 * The lm head over column chunks of the final hidden states ({@code [B, S, hidden]}, a leaf): per-token log-probs
 * of the targets at a temperature, entropy, raw (T = 1) log-probs, and their backward into the hidden states and
 * head weights, so the {@code [tokens, vocab]} logits never exist at once. dL/dlogp is known only once every
 * log-prob is, so each chunk's logits are either
 * <ul>
 *   <li>{@link #noGrad computed without a graph} and {@link #backward recomputed} with one (1/3 more head work);
 *   <li>{@link #keepGraphs kept with their graph} until dL/dlogp comes ({@link #backwardKept}), when all the
 *       logits fit the caller's budget; or
 *   <li>for a frozen head, {@link #rowGradients differentiated at once}: each token's log-prob depends on its own
 *       row only, so {@code d logp_t / d h_t} is one backward of the chunk's sum, and dL/dh is its row times
 *       dL/dlogp_t ({@link #scaleRows}): the head runs once, with no recompute and no kept logits.
 * </ul>
 * Each method returns {log-probs, entropy or null, raw log-probs or null}, detached, {@code [B, C]}.
 */
final class LogitHead {
    private final QwenForward f;
    private final NDArray hidden;
    private final TrainingPass.Batch b;
    private final float temperature;
    private final int cols;
    private final int count;
    private final List<NDManager> keptScopes = new ArrayList<>();
    private final List<NDArray> keptLogprobs = new ArrayList<>();

    LogitHead(QwenForward f, NDArray hidden, TrainingPass.Batch b, float temperature, int cols) {
        this.f = f;
        this.hidden = hidden;
        this.b = b;
        this.temperature = temperature;
        this.cols = cols;
        this.count = (int) b.targets().getShape().get(1);
    }

    /** Values without any graph. */
    NDArray[] noGrad(boolean entropy, boolean raw, NDManager out) {
        NDList[] parts = parts();
        try (NoGrad ng = NoGrad.enter()) {
            for (int from = 0; from < count; from += cols) {
                try (NDManager s = out.newSubManager()) {
                    chunk(s, from, Math.min(count, from + cols), entropy, raw, parts, out);
                }
            }
        }
        return values(parts);
    }

    /** Values, with each chunk's graph kept for {@link #backwardKept}; hidden must require gradients. */
    NDArray[] keepGraphs(boolean entropy, boolean raw, NDManager out) {
        NDList[] parts = parts();
        for (int from = 0; from < count; from += cols) {
            NDManager s = out.newSubManager();
            keptScopes.add(s);
            keptLogprobs.add(chunk(s, from, Math.min(count, from + cols), entropy, raw, parts, out));
        }
        return values(parts);
    }

    /** Back-propagates {@code sum(logp * dLogp)} through the kept chunks, freeing each. */
    void backwardKept(NDArray dLogp) {
        for (int i = 0; i < keptLogprobs.size(); i++) {
            try (NDManager s = keptScopes.get(i)) {
                int from = i * cols;
                Backward.run(keptLogprobs.get(i), slice(dLogp, s, from, Math.min(count, from + cols)), false);
            }
        }
        keptScopes.clear();
        keptLogprobs.clear();
    }

    /**
     * Values, and {@code d logp_t / d h_t} in hidden's gradient for every target row; the head's weights must not
     * record gradients (they would receive the sum over tokens, unweighted).
     */
    NDArray[] rowGradients(boolean entropy, boolean raw, NDManager out) {
        NDList[] parts = parts();
        for (int from = 0; from < count; from += cols) {
            try (NDManager s = out.newSubManager()) {
                NDArray lp = chunk(s, from, Math.min(count, from + cols), entropy, raw, parts, out);
                Backward.run(lp, s.ones(lp.getShape(), lp.getDataType()), false);
            }
        }
        return values(parts);
    }

    /** dL/dh from the per-row gradients {@code rows} ({@code [B, S, hidden]}) and dL/dlogp {@code [B, C]}. */
    NDArray scaleRows(NDArray rows, NDArray dLogp) {
        NDManager m = dLogp.getManager();
        long batch = rows.getShape().get(0);
        long len = rows.getShape().get(1);
        NDList cols = new NDList();
        if (b.first() > 0) cols.add(m.zeros(new Shape(batch, b.first()), dLogp.getDataType()));
        cols.add(dLogp);
        long after = len - b.first() - count;
        if (after > 0) cols.add(m.zeros(new Shape(batch, after), dLogp.getDataType()));
        NDArray perRow = cols.size() == 1 ? dLogp : NDArrays.concat(cols, 1);
        return rows.mul(Casts.to(perRow, rows.getDataType()).expandDims(-1));
    }

    /** Back-propagates {@code sum(logp * dLogp)} chunk by chunk (recomputed) into the hidden states and weights. */
    void backward(NDArray dLogp, GradientCollector gc) {
        NDManager outer = dLogp.getManager();
        for (int from = 0; from < count; from += cols) {
            int to = Math.min(count, from + cols);
            try (NDManager s = outer.newSubManager()) {
                NDArray logits = logits(s, from, to);
                NDArray scaled = temperature == 1f ? logits : logits.div(Scalars.of(logits, temperature));
                NDArray lp = gather(scaled.logSoftmax(-1), targets(s, from, to));
                Backward.run(lp, slice(dLogp, s, from, to), false);
            }
        }
    }

    /**
     * Target columns {@code from .. to - 1}: appends detached values to {@code parts} (on {@code out}) and returns
     * the log-probs with whatever graph the grad mode records.
     */
    private NDArray chunk(NDManager s, int from, int to, boolean entropy, boolean raw, NDList[] parts,
                          NDManager out) {
        NDArray logits = logits(s, from, to);
        NDArray targets = targets(s, from, to);
        NDArray scaled = temperature == 1f ? logits : logits.div(Scalars.of(logits, temperature));
        NDArray lsm = scaled.logSoftmax(-1);
        NDArray lp = gather(lsm, targets);
        try (NoGrad ng = NoGrad.enter()) {
            parts[0].add(keep(lp.duplicate(), out));
            if (entropy) parts[1].add(keep(lsm.exp().mul(lsm).sum(new int[] {-1}).neg(), out));
            if (raw) parts[2].add(keep(gather(logits.logSoftmax(-1), targets), out));
        }
        return lp;
    }

    /** {@code [B, to - from, vocab]} float32 logits of target columns. */
    private NDArray logits(NDManager s, int from, int to) {
        NDArray h = hidden.get(s, new NDIndex(":, {}:{}", b.first() + from, b.first() + to));
        return f.logits(f.finalNorm(h));
    }

    private NDArray targets(NDManager s, int from, int to) {
        return b.targets().get(s, new NDIndex(":, {}:{}", from, to)).toType(DataType.INT64, false);
    }

    private static NDArray slice(NDArray a, NDManager s, int from, int to) {
        return a.get(s, new NDIndex(":, {}:{}", from, to));
    }

    private static NDArray gather(NDArray lsm, NDArray targets) {
        return lsm.gather(targets.expandDims(-1), -1).squeeze(-1);
    }

    private static NDArray keep(NDArray a, NDManager out) {
        a.attach(out);
        return a;
    }

    private static NDList[] parts() {
        return new NDList[] {new NDList(), new NDList(), new NDList()};
    }

    private NDArray[] values(NDList[] parts) {
        return new NDArray[] {concat(parts[0]), parts[1].isEmpty() ? null : concat(parts[1]),
            parts[2].isEmpty() ? null : concat(parts[2])};
    }

    private static NDArray concat(NDList parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
    }
}
