package rsarl.rewards.puzzle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import rsarl.rewards.Problem;

import java.util.List;

/**
 * One generated puzzle.
 *
 * @param family     family name (task is {@code puzzle:<family>})
 * @param difficulty difficulty it was generated at (1 = easiest)
 * @param question   the prompt shown to the model, format instruction included
 * @param solution   reference solution: one step per line, ending with {@code <answer>..</answer>}
 * @param answer     the reference answer (the text between the answer tags)
 * @param metadata   what the family's scorer needs (any valid answer scores, not only the reference one);
 *                   also holds {@code solution} and {@code difficulty}
 */
public record Puzzle(String family, int difficulty, String question, String solution, String answer, ObjectNode metadata) {

    public Problem toProblem(String id) {
        return new Problem(id, question, answer, "puzzle:" + family, List.of(), null, metadata);
    }
}
