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
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, int maxNewTokens,
                             List<Integer> stopTokenIds, List<String> stopStrings) {
    public SamplingParams {
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0,1], got " + topP);
        if (minP < 0 || minP >= 1) throw new IllegalArgumentException("min_p must be in [0,1), got " + minP);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
    }

    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(0, 1, 0, 0, maxNewTokens, List.of(), List.of());
    }

    public static SamplingParams of(double temperature, double topP, int maxNewTokens) {
        return new SamplingParams(temperature, topP, 0, 0, maxNewTokens, List.of(), List.of());
    }
}
