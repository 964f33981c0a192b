package rsarl.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One micro-batch's forward and backward for training, in memory that grows with the tokens, not the vocabulary:
 *
 * <ol>
 *   <li>trunk: the decoder layers over the whole sequence; with gradient checkpointing under no-grad, keeping only
 *       each layer's input;
 *   <li>head, no-grad, in chunks of {@code chunkTokens} tokens: per-token log-probs of the targets (and entropy), so
 *       the {@code [tokens, vocab]} logits and their log-softmax never exist at once;
 *   <li>loss on a leaf copy of the log-probs, backward to {@code dL/dlogp} ({@code [B, C]});
 *   <li>head again, chunk by chunk, with gradients: each chunk's graph is freed by its own backward;
 *   <li>trunk backward: in one go, or (checkpointing) layer by layer from the last, each recomputed from its kept
 *       input and back-propagated with the upstream gradient, its attention in blocks of query rows
 *       ({@link BlockwiseLayer}), so no {@code [heads, tokens, tokens]} tensor exists whole.
 * </ol>
 *
 * Parameter gradients accumulate (as with one plain backward). Weights that are not leaves (LoRA's {@code W + s B A})
 * are fine on decoder layers: each layer's graph is back-propagated once. Run outside any GradientCollector.
 */
public final class TrainingPass {
    /** Float32 logits per head chunk: 64 MiB, i.e. 110 tokens of Qwen3's 151,936-token vocabulary. */
    public static final long CHUNK_LOGIT_BYTES = 64L << 20;

    /** Tokens per head chunk for a vocabulary: {@link #CHUNK_LOGIT_BYTES} of logits, at least 16 tokens. */
    public static int chunkTokensFor(int vocabSize) {
        return (int) Math.max(16, CHUNK_LOGIT_BYTES / (4L * vocabSize));
    }

    /** Detached per-token results {@code [B, C]}; {@code entropy} and {@code rawLogprobs} null unless asked. */
    public record Result(NDArray logprobs, NDArray entropy, NDArray rawLogprobs, NDArray loss) {}

    /**
     * The batch: model inputs {@code [B, S]}, and {@code targets [B, C]} predicted by columns
     * {@code first .. first + C - 1}.
     */
    public record Batch(NDArray inputIds, NDArray positionIds, NDArray keyMask, int first, NDArray targets) {}

    private final boolean checkpointing;
    private final int chunkTokens;
    private final int queryBlock;

    public TrainingPass(boolean gradientCheckpointing, int chunkTokens) {
        this(gradientCheckpointing, chunkTokens, 0);
    }

    /**
     * @param queryBlock query rows per attention block of the checkpointed (and no-grad) trunk; 0: sized so each
     *     block's scores take {@link BlockwiseLayer#BLOCK_SCORE_BYTES}
     */
    public TrainingPass(boolean gradientCheckpointing, int chunkTokens, int queryBlock) {
        if (chunkTokens < 1) throw new IllegalArgumentException("chunk tokens must be >= 1, got " + chunkTokens);
        if (queryBlock < 0) throw new IllegalArgumentException("query block must be >= 0, got " + queryBlock);
        this.checkpointing = gradientCheckpointing;
        this.chunkTokens = chunkTokens;
        this.queryBlock = queryBlock;
    }

    /**
     * Forward, {@code loss(leafLogprobs)}, backward into the parameters' gradients.
     *
     * @param model called once inside the pass's GradientCollector (a LoRA view builds its {@code W + s B A} there)
     * @param temperature the log-probs are of {@code softmax(logits / temperature)}
     * @param rawLogprobs also return log-probs at temperature 1 (when {@code temperature != 1})
     */
    public Result run(Supplier<QwenModel> model, Batch b, float temperature, Function<NDArray, NDArray> loss,
                      boolean entropy, boolean rawLogprobs) {
        NDManager m = b.inputIds().getManager();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            QwenModel view = model.get();
            requireLeafHead(view);
            QwenForward f = view.forwardPass();
            BlockwiseLayer blocks = new BlockwiseLayer(f, queryBlock);
            // 1. trunk
            List<NDArray> kept = new ArrayList<>();
            NDArray hidden;
            QwenForward.Context ctx;
            try (NoGrad ng = checkpointing ? NoGrad.enter() : null) {
                NDArray h = f.embed(b.inputIds());
                ctx = f.context(b.inputIds(), b.positionIds(), b.keyMask(), null, h, !checkpointing);
                for (int l = 0; l < f.numLayers(); l++) {
                    if (checkpointing) {
                        kept.add(h);
                        h = blocks.forward(l, h, ctx, b.keyMask()); // its temporaries freed at once
                    } else {
                        h = f.layer(l, h, ctx, null);
                    }
                }
                hidden = h;
            }
            // 2. head without gradients
            NDArray leaf; // a copy, not stopGradient(): the trunk's graph must stay attached to hidden
            try (NoGrad ng = NoGrad.enter()) {
                leaf = hidden.duplicate();
            }
            Head head = new Head(f, leaf, b, temperature, columnsPerChunk(b));
            NDArray[] values = head.noGrad(entropy, rawLogprobs && temperature != 1f, m);
            // 3. loss and dL/dlogp
            NDArray logp = values[0].duplicate();
            logp.setRequiresGradient(true);
            NDArray l = loss.apply(logp);
            gc.backward(l);
            NDArray dLogp = logp.getGradient().duplicate();
            // 4. head with gradients, chunk by chunk, into dL/dh
            leaf.setRequiresGradient(true);
            head.backward(dLogp, gc);
            NDArray upstream = leaf.getGradient().duplicate();
            // 5. trunk backward
            if (!checkpointing) {
                if (trunkTrainable(view)) gc.backward(hidden.mul(upstream).sum());
            } else {
                for (int i = f.numLayers() - 1; i >= 0; i--) {
                    upstream = blocks.backward(i, kept.get(i), upstream, ctx, b.keyMask());
                }
                if (f.embedWeight().hasGradient()) {
                    try (NDManager s = m.newSubManager()) {
                        NDArray ids = b.inputIds().duplicate();
                        ids.attach(s);
                        gc.backward(f.embed(ids).mul(upstream).sum());
                    }
                }
            }
            NDArray lossValue = l.stopGradient();
            return new Result(values[0], values[1], values[2], lossValue);
        }
    }

    /** Completion log-probs {@code [B, C]} without gradients, in chunks (old policy, reference). */
    public NDArray logprobs(QwenModel model, Batch b, float temperature) {
        try (NoGrad ng = NoGrad.enter()) {
            QwenForward f = model.forwardPass();
            BlockwiseLayer blocks = new BlockwiseLayer(f, queryBlock);
            NDArray h = f.embed(b.inputIds());
            QwenForward.Context ctx = f.context(b.inputIds(), b.positionIds(), b.keyMask(), null, h, false);
            for (int l = 0; l < f.numLayers(); l++) h = blocks.forward(l, h, ctx, b.keyMask());
            return new Head(f, h, b, temperature, columnsPerChunk(b)).noGrad(false, false, b.inputIds().getManager())[0];
        }
    }

    /**
     * Whether the trunk's output carries a graph: some override (a non-leaf such as W + s B A), a LoRA adapter or a
     * parameter that records gradients. (DJL's hasGradient() is false for every non-leaf, so the output cannot be asked.)
     */
    private static boolean trunkTrainable(QwenModel view) {
        if (!view.overridden().isEmpty() || !view.adapters().isEmpty()) return true;
        for (NDArray p : view.parameters().values()) if (p.hasGradient()) return true;
        return false;
    }

    private int columnsPerChunk(Batch b) {
        long rows = b.inputIds().getShape().get(0);
        return (int) Math.max(1, chunkTokens / rows);
    }

    /** Chunked backward needs the head weights to be leaves: a non-leaf's graph could be used only once. */
    private static void requireLeafHead(QwenModel view) {
        for (String name : new String[] {"model.embed_tokens.weight", "lm_head.weight", "model.norm.weight"}) {
            if (view.overridden().contains(name)) {
                throw new IllegalArgumentException("the chunked loss needs " + name + " as a plain parameter, not a"
                        + " LoRA target (drop embed_tokens/lm_head from lora.target_modules)");
            }
        }
    }

    /** The lm head over column chunks of the final hidden states. */
    private static final class Head {
        private final QwenForward f;
        private final NDArray hidden;
        private final Batch b;
        private final float temperature;
        private final int cols;
        private final int count;

        Head(QwenForward f, NDArray hidden, Batch b, float temperature, int cols) {
            this.f = f;
            this.hidden = hidden;
            this.b = b;
            this.temperature = temperature;
            this.cols = cols;
            this.count = (int) b.targets().getShape().get(1);
        }

        /** log-probs of the targets at the temperature, then entropy and raw (T = 1) log-probs, or null. */
        NDArray[] noGrad(boolean entropy, boolean raw, NDManager out) {
            NDList lp = new NDList();
            NDList ent = new NDList();
            NDList rawLp = new NDList();
            try (NoGrad ng = NoGrad.enter()) {
                for (int from = 0; from < count; from += cols) {
                    int to = Math.min(count, from + cols);
                    try (NDManager s = out.newSubManager()) {
                        NDArray logits = logits(s, from, to, 1f);
                        NDArray targets = targets(s, from, to);
                        NDArray scaled = temperature == 1f ? logits : logits.div(Scalars.of(logits, temperature));
                        NDArray lsm = scaled.logSoftmax(-1);
                        lp.add(keep(gather(lsm, targets), out));
                        if (entropy) ent.add(keep(lsm.exp().mul(lsm).sum(new int[] {-1}).neg(), out));
                        if (raw) rawLp.add(keep(gather(logits.logSoftmax(-1), targets), out));
                    }
                }
            }
            return new NDArray[] {concat(lp), entropy ? concat(ent) : null, raw ? concat(rawLp) : null};
        }

        /** Back-propagates {@code sum(logp * dLogp)} chunk by chunk into the hidden states and head weights. */
        void backward(NDArray dLogp, GradientCollector gc) {
            NDManager outer = dLogp.getManager();
            for (int from = 0; from < count; from += cols) {
                int to = Math.min(count, from + cols);
                try (NDManager s = outer.newSubManager()) {
                    NDArray logits = logits(s, from, to, temperature);
                    NDArray lp = gather(logits.logSoftmax(-1), targets(s, from, to));
                    gc.backward(lp.mul(dLogp.get(s, new NDIndex(":, {}:{}", from, to))).sum());
                }
            }
        }

        /** {@code [B, to - from, vocab]} float32 logits of target columns, divided by {@code t}. */
        private NDArray logits(NDManager s, int from, int to, float t) {
            NDArray h = hidden.get(s, new NDIndex(":, {}:{}", b.first() + from, b.first() + to));
            NDArray logits = f.logits(f.finalNorm(h));
            return t == 1f ? logits : logits.div(Scalars.of(logits, t));
        }

        private NDArray targets(NDManager s, int from, int to) {
            return b.targets().get(s, new NDIndex(":, {}:{}", from, to)).toType(DataType.INT64, false);
        }

        private static NDArray gather(NDArray lsm, NDArray targets) {
            return lsm.gather(targets.expandDims(-1), -1).squeeze(-1);
        }

        private static NDArray keep(NDArray a, NDManager out) {
            a.attach(out);
            return a;
        }

        private static NDArray concat(NDList parts) {
            return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1);
        }
    }
}
