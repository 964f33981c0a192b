package rsarl.rollout.prompt;

import java.util.Locale;

/**
 * Task kinds and the answer format each asks for (the formats the rewards verifiers extract):
 * math and general end with {@code \boxed{}}, multiple choice with the option letter in {@code \boxed{}},
 * puzzles with {@code <answer>...</answer>}, code with one fenced python block.
 */
public enum TaskKind {
    MATH("Put your final answer within \\boxed{}.", "\\boxed"),
    CHOICE("Put the letter of the correct option within \\boxed{}, e.g. \\boxed{A}.", "\\boxed"),
    PUZZLE("Give your final answer between <answer> and </answer> tags.", "<answer>"),
    CODE("Write the complete program in a single ```python code block.", "```"),
    GENERAL("Put your final answer within \\boxed{}.", "\\boxed");

    private final String formatHint;
    private final String marker;

    TaskKind(String formatHint, String marker) {
        this.formatHint = formatHint;
        this.marker = marker;
    }

    /** The sentence telling the model how to present its final answer. */
    public String formatHint() {
        return formatHint;
    }

    /** Whether a question already carries this kind's format instruction (so it is not repeated). */
    public boolean mentionsFormat(String question) {
        return question.contains(marker);
    }

    /** {@code math}, {@code choice}, {@code code}, {@code general}, {@code puzzle} or {@code puzzle:<family>}. */
    public static TaskKind of(String task) {
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("problem has no task kind (set data.task)");
        }
        String kind = task.strip().toLowerCase(Locale.ROOT);
        int colon = kind.indexOf(':');
        if (colon >= 0) {
            kind = kind.substring(0, colon);
        }
        return switch (kind) {
            case "math" -> MATH;
            case "choice", "mcq", "multiple_choice" -> CHOICE;
            case "puzzle" -> PUZZLE;
            case "code" -> CODE;
            case "general" -> GENERAL;
            default -> throw new IllegalArgumentException("unknown task kind '" + task
                    + "' (expected math, choice, code, puzzle:<family> or general)");
        };
    }
}
