package rsarl.trainer;

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

    /** The step's groups (one per plan, same order) and the wall time spent sampling and scoring. */
    record Result(List<Group> groups, double generationSeconds, double scoringSeconds) {}

    Result rollout(long step, List<BatchPlanner.PromptPlan> plans, int numGenerations, long stepSeed)
            throws IOException;
}
