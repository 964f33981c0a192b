package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rollout.prompt.PromptBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MakeDatasetCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesPuzzlesThatGradeAsCorrectWithTheirSolutions() throws Exception {
        Path data = dir.resolve("chain.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:chain", "--n", "200", "--seed", "3",
                "--out", data.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        assertEquals(200, problems.size());
        assertEquals(200, new HashSet<>(problems.stream().map(Problem::id).toList()).size());
        assertTrue(problems.stream().allMatch(p -> p.task().equals("puzzle:chain") && p.metadata().has("ops")));

        // feed the reference solutions back through `rsa grade`: every one must score 1
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(data)) {
            ObjectNode o = (ObjectNode) json.readTree(line);
            o.put("response", o.get("solution").asText());
            lines.add(o.toString());
        }
        Path in = dir.resolve("responses.jsonl");
        Files.write(in, lines);
        Path graded = dir.resolve("graded.jsonl");
        Object[] g = GradeCommandTest.run("grade", "--task", "puzzle:chain", "--input", in.toString(), "--output", graded.toString());
        assertEquals(0, g[0], () -> (String) g[2]);
        List<JsonNode> rows = GradeCommandTest.readJsonl(graded);
        assertEquals(200, rows.size());
        assertTrue(rows.stream().allMatch(x -> x.get("score").asDouble() == 1.0));
        assertTrue(((String) g[2]).contains("mean score 1.0000"), (String) g[2]);
    }

    @Test
    void sameSeedSameFile() throws Exception {
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        Path c = dir.resolve("c.jsonl");
        GradeCommandTest.run("make-dataset", "--task", "puzzle:countdown", "--n", "30", "--seed", "1", "--difficulty", "2", "--out", a.toString());
        GradeCommandTest.run("make-dataset", "--task", "puzzle:countdown", "--n", "30", "--seed", "1", "--difficulty", "2", "--out", b.toString());
        GradeCommandTest.run("make-dataset", "--task", "puzzle:countdown", "--n", "30", "--seed", "2", "--difficulty", "2", "--out", c.toString());
        assertEquals(Files.readString(a), Files.readString(b));
        assertNotEquals(Files.readString(a), Files.readString(c));
    }

    @Test
    void writesSftPairsWithTheStandardRsaPromptAndTheReferenceSolution() throws Exception {
        Path data = dir.resolve("arith.jsonl");
        Path sft = dir.resolve("sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "20", "--seed", "5",
                "--difficulty", "2", "--out", data.toString(), "--sft-out", sft.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        assertEquals(20, pairs.size());
        for (int i = 0; i < 20; i++) {
            Problem p = problems.get(i);
            assertEquals(PromptBuilder.standardPrompt(p), pairs.get(i).get("prompt").asText());
            assertEquals(p.metadata().get("solution").asText(), pairs.get(i).get("response").asText());
            assertTrue(pairs.get(i).get("response").asText().endsWith("<answer>" + p.answer() + "</answer>"));
        }
    }

    @Test
    void layoutShareRendersSomeSftPromptsAsAggregationPromptsWithOtherProblemsSolutions() throws Exception {
        Path data = dir.resolve("arith.jsonl");
        Path sft = dir.resolve("sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "200", "--seed", "4",
                "--difficulty", "2", "--out", data.toString(), "--sft-out", sft.toString(), "--sft-layout-share", "0.25");
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        int layout = 0;
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            String prompt = pairs.get(i).get("prompt").asText();
            assertEquals(p.metadata().get("solution").asText(), pairs.get(i).get("response").asText());
            if (prompt.equals(PromptBuilder.standardPrompt(p))) {
                continue;
            }
            layout++;
            assertTrue(prompt.contains("# Candidate solutions") && prompt.contains("Candidate 4 (end)")
                    && !prompt.contains("Candidate 5"), prompt);
            assertTrue(prompt.contains(p.prompt()), prompt);
            assertTrue(!prompt.contains(p.metadata().get("solution").asText()), "own solution leaked: " + prompt);
        }
        assertTrue(layout > 25 && layout < 75, "layout pairs: " + layout);
    }

    @Test
    void aggAndLayoutSharesMayNotExceedOne() {
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "10", "--out",
                dir.resolve("x.jsonl").toString(), "--sft-layout-share", "0.6", "--sft-agg-share", "0.6");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("--sft-agg-share"), (String) r[2]);
    }

    @Test
    void excludeKeepsHeldOutQuestionsOutAndStillWritesNProblems() throws Exception {
        Path heldOut = dir.resolve("eval.jsonl");
        Path train = dir.resolve("train.jsonl");
        // difficulty 1 arith has few distinct questions, so the same seed's first 50 overlap heavily
        GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "50", "--seed", "9", "--out", heldOut.toString());
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "200", "--seed", "9",
                "--exclude", heldOut.toString(), "--out", train.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> held = ProblemReader.read(heldOut);
        List<Problem> kept = ProblemReader.read(train);
        assertEquals(200, kept.size());
        var questions = new HashSet<>(held.stream().map(Problem::prompt).toList());
        assertTrue(kept.stream().noneMatch(p -> questions.contains(p.prompt())));
        assertEquals(200, new HashSet<>(kept.stream().map(Problem::id).toList()).size());

        Object[] bad = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "5", "--seed", "9",
                "--exclude", dir.resolve("missing.jsonl").toString(), "--out", train.toString());
        assertNotEquals(0, bad[0]);
        assertTrue(((String) bad[2]).contains("missing.jsonl"), (String) bad[2]);
    }

    @Test
    void unknownFamilyOrTaskIsAnError() {
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:nope", "--out", dir.resolve("x.jsonl").toString());
        assertNotEquals(0, r[0]);
        assertTrue(((String) r[2]).contains("unknown puzzle family"), (String) r[2]);
        Object[] r2 = GradeCommandTest.run("make-dataset", "--task", "math", "--out", dir.resolve("x.jsonl").toString());
        assertTrue(((String) r2[2]).contains("puzzle:<family>"), (String) r2[2]);
    }
}
