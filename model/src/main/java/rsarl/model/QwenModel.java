package rsarl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dense Qwen2/Qwen3 causal LM on DJL: its config, parameters and manager; the math is in {@link QwenForward},
 * reading and writing folders in {@link QwenLoader} and {@link QwenSaver}. Parameters live in the model's own
 * manager; every intermediate of {@link #forward} goes to the manager of the caller's {@code inputIds}, so callers
 * bound native memory by running each step in a sub-manager they close.
 */
public final class QwenModel implements AutoCloseable {
    private final QwenConfig config;
    private final NDManager manager;
    private final DataType computeType;
    private final Map<String, NDArray> params;
    private final QwenForward forward;
    private final RopeTable rope;
    private final Path sourceDir;
    /** Names replaced by {@link #withWeights} (empty for a loaded model). */
    private final Set<String> overridden;
    /** False for a {@link #withWeights} view: closing it must not free the shared parameters. */
    private final boolean ownsManager;
    private volatile long weightsVersion;
    /** LoRA updates applied by {@link #withAdapters} (empty for a loaded model). */
    private final Map<String, LowRank> adapters;

    QwenModel(QwenConfig config, NDManager manager, DataType computeType, Map<String, NDArray> params,
              Path sourceDir) {
        this(config, manager, computeType, params, sourceDir, new RopeTable(config, manager, computeType), true,
                Set.of(), Map.of());
    }

    private QwenModel(QwenConfig config, NDManager manager, DataType computeType, Map<String, NDArray> params,
                      Path sourceDir, RopeTable rope, boolean ownsManager, Set<String> overridden,
                      Map<String, LowRank> adapters) {
        this.config = config;
        this.manager = manager;
        this.computeType = computeType;
        this.params = params;
        this.sourceDir = sourceDir;
        this.ownsManager = ownsManager;
        this.rope = rope;
        this.overridden = overridden;
        this.adapters = adapters;
        this.forward = new QwenForward(config, computeType, params, rope, adapters);
    }

    /** Loads on the CPU in float32. */
    public static QwenModel load(Path dir) {
        return load(dir, Device.cpu(), DataType.FLOAT32);
    }

    /** @param computeType float32 or float16 (weights are converted on load) */
    public static QwenModel load(Path dir, Device device, DataType computeType) {
        return QwenLoader.load(dir, device, computeType);
    }

    /** Writes a randomly initialised Qwen3 checkpoint of a preset size (see {@link RandomInit}). */
    public static void initRandom(String preset, int vocabSize, long seed, Path outDir) {
        RandomInit.write(preset, vocabSize, List.of(), seed, outDir);
    }

    /** As {@link #initRandom(String, int, long, Path)} with the eos ids written into config.json. */
    public static void initRandom(String preset, int vocabSize, List<Integer> eosIds, long seed, Path outDir) {
        RandomInit.write(preset, vocabSize, eosIds, seed, outDir);
    }

    /**
     * A view of this model whose parameters named in {@code overrides} are replaced (same names and shapes; e.g.
     * LoRA's differentiable {@code W + s B A}, or merged weights to sample from). It shares everything else, its
     * {@link #forward} is differentiable w.r.t. the override tensors, and closing it frees nothing.
     */
    public QwenModel withWeights(Map<String, NDArray> overrides) {
        Map<String, NDArray> merged = new LinkedHashMap<>(params);
        for (Map.Entry<String, NDArray> e : overrides.entrySet()) {
            NDArray old = params.get(e.getKey());
            if (old == null) {
                throw new IllegalArgumentException("override of unknown parameter " + e.getKey());
            }
            if (!old.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("override of " + e.getKey() + " has shape " + e.getValue().getShape()
                        + ", expected " + old.getShape());
            }
            merged.put(e.getKey(), e.getValue());
        }
        Set<String> names = new java.util.HashSet<>(overridden);
        names.addAll(overrides.keySet());
        return new QwenModel(config, manager, computeType, merged, sourceDir, rope, false, Set.copyOf(names),
                adapters);
    }

    /**
     * A view of this model whose decoder-layer linear weights named in {@code adapters} compute
     * {@code x W^T + s (x A^T) B^T} (LoRA, never forming {@code W + s B A}); differentiable w.r.t. A and B, sharing
     * everything else. Names other than {@link #adaptable} layer weights are refused.
     */
    public QwenModel withAdapters(Map<String, LowRank> adapters) {
        for (Map.Entry<String, LowRank> e : adapters.entrySet()) {
            NDArray w = params.get(e.getKey());
            if (w == null || !adaptable(e.getKey())) {
                throw new IllegalArgumentException("a LoRA adapter needs a decoder-layer linear weight, got "
                        + e.getKey());
            }
            LowRank a = e.getValue();
            if (a.a().getShape().get(1) != w.getShape().get(1) || a.b().getShape().get(0) != w.getShape().get(0)) {
                throw new IllegalArgumentException("adapter of " + e.getKey() + " has A " + a.a().getShape() + " and B "
                        + a.b().getShape() + " for a weight of shape " + w.getShape());
            }
        }
        Map<String, LowRank> all = new LinkedHashMap<>(this.adapters);
        all.putAll(adapters);
        return new QwenModel(config, manager, computeType, params, sourceDir, rope, false, overridden, Map.copyOf(all));
    }

    /** Whether {@link #withAdapters} takes this name: a q/k/v/o or gate/up/down weight of a decoder layer. */
    public static boolean adaptable(String name) {
        return name.matches("model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)\\.weight");
    }

    /** The folder this model was loaded from (its tokenizer files are copied on save). */
    public Path sourceDir() {
        return sourceDir;
    }

    public QwenConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    public DataType computeType() {
        return computeType;
    }

    /** HF tensor names to parameters, in checkpoint order (a tied lm_head is not listed separately). */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** Parameter names a {@link #withWeights} view replaced. */
    public Set<String> overridden() {
        return overridden;
    }

    /** LoRA updates a {@link #withAdapters} view applies, by weight name. */
    public Map<String, LowRank> adapters() {
        return adapters;
    }

    /** The forward pass over this model's (or view's) weights. */
    QwenForward forwardPass() {
        return forward;
    }

    /** Makes every parameter record gradients inside a GradientCollector. */
    public void attachGradients() {
        for (NDArray p : params.values()) p.setRequiresGradient(true);
    }

    /** RoPE's cos/sin table, shared with {@link #withWeights} views. */
    RopeTable ropeTable() {
        return rope;
    }

    /** Computes RoPE for positions below {@code positions} now, so no decode step allocates them. */
    void reservePositions(long positions) {
        rope.reserve(positions);
    }

    /** A cache for {@code batch} rows with room for {@code capacity} tokens (it grows if needed). */
    public KvCache newCache(int batch, int capacity) {
        return new KvCache(manager, config.numLayers(), batch, config.numKvHeads(), config.headDim(), capacity,
                computeType);
    }

    /**
     * Logits for the next token after each input position.
     *
     * @param inputIds    {@code [B, S]} int64
     * @param positionIds {@code [B, S]} int64 RoPE positions (per row: number of real tokens before it)
     * @param keyMask     {@code [B, P + S]} 1 for real keys, 0 for padding (P = tokens in the cache); null: all real
     * @param cache       keys/values of earlier tokens, extended in place; null for a full forward
     * @return {@code [B, S, vocab]} float32, owned by the manager of {@code inputIds}
     */
    public NDArray forward(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        return forward.logits(forward.hiddenStates(inputIds, positionIds, keyMask, cache));
    }

    /**
     * As {@link #forward} but returns only the logits after the last input column, {@code [B, vocab]}: prefill
     * of a left-padded batch needs no more, and the full {@code [B, S, vocab]} tensor can be gigabytes.
     */
    public NDArray forwardLast(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        NDArray h = forward.hiddenStates(inputIds, positionIds, keyMask, cache);
        long len = h.getShape().get(1);
        return forward.logits(h.get(new NDIndex(":, {}", len - 1)));
    }

    /** Writes the weights (float32) and config.json in the HF layout, atomically; tokenizer files come along. */
    public void save(Path dir) {
        save(dir, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /** As {@link #save(Path)}, splitting the weights into shards of at most {@code maxShardBytes}. */
    public void save(Path dir, long maxShardBytes) {
        QwenSaver.save(dir, params, config, sourceDir, manager, maxShardBytes);
    }

    /**
     * Overwrites every parameter in place with the float32 weights saved in {@code dir} (bit-exact for a folder
     * written by {@link #save}); errors name the folder and the missing or mis-shaped tensor.
     */
    public void loadWeightsFrom(Path dir) {
        try {
            QwenLoader.loadInto(dir, params, manager, computeType);
        } finally {
            weightsVersion++; // even a failed load may have overwritten some tensors
        }
    }

    /** Bumped by every {@link #loadWeightsFrom} (not by in-place optimizer updates): {@link SharedFusedWeights}. */
    long weightsVersion() {
        return weightsVersion;
    }

    @Override
    public void close() {
        if (ownsManager) manager.close();
    }
}
