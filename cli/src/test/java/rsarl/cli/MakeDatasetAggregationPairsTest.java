package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rewards.puzzle.PuzzleFamily;
import rsarl.rewards.puzzle.Puzzles;
import rsarl.rollout.prompt.PromptBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rsa make-dataset}'s aggregation SFT pairs: the same problem's solution among corrupted or worked-wrong
 * candidates, vote rows, honest wrong attempts, copied candidates and the compact template (split from
 * {@link MakeDatasetCommandTest}, which covers the problems and the plain pairs).
 */
class MakeDatasetAggregationPairsTest {

    @TempDir
    Path dir;

    @Test
    void aggShareShowsTheSameProblemsSolutionAndCorruptedCopiesAsCandidates() throws Exception {
        Path data = dir.resolve("arith.jsonl");
        Path sft = dir.resolve("sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "200", "--seed", "4",
                "--difficulty", "2", "--out", data.toString(), "--sft-out", sft.toString(), "--sft-agg-share", "0.3");
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        int agg = 0;
        int correct = 0;
        int wrong = 0;
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            String solution = p.metadata().get("solution").asText();
            String prompt = pairs.get(i).get("prompt").asText();
            assertEquals(solution, pairs.get(i).get("response").asText());
            if (prompt.equals(PromptBuilder.standardPrompt(p))) {
                continue;
            }
            agg++;
            assertTrue(prompt.contains(p.prompt()) && prompt.contains("Candidate 4 (end)")
                    && !prompt.contains("Candidate 5"), prompt);
            for (String body : candidateBodies(prompt, 4)) {
                if (body.equals(solution)) {
                    correct++;
                } else {
                    wrong++;
                    assertEquals(solution.length(), body.length(), 1, "one number moved: " + body);
                    assertEquals(solution.replaceAll("\\d", ""), body.replaceAll("\\d", ""), body);
                }
            }
        }
        assertTrue(agg > 35 && agg < 85, "aggregation pairs: " + agg);
        assertTrue(correct > agg && wrong > agg, correct + " correct, " + wrong + " corrupted candidates");
    }

    @Test
    void answerTargetMakesVoteRowsWhoseResponseIsTheAnswerTagAlone() throws Exception {
        Path data = dir.resolve("arith.jsonl");
        Path sft = dir.resolve("sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "300", "--seed", "4",
                "--difficulty", "1", "--out", data.toString(), "--sft-out", sft.toString(), "--sft-agg-share", "0.5",
                "--sft-agg-target", "answer");
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        int agg = 0;
        int bareRows = 0;
        int right = 0;
        int wrong = 0;
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            String solution = p.metadata().get("solution").asText();
            String tag = "<answer>" + p.answer() + "</answer>";
            String prompt = pairs.get(i).get("prompt").asText();
            String response = pairs.get(i).get("response").asText();
            if (prompt.equals(PromptBuilder.standardPrompt(p))) {
                assertEquals(solution, response);
                continue;
            }
            agg++;
            assertEquals(tag, response);
            List<String> bodies = candidateBodies(prompt, 4);
            boolean bare = bodies.get(0).startsWith("<answer>");
            bareRows += bare ? 1 : 0;
            for (String body : bodies) {
                assertEquals(bare, body.startsWith("<answer>"), "one form per row: " + prompt);
                String answer = body.substring(body.lastIndexOf("<answer>") + 8, body.lastIndexOf("</answer>"));
                long off = Math.abs(Long.parseLong(answer) - Long.parseLong(p.answer()));
                assertTrue(off <= 3, "wrong answers are a few units off: " + body);
                if (off == 0) {
                    right++;
                    assertEquals(bare ? tag : solution, body);
                } else {
                    wrong++;
                    if (!bare) { // self-consistent: the last step's result is the (wrong) answer
                        String[] lines = body.split("\n");
                        assertTrue(lines[lines.length - 2].endsWith("=" + answer), body);
                        assertEquals(solution.split("\n").length, lines.length, body);
                    }
                }
            }
        }
        assertTrue(agg > 110 && agg < 190, "aggregation pairs: " + agg);
        assertTrue(bareRows > agg / 4 && bareRows < 3 * agg / 4, bareRows + " of " + agg + " rows bare");
        assertTrue(right > agg && wrong > agg, right + " right, " + wrong + " wrong candidates");

        Object[] bad = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "5", "--out",
                dir.resolve("x.jsonl").toString(), "--sft-agg-target", "steps");
        assertEquals(1, bad[0]);
        assertTrue(((String) bad[2]).contains("--sft-agg-target"), (String) bad[2]);
    }

    @Test
    void modularPuzzlesGetWrongCandidatesInsideTheModulus() throws Exception {
        for (String target : List.of("solution", "answer")) {
            Path data = dir.resolve("mod-" + target + ".jsonl");
            Path sft = dir.resolve("mod-sft-" + target + ".jsonl");
            Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:modarith", "--n", "200", "--seed", "6",
                    "--out", data.toString(), "--sft-out", sft.toString(), "--sft-agg-share", "0.6",
                    "--sft-agg-target", target);
            assertEquals(0, r[0], () -> (String) r[2]);
            List<Problem> problems = ProblemReader.read(data);
            List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
            int changed = 0;
            for (int i = 0; i < problems.size(); i++) {
                String prompt = pairs.get(i).get("prompt").asText();
                if (prompt.equals(PromptBuilder.standardPrompt(problems.get(i)))) {
                    continue;
                }
                String solution = problems.get(i).metadata().get("solution").asText();
                for (String body : candidateBodies(prompt, 4)) {
                    changed += body.equals(solution) || body.equals("<answer>" + problems.get(i).answer() + "</answer>")
                            ? 0 : 1;
                    // Every number a candidate shows is a residue: a moved number wraps around instead of leaving 0-9.
                    assertTrue(body.replaceAll("[^0-9]+", " ").strip().matches("[0-9]( [0-9])*"), target + ": " + body);
                }
            }
            assertTrue(changed > 100, target + ": " + changed + " wrong candidates");
        }
    }

    @Test
    void familiesWithAttemptsGetWorkedWrongCandidates() throws Exception {
        PuzzleFamily family = Puzzles.family("modsolve");
        for (String target : List.of("solution", "answer")) {
            Path data = dir.resolve("solve-" + target + ".jsonl");
            Path sft = dir.resolve("solve-sft-" + target + ".jsonl");
            Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:modsolve", "--n", "200", "--seed", "8",
                    "--out", data.toString(), "--sft-out", sft.toString(), "--sft-agg-share", "0.6",
                    "--sft-agg-target", target);
            assertEquals(0, r[0], () -> (String) r[2]);
            List<Problem> problems = ProblemReader.read(data);
            List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
            int wrong = 0;
            for (int i = 0; i < problems.size(); i++) {
                Problem p = problems.get(i);
                String prompt = pairs.get(i).get("prompt").asText();
                if (prompt.equals(PromptBuilder.standardPrompt(p))) {
                    continue;
                }
                for (String body : candidateBodies(prompt, 4)) {
                    if (body.startsWith("<answer>")) {
                        continue; // a bare vote-row candidate
                    }
                    String answer = body.substring(body.lastIndexOf("<answer>") + 8, body.lastIndexOf("</answer>"));
                    // A wrong candidate is the family's own guess-and-check for its answer, not an edited solution.
                    assertEquals(family.attempt(p.metadata(), answer), body, target);
                    wrong += answer.equals(p.answer()) ? 0 : 1;
                }
            }
            assertTrue(wrong > 60, target + ": " + wrong + " wrong candidates");
        }
    }

    @Test
    void attemptShareAnswersSomeStandardPairsWithAnHonestWrongAttempt() throws Exception {
        PuzzleFamily family = Puzzles.family("modsolve");
        Path data = dir.resolve("solve.jsonl");
        Path sft = dir.resolve("solve-sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:modsolve", "--n", "400", "--seed", "8",
                "--out", data.toString(), "--sft-out", sft.toString(), "--sft-attempt-share", "0.5");
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        int attempts = 0;
        HashSet<String> guesses = new HashSet<>();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            assertEquals(PromptBuilder.standardPrompt(p), pairs.get(i).get("prompt").asText());
            String response = pairs.get(i).get("response").asText();
            if (response.equals(p.metadata().get("solution").asText())) {
                continue;
            }
            attempts++;
            String guess = response.substring(2, response.indexOf('\n'));
            assertNotEquals(p.answer(), guess, response);
            assertEquals(family.attempt(p.metadata(), guess), response);
            assertTrue(!response.split("\n")[response.split("\n").length - 2]
                    .endsWith("=" + p.metadata().get("target").asText()), "the check shows the miss: " + response);
            guesses.add(guess);
        }
        assertTrue(attempts > 160 && attempts < 240, attempts + " attempts of 400");
        assertEquals(10, guesses.size(), "wrong guesses spread over the digits: " + guesses);

        Object[] plain = GradeCommandTest.run("make-dataset", "--task", "puzzle:modsolve", "--n", "400", "--seed", "8",
                "--out", dir.resolve("plain.jsonl").toString(), "--sft-out", dir.resolve("plain-sft.jsonl").toString());
        assertEquals(0, plain[0]);
        assertEquals(Files.readString(data), Files.readString(dir.resolve("plain.jsonl")), "same problems");
        Object[] bad = GradeCommandTest.run("make-dataset", "--task", "puzzle:arith", "--n", "5", "--out",
                dir.resolve("x.jsonl").toString(), "--sft-out", dir.resolve("y.jsonl").toString(),
                "--sft-attempt-share", "0.5");
        assertEquals(1, bad[0]);
        assertTrue(((String) bad[2]).contains("--sft-attempt-share"), (String) bad[2]);
    }

    @Test
    void aggCopyShareAnswersSomeAggregationPairsWithOneOfTheirCandidates() throws Exception {
        Path data = dir.resolve("copy.jsonl");
        Path sft = dir.resolve("copy-sft.jsonl");
        Path ref = dir.resolve("copy-ref-sft.jsonl");
        String[] common = {"make-dataset", "--task", "puzzle:modsolve", "--n", "600", "--seed", "8", "--out",
                data.toString(), "--sft-agg-share", "0.5", "--sft-attempt-share", "0.5"};
        Object[] r = GradeCommandTest.run(concat(common, "--sft-out", sft.toString(), "--sft-agg-copy-share", "0.5"));
        assertEquals(0, r[0], () -> (String) r[2]);
        Object[] r0 = GradeCommandTest.run(concat(common, "--sft-out", ref.toString()));
        assertEquals(0, r0[0], () -> (String) r0[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        List<JsonNode> refPairs = GradeCommandTest.readJsonl(ref);
        int aggregation = 0;
        int copiedWrong = 0;
        for (int i = 0; i < problems.size(); i++) {
            String prompt = pairs.get(i).get("prompt").asText();
            assertEquals(refPairs.get(i).get("prompt").asText(), prompt, "same prompts with and without copies");
            String response = pairs.get(i).get("response").asText();
            if (!prompt.startsWith("You are given a problem and several candidate solutions")) {
                assertEquals(refPairs.get(i).get("response").asText(), response, "standard pairs unchanged");
                continue;
            }
            aggregation++;
            if (!response.equals(problems.get(i).metadata().get("solution").asText())) {
                copiedWrong++;
                assertTrue(candidateBodies(prompt, 4).contains(response), "a wrong response is a copied candidate");
            }
        }
        // half the pairs copy a uniform candidate, half of the candidates are wrong: ~1/4 of the pairs answer wrong
        assertTrue(aggregation > 240 && aggregation < 360, aggregation + " aggregation pairs of 600");
        assertTrue(copiedWrong > aggregation / 8 && copiedWrong < aggregation * 3 / 8,
                copiedWrong + " wrong copies of " + aggregation);

        Object[] bad = GradeCommandTest.run(concat(common, "--sft-out", ref.toString(), "--sft-agg-copy-share", "1.5"));
        assertEquals(1, bad[0]);
        assertTrue(((String) bad[2]).contains("--sft-agg-copy-share"), (String) bad[2]);
    }

    @Test
    void aggTemplateRendersTheSameAggregationPairsCompactly() throws Exception {
        Path data = dir.resolve("tpl.jsonl");
        Path paper = dir.resolve("tpl-default.jsonl");
        Path compact = dir.resolve("tpl-compact.jsonl");
        String[] common = {"make-dataset", "--task", "puzzle:modsolve", "--n", "40", "--seed", "8", "--out",
                data.toString(), "--sft-agg-share", "0.5"};
        Object[] r = GradeCommandTest.run(concat(common, "--sft-out", paper.toString()));
        assertEquals(0, r[0], () -> (String) r[2]);
        Object[] c = GradeCommandTest.run(concat(common, "--sft-out", compact.toString(), "--sft-agg-template", "compact"));
        assertEquals(0, c[0], () -> (String) c[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> a = GradeCommandTest.readJsonl(paper);
        List<JsonNode> b = GradeCommandTest.readJsonl(compact);
        int aggregation = 0;
        for (int i = 0; i < problems.size(); i++) {
            String pa = a.get(i).get("prompt").asText();
            String pb = b.get(i).get("prompt").asText();
            assertEquals(a.get(i).get("response").asText(), b.get(i).get("response").asText());
            if (!pa.startsWith("You are given a problem")) {
                assertEquals(pa, pb, "standard pairs do not depend on the template");
                continue;
            }
            aggregation++;
            List<String> candidates = candidateBodies(pa, 4);
            assertEquals(rsarl.rollout.prompt.AggregationTemplate.COMPACT.render(problems.get(i), candidates), pb);
        }
        assertTrue(aggregation > 10, aggregation + " aggregation pairs");
        Object[] bad = GradeCommandTest.run(concat(common, "--sft-out", compact.toString(), "--sft-agg-template", "x"));
        assertEquals(1, bad[0]);
        assertTrue(((String) bad[2]).contains("--sft-agg-template"), (String) bad[2]);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The texts between "=== Candidate c (begin) ===" and "(end)" for c = 1..k, as PromptBuilder lays them out. */
    private static List<String> candidateBodies(String prompt, int k) {
        List<String> bodies = new ArrayList<>();
        for (int c = 1; c <= k; c++) {
            bodies.add(prompt.split("=== Candidate " + c + " \\(begin\\) ===\n")[1]
                    .split("\n=== Candidate " + c + " \\(end\\)")[0]);
        }
        return bodies;
    }

}
