package rsarl.trainer.config;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

import rsarl.rollout.config.ConfigAliases;
import rsarl.rollout.config.ConfigInput;
import rsarl.rollout.config.ConfigLoader;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code rsa sft} configuration (transformers/TRL {@code SFTConfig} names). Data: JSONL lines with {@code prompt} and
 * {@code response}; the prompt is chat-templated and the loss covers the response tokens only
 * ({@code completion_only_loss}). Defaults live in {@code sft-defaults.yaml}; the optimizer keys
 * ({@code learning_rate}, ...) are the top-level keys of {@link OptimizerConfig}, shared with {@link TrainConfig}.
 */
public record SftConfig(
        String model,
        String device,
        long seed,
        String outputDir,
        String resume,
        Data data,
        int maxSeqLength,
        boolean completionOnlyLoss,
        @JsonUnwrapped OptimizerConfig optimizer,
        int perDeviceTrainBatchSize,
        Integer gradientAccumulationSteps,
        Integer microBatchSize,
        int numTrainEpochs,
        int maxSteps,
        int saveSteps,
        int saveTotalLimit,
        LoraConfig lora,
        boolean gradientCheckpointing,
        Integer microBatchMaxTokens,
        String dtype) {

    /** {@code data.*}: training pairs, optional held-out pairs, optional system prompt. */
    public record Data(String train, String eval, String systemPrompt) {}

    /** Other names of keys: {@code batch_size} is read as {@code per_device_train_batch_size}. */
    static final List<ConfigAliases.Alias> ALIASES = List.of(
            ConfigAliases.alias("batch_size", "per_device_train_batch_size"));

    public static SftConfig load(Path file, List<String> overrides) {
        ConfigInput in = ConfigInput.read(file, overrides, ALIASES);
        SftConfig c = in.bind(SftConfig.class, ConfigLoader.readResource(SftConfig.class, "sft-defaults.yaml"));
        if (c != null) {
            c.validate(new ConfigChecks(in.errors()));
        }
        in.errors().throwIfAny();
        return c;
    }

    public int microBatch() {
        if (microBatchSize != null) {
            return microBatchSize;
        }
        if (gradientAccumulationSteps != null) {
            return perDeviceTrainBatchSize / gradientAccumulationSteps;
        }
        return perDeviceTrainBatchSize;
    }

    public int accumulationSteps() {
        return perDeviceTrainBatchSize / microBatch();
    }

    /**
     * Steps of the run: {@code max_steps} if positive, else {@code ceil(epochs * examples / batch)}. Examples are
     * consumed as one stream across epoch boundaries (no short last batch per epoch).
     */
    public long totalSteps(long examples) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        long items = (long) numTrainEpochs * examples;
        return Math.max(1, (items + perDeviceTrainBatchSize - 1) / perDeviceTrainBatchSize);
    }

    public boolean resumeAuto() {
        return resume != null && ConfigChecks.Resume.isAuto(resume);
    }

    /** {@code micro_batch_max_tokens}, 0 when unset (micro-batches by count). */
    public int microBatchMaxTokensOrZero() {
        return microBatchMaxTokens == null ? 0 : microBatchMaxTokens;
    }

    /** A specific checkpoint folder to resume from, if {@code resume} names one. */
    public Path resumeFrom() {
        return resume == null || ConfigChecks.Resume.isAuto(resume) || ConfigChecks.Resume.isNever(resume)
                ? null : Path.of(resume);
    }

    public String hash() {
        return ConfigLoader.hash(this, "resume", "max_steps", "gradient_checkpointing");
    }

    void validate(ConfigChecks c) {
        c.required(model, "model");
        c.existingDir(model, "model");
        c.required(outputDir, "output_dir");
        c.resume(resume, "resume");
        c.required(data, "data");
        if (data != null) {
            c.required(data.train(), "data.train");
            c.existingFile(data.train(), "data.train");
            c.existingFile(data.eval(), "data.eval");
        }
        c.positive(maxSeqLength, "max_seq_length");
        optimizer.validate(c);
        c.positive(perDeviceTrainBatchSize, "per_device_train_batch_size");
        TrainConfig.checkMicroBatches(c, perDeviceTrainBatchSize, gradientAccumulationSteps, microBatchSize,
                "per_device_train_batch_size");
        c.check(maxSteps > 0 || numTrainEpochs > 0, "max_steps", "must be > 0, or num_train_epochs must be");
        c.positive(saveSteps, "save_steps");
        c.nonNegative(saveTotalLimit, "save_total_limit");
        c.required(lora, "lora");
        if (lora != null) {
            lora.validate(c);
        }
        c.required(device, "device");
        ModelDtype.check(c, dtype, lora != null && lora.enabled());
        if (microBatchMaxTokens != null) {
            c.positive(microBatchMaxTokens, "micro_batch_max_tokens");
        }
    }
}
