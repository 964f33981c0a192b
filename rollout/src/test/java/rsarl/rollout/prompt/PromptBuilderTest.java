package rsarl.rollout.prompt;

import org.junit.jupiter.api.Test;
import rsarl.rewards.Problem;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptBuilderTest {
    private static final Problem MATH = Problem.of("m1",
            "What is 2+3? Please reason step by step, and put your final answer within \\boxed{}.", "5", "math");

    @Test
    void standardPromptIsTheQuestionVerbatimWhenItCarriesItsFormat() {
        assertEquals(MATH.prompt(), PromptBuilder.standardPrompt(MATH));
        Problem bare = Problem.of("m2", "What is 2+3?", "5", "math");
        assertTrue(PromptBuilder.standardPrompt(bare).startsWith("What is 2+3?"));
        assertTrue(PromptBuilder.standardPrompt(bare).contains("\\boxed{}"));
        Problem puzzle = Problem.of("z", "Solve the maze.", "LR", "puzzle:maze");
        assertTrue(PromptBuilder.standardPrompt(puzzle).contains("<answer>"));
    }

    @Test
    void aggregationPromptHasTheDescribedStructureInOrder() {
        List<String> cands = List.of("First: \\boxed{5}", "Second with <think>reasoning</think> \\boxed{6}", "Third");
        String p = PromptBuilder.aggregationPrompt(MATH, cands);
        int instruction = p.indexOf("You are given a problem and several candidate solutions");
        int hint = p.indexOf("Put your final answer within \\boxed{}.");
        int problem = p.indexOf("# Problem");
        int question = p.indexOf(MATH.prompt());
        int section = p.indexOf("# Candidate solutions");
        int c1 = p.indexOf("=== Candidate 1 (begin) ===\nFirst: \\boxed{5}\n=== Candidate 1 (end) ===");
        int c2 = p.indexOf("=== Candidate 2 (begin) ===\n" + cands.get(1));
        int c3 = p.indexOf("=== Candidate 3 (begin) ===\nThird");
        int closing = p.lastIndexOf("one improved, complete solution");
        assertTrue(instruction == 0, p);
        assertTrue(instruction < hint && hint < problem && problem < question && question < section, p);
        assertTrue(section < c1 && c1 < c2 && c2 < c3 && c3 < closing, p);
        assertTrue(p.contains("may be wrong"));
        assertTrue(p.contains("new approach"));
    }

    @Test
    void singleCandidateUsesTheRefineVariant() {
        String p = PromptBuilder.aggregationPrompt(MATH, List.of("my try \\boxed{4}"));
        assertTrue(p.contains("one candidate solution"), p);
        assertTrue(p.contains("refined"), p);
        assertFalse(p.contains("Candidate 1"), p);
        assertTrue(p.contains("=== Candidate (begin) ===\nmy try \\boxed{4}\n=== Candidate (end) ==="), p);
    }

    @Test
    void formatHintsFollowTheTaskKind() {
        Problem choice = new Problem("c", "Which is prime?", "B", "choice", List.of("4", "5", "6"), null, null);
        String std = PromptBuilder.standardPrompt(choice);
        assertTrue(std.contains("A. 4\nB. 5\nC. 6"), std);
        assertTrue(std.contains("letter of the correct option"), std);
        String agg = PromptBuilder.aggregationPrompt(choice, List.of("a", "b"));
        assertTrue(agg.contains("letter of the correct option"));
        Problem puzzle = Problem.of("z", "Sort 3 1 2.", "1 2 3", "puzzle:sort");
        assertTrue(PromptBuilder.aggregationPrompt(puzzle, List.of("a", "b")).contains("<answer> and </answer>"));
        Problem code = Problem.of("k", "Read n, print n*2.", null, "code");
        String codeAgg = PromptBuilder.aggregationPrompt(code, List.of("```python\nprint(1)\n```", "x"));
        assertTrue(codeAgg.contains("candidate programs"), codeAgg);
        assertTrue(codeAgg.contains("single ```python code block"), codeAgg);
        assertTrue(PromptBuilder.aggregationPrompt(code, List.of("x")).contains("corrected program"));
        assertTrue(PromptBuilder.standardPrompt(Problem.of("g", "Name it.", "x", "general")).contains("\\boxed{}"));
    }

    @Test
    void unknownTaskIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptBuilder.standardPrompt(Problem.of("x", "q", "a", "poetry")));
        assertTrue(e.getMessage().contains("poetry"));
        assertThrows(IllegalArgumentException.class, () -> PromptBuilder.aggregationPrompt(MATH, List.of()));
    }

    @Test
    void emptyThinkBlockOfACandidateIsNotShownButReasoningIs() {
        Problem p = new Problem("e", "What is 2+2?", "4", "math", List.of(), null, null);
        String prompt = PromptBuilder.aggregationPrompt(p,
                List.of("<think>\n\n</think>\n\n2+2=4 \\boxed{4}", "<think>add</think> \\boxed{4}"));
        assertTrue(prompt.contains("(begin) ===\n2+2=4 \\boxed{4}\n"), prompt);
        assertTrue(prompt.contains("<think>add</think> \\boxed{4}"), prompt);
    }
}
