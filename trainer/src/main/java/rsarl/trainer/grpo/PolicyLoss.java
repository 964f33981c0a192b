package rsarl.trainer.grpo;

import ai.djl.ndarray.NDArray;
import rsarl.model.Scalars;
import rsarl.trainer.config.LossType;

/**
 * Per-token clipped surrogate with optional k3 KL penalty (GRPO / DAPO / Dr. GRPO family, TRL semantics).
 *
 * <pre>
 *   rho_t  = exp(logp_t - oldLogp_t)
 *   l_t    = -min(rho_t A, clip(rho_t, 1 - epsilon, 1 + epsilon_high) A)  +  beta * k3_t
 *   k3_t   = exp(ref_t - logp_t) - (ref_t - logp_t) - 1
 * </pre>
 *
 * The loss is reduced by a {@link Normaliser} that carries the <em>global</em> counts of the whole optimisation batch,
 * so summing the losses (and gradients) of micro-batches equals the loss of the full batch for every {@link LossType}.
 * Only {@code logp} needs to carry a gradient; the other inputs are treated as constants.
 */
public final class PolicyLoss {
    private final double epsilon;
    private final double epsilonHigh;
    private final double beta;

    /**
     * @param epsilon lower clip range ({@code 1 - epsilon})
     * @param epsilonHigh upper clip range ({@code 1 + epsilon_high}); DAPO's "clip-higher" when larger than epsilon
     * @param beta weight of the k3 KL to the reference policy; 0 disables it (then {@code refLogp} may be null)
     */
    public PolicyLoss(double epsilon, double epsilonHigh, double beta) {
        if (epsilon < 0 || epsilonHigh < 0 || beta < 0) {
            throw new IllegalArgumentException("epsilon, epsilon_high and beta must be >= 0");
        }
        this.epsilon = epsilon;
        this.epsilonHigh = epsilonHigh;
        this.beta = beta;
    }

    public double beta() {
        return beta;
    }

    /**
     * Global denominators of one optimisation batch (all micro-batches of one update together).
     *
     * @param totalTokens completion tokens with mask 1 in the whole batch ({@code dapo})
     * @param totalSequences sequences in the whole batch ({@code grpo}, {@code dr_grpo})
     * @param maxCompletionLength the configured {@code max_completion_length} ({@code dr_grpo})
     */
    public record Normaliser(LossType type, double totalTokens, int totalSequences, int maxCompletionLength) {
        /** Counts taken from the full batch's completion mask [B, T]. */
        public static Normaliser of(LossType type, NDArray fullMask, int maxCompletionLength) {
            return new Normaliser(type, fullMask.sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                    .getDouble(), (int) fullMask.getShape().get(0), maxCompletionLength);
        }

        /** Counts from per-sequence completion lengths (after any truncation masking). */
        public static Normaliser of(LossType type, int[] maskedLengths, int maxCompletionLength) {
            long tokens = 0;
            for (int n : maskedLengths) {
                tokens += n;
            }
            return new Normaliser(type, tokens, maskedLengths.length, maxCompletionLength);
        }
    }

    /**
     * Sums over the masked tokens of one (micro-)batch; add them up across micro-batches, then read the means.
     * Clip counts follow TRL: low = {@code rho < 1-eps and A < 0}, high = {@code rho > 1+eps_high and A > 0}.
     */
    public record Stats(double tokens, double clippedLow, double clippedHigh, double ratioSum, double klSum) {
        public static final Stats ZERO = new Stats(0, 0, 0, 0, 0);

        public Stats plus(Stats o) {
            return new Stats(tokens + o.tokens, clippedLow + o.clippedLow, clippedHigh + o.clippedHigh,
                    ratioSum + o.ratioSum, klSum + o.klSum);
        }

        public double clipFractionLow() {
            return mean(clippedLow);
        }

        public double clipFractionHigh() {
            return mean(clippedHigh);
        }

        public double clipFraction() {
            return mean(clippedLow + clippedHigh);
        }

        public double meanRatio() {
            return mean(ratioSum);
        }

        /** Mean k3 estimate of KL(pi || pi_ref) per token; 0 when beta is 0. */
        public double meanKl() {
            return mean(klSum);
        }

        private double mean(double s) {
            return tokens == 0 ? 0 : s / tokens;
        }
    }

    /** The scalar loss (differentiable w.r.t. {@code logp}) and the batch's detached statistics. */
    public record Result(NDArray loss, Stats stats) {}

    /**
     * @param logp current policy log-probs of the sampled tokens [B, T] (carries the gradient)
     * @param oldLogp log-probs under the policy that sampled the batch [B, T]
     * @param refLogp reference-model log-probs [B, T]; may be null when beta is 0
     * @param advantages one advantage per sequence [B]
     * @param mask completion mask [B, T], 1 for tokens that count
     * @param norm global denominators of the whole optimisation batch
     */
    public Result compute(NDArray logp, NDArray oldLogp, NDArray refLogp, NDArray advantages, NDArray mask,
            Normaliser norm) {
        return compute(logp, oldLogp, refLogp, advantages, mask, norm, null);
    }

    /**
     * As above, with each token's loss (surrogate and KL, TRL's order) multiplied by {@code weights} [B, T]: the
     * sampler/trainer importance correction ({@link ImportanceWeights}); null for none.
     */
    public Result compute(NDArray logp, NDArray oldLogp, NDArray refLogp, NDArray advantages, NDArray mask,
            Normaliser norm, NDArray weights) {
        if (beta > 0 && refLogp == null) {
            throw new IllegalArgumentException("beta > 0 needs reference log-probs");
        }
        // Scalars are passed as float: DJL turns a Java double into a float64 tensor and promotes the result.
        NDArray a = advantages.reshape(-1, 1);
        NDArray rho = logp.sub(oldLogp).exp();
        NDArray unclipped = rho.mul(a);
        NDArray clipped = rho.clip((float) (1 - epsilon), (float) (1 + epsilonHigh)).mul(a);
        NDArray perToken = unclipped.minimum(clipped).neg();
        NDArray k3 = null;
        if (beta > 0) {
            NDArray d = refLogp.sub(logp);
            k3 = d.exp().sub(d).sub(1);
            perToken = perToken.add(k3.mul(Scalars.of(k3, (float) beta)));
        }
        if (weights != null) {
            perToken = perToken.mul(weights);
        }
        NDArray masked = perToken.mul(mask);
        NDArray loss = switch (norm.type()) {
            case DAPO -> div(masked.sum(), Math.max(norm.totalTokens(), 1.0));
            case GRPO -> div(masked.sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(1)).sum(),
                    Math.max(norm.totalSequences(), 1));
            case DR_GRPO -> div(masked.sum(), (double) norm.totalSequences() * norm.maxCompletionLength());
        };
        return new Result(loss, stats(rho.stopGradient(), a, k3 == null ? null : k3.stopGradient(), mask));
    }

    private Stats stats(NDArray rho, NDArray a, NDArray k3, NDArray mask) {
        NDArray low = rho.lt((float) (1 - epsilon)).logicalAnd(a.lt(0)).toType(mask.getDataType(), false).mul(mask);
        NDArray high = rho.gt((float) (1 + epsilonHigh)).logicalAnd(a.gt(0)).toType(mask.getDataType(), false).mul(mask);
        return new Stats(sum(mask), sum(low), sum(high), sum(rho.mul(mask)), k3 == null ? 0 : sum(k3.mul(mask)));
    }

    private static double sum(NDArray x) {
        return x.sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
    }

    /** {@code x / d} with {@code d} as a scalar that outlives the backward ({@link Scalars}). */
    private static NDArray div(NDArray x, double d) {
        return x.div(Scalars.of(x, (float) d));
    }
}
