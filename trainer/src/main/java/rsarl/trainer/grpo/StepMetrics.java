package rsarl.trainer.grpo;

/**
 * One line of {@code metrics.jsonl} (snake_case keys). Rewards are split by prompt kind: standard prompts and
 * aggregation prompts (problem + K candidates). {@code NaN} marks "no such prompts this step" and is written as null.
 *
 * @param step completed step (1-based)
 * @param rewardMeanStandard mean reward of completions of standard prompts
 * @param rewardMeanAggregation mean reward of completions of aggregation prompts
 * @param zeroStdFraction fraction of groups whose rewards are all equal (no learning signal)
 * @param loss policy loss, averaged over the step's updates
 * @param kl mean k3 KL to the reference (0 when beta is 0)
 * @param clipFractionLow share of tokens clipped at {@code 1 - epsilon} (A &lt; 0)
 * @param clipFractionHigh share of tokens clipped at {@code 1 + epsilon_high} (A &gt; 0)
 * @param entropy mean per-token entropy of the policy over completion tokens
 * @param gradNorm global gradient norm before clipping (last update of the step)
 * @param learningRate learning rate of the last update of the step
 * @param completionLengthMean mean completion length in tokens
 * @param completionLengthMax longest completion in tokens
 * @param truncatedFraction share of completions cut at {@code max_completion_length}
 * @param tokensPerSecond generated tokens per second of generation time
 * @param generationSeconds wall time spent sampling
 * @param scoringSeconds wall time spent in verifiers
 * @param updateSeconds wall time spent in forward/backward/optimizer
 * @param samplerLogprobAbsDiff mean |sampler log-prob - trainer log-prob| over completion tokens
 * @param numGenBatches generation rounds of the step (more than 1 only with {@code filter_groups})
 * @param paddedGroups groups without reward spread that filled the batch after the last round (filter_groups)
 * @param policyVersionLag optimizer steps between the weights that sampled the step and those it trains (0 on-policy)
 * @param importanceRatioMean mean sampler/trainer ratio before capping ({@link ImportanceWeights}; token or sequence
 *        level as {@code rollout.importance_correction})
 * @param importanceMaskedFraction share of completion tokens whose ratio exceeds {@code rollout.importance_cap}
 *        (masked by the {@code *_mask} modes, capped by {@code *_truncate})
 */
public record StepMetrics(long step, double rewardMeanStandard, double rewardMeanAggregation, double zeroStdFraction,
        double loss, double kl, double clipFractionLow, double clipFractionHigh, double entropy, double gradNorm,
        double learningRate, double completionLengthMean, double completionLengthMax, double truncatedFraction,
        double tokensPerSecond, double generationSeconds, double scoringSeconds, double updateSeconds,
        double samplerLogprobAbsDiff, int numGenBatches, int paddedGroups, double policyVersionLag,
        double importanceRatioMean, double importanceMaskedFraction) {
    public StepMetrics(long step, double rewardMeanStandard, double rewardMeanAggregation, double zeroStdFraction,
            double loss, double kl, double clipFractionLow, double clipFractionHigh, double entropy, double gradNorm,
            double learningRate, double completionLengthMean, double completionLengthMax, double truncatedFraction,
            double tokensPerSecond, double generationSeconds, double scoringSeconds, double updateSeconds,
            double samplerLogprobAbsDiff, int numGenBatches, int paddedGroups) {
        this(step, rewardMeanStandard, rewardMeanAggregation, zeroStdFraction, loss, kl, clipFractionLow,
                clipFractionHigh, entropy, gradNorm, learningRate, completionLengthMean, completionLengthMax,
                truncatedFraction, tokensPerSecond, generationSeconds, scoringSeconds, updateSeconds,
                samplerLogprobAbsDiff, numGenBatches, paddedGroups, 0, Double.NaN, Double.NaN);
    }
}
