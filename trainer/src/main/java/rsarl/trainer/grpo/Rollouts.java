package rsarl.trainer.grpo;

import rsarl.model.Completion;

import java.io.IOException;
import java.util.List;

/**
 * Generation and scoring of one step, supplied by the caller (prompt builders, {@code Generator}, verifiers).
 * Must be deterministic given {@code stepSeed} (derive per-request seeds from it) so that a resumed run replays the
 * same rollouts.
 */
public interface Rollouts {
    /**
     * One prompt's group: its token ids, its {@code num_generations} completions and their rewards (same order).
     * {@code samplePrompts}, when not null, holds each completion's own prompt (same candidates in another order,
     * {@code aggregation.shuffle_candidates}); {@code promptIds} is then the first of them.
     */
    record Group(BatchPlanner.Kind kind, int[] promptIds, List<Completion> completions, double[] rewards,
            List<int[]> samplePrompts) {
        public Group(BatchPlanner.Kind kind, int[] promptIds, List<Completion> completions, double[] rewards) {
            this(kind, promptIds, completions, rewards, null);
        }

        /** The prompt completion {@code i} was sampled from. */
        public int[] promptOf(int i) {
            return samplePrompts == null ? promptIds : samplePrompts.get(i);
        }
    }

    /**
     * The step's groups (one per plan, same order), the wall time spent sampling and scoring, and the policy version
     * (optimizer steps behind the weights) that sampled them; {@link #CURRENT} for the trainer's own weights.
     */
    record Result(List<Group> groups, double generationSeconds, double scoringSeconds, long policyVersion) {
        public static final long CURRENT = -1;

        public Result(List<Group> groups, double generationSeconds, double scoringSeconds) {
            this(groups, generationSeconds, scoringSeconds, CURRENT);
        }
    }

    Result rollout(long step, List<BatchPlanner.PromptPlan> plans, int numGenerations, long stepSeed)
            throws IOException;

    /**
     * Called on the trainer thread whenever the weights of policy version {@code version} (optimizer steps taken)
     * are final, before any rollout that may use them: once at the start (or resume) and after every step. A
     * rollout server gets the new weights here; the in-process sampler reads them directly.
     */
    default void policyUpdated(long version) throws IOException {}

    /**
     * How many steps ahead rollouts may be generated while earlier steps train ({@code rollout.max_staleness});
     * 0: each step samples from the weights it trains. {@link #rollout} must then be safe to call from another
     * thread than {@link #policyUpdated}.
     */
    default int maxStaleness() {
        return 0;
    }
}
