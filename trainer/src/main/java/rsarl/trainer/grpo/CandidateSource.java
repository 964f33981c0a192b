package rsarl.trainer.grpo;

import rsarl.trainer.model.Policy;



/**
 * Where the K candidates of an aggregation prompt come from ({@code aggregation.source}): K distinct indices into
 * the problem's pool, drawn by {@link BatchPlanner} (which checked once that every pool holds K), or K fresh samples
 * of the current policy, drawn by the rollouts.
 */
public sealed interface CandidateSource {
    /** K, the number of candidates shown. */
    int k();

    /** Pool candidates by index ({@code source: pool}). */
    record Pool(int[] indices) implements CandidateSource {
        @Override
        public int k() {
            return indices.length;
        }
    }

    /** K samples of the standard prompt from the policy being trained ({@code source: policy}). */
    record Policy(int k) implements CandidateSource {}
}
