package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;
import rsarl.model.ChatMessage;
import rsarl.model.GenerationRequest;
import rsarl.model.SamplingParams;
import rsarl.rollout.backend.LocalEngine;
import rsarl.rollout.rsa.DerivedSeeds;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} body: the prompts as token ids and how to
 * sample them. Unknown fields are served and logged with a warning ({@link IgnoredFields}); fields we cannot honour with a value that would
 * change the result are refused rather than silently dropped.
 *
 * @param prompts  one prompt for chat; one or more for completions
 * @param n        choices per prompt
 * @param seed     choice 0 of every prompt samples from this seed, choice j from a seed derived from it
 * @param logprobs whether to report the sampled tokens' log-probs
 * @param output   streaming, echo and top log-probs ({@link Output})
 */
public record ApiRequest(List<int[]> prompts, SamplingParams params, int n, long seed, boolean logprobs,
                         Output output) {
    static final int MAX_N = 128;

    /**
     * @param stream       answer with server-sent events
     * @param includeUsage {@code stream_options.include_usage}: a last chunk with the usage
     * @param topLogprobs  most likely alternatives per token (0-20)
     * @param echo         {@code /v1/completions}: the prompt comes first in the text (and its log-probs)
     * @param scoreOnly    echo with max_tokens 0: nothing is generated, the prompt is scored
     */
    public record Output(boolean stream, boolean includeUsage, int topLogprobs, boolean echo, boolean scoreOnly) {
        static final Output PLAIN = new Output(false, false, 0, false, false);
    }

    public ApiRequest(List<int[]> prompts, SamplingParams params, int n, long seed, boolean logprobs) {
        this(prompts, params, n, seed, logprobs, Output.PLAIN);
    }

    /** Nothing to generate: echo with max_tokens 0 only scores the prompt. */
    public boolean scoreOnly() {
        return output.scoreOnly();
    }

    /** The generation rows, prompt-major: row {@code p * n + j} is choice j of prompt p. */
    public List<GenerationRequest> rows(LocalEngine engine) {
        List<GenerationRequest> out = new ArrayList<>(prompts.size() * n);
        for (int[] prompt : prompts) {
            for (int j = 0; j < n; j++) {
                out.add(engine.request(prompt, params, choiceSeed(seed, j)));
            }
        }
        return out;
    }

    /** Choice 0 keeps the request seed, so n=1 with seed s equals what a local backend gives for s. */
    static long choiceSeed(long seed, int choice) {
        return choice == 0 ? seed : DerivedSeeds.mix(seed, choice);
    }

    /** Parses a chat completion body. */
    public static ApiRequest chat(JsonNode root, LocalEngine engine, ServeOptions options) {
        requireObject(root);
        List<ChatMessage> messages = messages(root);
        boolean thinking = true;
        JsonNode kwargs = root.get("chat_template_kwargs");
        if (kwargs != null && !kwargs.isNull()) {
            if (!kwargs.isObject()) throw ApiError.badField("chat_template_kwargs", "must be an object");
            Boolean t = JsonFields.bool(kwargs, "enable_thinking");
            if (t != null) thinking = t;
        }
        int[] prompt;
        try {
            prompt = engine.chatPrompt(messages, thinking);
        } catch (IllegalArgumentException e) {
            throw ApiError.badField("messages", e.getMessage());
        }
        Boolean logprobs = JsonFields.bool(root, "logprobs");
        Integer top = JsonFields.intIn(root, "top_logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
        if (top != null && top > 0 && (logprobs == null || !logprobs)) {
            throw ApiError.badField("top_logprobs", "needs \"logprobs\": true");
        }
        Long maxTokens = JsonFields.present(root, "max_completion_tokens")
                ? JsonFields.integer(root, "max_completion_tokens") : JsonFields.integer(root, "max_tokens");
        String maxField = JsonFields.present(root, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        refuse(root, "tools", v -> !(v.isArray() && v.isEmpty()), "tool calls are not supported");
        refuse(root, "tool_choice", v -> !v.asText().equals("none"), "tool calls are not supported");
        refuse(root, "response_format", v -> !v.path("type").asText().equals("text"), "only {\"type\": \"text\"} is supported");
        return common(root, engine, options, List.of(prompt), maxTokens, maxField, options.defaultMaxTokens(),
                logprobs != null && logprobs, top == null ? 0 : top, false);
    }

    /** Parses a (legacy) text completion body: {@code prompt} is a string, strings, token ids, or lists of them. */
    public static ApiRequest completion(JsonNode root, LocalEngine engine, ServeOptions options) {
        requireObject(root);
        List<int[]> prompts = prompts(root, engine);
        // legacy logprobs=N: the sampled token's log-prob and the N most likely alternatives per token
        Integer logprobs = JsonFields.intIn(root, "logprobs", 0, SamplingParams.MAX_TOP_LOGPROBS);
        Boolean echo = JsonFields.bool(root, "echo");
        refuse(root, "suffix", v -> !v.asText().isEmpty(), "suffix is not supported");
        Integer n = JsonFields.intIn(root, "n", 1, MAX_N);
        refuse(root, "best_of", v -> v.asLong() != (n == null ? 1 : n), "best_of other than n is not supported");
        // OpenAI's legacy default is 16 tokens.
        return common(root, engine, options, prompts, JsonFields.integer(root, "max_tokens"), "max_tokens", 16,
                logprobs != null, logprobs == null ? 0 : logprobs, echo != null && echo);
    }

    private static ApiRequest common(JsonNode root, LocalEngine engine, ServeOptions options, List<int[]> prompts,
                                     Long maxTokens, String maxField, int defaultMaxTokens, boolean logprobs,
                                     int topLogprobs, boolean echo) {
        // "model" (the base or a loaded adapter) is resolved by the server: ServedModels.scheduler.
        Boolean stream = JsonFields.bool(root, "stream");
        boolean includeUsage = false;
        JsonNode so = root.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiError.badField("stream_options", "must be an object");
            if (stream == null || !stream) throw ApiError.badField("stream_options", "only allowed with \"stream\": true");
            Boolean u = JsonFields.bool(so, "include_usage");
            includeUsage = u != null && u;
        }
        SamplingParams.Penalties penalties;
        try {
            penalties = new SamplingParams.Penalties(orElse(JsonFields.number(root, "presence_penalty"), 0.0),
                    orElse(JsonFields.number(root, "frequency_penalty"), 0.0),
                    orElse(JsonFields.number(root, "repetition_penalty"), 1.0));
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().substring(0, e.getMessage().indexOf(' '));
            throw ApiError.badField(field, e.getMessage().substring(field.length() + 1));
        }
        refuse(root, "logit_bias", v -> !(v.isObject() && v.isEmpty()), "logit_bias is not supported");

        double temperature = orElse(JsonFields.number(root, "temperature"), 1.0);
        if (temperature < 0) throw ApiError.badField("temperature", "must be >= 0, got " + temperature);
        double topP = orElse(JsonFields.number(root, "top_p"), 1.0);
        if (!(topP > 0 && topP <= 1)) throw ApiError.badField("top_p", "must be in (0, 1], got " + topP);
        // vLLM spells "no top-k" as -1; 0 means the same here.
        Integer topK = JsonFields.intIn(root, "top_k", -1, Integer.MAX_VALUE);
        double minP = orElse(JsonFields.number(root, "min_p"), 0.0);
        if (!(minP >= 0 && minP < 1)) throw ApiError.badField("min_p", "must be in [0, 1), got " + minP);
        // max_tokens 0 with echo scores the prompt only (evaluation harnesses' log-likelihood requests)
        long least = echo ? 0 : 1;
        if (maxTokens != null && (maxTokens < least || maxTokens > 1_000_000)) {
            throw ApiError.badField(maxField, "must be in [" + least + ", 1000000], got " + maxTokens);
        }
        int max = maxTokens == null ? defaultMaxTokens : maxTokens.intValue();
        Integer n = JsonFields.intIn(root, "n", 1, MAX_N);
        Long seed = JsonFields.integer(root, "seed");
        List<String> stop = JsonFields.strings(root, "stop");
        List<Integer> stopIds = JsonFields.ints(root, "stop_token_ids", 0, engine.config().vocabSize() - 1);
        // SamplingParams needs max >= 1; a score-only request (max 0) never reaches the generator
        SamplingParams params = new SamplingParams(temperature, topP, topK == null ? 0 : Math.max(topK, 0), minP,
                Math.max(max, 1), stopIds, stop, topLogprobs, penalties);
        return new ApiRequest(prompts, params, n == null ? 1 : n,
                seed == null ? ThreadLocalRandom.current().nextLong() : seed, logprobs,
                new Output(stream != null && stream, includeUsage, topLogprobs, echo, max == 0));
    }

    private static List<ChatMessage> messages(JsonNode root) {
        JsonNode ms = root.get("messages");
        if (ms == null || ms.isNull()) throw ApiError.badField("messages", "required");
        if (!ms.isArray() || ms.isEmpty()) throw ApiError.badField("messages", "must be a non-empty array");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = ms.get(i);
            if (!m.isObject()) throw ApiError.badField(at, "must be an object");
            JsonNode r = m.get("role");
            if (r == null || !r.isTextual()) throw ApiError.badField(at + ".role", "required (a string)");
            String role = switch (r.asText()) {
                case "system", "developer" -> "system";
                case "user" -> "user";
                case "assistant" -> "assistant";
                default -> throw ApiError.badField(at + ".role", "must be system, developer, user or assistant, got '"
                        + r.asText() + "'");
            };
            out.add(new ChatMessage(role, content(m.get("content"), at + ".content", role.equals("assistant"))));
        }
        return out;
    }

    /** A string, or an array of {@code {"type": "text", "text": ...}} parts (joined). */
    private static String content(JsonNode c, String at, boolean mayBeNull) {
        if (c == null || c.isNull()) {
            if (mayBeNull) return "";
            throw ApiError.badField(at, "required");
        }
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw ApiError.badField(at, "must be a string or an array of text parts");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonNode part = c.get(i);
            if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                throw ApiError.badField(at + "[" + i + "]", "only {\"type\": \"text\", \"text\": ...} parts are supported");
            }
            text.append(part.get("text").asText());
        }
        return text.toString();
    }

    private static List<int[]> prompts(JsonNode root, LocalEngine engine) {
        JsonNode p = root.get("prompt");
        if (p == null || p.isNull()) throw ApiError.badField("prompt", "required");
        List<int[]> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(textPrompt(p.asText(), "prompt", engine));
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            out.add(ids(p, "prompt", engine));
        } else if (p.isArray() && !p.isEmpty()) {
            for (int i = 0; i < p.size(); i++) {
                JsonNode e = p.get(i);
                String at = "prompt[" + i + "]";
                if (e.isTextual()) {
                    out.add(textPrompt(e.asText(), at, engine));
                } else if (e.isArray()) {
                    out.add(ids(e, at, engine));
                } else {
                    throw ApiError.badField(at, "must be a string or an array of token ids");
                }
            }
        } else {
            throw ApiError.badField("prompt", "must be a string, an array of strings, or token ids");
        }
        return out;
    }

    private static int[] textPrompt(String text, String at, LocalEngine engine) {
        int[] ids = engine.textPrompt(text);
        if (ids.length == 0) throw ApiError.badField(at, "must not be empty");
        return ids;
    }

    private static int[] ids(JsonNode a, String at, LocalEngine engine) {
        if (a.isEmpty()) throw ApiError.badField(at, "must not be empty");
        int vocab = engine.config().vocabSize();
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = a.get(i);
            if (!e.isIntegralNumber() || e.asLong() < 0 || e.asLong() >= vocab) {
                throw ApiError.badField(at + "[" + i + "]", "must be a token id in [0, " + vocab + "), got " + e);
            }
            ids[i] = e.asInt();
        }
        return ids;
    }

    private static void requireObject(JsonNode root) {
        if (root == null || !root.isObject()) throw ApiError.badRequest("the request body must be a JSON object");
    }

    /** A 400 when {@code field} is present and {@code unsupported} says its value would need a missing feature. */
    private static void refuse(JsonNode root, String field, java.util.function.Predicate<JsonNode> unsupported,
                               String why) {
        if (JsonFields.present(root, field) && unsupported.test(root.get(field))) {
            throw ApiError.badField(field, why);
        }
    }

    private static double orElse(Double v, double fallback) {
        return v == null ? fallback : v;
    }
}
