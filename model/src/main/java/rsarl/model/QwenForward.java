package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The forward pass of a dense Qwen2/Qwen3 decoder: embed, then per layer {@link #attention} and {@link #mlp} with
 * residuals, final RMSNorm, lm head. Weights are borrowed (never closed here); every intermediate goes to the
 * manager of the caller's {@code inputIds}.
 */
final class QwenForward {
    /** Additive mask value for hidden keys: finite, so a row with no visible key stays NaN-free. */
    private static final float MASKED = -1e9f;

    /** One decoder layer's weights (biases and q/k norms are null where the architecture has none). */
    record LayerWeights(NDArray inputNorm, NDArray q, NDArray qBias, NDArray k, NDArray kBias, NDArray v,
                        NDArray vBias, NDArray o, NDArray oBias, NDArray qNorm, NDArray kNorm, NDArray postNorm,
                        NDArray gate, NDArray up, NDArray down) {
        static LayerWeights of(Map<String, NDArray> params, int i) {
            String p = "model.layers." + i + ".";
            return new LayerWeights(params.get(p + "input_layernorm.weight"),
                    params.get(p + "self_attn.q_proj.weight"), params.get(p + "self_attn.q_proj.bias"),
                    params.get(p + "self_attn.k_proj.weight"), params.get(p + "self_attn.k_proj.bias"),
                    params.get(p + "self_attn.v_proj.weight"), params.get(p + "self_attn.v_proj.bias"),
                    params.get(p + "self_attn.o_proj.weight"), params.get(p + "self_attn.o_proj.bias"),
                    params.get(p + "self_attn.q_norm.weight"), params.get(p + "self_attn.k_norm.weight"),
                    params.get(p + "post_attention_layernorm.weight"),
                    params.get(p + "mlp.gate_proj.weight"), params.get(p + "mlp.up_proj.weight"),
                    params.get(p + "mlp.down_proj.weight"));
        }
    }

    /**
     * What every layer of one forward shares: shapes, RoPE cos and signed sin {@code [B, S, 1, d]} (see
     * {@link RopeTable}), the additive mask {@code [B or 1, 1, S, T]} (null: every key visible) and the 1/sqrt(d) scale (one array per forward, alive through the backward).
     */
    record Context(long batch, long len, long past, NDArray cos, NDArray sin, NDArray mask, NDArray scale) {
        long total() {
            return past + len;
        }
    }

    private final QwenConfig config;
    private final DataType computeType;
    private final LayerWeights[] layers;
    private final NDArray embed;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final RopeTable ropeTable;
    /** LoRA updates by the (identity of the) decoder-layer weight they apply to; empty for a plain model. */
    private final Map<NDArray, LowRank> adapters;

    QwenForward(QwenConfig config, DataType computeType, Map<String, NDArray> params, RopeTable ropeTable) {
        this(config, computeType, params, ropeTable, Map.of());
    }

    /** @param adapters by parameter name: decoder-layer linear weights only */
    QwenForward(QwenConfig config, DataType computeType, Map<String, NDArray> params, RopeTable ropeTable,
                Map<String, LowRank> adapters) {
        this.adapters = new IdentityHashMap<>();
        adapters.forEach((name, a) -> this.adapters.put(params.get(name), a));
        this.config = config;
        this.computeType = computeType;
        this.ropeTable = ropeTable;
        this.embed = params.get("model.embed_tokens.weight");
        this.finalNorm = params.get("model.norm.weight");
        this.lmHead = config.tieWordEmbeddings() ? embed : params.get("lm_head.weight");
        this.layers = new LayerWeights[config.numLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = LayerWeights.of(params, i);
    }

    NDArray embedWeight() {
        return embed;
    }

    /** Whether the final norm or the lm head records gradients. */
    boolean headTrainable() {
        return finalNorm.hasGradient() || lmHead.hasGradient();
    }

    /** {@code [vocab, hidden]}: the embedding matrix where tied. */
    NDArray lmHead() {
        return lmHead;
    }

    int numLayers() {
        return layers.length;
    }

    LayerWeights weights(int l) {
        return layers[l];
    }

    QwenConfig config() {
        return config;
    }

    /** The final-normed hidden states {@code [B, S, hidden]}. */
    NDArray hiddenStates(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        NDArray h = embed(inputIds);
        Context ctx = context(inputIds, positionIds, keyMask, cache, h);
        // Generation (a cache, no autograd) frees each layer's intermediates as it ends: a prefill chunk's attention
        // scores are [B, heads, chunk, T] per layer (medium, 64 rows of 1024 tokens: 0.8 GB each; kept for all
        // layers, the forward held 23 GB).
        boolean inference = cache != null && !ai.djl.pytorch.jni.JniUtils.isGradMode();
        for (int l = 0; l < layers.length; l++) {
            h = inference ? layerFreeing(l, h, ctx, cache) : layer(l, h, ctx, cache);
        }
        if (cache != null) cache.advance(ctx.len());
        return rmsNorm(h, finalNorm);
    }

    /** {@code [B, S, hidden]} rows of the embedding matrix. */
    NDArray embed(NDArray inputIds) {
        // torch.embedding, not advanced indexing: index's backward (index_put_ with accumulate) adds rows with
        // atomics across threads, so the embedding gradient changed from run to run with 2+ torch threads.
        NDArray h = embed.getNDArrayInternal().embedding(inputIds.toType(DataType.INT64, false), embed,
                SparseFormat.DENSE).singletonOrThrow();
        h.attach(inputIds.getManager());
        return h;
    }

    /** Checks shapes and builds the per-forward {@link Context} on the manager of {@code inputIds}. */
    Context context(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache, NDArray h) {
        return context(inputIds, positionIds, keyMask, cache, h, true);
    }

    /** As above; without {@code fullMask} the context's mask is null (block-wise attention builds its own). */
    Context context(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache, NDArray h,
                    boolean fullMask) {
        NDManager m = inputIds.getManager();
        Shape s = inputIds.getShape();
        if (s.dimension() != 2 || !positionIds.getShape().equals(s)) {
            throw new IllegalArgumentException("inputIds and positionIds must both be [B, S], got " + s + " and "
                    + positionIds.getShape());
        }
        long batch = s.get(0);
        long len = s.get(1);
        long past = cache == null ? 0 : cache.length();
        long total = past + len;
        if (keyMask != null && !keyMask.getShape().equals(new Shape(batch, total))) {
            throw new IllegalArgumentException("keyMask must be [" + batch + ", " + total + "], got " + keyMask.getShape());
        }
        NDArray[] cosSin = ropeTable.lookup(positionIds, total);
        NDArray mask = fullMask ? attentionMask(m, keyMask, past, len, total) : null;
        NDArray scale = Scalars.of(h, (float) (1.0 / Math.sqrt(config.headDim())));
        return new Context(batch, len, past, cosSin[0], cosSin[1], mask, scale);
    }

    /** {@link #layer} with every array it makes closed on return, but its output. */
    private NDArray layerFreeing(int l, NDArray h, Context ctx, KvCache cache) {
        try (NDScope scope = new NDScope()) {
            NDArray out = layer(l, h, ctx, cache);
            NDScope.unregister(out);
            return out;
        }
    }

    /** Decoder layer {@code l}: pre-norm attention and pre-norm SwiGLU MLP, each added to the residual stream. */
    NDArray layer(int l, NDArray h, Context ctx, KvCache cache) {
        LayerWeights w = layers[l];
        h = h.add(attention(l, w, rmsNorm(h, w.inputNorm()), ctx, cache));
        return h.add(mlp(w, rmsNorm(h, w.postNorm())));
    }

    private NDArray attention(int l, LayerWeights w, NDArray x, Context ctx, KvCache cache) {
        NDArray[] qkv = queryKeyValue(w, x, ctx);
        NDArray k = qkv[1];
        NDArray v = qkv[2];
        // the cache holds earlier tokens' keys/values: attend over all of them
        if (cache != null) {
            NDArray[] kv = cache.append(l, k, v, x.getManager());
            k = kv[0];
            v = kv[1];
        }
        return project(attend(qkv[0], k, v, ctx.mask()), w.o(), w.oBias());
    }

    /**
     * Projections, per-head q/k RMSNorm (Qwen3), rotary positions, heads moved to axis 1: {q (times 1/sqrt(d))
     * [B, H, S, d], k [B, KV, S, d], v [B, KV, S, d]}.
     */
    NDArray[] queryKeyValue(LayerWeights w, NDArray x, Context ctx) {
        long b = ctx.batch();
        long len = ctx.len();
        int nh = config.numHeads();
        int nkv = config.numKvHeads();
        int hd = config.headDim();
        NDArray q = project(x, w.q(), w.qBias()).reshape(b, len, nh, hd);
        NDArray k = project(x, w.k(), w.kBias()).reshape(b, len, nkv, hd);
        NDArray v = project(x, w.v(), w.vBias()).reshape(b, len, nkv, hd);
        if (config.hasQkNorm()) {
            q = rmsNorm(q, w.qNorm());
            k = rmsNorm(k, w.kNorm());
        }
        q = rope(q, ctx.cos(), ctx.sin()).mul(ctx.scale()).transpose(0, 2, 1, 3);
        k = rope(k, ctx.cos(), ctx.sin()).transpose(0, 2, 1, 3);
        return new NDArray[] {q, k, v.transpose(0, 2, 1, 3)};
    }

    /**
     * {@code softmax(q k^T + mask) v} with heads merged: q {@code [B, H, S, d]}, k and v {@code [B, KV, T, d]}, mask
     * {@code [B or 1, 1, S, T]} or null; returns {@code [B, S, H * d]}.
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long b = q.getShape().get(0);
        long len = q.getShape().get(2);
        long total = k.getShape().get(2);
        int nh = config.numHeads();
        int nkv = config.numKvHeads();
        int hd = config.headDim();
        int g = config.groupSize();
        // scores, GQA without copying kv heads: the g query heads of kv head j are stacked along the query axis
        NDArray raw = q.reshape(b, nkv, (long) g * len, hd).matMul(k.transpose(0, 1, 3, 2));
        NDArray probs = maskedSoftmax(raw.reshape(b, nh, len, total), mask);
        raw.close();
        // weighted values, heads merged back
        return probs.reshape(b, nkv, (long) g * len, total).matMul(v)
                .reshape(b, nh, len, hd).transpose(0, 2, 1, 3).reshape(b, len, (long) nh * hd);
    }

    /**
     * {@code softmax(scores + mask)} in float32 whatever the compute type. Each {@code [B, H, S, T]} intermediate is
     * closed once used (autograd keeps what its backward needs, i.e. the probabilities): DJL would otherwise hold
     * three or four of them per layer until the step's scope closes, the largest tensors of a long sequence.
     */
    private NDArray maskedSoftmax(NDArray scores, NDArray mask) {
        NDArray f32 = Casts.to(scores, DataType.FLOAT32);
        NDArray masked = mask == null ? f32 : f32.add(mask); // null: every key visible (a decode step)
        if (scores != masked) scores.close();
        if (f32 != scores && f32 != masked) f32.close();
        NDArray p = masked.softmax(-1);
        masked.close();
        NDArray out = Casts.to(p, computeType);
        if (out != p) p.close();
        return out;
    }

    /** SwiGLU: down(silu(gate(x)) * up(x)). */
    NDArray mlp(LayerWeights w, NDArray x) {
        NDArray gate = project(x, w.gate(), null);
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(project(x, w.up(), null));
        return project(act, w.down(), null);
    }

    /** A decoder layer's linear map {@code x W^T + bias}, plus its LoRA update {@code s (x A^T) B^T} if any. */
    NDArray project(NDArray x, NDArray weight, NDArray bias) {
        NDArray y = product(x, weight, bias);
        LowRank lora = adapters.isEmpty() ? null : adapters.get(weight);
        return lora == null ? y : y.add(lora.apply(x));
    }

    /** Final norm of the residual stream. */
    NDArray finalNorm(NDArray h) {
        return rmsNorm(h, finalNorm);
    }

    /** {@code [..., vocab]} float32 logits of final-normed hidden states. */
    NDArray logits(NDArray normed) {
        // one row on one thread: MKL's matrix-vector product reads the head at least as fast as a GEMM (1.7x at
        // width 768); it uses one thread where a GEMM uses all
        boolean matVec = oneRow(normed.getShape()) && ai.djl.pytorch.jni.JniUtils.getNumThreads() == 1;
        NDArray logits = matVec ? product(normed, lmHead, null) : linear(normed, lmHead, null);
        return Casts.to(logits, DataType.FLOAT32);
    }

    /**
     * {@code [B or 1, 1, S, T]} float32: 0 where query i may see key j (causal and a real key), else MASKED; null
     * when every key is visible. One new token (a decode step) sits after every cached key, so only padding hides.
     */
    static NDArray attentionMask(NDManager m, NDArray keyMask, long past, long len, long total) {
        if (len == 1) {
            if (keyMask == null) return null;
            return keyMask.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED)
                    .reshape(keyMask.getShape().get(0), 1, 1, total);
        }
        NDArray qPos = m.arange((float) past, (float) (past + len)).expandDims(1);
        NDArray kPos = m.arange(0f, (float) total).expandDims(0);
        NDArray allowed = kPos.lte(qPos).expandDims(0);
        if (keyMask != null) {
            allowed = allowed.logicalAnd(keyMask.toType(DataType.BOOLEAN, false).expandDims(1));
        }
        return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED).expandDims(1);
    }

    NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray xf = Casts.to(x, DataType.FLOAT32);
        NDArray normed = xf.div(xf.square().mean(new int[] {-1}, true).add(config.rmsNormEps()).sqrt());
        return Casts.to(normed, computeType).mul(weight);
    }

    /**
     * rotate_half RoPE: dimension i pairs with i + d/2. x is [B, S, heads, d], cos/signedSin [B, S, 1, d];
     * {@code swap_halves(x) * signedSin} is rotate_half(x) * sin with the negation folded into the table.
     */
    static NDArray rope(NDArray x, NDArray cos, NDArray signedSin) {
        NDList halves = x.split(2, 3);
        return x.mul(cos).add(halves.get(1).concat(halves.get(0), -1).mul(signedSin));
    }

    /**
     * {@code x @ weight^T + bias} for x {@code [..., in]} and weight {@code [out, in]}: at one row a matrix-vector
     * product {@code weight @ x}, where MKL's Intel kernels run a one-row GEMM 2-4x slower (its generic kernels no
     * faster: docs/generation-performance.md, round 4), else {@code linear}. The result is on x's manager.
     */
    static NDArray product(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        if (!oneRow(s)) return linear(x, weight, bias);
        NDArray y = weight.matMul(x.reshape(s.size()));
        y.attach(x.getManager()); // made on the weight's (the model's) manager
        if (bias != null) y = y.add(bias);
        long[] out = s.getShape().clone(); // getShape() is the Shape's own array
        out[out.length - 1] = weight.getShape().get(0);
        return y.reshape(new Shape(out));
    }

    /** Whether {@code [..., in]} holds a single row of {@code in} values. */
    private static boolean oneRow(Shape s) {
        return s.dimension() > 0 && s.size() == s.get(s.dimension() - 1);
    }

    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }
}
