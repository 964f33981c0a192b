package rsarl.rollout.rsa;

import java.util.List;

/**
 * One generated solution of the RSA loop (one line of generations.jsonl).
 *
 * @param parents          slot indices of the previous state shown as candidates, in prompt order
 *                         (empty at step 1)
 * @param extracted        the verifier's extracted answer, or null
 * @param promptTokens     -1 when the backend did not report it
 * @param completionTokens -1 when the backend did not report it
 */
public record Generation(String problemId, long seed, int step, int slot, List<Integer> parents, String response,
                         String extracted, double score, int promptTokens, int completionTokens,
                         String finishReason) {
    public Generation {
        parents = List.copyOf(parents);
    }

    public Key key() {
        return new Key(problemId, seed, step, slot);
    }

    /** Identifies one request of a run. */
    public record Key(String problemId, long seed, int step, int slot) {
    }
}
