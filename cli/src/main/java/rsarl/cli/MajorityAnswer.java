package rsarl.cli;

import rsarl.rewards.TextAnswers;
import rsarl.rollout.rsa.MajorityVote;

import java.util.List;
import java.util.Objects;

/**
 * The most common final answer among shown aggregation candidates: the response of {@code rsa make-dataset
 * --sft-agg-target majority}. Ties go to the tied answer shown first (the aggregator sees only the candidates, so a
 * tie-break toward the right answer would teach guessing past them). The answers are the candidates' last
 * {@code <answer>} tags, voted on exactly as RSA's majority vote counts them ({@link MajorityVote}).
 */
final class MajorityAnswer {

    private MajorityAnswer() {
    }

    /** The answer given by the most candidates (first shown among ties); null if no candidate has an answer. */
    static String of(List<String> candidates) {
        List<String> answers = candidates.stream().map(TextAnswers::lastAnswerTag).toList();
        if (answers.stream().allMatch(Objects::isNull)) {
            return null;
        }
        return answers.get(MajorityVote.winner(answers, String::equals));
    }
}
