package rsarl.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import rsarl.trainer.config.RolloutConfig;

/**
 * Correction of the sampler/trainer mismatch (TRL's {@code vllm_importance_sampling_correction}, verl's TIS/MIS): the
 * server that sampled a batch (another kernel, another precision, maybe an older policy version) is the behaviour
 * policy, so each token's loss is weighted by
 *
 * <pre>
 *   token_*:    w_t = exp(logp_t - sampler_t)
 *   sequence_*: w_t = exp(sum_t' mask_t' (logp_t' - sampler_t'))   (the same for every token of a sequence)
 *   *_truncate: w_t = min(w_t, C)        *_mask: w_t = 0 where w_t > C
 * </pre>
 *
 * with {@code logp} the trainer's detached log-probs before the step's first update. Both log-probs are of the raw
 * distribution (temperature 1, what the servers report), so the ratio compares like with like. The statistics
 * (mean ratio before capping, share of tokens above C) are reported whatever the mode, also for the local sampler.
 */
final class ImportanceWeights {
    /** Sums over the masked tokens of one micro-batch (add them up across micro-batches). */
    record Stats(double tokens, double ratioSum, double overCap) {
        static final Stats ZERO = new Stats(0, 0, 0);

        Stats plus(Stats o) {
            return new Stats(tokens + o.tokens, ratioSum + o.ratioSum, overCap + o.overCap);
        }

        double ratioMean() {
            return tokens == 0 ? Double.NaN : ratioSum / tokens;
        }

        double overCapFraction() {
            return tokens == 0 ? Double.NaN : overCap / tokens;
        }
    }

    /** The per-token weights [B, T] (null for {@code none}) and the micro-batch's statistics. */
    record Result(NDArray weights, Stats stats) {}

    private ImportanceWeights() {}

    /**
     * @param logp the trainer's log-probs [B, T], detached, temperature 1
     * @param sampler the sampler's log-probs [B, T]
     * @param mask completion mask [B, T]
     */
    static Result compute(NDArray logp, NDArray sampler, NDArray mask, RolloutConfig.ImportanceCorrection mode,
            double cap) {
        NDArray diff = logp.sub(sampler).mul(mask);
        boolean sequence = mode != null && mode.sequenceLevel();
        NDArray log = sequence ? diff.sum(new int[] {1}, true) : diff;
        // Clipped only against float overflow (exp(80) is far above any useful cap).
        NDArray ratio = log.clip(-80f, 80f).exp().mul(mask.onesLike());
        NDArray over = ratio.gt((float) cap);
        NDArray overF = over.toType(mask.getDataType(), false);
        Stats stats = new Stats(sum(mask), sum(ratio.mul(mask)), sum(overF.mul(mask)));
        NDArray weights = switch (mode == null ? RolloutConfig.ImportanceCorrection.NONE : mode) {
            case NONE -> null;
            case TOKEN_TRUNCATE, SEQUENCE_TRUNCATE -> ratio.minimum((float) cap);
            case TOKEN_MASK, SEQUENCE_MASK -> NDArrays.where(over, ratio.zerosLike(), ratio);
        };
        return new Result(weights, stats);
    }

    private static double sum(NDArray a) {
        return a.sum().toType(DataType.FLOAT64, false).getDouble();
    }
}
