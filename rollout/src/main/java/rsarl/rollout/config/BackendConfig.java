package rsarl.rollout.config;

import java.util.Set;

/**
 * Where generations come from.
 *
 * @param type           {@code openai} (an OpenAI-compatible /v1/chat/completions server) or {@code local}
 * @param baseUrl        openai: server address, e.g. {@code http://127.0.0.1:8000/v1}
 * @param model          openai: the served model name; local: checkpoint directory
 * @param apiKeyEnv      openai: name of the environment variable holding the API key (optional)
 * @param maxConcurrency openai: requests in flight at once (default 64)
 * @param timeoutS       openai: per-request timeout in seconds (default 600)
 * @param maxRetries     openai: retries after a 429, 5xx, timeout or connection error (default 6)
 * @param backoffS       openai: first retry delay in seconds, doubled each retry (default 1)
 * @param device         local: {@code cpu}, {@code cuda} or {@code cuda:N} (default cpu)
 * @param maxBatch       local: most rows decoded together in one batch (default 32)
 * @param dtype          local: model weights, {@code fp32} (default) or {@code fp16}
 * @param baseModel      local: the base folder when {@code model} is a PEFT adapter whose
 *                       {@code base_model_name_or_path} is not a folder here (e.g. a hub id); null otherwise
 * @param tokenBudget    local: most prompt + max_tokens tokens of the rows decoding at once (null: no bound but
 *                       {@code max_batch}); a request over it on its own runs alone
 */
public record BackendConfig(String type, String baseUrl, String model, String apiKeyEnv, Integer maxConcurrency,
                            Double timeoutS, Integer maxRetries, Double backoffS, String device, Integer maxBatch,
                            String dtype, String baseModel, Long tokenBudget) {

    public static final Set<String> TYPES = Set.of("openai", "local");

    public BackendConfig {
        Check.required("type", type);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("type: must be openai or local, got '" + type + "'");
        }
        maxConcurrency = Check.or(maxConcurrency, 64);
        timeoutS = Check.or(timeoutS, 600.0);
        maxRetries = Check.or(maxRetries, 6);
        backoffS = Check.or(backoffS, 1.0);
        device = Check.or(device, "cpu");
        maxBatch = Check.or(maxBatch, 32);
        dtype = Check.or(dtype, "fp32");
        try {
            rsarl.model.ComputeOptions.computeType(dtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dtype: " + e.getMessage(), e);
        }
        Check.atLeast("max_batch", maxBatch, 1);
        if (tokenBudget != null && tokenBudget < 1) {
            throw new IllegalArgumentException("token_budget: must be >= 1, got " + tokenBudget);
        }
        Check.atLeast("max_concurrency", maxConcurrency, 1);
        Check.atLeast("max_retries", maxRetries, 0);
        if (!(timeoutS > 0)) {
            throw new IllegalArgumentException("timeout_s: must be > 0, got " + timeoutS);
        }
        if (!(backoffS >= 0)) {
            throw new IllegalArgumentException("backoff_s: must be >= 0, got " + backoffS);
        }
        // last: a missing key sets the whole section aside, which would hide the checks after it
        Check.required("model", model);
        if (type.equals("openai")) {
            Check.required("base_url", baseUrl);
        }
    }

    /**
     * For a run now: a local backend's model folder must exist unless {@code init} creates it, and its device must be
     * one this libtorch can use; {@code section} is this config's key.
     */
    void checkLocal(ConfigErrors errors, String section, boolean initCreatesIt) {
        if (!"local".equals(type)) return;
        if (!initCreatesIt) {
            errors.requireFolder(section + ".model", model);
        }
        if (!errors.covered(section + ".device")) {
            try {
                rsarl.model.ComputeOptions.usable(device);
            } catch (IllegalArgumentException e) {
                errors.add(section + ".device", e.getMessage());
            }
        }
    }

    /** Without {@code max_batch} (default). */
    public BackendConfig(String type, String baseUrl, String model, String apiKeyEnv, Integer maxConcurrency,
                         Double timeoutS, Integer maxRetries, Double backoffS, String device) {
        this(type, baseUrl, model, apiKeyEnv, maxConcurrency, timeoutS, maxRetries, backoffS, device, null);
    }

    /** Without {@code dtype} (fp32) and {@code base_model}. */
    public BackendConfig(String type, String baseUrl, String model, String apiKeyEnv, Integer maxConcurrency,
                         Double timeoutS, Integer maxRetries, Double backoffS, String device, Integer maxBatch) {
        this(type, baseUrl, model, apiKeyEnv, maxConcurrency, timeoutS, maxRetries, backoffS, device, maxBatch, null,
                null);
    }

    /** Without {@code token_budget}. */
    public BackendConfig(String type, String baseUrl, String model, String apiKeyEnv, Integer maxConcurrency,
                         Double timeoutS, Integer maxRetries, Double backoffS, String device, Integer maxBatch,
                         String dtype, String baseModel) {
        this(type, baseUrl, model, apiKeyEnv, maxConcurrency, timeoutS, maxRetries, backoffS, device, maxBatch, dtype,
                baseModel, null);
    }

    public static BackendConfig local(String modelDir, String device) {
        return new BackendConfig("local", null, modelDir, null, null, null, null, null, device, null);
    }

    public static BackendConfig openai(String baseUrl, String model) {
        return new BackendConfig("openai", baseUrl, model, null, null, null, null, null, null);
    }
}
