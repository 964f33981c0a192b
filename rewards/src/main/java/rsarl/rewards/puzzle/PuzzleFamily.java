package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.SplittableRandom;

/** A procedurally generated reasoning task with an exact scorer. */
public interface PuzzleFamily {

    String name();

    /** One puzzle; all randomness comes from {@code rnd}. Difficulty 1 is the easiest. */
    Puzzle generate(SplittableRandom rnd, int difficulty);

    /**
     * Score in [0, 1] of an extracted answer (text between the answer tags). Reads what it needs from
     * {@code metadata}; {@code gold} is the reference answer, used only where metadata lacks a field.
     */
    double score(String answer, JsonNode metadata, String gold);

    /**
     * A worked solution, in the reference solution's format, that arrives at {@code answer} (right or wrong), for
     * making realistic wrong candidates; null where the family has no such form (callers then edit the reference).
     */
    default String attempt(JsonNode metadata, String answer) {
        return null;
    }

    /** Instruction appended to every question of every family. */
    String ANSWER_FORMAT = " Put the final answer in <answer></answer>.";

    /** The last line of every solution: {@code answer} in the tags {@link #ANSWER_FORMAT} asks for. */
    static String answerTag(String answer) {
        return "<answer>" + answer + "</answer>";
    }
}
