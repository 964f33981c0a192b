package rsarl.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
 *   <li>head in chunks of {@code chunkTokens} tokens ({@link LogitHead}): per-token log-probs of the targets (and
 *       entropy), so the {@code [tokens, vocab]} logits and their log-softmax never exist at once; a frozen head
 *       also takes each row's {@code d logp / d h} there, a trainable one keeps small micro-batches' graphs;
 *   <li>loss on a leaf copy of the log-probs, backward to {@code dL/dlogp} ({@code [B, C]});
 *   <li>head backward into dL/dh: scaled rows, the kept graphs, or the chunks recomputed with gradients;
 *   <li>trunk backward: in one go, or (checkpointing) layer by layer from the last, each recomputed from its kept
 *       input and back-propagated with the upstream gradient, its attention in blocks of query rows
 *       ({@link BlockwiseLayer}), so no {@code [heads, tokens, tokens]} tensor exists whole.
 * </ol>
 *
 * Parameter gradients accumulate (as with one plain backward). Weights that are not leaves (e.g. {@code W + s B A}
 * from {@link QwenModel#withWeights}) are fine on decoder layers: a layer's query blocks keep their graph until the
 * last one. Run outside any GradientCollector.
 */
public final class TrainingPass {
    /** Float32 logits per head chunk: 64 MiB, i.e. 110 tokens of Qwen3's 151,936-token vocabulary. */
    public static final long CHUNK_LOGIT_BYTES = 64L << 20;

    /**
     * On a GPU: 512 MiB (883 tokens of Qwen3's vocabulary). Each chunk is a chain of launches forward and again in
     * backward; 64 MiB cut a 2,048-token sequence into 19 of them, and device memory holds far more.
     */
    public static final long GPU_CHUNK_LOGIT_BYTES = 512L << 20;

    /**
     * Tokens per head chunk for a vocabulary: {@link #CHUNK_LOGIT_BYTES} of logits ({@link #GPU_CHUNK_LOGIT_BYTES} on
     * a GPU), at least 16 tokens.
     */
    public static int chunkTokensFor(int vocabSize, boolean gpu) {
        return (int) Math.max(16, (gpu ? GPU_CHUNK_LOGIT_BYTES : CHUNK_LOGIT_BYTES) / (4L * vocabSize));
    }

    /**
     * Float32 logits of a whole micro-batch that may stay alive with their graph until dL/dlogp is known (a
     * trainable head then runs once instead of once more in backward): 256 MiB.
     */
    public static final long KEEP_LOGIT_BYTES = 256L << 20;

    /** Target tokens per micro-batch whose logits are kept ({@link #KEEP_LOGIT_BYTES}) for a vocabulary. */
    public static int keepTokensFor(int vocabSize) {
        return (int) (KEEP_LOGIT_BYTES / (4L * vocabSize));
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
    private final int keepTokens;

    public TrainingPass(boolean gradientCheckpointing, int chunkTokens) {
        this(gradientCheckpointing, chunkTokens, 0, 0);
    }

    public TrainingPass(boolean gradientCheckpointing, int chunkTokens, int queryBlock) {
        this(gradientCheckpointing, chunkTokens, queryBlock, 0);
    }

    /**
     * @param queryBlock query rows per attention block of the checkpointed (and no-grad) trunk; 0: sized so each
     *     block's scores take {@link BlockwiseLayer#BLOCK_SCORE_BYTES}
     * @param keepTokens a trainable head keeps the logits' graph of micro-batches with at most this many target
     *     tokens (B x C) instead of recomputing them in backward (e.g. {@link #keepTokensFor}; 0: never)
     */
    public TrainingPass(boolean gradientCheckpointing, int chunkTokens, int queryBlock, int keepTokens) {
        if (chunkTokens < 1) throw new IllegalArgumentException("chunk tokens must be >= 1, got " + chunkTokens);
        if (queryBlock < 0) throw new IllegalArgumentException("query block must be >= 0, got " + queryBlock);
        this.checkpointing = gradientCheckpointing;
        this.chunkTokens = chunkTokens;
        this.queryBlock = queryBlock;
        this.keepTokens = Math.max(0, keepTokens);
    }

    /**
     * Forward, {@code loss(leafLogprobs)}, backward into the parameters' gradients.
     *
     * @param model called once inside the pass's GradientCollector (a view with overrides may build them there)
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
            // 2. head: log-probs (and, see LogitHead, per-row gradients or kept graphs)
            NDArray leaf; // a copy, not stopGradient(): the trunk's graph must stay attached to hidden
            try (NoGrad ng = NoGrad.enter()) {
                leaf = hidden.duplicate();
            }
            LogitHead head = new LogitHead(f, leaf, b, temperature, columnsPerChunk(b));
            boolean raw = rawLogprobs && temperature != 1f;
            boolean rows = !f.headTrainable();
            boolean keep = !rows && b.targets().getShape().size() <= keepTokens;
            if (rows || keep) leaf.setRequiresGradient(true);
            NDArray[] values = rows ? head.rowGradients(entropy, raw, m)
                    : keep ? head.keepGraphs(entropy, raw, m) : head.noGrad(entropy, raw, m);
            // 3. loss and dL/dlogp
            NDArray logp = values[0].duplicate();
            logp.setRequiresGradient(true);
            NDArray l = loss.apply(logp);
            gc.backward(l);
            NDArray dLogp = logp.getGradient().duplicate();
            // 4. head backward into dL/dh
            NDArray upstream;
            if (rows) {
                upstream = head.scaleRows(leaf.getGradient(), dLogp);
            } else {
                if (keep) {
                    head.backwardKept(dLogp);
                } else {
                    leaf.setRequiresGradient(true);
                    head.backward(dLogp, gc);
                }
                upstream = leaf.getGradient().duplicate();
            }
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
            return new LogitHead(f, h, b, temperature, columnsPerChunk(b)).noGrad(false, false, b.inputIds().getManager())[0];
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
}
