package rsarl.rollout.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import rsarl.model.SamplingParams;

import java.util.List;

/** Sampling settings shared by every request (vLLM / OpenAI names). */
public record SamplingConfig(Double temperature, Double topP, Integer topK, Double minP, Integer maxTokens,
                             List<String> stop) {
    public SamplingConfig {
        temperature = Check.or(temperature, 1.0);
        topP = Check.or(topP, 1.0);
        topK = Check.or(topK, 0);
        minP = Check.or(minP, 0.0);
        maxTokens = Check.or(maxTokens, 8192);
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature: must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p: must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min_p: must be in [0, 1), got " + minP);
        }
        Check.atLeast("max_tokens", maxTokens, 1);
    }

    public static SamplingConfig defaults() {
        return new SamplingConfig(null, null, null, null, null, null);
    }

    @JsonIgnore
    public SamplingParams toParams() {
        return new SamplingParams(temperature, topP, topK, minP, maxTokens, List.of(), stop);
    }
}
