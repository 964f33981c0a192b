package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The forward pass generation runs: prefill chunks and decode steps over a {@link KvCache}, on {@link FusedWeights},
 * without autograd. The math is {@link QwenForward}'s (the trainer's log-probs of sampled tokens agree with the
 * sampler's); it makes fewer engine calls per layer: one q/k/v and one gate/up product, q and k normed and rotated
 * together as {@code nh + kv} heads, attention's scale folded into the q norm, eps made once per forward, heads of a
 * decode step regrouped by views, residuals added in place. Intermediates go to the manager of {@code inputIds}.
 */
final class CachedForward {
    /**
     * Without MKL's Intel kernels ({@link MklKernels}), up to this many rows the lm head runs as {@code W @ x^T}
     * and the {@code [vocab, B]} result is copied into {@code [B, vocab]} order: MKL's generic code runs that shape
     * 1.5-2x faster than {@code linear}'s {@code x @ W^T} at 4-8 rows; at 1 row they are even and from 16 rows on
     * the copy costs more than it saves.
     */
    private static final long HEAD_AS_WX_MAX_ROWS = 8;
    /**
     * Without MKL's Intel kernels, above {@link #HEAD_AS_WX_MAX_ROWS} rows the lm head runs as one {@code linear}
     * per block of vocabulary rows of about this many bytes (a core's L2 here), the blocks' logits concatenated:
     * MKL's generic code ran the whole {@code [B, H] x [H, V]} product 20-30% slower (width 768, 16-64 rows; ~10% at
     * width 256, 64 rows) than the same work in blocks. With the Intel kernels the plain product is fastest.
     */
    static final long HEAD_BLOCK_BYTES = 1L << 20;
    private static final long HEAD_BLOCK_MIN_ROWS = 256;
    private final QwenModel model;
    private final QwenForward base;
    private final FusedWeights weights;
    private final QwenConfig config;
    private final DataType computeType;

    CachedForward(QwenModel model, FusedWeights weights) {
        this.model = model;
        this.base = model.forwardPass();
        this.weights = weights;
        this.config = model.config();
        this.computeType = model.computeType();
    }

    /** As {@link QwenModel#forwardLast}: float32 logits {@code [B, vocab]} after the last input column. */
    NDArray forwardLast(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        try (NoGrad ng = NoGrad.enter()) {
            NDManager m = inputIds.getManager();
            Shape s = inputIds.getShape();
            long b = s.get(0);
            long len = s.get(1);
            long past = cache.length();
            long total = past + len;
            if (keyMask != null && !keyMask.getShape().equals(new Shape(b, total))) {
                throw new IllegalArgumentException("keyMask must be [" + b + ", " + total + "], got " + keyMask.getShape());
            }
            NDArray h = base.embed(inputIds);
            NDArray[] cosSin = model.ropeTable().lookup(positionIds, total);
            NDArray mask = QwenForward.attentionMask(m, keyMask, past, len, total);
            NDArray eps = m.create((float) config.rmsNormEps());
            NDArray scale = config.hasQkNorm() ? null : m.create((float) (1.0 / Math.sqrt(config.headDim())))
                    .toType(computeType, false);
            for (int l = 0; l < config.numLayers(); l++) {
                h = len == 1 ? layer(l, h, cosSin[0], cosSin[1], mask, eps, scale, cache, past, len)
                        : layerFreeing(l, h, cosSin[0], cosSin[1], mask, eps, scale, cache, past, len);
            }
            cache.advance(len);
            NDArray last = len == 1 ? h.reshape(b, config.hiddenSize()) : h.get(":, -1");
            NDArray normed = base.finalNorm(last);
            return switch (headShape(b, normed.getDevice().isGpu(), MklKernels.INTEL_PATH)) {
                case LINEAR -> base.logits(normed);
                case WX -> headAsWx(normed, m);
                case BLOCKS -> Casts.to(headInBlocks(base.lmHead(), normed, m), DataType.FLOAT32);
            };
        }
    }

    /** How the lm head's {@code [B, H] x [H, V]} product is issued. */
    enum HeadShape { LINEAR, WX, BLOCKS }

    /**
     * The plain linear, except on MKL's generic (non-Intel) CPU code, where {@code W x} and vocabulary blocks are
     * faster (see {@link #HEAD_AS_WX_MAX_ROWS}). MKL's Intel kernels (an Intel CPU or scripts/rsa's override on AMD)
     * and a GPU's GEMM run the plain product fastest; on a GPU the blocks were ~300 extra launches per decode step
     * over Qwen's 151k vocabulary.
     */
    static HeadShape headShape(long rows, boolean gpu, boolean intelKernels) {
        if (rows < 2 || gpu || intelKernels) return HeadShape.LINEAR;
        return rows <= HEAD_AS_WX_MAX_ROWS ? HeadShape.WX : HeadShape.BLOCKS;
    }

    private NDArray headAsWx(NDArray normed, NDManager m) {
        long b = normed.getShape().get(0);
        long vocab = base.lmHead().getShape().get(0);
        NDArray wx = base.lmHead().matMul(normed.transpose());
        wx.attach(m); // made on the weight's (the model's) manager
        // flatten copies the transposed view into row order
        NDArray logits = wx.transpose().flatten().reshape(b, vocab);
        return Casts.to(logits, DataType.FLOAT32);
    }

    /** {@code x @ head^T}, one product per {@link #HEAD_BLOCK_BYTES} of head rows; on x's manager ({@code m}). */
    static NDArray headInBlocks(NDArray head, NDArray x, NDManager m) {
        long vocab = head.getShape().get(0);
        long rowBytes = head.getShape().get(1) * head.getDataType().getNumOfBytes();
        long rows = Math.max(HEAD_BLOCK_MIN_ROWS, Long.highestOneBit(Math.max(1, HEAD_BLOCK_BYTES / rowBytes)));
        if (rows >= vocab) return QwenForward.linear(x, head, null);
        long[] cuts = new long[(int) ((vocab - 1) / rows)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = (i + 1) * rows;
        NDList blocks = head.split(cuts, 0);
        blocks.attach(m); // views of the weight, made on its (the model's) manager
        NDList parts = new NDList(blocks.size());
        for (NDArray w : blocks) parts.add(QwenForward.linear(x, w, null));
        return NDArrays.concat(parts, 1);
    }

    /**
     * A prefill chunk's layer, its intermediates freed as it ends (as {@link QwenForward}'s): kept for every layer
     * until the chunk's manager closed, medium's 64 rows of 128 tokens held ~6 GB and prefilled 2.6x slower (fresh
     * pages for every op). A decode step's are small, and it skips the scope's bookkeeping.
     */
    private NDArray layerFreeing(int l, NDArray h, NDArray cos, NDArray sin, NDArray mask, NDArray eps, NDArray scale,
                                 KvCache cache, long past, long len) {
        try (NDScope scope = new NDScope()) {
            NDArray out = layer(l, h, cos, sin, mask, eps, scale, cache, past, len);
            NDScope.unregister(out);
            return out;
        }
    }

    private NDArray layer(int l, NDArray h, NDArray cos, NDArray sin, NDArray mask, NDArray eps, NDArray scale,
                          KvCache cache, long past, long len) {
        FusedWeights.Layer w = weights.layer(l);
        long b = h.getShape().get(0);
        int nh = config.numHeads();
        int nkv = config.numKvHeads();
        int hd = config.headDim();
        int g = config.groupSize();
        NDArray qkv = plus(product(rmsNorm(h, w.inputNorm(), eps), w.qkv()), w.qkvBias());
        NDList qkAndV = qkv.split(new long[] {(long) (nh + nkv) * hd}, 2);
        NDArray qk = qkAndV.get(0).reshape(b, len, nh + nkv, hd);
        NDArray v = qkAndV.get(1).reshape(b, len, nkv, hd);
        if (w.qkNorm() != null) qk = rmsNorm(qk, w.qkNorm(), eps);
        NDList qAndK = QwenForward.rope(qk, cos, sin).split(new long[] {nh}, 2);
        NDArray q = scale == null ? qAndK.get(0) : qAndK.get(0).mul(scale);
        NDArray[] kv = cache.append(l, qAndK.get(1).transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3), h.getManager());
        long total = past + len;
        // GQA without copying kv heads: the g query heads of kv head j are stacked along the query axis
        NDArray grouped = len == 1 ? q.reshape(b, nkv, g, hd) : q.transpose(0, 2, 1, 3).reshape(b, nkv, (long) g * len, hd);
        NDArray scores = Casts.to(grouped.matMul(kv[0].transpose(0, 1, 3, 2)), DataType.FLOAT32);
        NDArray probs;
        if (mask == null) {
            probs = scores.softmax(-1);
        } else {
            probs = scores.reshape(b, nh, len, total).add(mask).softmax(-1).reshape(b, nkv, (long) g * len, total);
        }
        NDArray ctx = Casts.to(probs, computeType).matMul(kv[1]);
        NDArray merged = len == 1 ? ctx.reshape(b, 1, (long) nh * hd)
                : ctx.reshape(b, nh, len, hd).transpose(0, 2, 1, 3).reshape(b, len, (long) nh * hd);
        h = h.addi(plus(product(merged, w.o()), w.oBias()));
        NDArray gateUp = product(rmsNorm(h, w.postNorm(), eps), w.gateUp());
        NDList gu = gateUp.split(new long[] {config.intermediateSize()}, 2);
        NDArray gate = gu.get(0);
        NDArray act = Activation.sigmoid(gate).muli(gate).muli(gu.get(1));
        return h.addi(product(act, w.down()));
    }

    private static NDArray product(NDArray x, NDArray w) {
        return QwenForward.product(x, w, null);
    }

    private static NDArray plus(NDArray x, NDArray bias) {
        return bias == null ? x : x.addi(bias);
    }

    /** QwenForward's RMSNorm (float32 statistics) with eps as an array made once per forward. */
    private NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps) {
        NDArray xf = Casts.to(x, DataType.FLOAT32);
        NDArray normed = xf.div(xf.square().mean(new int[] {-1}, true).add(eps).sqrt());
        return Casts.to(normed, computeType).mul(weight);
    }
}
