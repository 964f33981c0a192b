package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * One decoder layer of a full sequence (no KV cache) with attention computed in blocks of query rows, so the
 * {@code [B, H, S, S]} scores, probabilities and their gradients never exist at once: a block of {@code r} rows
 * holds {@code [B, H, r, t1]} (keys after the block's last row are hidden by the causal mask and skipped).
 * Everything but the attention is per token, so a query block carries its rows through the whole layer: only
 * q, k and v exist for the whole sequence.
 *
 * <p>Backward (gradient checkpointing): the layer is recomputed from its kept input. q, k and v are computed once
 * with a graph and detached into leaves; each block then runs attention, output projection, residuals and MLP for
 * its rows and back-propagates its slice of the upstream gradient at once, accumulating into the q/k/v leaves, the
 * layer input and the weights; a last backward takes the q/k/v gradients through the projections.
 */
final class BlockwiseLayer {
    /** Float32 scores per block on the CPU: 32 MiB (its probabilities and their gradients are as large). */
    static final long BLOCK_SCORE_BYTES = 32L << 20;
    /**
     * On a GPU: 1 GiB. Each block is a launch-bound sequence of some 150 kernels and one autograd backward, and with
     * a fixed byte budget the block count grows with the square of the length: at 32 MiB a qwen3-0.6b step of 8,192
     * tokens ran 128 blocks per layer and took 19 s on an H200 (2,048 tokens: 1.4 s), the host launching all the
     * while. 1 GiB keeps that to 4 blocks for ~4 GiB of transient attention memory.
     */
    static final long GPU_BLOCK_SCORE_BYTES = 1L << 30;

    private final QwenForward f;
    private final int fixedRows;

    /** @param rows query rows per block; 0: {@link #BLOCK_SCORE_BYTES} of scores per block ({@link #GPU_BLOCK_SCORE_BYTES} on a GPU) */
    BlockwiseLayer(QwenForward f, int rows) {
        if (rows < 0) throw new IllegalArgumentException("query block rows must be >= 0, got " + rows);
        this.f = f;
        this.fixedRows = rows;
    }

    /** Query rows per block for a context: at least 16 (or the fixed size). */
    int rows(QwenForward.Context ctx) {
        if (fixedRows > 0) return fixedRows;
        return rowsFor(ctx.batch(), f.config().numHeads(), ctx.len(), ctx.cos().getDevice().isGpu());
    }

    /** Query rows per block of {@code batch x heads} float32 score rows of {@code len} keys, by the device's budget. */
    static int rowsFor(long batch, int heads, long len, boolean gpu) {
        long perRow = 4L * batch * heads * len;
        long budget = gpu ? GPU_BLOCK_SCORE_BYTES : BLOCK_SCORE_BYTES;
        return (int) Math.max(16, Math.min(len, budget / perRow));
    }

    /** Layer {@code l}'s output without a graph (run under no-grad); its temporaries are freed at once. */
    NDArray forward(int l, NDArray h, QwenForward.Context ctx, NDArray keyMask) {
        NDManager outer = h.getManager();
        try (NDManager s = outer.newSubManager()) {
            h.tempAttach(s);
            QwenForward.LayerWeights w = f.weights(l);
            NDArray[] qkv = queryKeyValue(w, h, ctx, s);
            NDList parts = new NDList();
            int r = rows(ctx);
            for (long t0 = 0; t0 < ctx.len(); t0 += r) {
                long t1 = Math.min(ctx.len(), t0 + r);
                try (NDManager bs = s.newSubManager()) {
                    NDArray out = rest(w, h.get(bs, new NDIndex(":, {}:{}", t0, t1)),
                            attendBlock(qkv, keyMask, t0, t1, bs));
                    out.attach(s);
                    parts.add(out);
                }
            }
            NDArray out = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
            out.attach(outer);
            return out;
        }
    }

    /**
     * Back-propagates {@code upstream} (dL/d output) through layer {@code l} recomputed from {@code input} (closed
     * here); returns dL/d input. Run inside a GradientCollector.
     */
    NDArray backward(int l, NDArray input, NDArray upstream, QwenForward.Context ctx, NDArray keyMask) {
        NDManager outer = upstream.getManager();
        try (NDManager s = outer.newSubManager()) {
            NDArray x = input.duplicate();
            x.attach(s);
            input.close();
            x.setRequiresGradient(true);
            QwenForward.LayerWeights w = f.weights(l);
            NDArray[] qkv = queryKeyValue(w, x, ctx, s);
            NDArray[] leaves = new NDArray[3];
            try (NoGrad ng = NoGrad.enter()) {
                for (int i = 0; i < 3; i++) leaves[i] = qkv[i].duplicate();
            }
            for (NDArray leaf : leaves) leaf.setRequiresGradient(true);
            int r = rows(ctx);
            for (long t0 = 0; t0 < ctx.len(); t0 += r) {
                long t1 = Math.min(ctx.len(), t0 + r);
                try (NDManager bs = s.newSubManager()) {
                    NDIndex rowsOf = new NDIndex(":, {}:{}", t0, t1);
                    NDArray out = rest(w, x.get(bs, rowsOf), attendBlock(leaves, keyMask, t0, t1, bs));
                    Backward.run(out, upstream.get(bs, rowsOf), true);
                }
            }
            // through the projections: d(q.dq + k.dk + v.dv) in one backward
            NDArray dot = null;
            for (int i = 0; i < 3; i++) {
                NDArray term = qkv[i].mul(leaves[i].getGradient()).sum();
                dot = dot == null ? term : dot.add(term);
            }
            Backward.run(dot, s.ones(dot.getShape(), dot.getDataType()), false);
            NDArray dx = x.getGradient().duplicate();
            dx.attach(outer);
            return dx;
        }
    }

    /**
     * Normed q, k, v of the whole sequence on {@code s}; their intermediates are closed at once (a graph keeps
     * what its backward needs), as DJL would otherwise hold some 25 {@code [tokens, width]} temporaries per layer.
     */
    private NDArray[] queryKeyValue(QwenForward.LayerWeights w, NDArray x, QwenForward.Context ctx, NDManager s) {
        try (NDManager tmp = s.newSubManager()) {
            x.tempAttach(tmp);
            NDArray[] qkv = f.queryKeyValue(w, f.rmsNorm(x, w.inputNorm()), ctx);
            for (NDArray a : qkv) a.attach(s);
            return qkv;
        }
    }

    /** Attention output {@code [B, t1 - t0, H * d]} of query rows {@code t0 .. t1 - 1} over keys {@code 0 .. t1 - 1}. */
    private NDArray attendBlock(NDArray[] qkv, NDArray keyMask, long t0, long t1, NDManager bs) {
        NDArray q = qkv[0].get(bs, new NDIndex(":, :, {}:{}", t0, t1));
        NDIndex keys = new NDIndex(":, :, 0:{}", t1);
        NDArray k = qkv[1].get(bs, keys);
        NDArray v = qkv[2].get(bs, keys);
        NDArray visible = keyMask == null ? null : keyMask.get(bs, new NDIndex(":, 0:{}", t1));
        return f.attend(q, k, v, QwenForward.attentionMask(bs, visible, t0, t1 - t0, t1));
    }

    /** Output projection, residual, post-norm SwiGLU MLP, residual: per token. */
    private NDArray rest(QwenForward.LayerWeights w, NDArray h, NDArray attn) {
        NDArray h1 = h.add(f.project(attn, w.o(), w.oBias()));
        return h1.add(f.mlp(w, f.rmsNorm(h1, w.postNorm())));
    }
}
