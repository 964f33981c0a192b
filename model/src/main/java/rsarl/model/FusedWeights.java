package rsarl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;

import java.util.HashMap;
import java.util.Map;

/**
 * The decoder layers' weights laid out for the cached forward ({@link CachedForward}): q, k and v stacked into one
 * {@code [(nh + 2 kv) d, hidden]} matrix, gate and up into one {@code [2 I, hidden]}, and one q/k norm weight
 * {@code [nh + kv, d]} whose q rows carry attention's 1/sqrt(d): four matrix products per layer instead of seven.
 * Matrices keep the checkpoint's {@code [out, in]} layout, the one both of CachedForward's kernels want: {@code linear}
 * for several rows and a matrix-vector product {@code W @ x} for one row (2-4x faster than a one-row GEMM with MKL's
 * Intel kernels, docs/generation-performance.md round 4).
 *
 * <p>Memory: a second copy of the q/k/v and gate/up matrices (o and down are the model's own arrays, copied only
 * where LoRA adapters are folded in; embeddings and lm head never) for as long as a generation batch decodes; each
 * batch builds it from the current parameters at its first decode step, so weights changed between batches (an
 * optimizer step, {@link QwenModel#loadWeightsFrom}) are always picked up. See {@link #enabledFor} for when it is on.
 */
final class FusedWeights implements AutoCloseable {
    /** System property: {@code on}, {@code off} or {@code auto} (on while the copy is at most {@link #AUTO_MAX_BYTES}). */
    static final String PROPERTY = "rsa.decode.fused";
    static final long AUTO_MAX_BYTES = 1L << 30;

    /** One layer; biases are null where the architecture has none, qkNorm where it has no q/k norm. */
    record Layer(NDArray inputNorm, NDArray qkv, NDArray qkvBias, NDArray o, NDArray oBias, NDArray qkNorm,
                 NDArray postNorm, NDArray gateUp, NDArray down) {
    }

    private final NDManager manager;
    private final Layer[] layers;

    private FusedWeights(NDManager manager, Layer[] layers) {
        this.manager = manager;
        this.layers = layers;
    }

    /** Bytes the copy takes for this config and compute type (without adapters: o and down are not copied). */
    static long bytes(QwenConfig c, DataType type) {
        long d = c.headDim();
        long perLayer = c.hiddenSize() * (c.numHeads() + 2L * c.numKvHeads()) * d // q, k, v
                + 2L * c.hiddenSize() * c.intermediateSize();                       // gate, up
        return perLayer * c.numLayers() * type.getNumOfBytes();
    }

    /**
     * Whether generation uses fused weights: {@code -Drsa.decode.fused=on|off|auto} (default auto: on while the
     * copy is at most 1 GiB, i.e. below Qwen3-0.6B in float32).
     */
    static boolean enabledFor(QwenConfig c, DataType type) {
        String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(java.util.Locale.ROOT);
        switch (mode) {
            case "on":
                return true;
            case "off":
                return false;
            case "auto":
                return bytes(c, type) <= AUTO_MAX_BYTES;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + " must be on, off or auto, got '" + mode + "'");
        }
    }

    /** Builds the copy from {@code model}'s current parameters (withWeights and withAdapters views included). */
    static FusedWeights of(QwenModel model) {
        QwenConfig c = model.config();
        // a withAdapters view's LoRA updates are folded in (W + s B A): the copy is made anyway, so it costs nothing
        Map<String, NDArray> p = new HashMap<>(model.parameters());
        NDManager m = model.manager().newSubManager();
        // every intermediate (made on the parameters' manager) is closed with the scope; the results are kept
        try (NoGrad ng = NoGrad.enter(); NDScope scope = new NDScope()) {
            model.adapters().forEach((name, lora) -> p.put(name, lora.effective(p.get(name))));
            Layer[] layers = new Layer[c.numLayers()];
            float scale = (float) (1.0 / Math.sqrt(c.headDim()));
            for (int i = 0; i < layers.length; i++) {
                String n = "model.layers." + i + ".";
                String a = n + "self_attn.";
                String f = n + "mlp.";
                NDArray qkvBias = null;
                NDArray qkNorm = null;
                if (p.containsKey(a + "q_proj.bias")) {
                    qkvBias = keep(m, NDArrays.concat(new NDList(p.get(a + "q_proj.bias"), p.get(a + "k_proj.bias"),
                            p.get(a + "v_proj.bias"))));
                }
                if (c.hasQkNorm()) {
                    NDArray q = p.get(a + "q_norm.weight").mul(scale).expandDims(0).repeat(0, c.numHeads());
                    NDArray k = p.get(a + "k_norm.weight").expandDims(0).repeat(0, c.numKvHeads());
                    qkNorm = keep(m, q.concat(k, 0));
                }
                layers[i] = new Layer(p.get(n + "input_layernorm.weight"),
                        stacked(m, p.get(a + "q_proj.weight"), p.get(a + "k_proj.weight"), p.get(a + "v_proj.weight")),
                        qkvBias, reused(m, p, model, a + "o_proj.weight"), p.get(a + "o_proj.bias"), qkNorm,
                        p.get(n + "post_attention_layernorm.weight"),
                        stacked(m, p.get(f + "gate_proj.weight"), p.get(f + "up_proj.weight")),
                        reused(m, p, model, f + "down_proj.weight"));
            }
            return new FusedWeights(m, layers);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The matrices stacked along their output axis, row-major {@code [sum of outs, in]}, on {@code m}. */
    private static NDArray stacked(NDManager m, NDArray... weights) {
        return keep(m, NDArrays.concat(new NDList(weights), 0));
    }

    /**
     * The model's own array (never attached to m: closing the copy must not close it), or the one made here with an
     * adapter folded in, kept on m.
     */
    private static NDArray reused(NDManager m, Map<String, NDArray> p, QwenModel model, String name) {
        return model.adapters().containsKey(name) ? keep(m, p.get(name)) : p.get(name);
    }

    private static NDArray keep(NDManager m, NDArray a) {
        a.attach(m);
        NDScope.unregister(a);
        return a;
    }

    Layer layer(int l) {
        return layers[l];
    }

    @Override
    public void close() {
        manager.close();
    }
}
