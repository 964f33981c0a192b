package rsarl.model;

import java.util.List;

/**
 * Per-request sampling settings (vLLM / TRL vocabulary).
 *
 * @param temperature   0 means greedy
 * @param topP          nucleus mass in (0, 1]; 1 disables
 * @param topK          keep the k most likely tokens; 0 or less disables
 * @param minP          drop tokens whose probability is below minP * p(max); 0 disables
 * @param maxNewTokens  hard cap on generated tokens
 * @param stopTokenIds  extra stop ids (the model's eos ids always stop)
 * @param stopStrings   generation stops once the decoded text contains one of these (it is kept in the text)
 * @param topLogprobs   also report this many most likely tokens and their log-probs per step (0 to 20)
 * @param penalties     OpenAI/vLLM presence, frequency and repetition penalties ({@link Penalties#NONE}: off)
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, int maxNewTokens,
                             List<Integer> stopTokenIds, List<String> stopStrings, int topLogprobs,
                             Penalties penalties) {
    /** The most top log-probs a step reports (OpenAI's limit). */
    public static final int MAX_TOP_LOGPROBS = 20;

    /**
     * @param presence   subtracted from the logit of every token generated so far (OpenAI presence_penalty)
     * @param frequency  subtracted once per earlier occurrence in the output (OpenAI frequency_penalty)
     * @param repetition tokens of the prompt or output have positive logits divided, negative ones multiplied by
     *                   this (vLLM/HF repetition_penalty; 1 is off)
     */
    public record Penalties(double presence, double frequency, double repetition) {
        public static final Penalties NONE = new Penalties(0, 0, 1);

        public Penalties {
            if (!(presence >= -2 && presence <= 2)) {
                throw new IllegalArgumentException("presence_penalty must be in [-2, 2], got " + presence);
            }
            if (!(frequency >= -2 && frequency <= 2)) {
                throw new IllegalArgumentException("frequency_penalty must be in [-2, 2], got " + frequency);
            }
            if (!(repetition > 0 && repetition <= 10)) {
                throw new IllegalArgumentException("repetition_penalty must be in (0, 10], got " + repetition);
            }
        }

        public boolean active() {
            return presence != 0 || frequency != 0 || repetition != 1;
        }
    }

    public SamplingParams(double temperature, double topP, int topK, double minP, int maxNewTokens,
                          List<Integer> stopTokenIds, List<String> stopStrings) {
        this(temperature, topP, topK, minP, maxNewTokens, stopTokenIds, stopStrings, 0, Penalties.NONE);
    }

    public SamplingParams {
        penalties = penalties == null ? Penalties.NONE : penalties;
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("top_logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0,1], got " + topP);
        if (minP < 0 || minP >= 1) throw new IllegalArgumentException("min_p must be in [0,1), got " + minP);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }

    /** The same settings with these stop ids. */
    public SamplingParams withStopTokenIds(List<Integer> ids) {
        return new SamplingParams(temperature, topP, topK, minP, maxNewTokens, ids, stopStrings, topLogprobs, penalties);
    }

    public SamplingParams withTopLogprobs(int n) {
        return new SamplingParams(temperature, topP, topK, minP, maxNewTokens, stopTokenIds, stopStrings, n, penalties);
    }

    public SamplingParams withPenalties(Penalties p) {
        return new SamplingParams(temperature, topP, topK, minP, maxNewTokens, stopTokenIds, stopStrings, topLogprobs, p);
    }

    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0, 1, 0, 0, maxNewTokens, List.of(), List.of());
    }

    public static SamplingParams of(double temperature, double topP, int maxNewTokens) {
        return new SamplingParams(temperature, topP, 0, 0, maxNewTokens, List.of(), List.of());
    }
}
