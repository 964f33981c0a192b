package rsarl.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The architecture of a dense Qwen2/Qwen3 causal LM, read from a Hugging Face {@code config.json}.
 *
 * @param headDim     per-head width; Qwen3 may set it independently of hidden/heads
 * @param attentionBias q/k/v projections carry biases (always true for qwen2, whose o_proj has none;
 *                      qwen3's attention_bias also gives o_proj a bias)
 * @param eosTokenIds ids that end generation (config.json plus generation_config.json beside it)
 */
public record QwenConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                         int numHeads, int numKvHeads, int headDim, double ropeTheta, double rmsNormEps,
                         boolean tieWordEmbeddings, boolean attentionBias, List<Integer> eosTokenIds) {

    static final ObjectMapper JSON = new ObjectMapper();

    public QwenConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (!modelType.equals("qwen2") && !modelType.equals("qwen3")) {
            throw new IllegalArgumentException("unsupported model_type '" + modelType + "' (expected qwen2 or qwen3)");
        }
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        if (!(ropeTheta > 0)) throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        if (!(rmsNormEps > 0)) throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new IllegalArgumentException(key + " must be > 0, got " + v);
    }

    /** Query heads that share one kv head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Qwen3 normalises each head's q and k before RoPE. */
    public boolean hasQkNorm() {
        return modelType.equals("qwen3");
    }

    /** Number of weights (lm_head counted once when tied). */
    public long parameterCount() {
        long h = hiddenSize;
        long q = (long) numHeads * headDim;
        long kv = (long) numKvHeads * headDim;
        long perLayer = 2 * h + h * q + 2 * h * kv + q * h + 3 * h * intermediateSize;
        if (attentionBias) perLayer += q + 2 * kv;
        if (attentionBias && hasQkNorm()) perLayer += h; // qwen3's o_proj bias
        if (hasQkNorm()) perLayer += 2L * headDim;
        long total = vocabSize * h + numLayers * perLayer + h;
        return tieWordEmbeddings ? total : total + vocabSize * h;
    }

    /** Reads {@code config.json} (and {@code generation_config.json} beside it for extra eos ids). */
    public static QwenConfig read(Path configJson) {
        JsonNode root = readJson(configJson);
        if (!root.isObject()) throw new IllegalArgumentException(configJson + ": expected a JSON object");
        String file = configJson.toString();
        String modelType = text(root, "model_type", file);
        if (!modelType.equals("qwen2") && !modelType.equals("qwen3")) {
            throw new IllegalArgumentException(file + ": key model_type: unsupported '" + modelType
                    + "' (supported: qwen2, qwen3)");
        }
        int hidden = integer(root, "hidden_size", file);
        int heads = integer(root, "num_attention_heads", file);
        int kvHeads = root.hasNonNull("num_key_value_heads") ? integer(root, "num_key_value_heads", file) : heads;
        int headDim = root.hasNonNull("head_dim") ? integer(root, "head_dim", file) : hidden / heads;
        double theta = 10000.0;
        if (root.hasNonNull("rope_theta")) {
            theta = number(root, "rope_theta", file);
        } else if (root.path("rope_parameters").hasNonNull("rope_theta")) {
            theta = number(root.get("rope_parameters"), "rope_theta", file + " rope_parameters");
        }
        checkRopeScaling(root.get("rope_scaling"), file + ": key rope_scaling");
        checkRopeScaling(root.get("rope_parameters"), file + ": key rope_parameters");
        double eps = root.hasNonNull("rms_norm_eps") ? number(root, "rms_norm_eps", file) : 1e-6;
        boolean tied = root.hasNonNull("tie_word_embeddings") && bool(root, "tie_word_embeddings", file);
        boolean bias = modelType.equals("qwen2")
                || (root.hasNonNull("attention_bias") && bool(root, "attention_bias", file));
        Set<Integer> eos = new LinkedHashSet<>(ids(root.get("eos_token_id"), file + ": key eos_token_id"));
        Path gen = configJson.resolveSibling("generation_config.json");
        if (Files.isRegularFile(gen)) {
            eos.addAll(ids(readJson(gen).get("eos_token_id"), gen + ": key eos_token_id"));
        }
        // Read outside the try: their messages already name the file.
        int vocab = integer(root, "vocab_size", file);
        int intermediate = integer(root, "intermediate_size", file);
        int layers = integer(root, "num_hidden_layers", file);
        try {
            return new QwenConfig(modelType, vocab, hidden, intermediate, layers,
                    heads, kvHeads, headDim, theta, eps, tied, bias, new ArrayList<>(eos));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** HF-style config.json for this architecture (float32 weights). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(modelType.equals("qwen3") ? "Qwen3ForCausalLM" : "Qwen2ForCausalLM");
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("num_key_value_heads", numKvHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("rope_theta", ropeTheta);
        o.putNull("rope_scaling");
        o.put("rms_norm_eps", rmsNormEps);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (modelType.equals("qwen3")) o.put("attention_bias", attentionBias);
        o.put("attention_dropout", 0.0);
        o.put("max_position_embeddings", 40960);
        o.put("use_sliding_window", false);
        o.put("initializer_range", 0.02);
        o.put("torch_dtype", "float32");
        if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        return o;
    }

    static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": not found");
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void checkRopeScaling(JsonNode n, String where) {
        if (n == null || n.isNull()) return;
        String type = n.path("rope_type").asText(n.path("type").asText("default"));
        if (!type.equals("default")) {
            throw new IllegalArgumentException(where + ": rope type '" + type + "' is not supported (only default RoPE)");
        }
    }

    private static JsonNode require(JsonNode root, String key, String file) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new IllegalArgumentException(file + ": missing key " + key);
        return n;
    }

    private static String text(JsonNode root, String key, String file) {
        JsonNode n = require(root, key, file);
        if (!n.isTextual()) throw new IllegalArgumentException(file + ": key " + key + " must be a string, got " + n);
        return n.asText();
    }

    private static int integer(JsonNode root, String key, String file) {
        JsonNode n = require(root, key, file);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(file + ": key " + key + " must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static double number(JsonNode root, String key, String file) {
        JsonNode n = require(root, key, file);
        if (!n.isNumber()) throw new IllegalArgumentException(file + ": key " + key + " must be a number, got " + n);
        return n.doubleValue();
    }

    private static boolean bool(JsonNode root, String key, String file) {
        JsonNode n = require(root, key, file);
        if (!n.isBoolean()) throw new IllegalArgumentException(file + ": key " + key + " must be true/false, got " + n);
        return n.booleanValue();
    }

    private static List<Integer> ids(JsonNode n, String where) {
        List<Integer> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (n.isIntegralNumber()) {
            out.add(n.intValue());
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isIntegralNumber()) throw new IllegalArgumentException(where + ": expected integer ids, got " + n);
                out.add(e.intValue());
            }
        } else {
            throw new IllegalArgumentException(where + ": expected an integer or a list of integers, got " + n);
        }
        return out;
    }
}
