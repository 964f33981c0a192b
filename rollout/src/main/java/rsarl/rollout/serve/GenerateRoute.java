package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.model.SamplingParams;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.backend.TextCompletion;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;

/**
 * SGLang's native {@code POST /generate} for one prompt given as {@code input_ids} (or {@code text}), with
 * {@code sampling_params} ({@code n}, {@code max_new_tokens}, {@code temperature}, {@code top_p}, {@code top_k},
 * {@code min_p}, {@code stop_token_ids}, {@code sampling_seed}), {@code return_logprob} and {@code lora_path} naming a
 * loaded adapter. Replies as SGLang does: one object for {@code n = 1}, else a list, each with {@code text},
 * {@code output_ids} and {@code meta_info} ({@code finish_reason.type}, token counts and, with
 * {@code return_logprob}, {@code output_token_logprobs} as {@code [logprob, token_id, null]}).
 */
final class GenerateRoute {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalEngine engine;
    private final ServedModels models;
    private final BiFunction<ApiRequest, BatchScheduler, List<TextCompletion>> generate;

    GenerateRoute(LocalEngine engine, ServedModels models,
            BiFunction<ApiRequest, BatchScheduler, List<TextCompletion>> generate) {
        this.engine = engine;
        this.models = models;
        this.generate = generate;
    }

    JsonNode handle(JsonNode root) {
        int[] prompt = prompt(root);
        JsonNode sp = root.path("sampling_params");
        if (!sp.isMissingNode() && !sp.isNull() && !sp.isObject()) {
            throw ApiError.badField("sampling_params", "must be an object");
        }
        JsonNode s = sp.isObject() ? sp : JSON.createObjectNode();
        Integer n = JsonFields.intIn(s, "n", 1, ApiRequest.MAX_N);
        Integer max = JsonFields.intIn(s, "max_new_tokens", 1, 1_000_000);
        Double temperature = JsonFields.number(s, "temperature");
        Double topP = JsonFields.number(s, "top_p");
        Integer topK = JsonFields.intIn(s, "top_k", -1, Integer.MAX_VALUE);
        Double minP = JsonFields.number(s, "min_p");
        Long seed = JsonFields.integer(s, "sampling_seed");
        List<Integer> stopIds = JsonFields.ints(s, "stop_token_ids", 0, engine.config().vocabSize() - 1);
        SamplingParams params = new SamplingParams(temperature == null ? 1.0 : temperature,
                topP == null ? 1.0 : topP, topK == null ? 0 : Math.max(0, topK), minP == null ? 0 : minP,
                max == null ? 128 : max, stopIds, List.of());
        int choices = n == null ? 1 : n;
        BatchScheduler scheduler = models.scheduler(JsonFields.string(root, "lora_path"));
        List<TextCompletion> done = generate.apply(new ApiRequest(List.of(prompt), params, choices,
                seed == null ? ThreadLocalRandom.current().nextLong() : seed, true), scheduler);
        boolean logprobs = Boolean.TRUE.equals(JsonFields.bool(root, "return_logprob"));
        ArrayNode out = JSON.createArrayNode();
        for (TextCompletion t : done) {
            ObjectNode o = out.addObject().put("text", t.text());
            ArrayNode ids = o.putArray("output_ids");
            for (int id : t.tokenIds()) ids.add(id);
            ObjectNode meta = o.putObject("meta_info");
            meta.put("id", UUID.randomUUID().toString().replace("-", ""));
            meta.putObject("finish_reason").put("type", t.finishReason());
            meta.put("prompt_tokens", t.promptTokens()).put("completion_tokens", t.completionTokens());
            if (logprobs) {
                ArrayNode lp = meta.putArray("output_token_logprobs");
                for (int k = 0; k < t.tokenIds().length; k++) {
                    lp.addArray().add(t.logprobs()[k]).add(t.tokenIds()[k]).addNull();
                }
            }
        }
        return choices == 1 ? out.get(0) : out;
    }

    private int[] prompt(JsonNode root) {
        JsonNode ids = root.get("input_ids");
        if (ids != null && !ids.isNull()) {
            if (!ids.isArray() || ids.isEmpty() || !ids.get(0).isIntegralNumber()) {
                throw ApiError.badField("input_ids", "must be one non-empty list of token ids (batches are not "
                        + "supported)");
            }
            List<Integer> list = JsonFields.ints(root, "input_ids", 0, engine.config().vocabSize() - 1);
            return list.stream().mapToInt(Integer::intValue).toArray();
        }
        String text = JsonFields.string(root, "text");
        if (text == null || text.isEmpty()) throw ApiError.badField("input_ids", "input_ids or text is required");
        return engine.textPrompt(text);
    }
}
