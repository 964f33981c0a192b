package rsarl.rollout.prompt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregationTemplateTest {
    private static final Problem PUZZLE = Problem.of("p", "Find x with x + 1 = 3 modulo 10.", "2", "puzzle:modsolve");
    private static final List<String> CANDIDATES = List.of("<think>\n\n</think>\n\nx=2\n<answer>2</answer>",
            "x=5 {problem}\n<answer>5</answer>");

    @Test
    void defaultIsThePaperStylePrompt() {
        assertSame(AggregationTemplate.DEFAULT, AggregationTemplate.resolve("default"));
        assertSame(AggregationTemplate.DEFAULT, AggregationTemplate.resolve(null));
        assertEquals(PromptBuilder.aggregationPrompt(PUZZLE, CANDIDATES),
                AggregationTemplate.DEFAULT.render(PUZZLE, CANDIDATES));
    }

    @Test
    void compactRendersProblemNumberedCandidatesAndOneRequest() {
        String expected = "Find x with x + 1 = 3 modulo 10.\n\nGive your final answer between <answer> and </answer> "
                + "tags.\n\nCandidate solutions (some may be wrong):\n\n[1]\nx=2\n<answer>2</answer>\n\n"
                + "[2]\nx=5 {problem}\n<answer>5</answer>\n\nWrite one improved solution.";
        assertEquals(expected, AggregationTemplate.resolve("compact").render(PUZZLE, CANDIDATES));
        assertTrue(expected.length() < PromptBuilder.aggregationPrompt(PUZZLE, CANDIDATES).length() / 2);
    }

    @Test
    void yamlFileTemplateFillsEveryPlaceholderOnce(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, """
                prompt: "Q: {question}\\nF: {format}\\nK={k}\\n{candidates}P: {problem}"
                candidate: "({index}) {candidate}\\n"
                """);
        String p = AggregationTemplate.resolve(file.toString()).render(PUZZLE, CANDIDATES);
        assertEquals("Q: Find x with x + 1 = 3 modulo 10.\nF: Give your final answer between <answer> and </answer> "
                + "tags.\nK=2\n(1) x=2\n<answer>2</answer>\n(2) x=5 {problem}\n<answer>5</answer>\n"
                + "P: " + PromptBuilder.standardPrompt(PUZZLE), p);
    }

    @Test
    void badTemplatesAreRejectedNamingFileAndKey(@TempDir Path dir) throws Exception {
        Path unknown = dir.resolve("u.yaml");
        Files.writeString(unknown, "prompt: \"{problem} {candidates} {answer}\"\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AggregationTemplate.resolve(unknown.toString()));
        assertTrue(e.getMessage().contains(unknown + ": prompt: unknown placeholder {answer}"), e.getMessage());

        Path noCandidates = dir.resolve("n.yaml");
        Files.writeString(noCandidates, "prompt: \"{problem}\"\n");
        e = assertThrows(IllegalArgumentException.class, () -> AggregationTemplate.resolve(noCandidates.toString()));
        assertTrue(e.getMessage().contains("no {candidates}"), e.getMessage());

        Path extraKey = dir.resolve("x.yaml");
        Files.writeString(extraKey, "prompt: \"{candidates}\"\nclosing: hi\n");
        e = assertThrows(IllegalArgumentException.class, () -> AggregationTemplate.resolve(extraKey.toString()));
        assertTrue(e.getMessage().contains("key 'closing': unknown key"), e.getMessage());

        Path notText = dir.resolve("t.yaml");
        Files.writeString(notText, "prompt: 5\n");
        e = assertThrows(IllegalArgumentException.class, () -> AggregationTemplate.resolve(notText.toString()));
        assertTrue(e.getMessage().contains(notText + ": prompt: must be a string"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> AggregationTemplate.resolve("fancy", "rsa.template"));
        assertTrue(e.getMessage().startsWith("rsa.template: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AggregationTemplate.resolve("fancy"));
        assertTrue(e.getMessage().contains("'fancy' is neither a built-in template"), e.getMessage());
    }
}
