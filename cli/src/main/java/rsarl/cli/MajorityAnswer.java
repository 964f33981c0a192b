package rsarl.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The most common final answer among shown aggregation candidates: the response of {@code rsa make-dataset
 * --sft-agg-target majority}. Ties go to the tied answer shown first (the aggregator sees only the candidates, so a
 * tie-break toward the right answer would teach guessing past them).
 */
final class MajorityAnswer {

    private static final Pattern ANSWER = Pattern.compile("<answer>(.*?)</answer>", Pattern.DOTALL);

    private MajorityAnswer() {
    }

    /** The last {@code <answer>} tag's content of {@code candidate}, stripped; null if it has none. */
    static String answerOf(String candidate) {
        Matcher m = ANSWER.matcher(candidate);
        String last = null;
        while (m.find()) {
            last = m.group(1).strip();
        }
        return last;
    }

    /** The answer given by the most candidates (first shown among ties); null if no candidate has an answer. */
    static String of(List<String> candidates) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (String c : candidates) {
            String a = answerOf(c);
            if (a != null) {
                votes.merge(a, 1, Integer::sum);
            }
        }
        String best = null;
        int bestVotes = 0;
        for (Map.Entry<String, Integer> e : votes.entrySet()) { // insertion order: a later tie never wins
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }
}
