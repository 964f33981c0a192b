package rsarl.trainer.config;

import rsarl.trainer.optim.AdamW;
import rsarl.trainer.optim.LrSchedule;



/**
 * The optimizer keys shared by {@code rsa train} ({@link TrainConfig}) and {@code rsa sft} ({@link SftConfig}):
 * AdamW, gradient clipping and the learning-rate schedule (transformers {@code TrainingArguments} names). Both
 * configs hold it as a {@code @JsonUnwrapped} component, so the keys stay at the top level of their YAML files;
 * the defaults live in each command's defaults YAML.
 */
public record OptimizerConfig(
        double learningRate,
        String lrSchedulerType,
        double warmupRatio,
        int warmupSteps,
        double weightDecay,
        double maxGradNorm,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon) {

    /** The schedule over {@code totalSteps} optimizer updates ({@code warmup_steps > 0} wins over the ratio). */
    public LrSchedule schedule(long totalSteps) {
        return LrSchedule.of(lrSchedulerType, learningRate, warmupSteps, warmupRatio, totalSteps);
    }

    public AdamW.Hyper adamHyper() {
        return new AdamW.Hyper(adamBeta1, adamBeta2, adamEpsilon, weightDecay);
    }

    void validate(ConfigChecks c) {
        c.check(learningRate > 0, "learning_rate", "must be > 0, got " + learningRate);
        c.lrScheduler(lrSchedulerType, "lr_scheduler_type");
        c.inRange(warmupRatio, 0, 1, "warmup_ratio");
        c.nonNegative(warmupSteps, "warmup_steps");
        c.nonNegative(weightDecay, "weight_decay");
        c.nonNegative(maxGradNorm, "max_grad_norm");
        c.inRange(adamBeta1, 0, 0.999999, "adam_beta1");
        c.inRange(adamBeta2, 0, 0.999999, "adam_beta2");
        c.check(adamEpsilon > 0, "adam_epsilon", "must be > 0, got " + adamEpsilon);
    }
}
