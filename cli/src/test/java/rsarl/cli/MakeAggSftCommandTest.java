package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rollout.candidates.PoolFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MakeAggSftCommandTest {

    @TempDir
    Path dir;

    /** Two puzzles, each with a pool of 5 made-up candidates: slot i of problem j says "cand-j-i" (0 and 3 right). */
    private Path[] fixture() throws Exception {
        Path data = dir.resolve("p.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "2", "--seed", "5",
                "--out", data.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<String> pool = new ArrayList<>();
        for (Problem p : ProblemReader.read(data)) {
            for (int i = 0; i < 5; i++) {
                pool.add("{\"problem_id\":\"" + p.id() + "\",\"slot\":" + i + ",\"response\":\"cand-" + p.id() + "-" + i
                        + "\",\"score\":" + (i % 3 == 0 ? 1 : 0) + "}");
            }
        }
        Path pools = dir.resolve("pools.jsonl");
        Files.write(pools, pool);
        return new Path[] {data, pools};
    }

    @Test
    void pairsShowKDistinctPoolCandidatesAndAnswerWithTheReference() throws Exception {
        Path[] f = fixture();
        Path out = dir.resolve("agg.jsonl");
        Object[] r = GradeCommandTest.run("make-agg-sft", "--problems", f[0].toString(), "--pools", f[1].toString(),
                "--k", "3", "--per-problem", "4", "--seed", "9", "--out", out.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(f[0]);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(out);
        assertEquals(8, pairs.size());
        Set<String> subsets = new HashSet<>();
        for (int i = 0; i < pairs.size(); i++) {
            Problem p = problems.get(i / 4);
            String prompt = pairs.get(i).get("prompt").asText();
            assertEquals(p.metadata().get("solution").asText(), pairs.get(i).get("response").asText());
            assertTrue(prompt.contains(p.prompt()) && prompt.contains("Candidate 3 (end)")
                    && !prompt.contains("Candidate 4"), prompt);
            Set<String> shown = new HashSet<>();
            for (int c = 0; c < 5; c++) {
                if (prompt.contains("cand-" + p.id() + "-" + c + "\n")) {
                    shown.add("cand-" + c);
                }
            }
            assertEquals(3, shown.size(), prompt);
            assertFalse(prompt.contains("cand-" + problems.get(1 - i / 4).id()), "other problem's candidate shown");
            subsets.add(p.id() + shown);
        }
        assertTrue(subsets.size() > 2, "subsets should vary: " + subsets);
    }

    @Test
    void correctModeAnswersWithACorrectCandidateAndTheSameSeedGivesTheSameFile() throws Exception {
        Path[] f = fixture();
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        Path c = dir.resolve("c.jsonl");
        for (Path out : List.of(a, b)) {
            Object[] r = GradeCommandTest.run("make-agg-sft", "--problems", f[0].toString(), "--pools",
                    f[1].toString(), "--response", "correct", "--per-problem", "6", "--seed", "1", "--out", out.toString());
            assertEquals(0, r[0], () -> (String) r[2]);
        }
        GradeCommandTest.run("make-agg-sft", "--problems", f[0].toString(), "--pools", f[1].toString(),
                "--response", "correct", "--per-problem", "6", "--seed", "2", "--out", c.toString());
        assertEquals(Files.readString(a), Files.readString(b));
        assertNotEquals(Files.readString(a), Files.readString(c));
        for (JsonNode pair : GradeCommandTest.readJsonl(a)) {
            String response = pair.get("response").asText();
            assertTrue(response.matches("cand-.*-[03]"), "not a correct candidate: " + response);
        }
    }

    @Test
    void majorityAnswersWithAShownCandidateOfThePluralityAnswer() {
        SplittableRandom rnd = new SplittableRandom(3);
        List<PoolFile.Candidate> shown = List.of(cand("<think>\n\n</think>\n\na", "5"), cand("b", "7"),
                cand("c", "5"), cand("d", null));
        for (int i = 0; i < 20; i++) {
            String r = MakeAggSftCommand.majority(shown, "ref", rnd);
            assertTrue(r.equals("a") || r.equals("c"), r); // the empty think block is dropped, as in the prompt
        }
        Set<String> tie = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            tie.add(MakeAggSftCommand.majority(List.of(cand("x", "1"), cand("y", "2")), "ref", rnd));
        }
        assertEquals(Set.of("x", "y"), tie);
        assertEquals("ref", MakeAggSftCommand.majority(List.of(cand("x", null), cand("y", " ")), "ref", rnd));
    }

    private static PoolFile.Candidate cand(String response, String extracted) {
        return new PoolFile.Candidate(response, 0, extracted);
    }

    @Test
    void aPoolSmallerThanKIsRejectedNamingTheProblem() throws Exception {
        Path[] f = fixture();
        Object[] r = GradeCommandTest.run("make-agg-sft", "--problems", f[0].toString(), "--pools", f[1].toString(),
                "--k", "6", "--out", dir.resolve("x.jsonl").toString());
        assertNotEquals(0, r[0]);
        String id = ProblemReader.read(f[0]).get(0).id();
        assertTrue(((String) r[2]).contains(id) && ((String) r[2]).contains("fewer than --k 6"), (String) r[2]);
        assertFalse(Files.exists(dir.resolve("x.jsonl")));
    }
}
