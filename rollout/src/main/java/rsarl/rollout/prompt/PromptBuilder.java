package rsarl.rollout.prompt;

import rsarl.model.ChatMessage;
import rsarl.rewards.Problem;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The two prompts of RSA (shared by evaluation and aggregation-aware training): the standard prompt
 * (the question itself) and the aggregation prompt (the question plus K candidate solutions shown in
 * full). Both are a single user message with no system prompt, as in the paper.
 */
public final class PromptBuilder {

    /** A leading empty think block (Qwen3 with thinking off) says nothing about the solution: not shown. */
    private static final Pattern EMPTY_THINK = Pattern.compile("^\\s*<think>\\s*</think>\\s*");

    private PromptBuilder() {
    }

    /**
     * The plain task prompt: the question verbatim, plus the task's answer-format sentence when the
     * question does not already ask for that format (otherwise the verifier would find no answer).
     */
    public static String standardPrompt(Problem problem) {
        TaskKind kind = TaskKind.of(problem.task());
        String question = question(problem);
        return kind.mentionsFormat(question) ? question : question + "\n\n" + kind.formatHint();
    }

    /**
     * The aggregation prompt for {@code candidates} (in the order given, each in full but for a leading empty
     * think block). One candidate
     * gives the self-refinement variant; code tasks ask for one corrected program.
     */
    public static String aggregationPrompt(Problem problem, List<String> candidates) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("aggregation needs at least one candidate");
        }
        TaskKind kind = TaskKind.of(problem.task());
        boolean single = candidates.size() == 1;
        StringBuilder sb = new StringBuilder();
        sb.append(instruction(kind, single)).append("\n\n");
        sb.append(kind.formatHint()).append("\n\n");
        sb.append("# Problem\n\n").append(question(problem).strip()).append("\n\n");
        sb.append(single ? "# Candidate solution\n\n" : "# Candidate solutions\n\n");
        for (int i = 0; i < candidates.size(); i++) {
            String label = single ? "Candidate" : "Candidate " + (i + 1);
            sb.append("=== ").append(label).append(" (begin) ===\n");
            sb.append(withoutEmptyThink(candidates.get(i))).append('\n');
            sb.append("=== ").append(label).append(" (end) ===\n\n");
        }
        sb.append(closing(kind, single));
        return sb.toString();
    }

    /** {@code response} without a leading empty think block and surrounding blank space. */
    public static String withoutEmptyThink(String response) {
        return EMPTY_THINK.matcher(response).replaceFirst("").strip();
    }

    /** {@link #standardPrompt} as a one-message conversation. */
    public static List<ChatMessage> standardMessages(Problem problem) {
        return List.of(ChatMessage.user(standardPrompt(problem)));
    }

    /** {@link #aggregationPrompt} as a one-message conversation. */
    public static List<ChatMessage> aggregationMessages(Problem problem, List<String> candidates) {
        return aggregationMessages(problem, candidates, AggregationTemplate.DEFAULT);
    }

    /** The aggregation prompt of {@code template} as a one-message conversation. */
    public static List<ChatMessage> aggregationMessages(Problem problem, List<String> candidates,
            AggregationTemplate template) {
        return List.of(ChatMessage.user(template.render(problem, candidates)));
    }

    /** The question, with lettered options appended when the dataset keeps them apart from the text. */
    static String question(Problem problem) {
        String text = problem.prompt() == null ? "" : problem.prompt();
        List<String> options = problem.options();
        if (options.isEmpty() || TaskKind.of(problem.task()) != TaskKind.CHOICE || listsOptions(text, options)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.strip()).append("\n");
        for (int i = 0; i < options.size(); i++) {
            sb.append("\n").append((char) ('A' + i)).append(". ").append(options.get(i));
        }
        return sb.toString();
    }

    private static boolean listsOptions(String text, List<String> options) {
        return options.stream().allMatch(text::contains);
    }

    private static String instruction(TaskKind kind, boolean single) {
        String what = kind == TaskKind.CODE ? "program" : "solution";
        if (single) {
            return "You are given a problem and one candidate " + what + " for it. The candidate may be "
                    + "incomplete or wrong. Check it carefully step by step: keep what is right, fix what is "
                    + "wrong, and if its approach cannot work, solve the problem another way.";
        }
        return "You are given a problem and several candidate " + what + "s for it. Some or all of them may be "
                + "wrong. Study them, combine their useful ideas, and where they disagree work out which "
                + "reasoning is right. If every candidate is wrong, find a new approach of your own.";
    }

    private static String closing(TaskKind kind, boolean single) {
        if (kind == TaskKind.CODE) {
            return (single ? "Now write the corrected program" : "Now write one improved program")
                    + " as a single ```python code block, with the input and output format the problem asks for.";
        }
        return (single ? "Now write a refined, complete solution" : "Now write one improved, complete solution")
                + " and end it with the final answer in the required format: " + kind.formatHint();
    }
}
