package rsarl.trainer.config;

import java.util.Locale;

/**
 * {@code rollout.*}: where {@code rsa train} samples its rollouts. {@code local} is the in-process sampler (the
 * default, unchanged); {@code vllm} and {@code sglang} send every rollout to a running server at {@code base_url}
 * and push each new policy version to it ({@code weight_sync}), correcting the sampler/trainer mismatch with TRL's
 * {@code vllm_importance_sampling_correction} modes ({@code importance_correction}, cap {@code importance_cap}).
 *
 * @param apiKeyEnv       environment variable holding a bearer token, or null
 * @param syncDir         folder the server reads policy versions from; null: {@code <output_dir>/policy}
 * @param maxConcurrency  requests in flight
 * @param maxStaleness    0: on-policy; n: step s may train on rollouts of policy version {@code >= s - n}
 *                        (generated while earlier steps train)
 * @param timeoutS        one request's time limit in seconds (as {@code rsa eval}'s {@code backend.timeout_s})
 * @param maxRetryWaitS   total seconds spent waiting between retries of one request before the run stops
 * @param maxBatch        local: most sequences the in-process sampler decodes together (as {@code rsa eval}'s
 *                        {@code backend.max_batch})
 */
public record RolloutConfig(Engine engine, String baseUrl, String apiKeyEnv, WeightSync weightSync, String syncDir,
        int maxConcurrency, int maxStaleness, ImportanceCorrection importanceCorrection, double importanceCap,
        double timeoutS, double maxRetryWaitS, int maxBatch) {

    /** {@code rollout.engine}. */
    public enum Engine {
        LOCAL, VLLM, SGLANG;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code rollout.weight_sync}: a PEFT adapter per version, or the full HF checkpoint. */
    public enum WeightSync {
        LORA, FULL
    }

    /**
     * {@code rollout.importance_correction} (TRL's {@code vllm_importance_sampling_mode}): the per-token ratio
     * {@code exp(trainer - sampler)} or the sequence ratio {@code exp(sum over the sequence)}, capped at C
     * ({@code *_truncate}) or zeroed above C ({@code *_mask}), multiplies the per-token loss.
     */
    public enum ImportanceCorrection {
        NONE, TOKEN_TRUNCATE, TOKEN_MASK, SEQUENCE_TRUNCATE, SEQUENCE_MASK;

        public boolean sequenceLevel() {
            return this == SEQUENCE_TRUNCATE || this == SEQUENCE_MASK;
        }

        public boolean masks() {
            return this == TOKEN_MASK || this == SEQUENCE_MASK;
        }
    }

    /** The in-process sampler (what a config without {@code rollout:} gets). */
    public static RolloutConfig local() {
        return new RolloutConfig(Engine.LOCAL, null, null, WeightSync.LORA, null, 64, 0,
                ImportanceCorrection.SEQUENCE_MASK, 3.0, 600, 300, 64);
    }

    public boolean remote() {
        return engine != Engine.LOCAL;
    }

    void validate(ConfigChecks c, LoraConfig lora) {
        c.required(engine, "rollout.engine");
        c.required(weightSync, "rollout.weight_sync");
        c.required(importanceCorrection, "rollout.importance_correction");
        c.positive(maxConcurrency, "rollout.max_concurrency");
        c.check(maxStaleness >= 0, "rollout.max_staleness", "must be >= 0, got " + maxStaleness);
        c.check(importanceCap >= 1, "rollout.importance_cap", "must be >= 1 (C caps exp(trainer - sampler)), got "
                + importanceCap);
        c.check(timeoutS > 0, "rollout.timeout_s", "must be > 0, got " + timeoutS);
        c.check(maxRetryWaitS >= 0, "rollout.max_retry_wait_s", "must be >= 0, got " + maxRetryWaitS);
        c.positive(maxBatch, "rollout.max_batch");
        if (engine == null || engine == Engine.LOCAL) {
            c.check(maxStaleness == 0, "rollout.max_staleness", "needs a server engine (vllm or sglang): the local "
                    + "sampler shares the trainer's weights");
            return;
        }
        c.check(baseUrl != null && baseUrl.matches("https?://[^/\\s]+(/.*)?"), "rollout.base_url",
                "is required for engine " + engine.configName() + " (e.g. http://10.0.0.5:8000/v1), got " + baseUrl);
        if (weightSync == WeightSync.LORA && lora != null) {
            c.check(lora.enabled(), "rollout.weight_sync", "lora needs lora.rank > 0 (or use weight_sync: full)");
        }
        if (apiKeyEnv != null) {
            c.check(System.getenv(apiKeyEnv) != null, "rollout.api_key_env", "names " + apiKeyEnv
                    + ", which is not set in the environment");
        }
    }
}
