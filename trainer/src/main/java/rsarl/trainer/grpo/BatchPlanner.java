package rsarl.trainer.grpo;

import rsarl.rollout.rsa.SubsetSampler;
import rsarl.trainer.loop.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides which prompts make up each step: {@code batch} problems taken in a per-epoch shuffled order, the first
 * {@code round(ratio * batch)} of them as aggregation prompts (problem + K candidates) and the rest as standard
 * prompts. Everything is a pure function of (seed, data cursor, step), so a checkpoint only needs the cursor and the
 * step to replay the same batches after a resume.
 */
public final class BatchPlanner {
    public enum Kind { STANDARD, AGGREGATION }

    /**
     * One prompt of a step.
     *
     * @param problem index into the problems file
     * @param kind standard or aggregation
     * @param source where an aggregation prompt's K candidates come from; null for a standard prompt
     */
    public record PromptPlan(int problem, Kind kind, CandidateSource source) {
        public PromptPlan {
            if ((kind == Kind.AGGREGATION) != (source != null)) {
                throw new IllegalArgumentException("an aggregation prompt, and only one, has a candidate source");
            }
        }

        public static PromptPlan standard(int problem) {
            return new PromptPlan(problem, Kind.STANDARD, null);
        }

        public static PromptPlan fromPool(int problem, int... indices) {
            return new PromptPlan(problem, Kind.AGGREGATION, new CandidateSource.Pool(indices));
        }

        public static PromptPlan fromPolicy(int problem, int k) {
            return new PromptPlan(problem, Kind.AGGREGATION, new CandidateSource.Policy(k));
        }

        /** The pool indices of the candidates; empty for a standard prompt or policy candidates. */
        public int[] candidates() {
            return source instanceof CandidateSource.Pool p ? p.indices() : new int[0];
        }
    }

    private final int numProblems;
    private final int batch;
    private final int aggregationPerBatch;
    private final int k;
    private final AggregationSource source;
    private final int[] poolSizes;
    private final long seed;

    /**
     * @param poolSizes candidates available per problem (null when {@code source} is policy or ratio is 0)
     * @param problemIds ids used in error messages (same order as the problems file)
     * @throws IllegalArgumentException naming {@code aggregation.k} and the problem when a pool is too small
     */
    public BatchPlanner(int numProblems, int batch, double ratio, int k, AggregationSource source, int[] poolSizes,
            List<String> problemIds, long seed) {
        if (numProblems < 1) {
            throw new IllegalArgumentException("data.path: no problems");
        }
        this.numProblems = numProblems;
        this.batch = batch;
        this.aggregationPerBatch = aggregationCount(batch, ratio);
        this.k = k;
        this.source = source;
        this.poolSizes = poolSizes;
        this.seed = seed;
        if (aggregationPerBatch > 0 && source == AggregationSource.POOL) {
            if (poolSizes == null || poolSizes.length != numProblems) {
                throw new IllegalArgumentException("data.pools: need a candidate pool for each of the " + numProblems
                        + " problems");
            }
            for (int i = 0; i < numProblems; i++) {
                if (poolSizes[i] < k) {
                    throw new IllegalArgumentException("aggregation.k = " + k + " is larger than the pool of problem '"
                            + (problemIds == null ? Integer.toString(i) : problemIds.get(i)) + "' ("
                            + poolSizes[i] + " candidates in data.pools)");
                }
            }
        }
    }

    /** Prompts per step (one planned batch). */
    public int batchSize() {
        return batch;
    }

    /** Aggregation prompts in each planned batch. */
    public int aggregationPerBatch() {
        return aggregationPerBatch;
    }

    /** Aggregation prompts per batch: {@code round(ratio * batch)} (half-up). */
    public static int aggregationCount(int batch, double ratio) {
        return (int) Math.floor(ratio * batch + 0.5);
    }

    /** The prompts of step {@code step} (1-based) starting at data position {@code cursor}. */
    public List<PromptPlan> plan(long step, long cursor) {
        return plan(step, cursor, 0);
    }

    /**
     * The prompts of generation round {@code round} of a step (rounds after the first come from dynamic sampling,
     * {@link FilterGroups}); round 0 is {@link #plan(long, long)}.
     */
    public List<PromptPlan> plan(long step, long cursor, int round) {
        List<PromptPlan> out = new ArrayList<>(batch);
        Rng pick = Rng.forStream(seed ^ (step * 0x9E3779B97F4A7C15L) ^ (round * 0xC2B2AE3D27D4EB4FL), "candidates");
        int[] order = null;
        long orderEpoch = -1;
        for (int slot = 0; slot < batch; slot++) {
            long pos = cursor + slot;
            long epoch = pos / numProblems;
            if (epoch != orderEpoch) {
                order = epochOrder(epoch);
                orderEpoch = epoch;
            }
            int problem = order[(int) (pos % numProblems)];
            if (slot < aggregationPerBatch) {
                out.add(source == AggregationSource.POOL
                        ? PromptPlan.fromPool(problem, SubsetSampler.draw(poolSizes[problem], k, pick::nextInt))
                        : PromptPlan.fromPolicy(problem, k));
            } else {
                out.add(PromptPlan.standard(problem));
            }
        }
        return out;
    }

    /** The cursor after a step. */
    public long advance(long cursor) {
        return cursor + batch;
    }

    private int[] epochOrder(long epoch) {
        int[] order = new int[numProblems];
        for (int i = 0; i < numProblems; i++) {
            order[i] = i;
        }
        Rng.forStream(seed ^ (epoch * 0xBF58476D1CE4E5B9L), "data-order").shuffle(order);
        return order;
    }
}
