package rsarl.trainer.grpo;

/**
 * Per-step rollout metrics from plain arrays (one entry per completion): rewards split by prompt kind, completion
 * lengths, truncation rate and generation throughput.
 */
public record RolloutStats(double rewardMeanStandard, double rewardMeanAggregation, double rewardMean,
        double completionLengthMean, double completionLengthMax, double truncatedFraction, double tokensPerSecond) {

    /**
     * @param aggregation per completion, whether its prompt was an aggregation prompt
     * @param generationSeconds wall time of sampling, for tokens/s
     * @return means; a kind with no completions gets {@code NaN} (logged as null)
     */
    public static RolloutStats of(double[] rewards, boolean[] aggregation, int[] completionLengths,
            boolean[] truncated, double generationSeconds) {
        double std = 0;
        double agg = 0;
        int nStd = 0;
        int nAgg = 0;
        long tokens = 0;
        int max = 0;
        int cut = 0;
        for (int i = 0; i < rewards.length; i++) {
            if (aggregation[i]) {
                agg += rewards[i];
                nAgg++;
            } else {
                std += rewards[i];
                nStd++;
            }
            tokens += completionLengths[i];
            max = Math.max(max, completionLengths[i]);
            cut += truncated[i] ? 1 : 0;
        }
        int n = rewards.length;
        return new RolloutStats(nStd == 0 ? Double.NaN : std / nStd, nAgg == 0 ? Double.NaN : agg / nAgg,
                n == 0 ? Double.NaN : (std + agg) / n, n == 0 ? 0 : (double) tokens / n, max,
                n == 0 ? 0 : (double) cut / n, generationSeconds > 0 ? tokens / generationSeconds : 0);
    }
}
