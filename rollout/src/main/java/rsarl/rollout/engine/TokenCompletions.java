package rsarl.rollout.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.Completion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code POST /v1/completions} of a training rollout: the chat-templated prompt as token ids, {@code n}
 * samples, {@code logprobs: 0} and {@code return_token_ids: true}; the reply's {@code choices[i].token_ids},
 * {@code choices[i].logprobs.token_logprobs} and {@code finish_reason} become {@link Completion}s. Token ids, not
 * re-tokenised text, go into the loss, so a reply without them, with ids outside the vocabulary, or with missing
 * log-probs is an error naming the URL and the choice, never a silent zero.
 */
public final class TokenCompletions {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to sample (the trainer's settings); {@code stopTokenIds} are the tokenizer's end-of-turn ids. */
    public record Params(int maxTokens, double temperature, double topP, List<Integer> stopTokenIds) {}

    private TokenCompletions() {}

    /** The request body. */
    public static ObjectNode body(String model, int[] prompt, int n, long seed, Params p) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", model);
        ArrayNode ids = b.putArray("prompt");
        for (int id : prompt) ids.add(id);
        b.put("n", n);
        b.put("max_tokens", p.maxTokens());
        b.put("temperature", p.temperature());
        b.put("top_p", p.topP());
        b.put("seed", seed);
        b.put("logprobs", 0);
        b.put("return_token_ids", true);
        b.put("skip_special_tokens", false);
        ArrayNode stop = b.putArray("stop_token_ids");
        p.stopTokenIds().forEach(stop::add);
        return b;
    }

    /** Sends one request and returns its {@code n} completions in choice order. */
    public static List<Completion> request(RetryingHttp http, String url, String model, int[] prompt, int n,
            long seed, Params p, int vocabSize) throws IOException {
        return parse(http.post(url, body(model, prompt, n, seed, p)), n, vocabSize, url);
    }

    /** Validates a reply: {@code n} choices, each with in-vocabulary token ids and one log-prob per token. */
    public static List<Completion> parse(JsonNode reply, int n, int vocabSize, String url) throws IOException {
        JsonNode choices = reply == null ? null : reply.get("choices");
        if (choices == null || !choices.isArray() || choices.size() != n) {
            throw new IOException("rollout server " + url + ": expected " + n + " choices, got "
                    + (choices == null ? "none" : choices.size()));
        }
        Completion[] out = new Completion[n];
        for (int i = 0; i < n; i++) {
            JsonNode c = choices.get(i);
            int index = c.path("index").canConvertToInt() ? c.get("index").asInt() : i;
            String at = "rollout server " + url + ": choices[" + i + "]";
            if (index < 0 || index >= n || out[index] != null) throw new IOException(at + ": bad index " + index);
            JsonNode ids = c.get("token_ids");
            if (ids == null || !ids.isArray()) {
                throw new IOException(at + " has no token_ids: the server must return them (vLLM >= 0.10.2 with "
                        + "return_token_ids, or rsa serve)");
            }
            JsonNode lps = c.path("logprobs").get("token_logprobs");
            if (lps == null || !lps.isArray() || lps.size() != ids.size()) {
                throw new IOException(at + ": logprobs.token_logprobs is missing or has " + (lps == null ? 0
                        : lps.size()) + " entries for " + ids.size() + " token ids (send logprobs: 0)");
            }
            int[] tokens = new int[ids.size()];
            float[] logprobs = new float[ids.size()];
            for (int k = 0; k < tokens.length; k++) {
                JsonNode t = ids.get(k);
                if (!t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocabSize) {
                    throw new IOException(at + ".token_ids[" + k + "] = " + t + " is outside the vocabulary [0, "
                            + vocabSize + "): is the server running the trainer's model?");
                }
                JsonNode lp = lps.get(k);
                if (!lp.isNumber() || Double.isNaN(lp.asDouble()) || lp.asDouble() > 1e-3) {
                    throw new IOException(at + ".logprobs.token_logprobs[" + k + "] = " + lp
                            + " is not a log-probability");
                }
                tokens[k] = t.asInt();
                logprobs[k] = (float) lp.asDouble();
            }
            String finish = c.path("finish_reason").asText("");
            if (!finish.equals("stop") && !finish.equals("length")) {
                throw new IOException(at + ": finish_reason '" + finish + "' (expected stop or length)");
            }
            out[index] = new Completion(tokens, logprobs, finish);
        }
        return List.of(out);
    }

    /** The ids of the server's models ({@code GET /v1/models}), the served model first. */
    public static List<String> models(RetryingHttp http, String url) throws IOException {
        JsonNode r = http.get(url);
        List<String> out = new ArrayList<>();
        if (r != null) r.path("data").forEach(m -> out.add(m.path("id").asText()));
        if (out.isEmpty()) throw new IOException("rollout server " + url + " lists no models");
        return out;
    }
}
