package rsarl.rewards;

import rsarl.rewards.code.CodeVerifier;

/** Verifier lookup by task name. */
public final class Verifiers {

    private Verifiers() {
    }

    /**
     * @param task {@code math}, {@code choice}, {@code code}, {@code general} or {@code puzzle:<family>}
     * @throws IllegalArgumentException for an unknown task or puzzle family
     */
    public static Verifier forTask(String task) {
        if (task == null) {
            throw new IllegalArgumentException("task is missing");
        }
        String t = task.trim();
        if (t.startsWith("puzzle:")) {
            return new PuzzleVerifier(t.substring("puzzle:".length()));
        }
        return switch (t) {
            case "math" -> new MathVerifier();
            case "choice", "mcq" -> new ChoiceVerifier();
            case "code" -> new CodeVerifier();
            case "general", "text" -> new GeneralVerifier();
            default -> throw new IllegalArgumentException("unknown task '" + task
                    + "' (expected math, choice, code, general or puzzle:<family>)");
        };
    }
}
