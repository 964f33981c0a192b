package rsarl.trainer.grpo;

import rsarl.trainer.config.AdvantageEstimator;
import rsarl.trainer.config.ScaleRewards;



/**
 * Group-relative advantage estimators on flat reward arrays.
 *
 * <p>{@code rewards} holds {@code numGroups * G} values, group-major: completions {@code g*G .. g*G+G-1} answer the
 * same prompt. Results have the same layout.
 *
 * <p>Matches TRL's {@code GRPOTrainer._generate_and_score_completions}: the std is torch's default
 * {@code Tensor.std()}, i.e. the <b>unbiased</b> (Bessel-corrected, divide by n-1) sample std, and the guard is
 * {@code + 1e-4} added to the std. With {@code scale_rewards: batch} rewards are still centred on their group mean but
 * divided by the unbiased std of the whole batch. A group (or batch) of size 1 gets std 0, as TRL does.
 */
public final class Advantages {
    /** TRL's guard against division by a zero std. */
    public static final double STD_EPS = 1e-4;

    private Advantages() {}

    /** Dispatches on the configured estimator; {@code scale} only matters for {@link AdvantageEstimator#GRPO}. */
    public static double[] compute(AdvantageEstimator estimator, ScaleRewards scale, double[] rewards, int groupSize) {
        return switch (estimator) {
            case GRPO -> grpo(rewards, groupSize, scale);
            case RLOO -> rloo(rewards, groupSize);
            case DR_GRPO -> drGrpo(rewards, groupSize);
        };
    }

    /** {@code A_i = (r_i - mean_g(r)) / (std + 1e-4)} with std per group, over the batch, or none. */
    public static double[] grpo(double[] rewards, int groupSize, ScaleRewards scale) {
        int groups = checkLayout(rewards, groupSize);
        double[] a = new double[rewards.length];
        double batchStd = scale == ScaleRewards.BATCH ? unbiasedStd(rewards, 0, rewards.length) : 0;
        for (int g = 0; g < groups; g++) {
            int from = g * groupSize;
            double mean = mean(rewards, from, groupSize);
            double std = switch (scale) {
                case GROUP -> unbiasedStd(rewards, from, groupSize);
                case BATCH -> batchStd;
                case NONE -> Double.NaN;
            };
            for (int i = from; i < from + groupSize; i++) {
                double centred = rewards[i] - mean;
                a[i] = scale == ScaleRewards.NONE ? centred : centred / (std + STD_EPS);
            }
        }
        return a;
    }

    /** Dr. GRPO (Liu et al. 2025): {@code A_i = r_i - mean(r)}, no std division (removes the difficulty bias). */
    public static double[] drGrpo(double[] rewards, int groupSize) {
        return grpo(rewards, groupSize, ScaleRewards.NONE);
    }

    /**
     * RLOO (Ahmadian et al. 2024): {@code A_i = r_i - (sum_j r_j - r_i) / (G - 1)}. Needs {@code G >= 2}; equals
     * {@code G/(G-1) * (r_i - mean(r))}.
     */
    public static double[] rloo(double[] rewards, int groupSize) {
        int groups = checkLayout(rewards, groupSize);
        if (groupSize < 2) {
            throw new IllegalArgumentException("rloo needs num_generations >= 2, got " + groupSize);
        }
        double[] a = new double[rewards.length];
        for (int g = 0; g < groups; g++) {
            int from = g * groupSize;
            double sum = 0;
            for (int i = from; i < from + groupSize; i++) {
                sum += rewards[i];
            }
            for (int i = from; i < from + groupSize; i++) {
                a[i] = rewards[i] - (sum - rewards[i]) / (groupSize - 1);
            }
        }
        return a;
    }

    /** Fraction of groups whose rewards are all equal (they carry no learning signal under any estimator). */
    public static double zeroSpreadFraction(double[] rewards, int groupSize) {
        int groups = checkLayout(rewards, groupSize);
        int flat = 0;
        for (int g = 0; g < groups; g++) {
            flat += hasSpread(rewards, g * groupSize, groupSize) ? 0 : 1;
        }
        return groups == 0 ? 0 : (double) flat / groups;
    }

    /** True when {@code rewards[from .. from + n)} are not all equal (the group has a learning signal). */
    public static boolean hasSpread(double[] rewards, int from, int n) {
        for (int i = from + 1; i < from + n; i++) {
            if (rewards[i] != rewards[from]) {
                return true;
            }
        }
        return false;
    }

    static double mean(double[] x, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) {
            s += x[i];
        }
        return s / n;
    }

    /** Bessel-corrected std (torch's default {@code std()}); 0 when fewer than two values. */
    static double unbiasedStd(double[] x, int from, int n) {
        if (n < 2) {
            return 0;
        }
        double m = mean(x, from, n);
        double ss = 0;
        for (int i = from; i < from + n; i++) {
            ss += (x[i] - m) * (x[i] - m);
        }
        return Math.sqrt(ss / (n - 1));
    }

    private static int checkLayout(double[] rewards, int groupSize) {
        if (groupSize < 1 || rewards.length % groupSize != 0) {
            throw new IllegalArgumentException(
                    "rewards length " + rewards.length + " is not a multiple of num_generations " + groupSize);
        }
        return rewards.length / groupSize;
    }
}
