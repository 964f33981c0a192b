package rsarl.rollout.rsa;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Majority vote over a population: members whose extracted answers are equivalent form a cluster;
 * the largest cluster wins. Unextractable answers (null) form no cluster and win only when every
 * answer is unextractable. Ties go to the cluster whose first member has the lowest slot index.
 */
public final class MajorityVote {
    private MajorityVote() {
    }

    /**
     * The slot whose answer the vote picks (the first member of the winning cluster); 0 when no
     * answer could be extracted.
     *
     * @param answers    extracted answers in slot order (null = unextractable)
     * @param equivalent the task's answer equivalence
     */
    public static int winner(List<String> answers, BiPredicate<String, String> equivalent) {
        // Clusters are opened in slot order, so on a size tie the earlier-opened (lower first slot) wins.
        List<int[]> clusters = new ArrayList<>(); // {first slot, size}
        for (int slot = 0; slot < answers.size(); slot++) {
            String answer = answers.get(slot);
            if (answer == null) {
                continue;
            }
            boolean joined = false;
            for (int[] cluster : clusters) {
                if (equivalent.test(answers.get(cluster[0]), answer)) {
                    cluster[1]++;
                    joined = true;
                    break;
                }
            }
            if (!joined) {
                clusters.add(new int[]{slot, 1});
            }
        }
        int best = -1;
        int bestSize = 0;
        for (int[] cluster : clusters) {
            if (cluster[1] > bestSize) {
                best = cluster[0];
                bestSize = cluster[1];
            }
        }
        return best < 0 ? 0 : best;
    }
}
