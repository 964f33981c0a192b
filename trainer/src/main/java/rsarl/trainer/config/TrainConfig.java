package rsarl.trainer.config;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.node.ObjectNode;

import rsarl.rollout.assets.Assets;
import rsarl.rollout.config.ConfigAliases;
import rsarl.rollout.config.ConfigInput;
import rsarl.rollout.config.ConfigLoader;
import rsarl.rollout.prompt.AggregationTemplate;
import rsarl.trainer.grpo.AggregationSource;
import rsarl.trainer.grpo.PolicyLoss;
import rsarl.trainer.optim.LrSchedule;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code rsa train} configuration (TRL {@code GRPOConfig} names where TRL has one). Defaults live in
 * {@code train-defaults.yaml} next to this class; relative paths are resolved against the working directory. The
 * optimizer keys ({@code learning_rate}, ...) are the top-level keys of {@link OptimizerConfig}, shared with
 * {@link SftConfig}.
 *
 * <p>One step = {@code per_device_train_batch_size} prompts (a {@code aggregation.ratio} share of them aggregation
 * prompts), {@code num_generations} completions each, then {@code num_iterations} optimizer updates over those
 * sequences, each accumulated over micro-batches of {@link #microBatch()} sequences.
 */
public record TrainConfig(
        String model,
        Assets.ModelInit init,
        String refModel,
        String device,
        long seed,
        String outputDir,
        String resume,
        Data data,
        Aggregation aggregation,
        int numGenerations,
        int maxPromptLength,
        Sampling sampling,
        AdvantageEstimator advantage,
        ScaleRewards scaleRewards,
        LossType lossType,
        double epsilon,
        Double epsilonHigh,
        double beta,
        int numIterations,
        boolean maskTruncatedCompletions,
        FilterGroupsConfig filterGroups,
        @JsonUnwrapped OptimizerConfig optimizer,
        int perDeviceTrainBatchSize,
        Integer gradientAccumulationSteps,
        Integer microBatchSize,
        int maxSteps,
        int saveSteps,
        int saveTotalLimit,
        LoraConfig lora,
        Eval eval,
        boolean gradientCheckpointing,
        Integer microBatchMaxTokens,
        String dtype,
        RolloutConfig rollout) {

    /**
     * {@code data.*}: problems file ({@code path}), candidate pools JSONL, verifier task name, and how to create the problems
     * ({@code generate}) and the pools ({@code pools_generate}) when their files are missing.
     */
    public record Data(String path, String pools, String task, Assets.DataGenerate generate,
            Assets.PoolsGenerate poolsGenerate, String promptKey, String answerKey, String idKey) {
        /** The problems file ({@code data.path}, as in {@code rsa eval}). */
        public String problems() {
            return path;
        }

        /** The columns to read prompt, answer and id from ({@code data.prompt_key}, ...). */
        public rsarl.rewards.ProblemFields fields() {
            return new rsarl.rewards.ProblemFields(promptKey, answerKey, idKey);
        }
    }

    /**
     * {@code aggregation.*}: share of aggregation prompts per batch, candidates per prompt, their source, and the
     * prompt's template ({@code default}, {@code compact} or a YAML file: {@code AggregationTemplate}; the RSA
     * evaluation should use the same one, {@code rsa.template}), and whether each of a group's G samples sees the K
     * candidates in its own order ({@code shuffle_candidates}: an aggregator that answers by position then gets a
     * reward spread, and a gradient, where one that answers by content gets none).
     */
    public record Aggregation(double ratio, int k, AggregationSource source, String template,
            boolean shuffleCandidates) {}

    /**
     * {@code filter_groups.*} (verl's names for DAPO's dynamic sampling): keep generating batches until the step has
     * {@code batch} groups with a reward spread, at most {@code max_num_gen_batches} batches ({@link rsarl.trainer.grpo.FilterGroups}).
     */
    public record FilterGroupsConfig(boolean enable, int maxNumGenBatches) {}

    /** {@code eval.*}: evaluate every N steps (0 = never) with the given eval config. */
    public record Eval(int everySteps, String config) {}

    /**
     * {@code sampling.*}: how rollouts are sampled, with {@code rsa eval}'s names (vLLM's {@code SamplingParams}):
     * TRL's {@code temperature}, {@code top_p} and {@code max_completion_length}.
     */
    public record Sampling(double temperature, double topP, int maxTokens) {}

    /**
     * Other names of keys: {@code batch_size} is read as {@code per_device_train_batch_size}; the deprecated names
     * (one warning each) are the ones {@code rsa eval} spells otherwise.
     */
    static final List<ConfigAliases.Alias> ALIASES = List.of(
            ConfigAliases.alias("batch_size", "per_device_train_batch_size"),
            ConfigAliases.deprecated("max_completion_length", "sampling.max_tokens"),
            ConfigAliases.deprecated("temperature", "sampling.temperature"),
            ConfigAliases.deprecated("top_p", "sampling.top_p"),
            ConfigAliases.deprecated("generation_batch_size", "rollout.max_batch"),
            ConfigAliases.deprecated("rollout.request_timeout_s", "rollout.timeout_s"),
            ConfigAliases.deprecated("data.problems", "data.path"),
            ConfigAliases.deprecated("data.pools_generate.m", "data.pools_generate.per_problem"));

    /** Reads {@code file}, applies {@code --set} overrides, binds and validates; errors name the file and key. */
    public static TrainConfig load(Path file, List<String> overrides) {
        ConfigInput in = ConfigInput.read(file, overrides, ALIASES);
        Assets.checkInitTarget(in.tree(), "/model", "model", in.errors());
        TrainConfig c = in.bind(TrainConfig.class, ConfigLoader.readResource(TrainConfig.class, "train-defaults.yaml"));
        if (c != null) {
            c.validate(new ConfigChecks(in.errors()));
        }
        in.errors().throwIfAny();
        return c;
    }

    /** {@code sampling.max_tokens}: new tokens per completion (TRL's {@code max_completion_length}). */
    public int maxCompletionLength() {
        return sampling.maxTokens();
    }

    /** {@code sampling.temperature}. */
    public double temperature() {
        return sampling.temperature();
    }

    /** {@code sampling.top_p}. */
    public double topP() {
        return sampling.topP();
    }

    /** {@code rollout.max_batch}: most sequences the local sampler decodes together. */
    public int generationBatchSize() {
        return rollout.maxBatch();
    }

    /** {@code epsilon_high}, defaulting to {@code epsilon} as in TRL. */
    public double epsilonHighOrDefault() {
        return epsilonHigh == null ? epsilon : epsilonHigh;
    }

    /** Sequences (completions) per step. */
    public int sequencesPerStep() {
        return perDeviceTrainBatchSize * numGenerations;
    }

    /** Sequences per forward/backward pass, from {@code micro_batch_size} or {@code gradient_accumulation_steps}. */
    public int microBatch() {
        if (microBatchSize != null) {
            return microBatchSize;
        }
        if (gradientAccumulationSteps != null) {
            return sequencesPerStep() / gradientAccumulationSteps;
        }
        return sequencesPerStep();
    }

    public int accumulationSteps() {
        return sequencesPerStep() / microBatch();
    }

    /** The reference model folder for the KL term: {@code ref_model}, else the initial {@code model}. */
    public String refModelOrDefault() {
        return refModel == null || refModel.isBlank() ? model : refModel;
    }

    public boolean resumeAuto() {
        return resume != null && ConfigChecks.Resume.isAuto(resume);
    }

    /** A specific checkpoint folder to resume from, if {@code resume} names one. */
    public Path resumeFrom() {
        return resume == null || ConfigChecks.Resume.isAuto(resume) || ConfigChecks.Resume.isNever(resume)
                ? null : Path.of(resume);
    }

    /** Optimizer updates over the whole run (the LR schedule's length). */
    public long totalUpdates() {
        return (long) maxSteps * numIterations;
    }

    public LrSchedule schedule() {
        return optimizer.schedule(totalUpdates());
    }

    public PolicyLoss policyLoss() {
        return new PolicyLoss(epsilon, epsilonHighOrDefault(), beta);
    }

    /** {@code micro_batch_max_tokens}, 0 when unset (micro-batches by count). */
    public int microBatchMaxTokensOrZero() {
        return microBatchMaxTokens == null ? 0 : microBatchMaxTokens;
    }

    /**
     * Hash of everything but {@code resume}, {@code max_steps} (both may change between a run and its resume) and
     * {@code gradient_checkpointing} (same gradients), and where the rollout server is and how patiently it is
     * called (a rerun may find it elsewhere).
     */
    public String hash() {
        ObjectNode tree = ConfigLoader.toTree(this);
        if (tree.get("rollout") instanceof ObjectNode r) {
            r.remove(List.of("base_url", "api_key_env", "sync_dir", "max_concurrency", "timeout_s",
                    "max_retry_wait_s"));
        }
        return ConfigLoader.hash(tree, "resume", "max_steps", "gradient_checkpointing");
    }

    void validate(ConfigChecks c) {
        c.required(model, "model");
        if (init == null && !c.rejected("init")) {
            c.existingDir(model, "model");
        }
        c.existingDir(refModel, "ref_model");
        c.required(outputDir, "output_dir");
        c.resume(resume, "resume");
        c.required(data, "data");
        if (data != null) {
            c.required(data.path(), "data.path");
            if (data.generate() == null && !c.rejected("data.generate")) {
                c.existingFile(data.path(), "data.path");
            }
            if (data.poolsGenerate() == null && !c.rejected("data.pools_generate")) {
                c.existingFile(data.pools(), "data.pools");
            } else {
                c.required(data.pools(), "data.pools");
            }
            c.required(data.task(), "data.task");
            if (data.task() != null) {
                try {
                    rsarl.rewards.Verifiers.forTask(data.task());
                } catch (IllegalArgumentException e) {
                    c.check(false, "data.task", e.getMessage());
                }
            }
        }
        c.required(aggregation, "aggregation");
        if (aggregation != null) {
            c.inRange(aggregation.ratio(), 0, 1, "aggregation.ratio");
            c.check(aggregation.k() >= 1, "aggregation.k", "must be >= 1, got " + aggregation.k());
            c.required(aggregation.source(), "aggregation.source");
            c.required(aggregation.template(), "aggregation.template");
            if (aggregation.template() != null) {
                try {
                    AggregationTemplate.resolve(aggregation.template());
                } catch (IllegalArgumentException e) {
                    c.check(false, "aggregation.template", e.getMessage());
                }
            }
            if (aggregation.ratio() > 0 && aggregation.source() == AggregationSource.POOL && data != null) {
                c.required(data.pools(), "data.pools");
            }
        }
        c.check(numGenerations >= 2, "num_generations", "must be >= 2 (advantages compare completions of a prompt), "
                + "got " + numGenerations);
        c.positive(maxPromptLength, "max_prompt_length");
        c.required(sampling, "sampling");
        if (sampling != null) {
            c.positive(sampling.maxTokens(), "sampling.max_tokens");
            c.check(sampling.temperature() > 0, "sampling.temperature", "must be > 0, got " + sampling.temperature());
            c.check(sampling.topP() > 0 && sampling.topP() <= 1, "sampling.top_p", "must be in (0, 1], got "
                    + sampling.topP());
        }
        c.required(advantage, "advantage");
        c.required(scaleRewards, "scale_rewards");
        c.required(lossType, "loss_type");
        c.nonNegative(epsilon, "epsilon");
        if (epsilonHigh != null) {
            c.nonNegative(epsilonHigh, "epsilon_high");
        }
        c.nonNegative(beta, "beta");
        c.positive(numIterations, "num_iterations");
        c.required(filterGroups, "filter_groups");
        if (filterGroups != null) {
            c.positive(filterGroups.maxNumGenBatches(), "filter_groups.max_num_gen_batches");
        }
        optimizer.validate(c);
        c.positive(perDeviceTrainBatchSize, "per_device_train_batch_size");
        checkMicroBatches(c, sequencesPerStep(), gradientAccumulationSteps, microBatchSize,
                "per_device_train_batch_size * num_generations");
        c.positive(maxSteps, "max_steps");
        c.positive(saveSteps, "save_steps");
        c.nonNegative(saveTotalLimit, "save_total_limit");
        c.required(lora, "lora");
        if (lora != null) {
            lora.validate(c);
        }
        if (eval != null) {
            c.nonNegative(eval.everySteps(), "eval.every_steps");
            c.existingFile(eval.config(), "eval.config");
            c.check(eval.everySteps() == 0 || (eval.config() != null && !eval.config().isBlank()), "eval.config",
                    "is required when eval.every_steps > 0");
        }
        c.required(device, "device");
        ModelDtype.check(c, dtype, lora != null && lora.enabled());
        if (microBatchMaxTokens != null) {
            c.positive(microBatchMaxTokens, "micro_batch_max_tokens");
        }
        c.required(rollout, "rollout");
        if (rollout != null) {
            rollout.validate(c, lora);
            c.check(rollout.maxStaleness() == 0 || filterGroups == null || !filterGroups.enable(),
                    "rollout.max_staleness", "> 0 cannot be combined with filter_groups.enable (the next step's "
                    + "prompts depend on this step's rounds)");
        }
    }

    /** Shared by the SFT config: micro-batching must split the step's sequences evenly. */
    static void checkMicroBatches(ConfigChecks c, int perStep, Integer gas, Integer micro, String what) {
        if (gas != null) {
            c.check(gas > 0 && perStep % gas == 0, "gradient_accumulation_steps",
                    "must be > 0 and divide " + what + " = " + perStep + ", got " + gas);
        }
        if (micro != null) {
            c.check(micro > 0 && perStep % micro == 0, "micro_batch_size",
                    "must be > 0 and divide " + what + " = " + perStep + ", got " + micro);
        }
        if (gas != null && micro != null && gas > 0 && micro > 0) {
            c.check((long) gas * micro == perStep, "micro_batch_size",
                    "times gradient_accumulation_steps must equal " + what + " = " + perStep);
        }
    }
}
