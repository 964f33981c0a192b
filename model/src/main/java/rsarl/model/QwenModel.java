package rsarl.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dense Qwen2/Qwen3 causal LM on DJL. Parameters live in the model's own manager; every intermediate of
 * {@link #forward} goes to the manager of the caller's {@code inputIds}, so callers bound native memory by
 * running each step in a sub-manager they close.
 */
public final class QwenModel implements AutoCloseable {
    /** Additive mask value for hidden keys: finite, so a row with no visible key stays NaN-free. */
    private static final float MASKED = -1e9f;

    private final QwenConfig config;
    private final NDManager manager;
    private final DataType computeType;
    private final Map<String, NDArray> params;
    private final Layer[] layers;
    private final NDArray embed;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final NDArray invFreq;
    private final Path sourceDir;
    /** False for a {@link #withWeights} view: closing it must not free the shared parameters. */
    private final boolean ownsManager;

    private record Layer(NDArray inputNorm, NDArray q, NDArray qBias, NDArray k, NDArray kBias, NDArray v,
                         NDArray vBias, NDArray o, NDArray oBias, NDArray qNorm, NDArray kNorm, NDArray postNorm,
                         NDArray gate, NDArray up, NDArray down) {
    }

    private QwenModel(QwenConfig config, NDManager manager, DataType computeType, Map<String, NDArray> params,
                      Path sourceDir) {
        this(config, manager, computeType, params, sourceDir, null, true);
    }

    private QwenModel(QwenConfig config, NDManager manager, DataType computeType, Map<String, NDArray> params,
                      Path sourceDir, NDArray sharedInvFreq, boolean ownsManager) {
        this.config = config;
        this.manager = manager;
        this.computeType = computeType;
        this.params = params;
        this.sourceDir = sourceDir;
        this.ownsManager = ownsManager;
        this.embed = params.get("model.embed_tokens.weight");
        this.finalNorm = params.get("model.norm.weight");
        this.lmHead = config.tieWordEmbeddings() ? embed : params.get("lm_head.weight");
        this.layers = new Layer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(params.get(p + "input_layernorm.weight"),
                    params.get(p + "self_attn.q_proj.weight"), params.get(p + "self_attn.q_proj.bias"),
                    params.get(p + "self_attn.k_proj.weight"), params.get(p + "self_attn.k_proj.bias"),
                    params.get(p + "self_attn.v_proj.weight"), params.get(p + "self_attn.v_proj.bias"),
                    params.get(p + "self_attn.o_proj.weight"), params.get(p + "self_attn.o_proj.bias"),
                    params.get(p + "self_attn.q_norm.weight"), params.get(p + "self_attn.k_norm.weight"),
                    params.get(p + "post_attention_layernorm.weight"),
                    params.get(p + "mlp.gate_proj.weight"), params.get(p + "mlp.up_proj.weight"),
                    params.get(p + "mlp.down_proj.weight"));
        }
        if (sharedInvFreq != null) {
            this.invFreq = sharedInvFreq;
            return;
        }
        // inv_freq[i] = theta^(-2i/d), in float64: angles for long contexts keep their precision.
        int half = config.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
        this.invFreq = manager.create(inv);
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
        return new QwenModel(config, manager, computeType, merged, sourceDir, invFreq, false);
    }

    /** The folder this model was loaded from (its tokenizer files are copied on save). */
    public Path sourceDir() {
        return sourceDir;
    }

    /** Loads on the CPU in float32. */
    public static QwenModel load(Path dir) {
        return load(dir, Device.cpu(), DataType.FLOAT32);
    }

    /** @param computeType float32 or float16 (weights are converted on load) */
    public static QwenModel load(Path dir, Device device, DataType computeType) {
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute type must be float32 or float16, got " + computeType);
        }
        QwenConfig config = QwenConfig.read(dir.resolve("config.json"));
        NDManager manager = NDManager.newBaseManager(device);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : parameterShapes(config).entrySet()) {
                String name = e.getKey();
                SafetensorsFile.Entry entry = ck.entry(name);
                if (!entry.djlShape().equals(e.getValue())) {
                    throw new IllegalArgumentException(dir + ": tensor " + name + " has shape " + entry.djlShape()
                            + " but config.json implies " + e.getValue());
                }
                NDArray a = ck.load(name, manager, computeType);
                a.setName(name);
                params.put(name, a);
            }
            return new QwenModel(config, manager, computeType, params, dir);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Parses {@code cpu}, {@code cuda} or {@code cuda:N} (also {@code gpu}, {@code gpu:N}). */
    public static Device device(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("cpu")) return Device.cpu();
        for (String prefix : new String[] {"cuda", "gpu"}) {
            if (n.equals(prefix)) return Device.gpu();
            if (n.startsWith(prefix + ":")) {
                try {
                    return Device.gpu(Integer.parseInt(n.substring(prefix.length() + 1)));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (cpu, cuda, cuda:N)");
    }

    /** Parses {@code fp32}/{@code float32} or {@code fp16}/{@code float16}. */
    public static DataType computeType(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "fp32", "float32", "f32" -> DataType.FLOAT32;
            case "fp16", "float16", "f16", "half" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("unsupported compute dtype '" + name + "' (fp32, fp16)");
        };
    }

    /** Tensor names (HF layout, file order) and shapes {@code [out, in]} this architecture has. */
    public static Map<String, Shape> parameterShapes(QwenConfig c) {
        Map<String, Shape> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        m.put("model.embed_tokens.weight", new Shape(c.vocabSize(), h));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new Shape(h));
            m.put(p + "self_attn.q_proj.weight", new Shape(q, h));
            if (c.attentionBias()) m.put(p + "self_attn.q_proj.bias", new Shape(q));
            m.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
            if (c.attentionBias()) m.put(p + "self_attn.k_proj.bias", new Shape(kv));
            m.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
            if (c.attentionBias()) m.put(p + "self_attn.v_proj.bias", new Shape(kv));
            m.put(p + "self_attn.o_proj.weight", new Shape(h, q));
            if (c.attentionBias() && c.hasQkNorm()) m.put(p + "self_attn.o_proj.bias", new Shape(h)); // qwen3 only
            if (c.hasQkNorm()) {
                m.put(p + "self_attn.q_norm.weight", new Shape(c.headDim()));
                m.put(p + "self_attn.k_norm.weight", new Shape(c.headDim()));
            }
            m.put(p + "post_attention_layernorm.weight", new Shape(h));
            m.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), h));
            m.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), h));
            m.put(p + "mlp.down_proj.weight", new Shape(h, c.intermediateSize()));
        }
        m.put("model.norm.weight", new Shape(h));
        if (!c.tieWordEmbeddings()) m.put("lm_head.weight", new Shape(c.vocabSize(), h));
        return m;
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

    /** Makes every parameter record gradients inside a GradientCollector. */
    public void attachGradients() {
        for (NDArray p : params.values()) p.setRequiresGradient(true);
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
        return logits(hiddenStates(inputIds, positionIds, keyMask, cache));
    }

    /**
     * As {@link #forward} but returns only the logits after the last input column, {@code [B, vocab]}: prefill
     * of a left-padded batch needs no more, and the full {@code [B, S, vocab]} tensor can be gigabytes.
     */
    public NDArray forwardLast(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
        NDArray h = hiddenStates(inputIds, positionIds, keyMask, cache);
        long len = h.getShape().get(1);
        return logits(h.get(new NDIndex(":, {}", len - 1)));
    }

    private NDArray logits(NDArray normed) {
        NDArray logits = linear(normed, lmHead, null);
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    /** The final-normed hidden states {@code [B, S, hidden]}. */
    private NDArray hiddenStates(NDArray inputIds, NDArray positionIds, NDArray keyMask, KvCache cache) {
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
        // torch.embedding, not advanced indexing: index's backward (index_put_ with accumulate) adds rows with
        // atomics across threads, so the embedding gradient changed from run to run with 2+ torch threads.
        NDArray h = embed.getNDArrayInternal().embedding(inputIds.toType(DataType.INT64, false), embed,
                SparseFormat.DENSE).singletonOrThrow();
        h.attach(m);

        NDArray angles = positionIds.toType(DataType.FLOAT64, false).expandDims(-1).mul(invFreq);
        angles = angles.concat(angles, -1);
        NDArray cos = angles.cos().toType(computeType, false).expandDims(2);
        NDArray sin = angles.sin().toType(computeType, false).expandDims(2);
        NDArray mask = attentionMask(m, keyMask, past, len, total);

        int nh = config.numHeads();
        int nkv = config.numKvHeads();
        int hd = config.headDim();
        int g = config.groupSize();
        NDArray scale = Scalars.of(h, (float) (1.0 / Math.sqrt(hd))); // one per forward, alive through the backward
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            NDArray x = rmsNorm(h, w.inputNorm());
            NDArray q = linear(x, w.q(), w.qBias()).reshape(batch, len, nh, hd);
            NDArray k = linear(x, w.k(), w.kBias()).reshape(batch, len, nkv, hd);
            NDArray v = linear(x, w.v(), w.vBias()).reshape(batch, len, nkv, hd);
            if (config.hasQkNorm()) {
                q = rmsNorm(q, w.qNorm());
                k = rmsNorm(k, w.kNorm());
            }
            q = rope(q, cos, sin).mul(scale).transpose(0, 2, 1, 3);
            k = rope(k, cos, sin).transpose(0, 2, 1, 3);
            v = v.transpose(0, 2, 1, 3);
            if (cache != null) {
                NDArray[] kv = cache.append(l, k, v, m);
                k = kv[0];
                v = kv[1];
            }
            // GQA without copying kv heads: the g query heads of kv head j are stacked along the query axis.
            NDArray scores = q.reshape(batch, nkv, (long) g * len, hd).matMul(k.transpose(0, 1, 3, 2))
                    .reshape(batch, nh, len, total);
            NDArray probs;
            if (computeType == DataType.FLOAT32) {
                probs = scores.add(mask).softmax(-1);
            } else {
                probs = scores.toType(DataType.FLOAT32, false).add(mask).softmax(-1).toType(computeType, false);
            }
            NDArray ctx = probs.reshape(batch, nkv, (long) g * len, total).matMul(v)
                    .reshape(batch, nh, len, hd).transpose(0, 2, 1, 3).reshape(batch, len, (long) nh * hd);
            h = h.add(linear(ctx, w.o(), w.oBias()));
            x = rmsNorm(h, w.postNorm());
            NDArray gate = linear(x, w.gate(), null);
            NDArray act = gate.mul(Activation.sigmoid(gate)).mul(linear(x, w.up(), null));
            h = h.add(linear(act, w.down(), null));
        }
        if (cache != null) cache.advance(len);
        return rmsNorm(h, finalNorm);
    }

    /** {@code [B or 1, 1, S, T]} float32: 0 where query i may see key j (causal and a real key), else MASKED. */
    private static NDArray attentionMask(NDManager m, NDArray keyMask, long past, long len, long total) {
        NDArray qPos = m.arange((float) past, (float) (past + len)).expandDims(1);
        NDArray kPos = m.arange(0f, (float) total).expandDims(0);
        NDArray allowed = kPos.lte(qPos).expandDims(0);
        if (keyMask != null) {
            allowed = allowed.logicalAnd(keyMask.toType(DataType.BOOLEAN, false).expandDims(1));
        }
        return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED).expandDims(1);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray xf = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = xf.div(xf.square().mean(new int[] {-1}, true).add(config.rmsNormEps()).sqrt());
        if (normed.getDataType() != computeType) normed = normed.toType(computeType, false);
        return normed.mul(weight);
    }

    /** rotate_half RoPE: dimension i pairs with i + d/2. x is [B, S, heads, d], cos/sin [B, S, 1, d]. */
    private static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, 3);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }

    /** Writes the weights (float32) and config.json in the HF layout, atomically; tokenizer files come along. */
    public void save(Path dir) {
        save(dir, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /** As {@link #save(Path)}, splitting the weights into shards of at most {@code maxShardBytes}. */
    public void save(Path dir, long maxShardBytes) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        params.forEach((n, a) -> shapes.put(n, a.getShape()));
        CheckpointWriter.write(dir, shapes, (name, scratch) -> params.get(name), manager, configJson(),
                sourceDir, maxShardBytes);
    }

    /**
     * Overwrites every parameter in place with the float32 weights saved in {@code dir} (bit-exact for a folder
     * written by {@link #save}); errors name the folder and the missing or mis-shaped tensor.
     */
    public void loadWeightsFrom(Path dir) {
        try (Checkpoint ck = Checkpoint.open(dir); NDManager scratch = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                SafetensorsFile.Entry entry = ck.entry(e.getKey());
                if (!entry.djlShape().equals(e.getValue().getShape())) {
                    throw new IllegalArgumentException(dir + ": tensor " + e.getKey() + " has shape " + entry.djlShape()
                            + ", expected " + e.getValue().getShape());
                }
                NDArray loaded = ck.load(e.getKey(), scratch, computeType);
                e.getValue().set(loaded.toByteBuffer());
            }
        }
    }

    /** The source config.json with its extra keys kept (dtype set to float32), or one made from the config. */
    private ObjectNode configJson() {
        if (sourceDir != null && Files.isRegularFile(sourceDir.resolve("config.json"))) {
            JsonNode n = QwenConfig.readJson(sourceDir.resolve("config.json"));
            if (n instanceof ObjectNode o) {
                o.put("torch_dtype", "float32");
                return o;
            }
        }
        return config.toJson();
    }

    /** Writes a randomly initialised Qwen3 checkpoint of a preset size (see {@link ModelPresets}). */
    public static void initRandom(String preset, int vocabSize, long seed, Path outDir) {
        initRandom(preset, vocabSize, List.of(), seed, outDir);
    }

    /**
     * HF-style init: every matrix and the embeddings ~ N(0, 0.02), norm weights 1, biases 0. Tensors are drawn
     * and written one at a time, so even the 4B preset needs little memory.
     */
    public static void initRandom(String preset, int vocabSize, List<Integer> eosIds, long seed, Path outDir) {
        QwenConfig c = ModelPresets.config(preset, vocabSize, eosIds);
        Engine.getInstance().setRandomSeed((int) seed);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            CheckpointWriter.write(outDir, parameterShapes(c), (name, scratch) -> {
                Shape shape = parameterShapes(c).get(name);
                if (name.endsWith("norm.weight")) return scratch.ones(shape);
                if (name.endsWith(".bias")) return scratch.zeros(shape);
                return scratch.randomNormal(0f, 0.02f, shape, DataType.FLOAT32);
            }, m, c.toJson(), null, CheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
        }
    }

    @Override
    public void close() {
        if (ownsManager) manager.close();
    }
}
