package rsarl.rollout.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.Completion;

import java.io.IOException;
import java.util.List;

/**
 * One rollout through SGLang's native {@code POST /generate} (its OpenAI routes do not return token ids):
 * {@code input_ids}, {@code sampling_params} ({@code n}, {@code max_new_tokens}, {@code temperature}, {@code top_p},
 * {@code stop_token_ids}, {@code sampling_seed}), {@code return_logprob: true} and, for LoRA, {@code lora_path} = the
 * adapter's name. The reply (one object, or a list of {@code n}) carries each sample's
 * {@code meta_info.output_token_logprobs} as {@code [logprob, token_id, text]} triples and
 * {@code meta_info.finish_reason.type}; they are validated like {@link TokenCompletions}' replies.
 */
public final class SglangGenerate {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SglangGenerate() {}

    /** The request body; {@code adapter} is null for the served model. */
    public static ObjectNode body(String adapter, int[] prompt, int n, long seed, TokenCompletions.Params p) {
        ObjectNode b = JSON.createObjectNode();
        ArrayNode ids = b.putArray("input_ids");
        for (int id : prompt) ids.add(id);
        ObjectNode s = b.putObject("sampling_params");
        s.put("n", n);
        s.put("max_new_tokens", p.maxTokens());
        s.put("temperature", p.temperature());
        s.put("top_p", p.topP());
        s.put("sampling_seed", seed);
        s.put("skip_special_tokens", false);
        ArrayNode stop = s.putArray("stop_token_ids");
        p.stopTokenIds().forEach(stop::add);
        b.put("return_logprob", true);
        if (adapter != null) b.put("lora_path", adapter);
        return b;
    }

    public static List<Completion> request(RetryingHttp http, String url, String adapter, int[] prompt, int n,
            long seed, TokenCompletions.Params p, int vocabSize) throws IOException {
        return parse(http.post(url, body(adapter, prompt, n, seed, p)), n, vocabSize, url);
    }

    /** Turns the reply into OpenAI-shaped choices and validates them with {@link TokenCompletions#parse}. */
    public static List<Completion> parse(JsonNode reply, int n, int vocabSize, String url) throws IOException {
        if (reply == null) throw new IOException("rollout server " + url + ": empty reply");
        JsonNode items = reply.isArray() ? reply : JSON.createArrayNode().add(reply);
        ObjectNode asCompletions = JSON.createObjectNode();
        ArrayNode choices = asCompletions.putArray("choices");
        for (int i = 0; i < items.size(); i++) {
            JsonNode meta = items.get(i).path("meta_info");
            ObjectNode c = choices.addObject().put("index", i);
            JsonNode triples = meta.get("output_token_logprobs");
            if (triples != null && triples.isArray()) {
                ArrayNode ids = c.putArray("token_ids");
                ArrayNode lps = c.putObject("logprobs").putArray("token_logprobs");
                for (JsonNode t : triples) {
                    ids.add(t.path(1));
                    lps.add(t.path(0));
                }
            }
            JsonNode finish = meta.path("finish_reason");
            c.put("finish_reason", finish.isObject() ? finish.path("type").asText("") : finish.asText(""));
        }
        return TokenCompletions.parse(asCompletions, n, vocabSize, url);
    }
}
