package rsarl.model;

import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/** The tensors a Qwen2/Qwen3 config implies: HF names in checkpoint order, shapes {@code [out, in]}. */
public final class ParameterShapes {
    private ParameterShapes() {
    }

    public static Map<String, Shape> of(QwenConfig c) {
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
}
