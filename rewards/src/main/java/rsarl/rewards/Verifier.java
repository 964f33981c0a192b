package rsarl.rewards;

/**
 * Checks a model response against a problem. Implementations: math, choice, puzzle, code.
 * Implementations are thread-safe and bounded in time per call.
 */
public interface Verifier {

    /** Extracts the final answer of a response (full model output or a bare answer); null if none. */
    String extract(String response, Problem problem);

    /** Grades a response (full model output or bare answer) against the problem's gold answer. */
    Grade grade(String response, Problem problem);

    /** The gold answer as this verifier reads it (for audits of a verdict); null when there is none. */
    default String goldExtracted(Problem problem) {
        return problem.answer();
    }

    /**
     * Whether two extracted answers are the same answer under this task's equivalence
     * (used to cluster a population for majority voting). Both are non-null.
     */
    boolean equivalent(String extractedA, String extractedB, Problem problem);
}
