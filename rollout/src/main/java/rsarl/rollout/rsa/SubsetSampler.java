package rsarl.rollout.rsa;

import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/** Draws the K parents of one aggregation slot: distinct, uniform over the population, in random order. */
public final class SubsetSampler {
    private SubsetSampler() {
    }

    /**
     * K distinct indices of {0..n-1}; every ordered K-tuple of distinct indices is equally likely
     * (partial Fisher-Yates), so both the subset and the order candidates are shown in are uniform.
     */
    public static int[] draw(int n, int k, SplittableRandom random) {
        return draw(n, k, random::nextInt);
    }

    /** {@link #draw(int, int, SplittableRandom)} on any generator; {@code nextInt.applyAsInt(b)} is uniform in [0, b). */
    public static int[] draw(int n, int k, IntUnaryOperator nextInt) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("subset size " + k + " must be in [1, " + n + "]");
        }
        int[] pool = new int[n];
        for (int i = 0; i < n; i++) {
            pool[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + nextInt.applyAsInt(n - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        int[] out = new int[k];
        System.arraycopy(pool, 0, out, 0, k);
        return out;
    }

    /** The parents of slot {@code slot} at state {@code step} (step 2 and later) of one problem. */
    public static int[] parents(long seed, int step, String problemId, int slot, int n, int k) {
        return draw(n, k, DerivedSeeds.subsetRandom(seed, step, problemId, slot));
    }
}
