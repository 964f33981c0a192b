package rsarl.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A model folder's {@code generation_config.json} (transformers' default sampling for that model): read as the
 * default of {@code rsa generate}, written with every saved checkpoint so transformers and {@code transformers serve}
 * sample as the model was trained instead of decoding greedily.
 *
 * @param temperature 0 when {@code do_sample} is false (greedy)
 * @param topK        0 disables (transformers' default is 50 when the key is absent)
 */
public record GenerationConfig(double temperature, double topP, int topK) {
    public static final String FILE = "generation_config.json";

    /** The folder's defaults; greedy when it has no generation_config.json. Errors name the file and key. */
    public static GenerationConfig read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return new GenerationConfig(0, 1, 0);
        JsonNode n = QwenConfig.readJson(f);
        if (!n.path("do_sample").asBoolean(false)) return new GenerationConfig(0, 1, 0);
        double t = number(n, "temperature", 1.0, f);
        double p = number(n, "top_p", 1.0, f);
        int k = (int) number(n, "top_k", 50, f);
        if (t < 0 || !(p > 0 && p <= 1)) {
            throw new IllegalArgumentException(f + ": temperature must be >= 0 and top_p in (0, 1], got " + t + ", " + p);
        }
        return new GenerationConfig(t, p, k);
    }

    private static double number(JsonNode n, String key, double absent, Path f) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return absent;
        if (!v.isNumber()) throw new IllegalArgumentException(f + ": key " + key + " must be a number, got " + v);
        return v.asDouble();
    }

    /**
     * What a checkpoint saved by training carries when its source folder had none: the distribution it was trained
     * on (temperature 1, no truncation) and the config's eos ids.
     */
    static ObjectNode defaultsFor(ObjectNode config) {
        ObjectNode o = QwenConfig.JSON.createObjectNode();
        o.put("do_sample", true);
        o.put("temperature", 1.0);
        o.put("top_p", 1.0);
        o.put("top_k", 0);
        JsonNode eos = config.get("eos_token_id");
        if (eos != null && !eos.isNull()) o.set("eos_token_id", eos);
        return o;
    }

    /** Sampling params with these defaults. */
    public SamplingParams sampling(double minP, int maxNewTokens, List<Integer> stopIds, List<String> stop) {
        return new SamplingParams(temperature, topP, topK, minP, maxNewTokens, stopIds, stop);
    }
}
