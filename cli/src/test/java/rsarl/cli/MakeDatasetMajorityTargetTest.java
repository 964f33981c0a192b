package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;
import rsarl.rollout.prompt.PromptBuilder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rsa make-dataset --sft-agg-target majority}: vote rows answered by the candidates' most common answer. */
class MakeDatasetMajorityTargetTest {

    @TempDir
    Path dir;

    @Test
    void majorityTargetAnswersWithTheCandidatesMostCommonAnswerNotTheRightOne() throws Exception {
        Path data = dir.resolve("modarith.jsonl");
        Path sft = dir.resolve("sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:modarith", "--n", "400", "--seed", "3",
                "--out", data.toString(), "--sft-out", sft.toString(), "--sft-agg-share", "0.5",
                "--sft-agg-target", "majority", "--sft-layout-k", "3");
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        int agg = 0;
        int wrongMajority = 0;
        int ties = 0;
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            String prompt = pairs.get(i).get("prompt").asText();
            String response = pairs.get(i).get("response").asText();
            if (prompt.equals(PromptBuilder.standardPrompt(p))) {
                assertEquals(p.metadata().get("solution").asText(), response);
                continue;
            }
            agg++;
            List<String> answers = new ArrayList<>();
            for (String body : candidateBodies(prompt, 3)) {
                answers.add(body.substring(body.lastIndexOf("<answer>") + 8, body.lastIndexOf("</answer>")));
            }
            String a = answers.get(0);
            String b = answers.get(1);
            String c = answers.get(2);
            // K = 3: two or three agreeing candidates decide; three different answers go to the first shown
            String expected = a.equals(b) || a.equals(c) ? a : b.equals(c) ? b : a;
            ties += !a.equals(b) && !a.equals(c) && !b.equals(c) ? 1 : 0;
            assertEquals("<answer>" + expected + "</answer>", response, prompt);
            wrongMajority += expected.equals(p.answer()) ? 0 : 1;
        }
        assertTrue(agg > 150 && agg < 250, "aggregation pairs: " + agg);
        assertTrue(wrongMajority > agg / 10, wrongMajority + " of " + agg + " pairs whose majority is wrong");
        assertTrue(ties > 0, "some rows have three different answers");
    }

    @Test
    void majorityAnswerCountsFinalAnswerTagsAndBreaksTiesTowardTheFirstShown() {
        assertEquals("5", MajorityAnswer.of(List.of("<answer>3</answer>", "x=5\n<answer>5</answer>",
                "<answer> 5 </answer>")));
        assertEquals("3", MajorityAnswer.of(List.of("<answer>3</answer>", "<answer>5</answer>")));
        assertEquals("5", MajorityAnswer.of(List.of("no tag", "<answer>1</answer><answer>5</answer>")));
        assertNull(MajorityAnswer.of(List.of("no tag")));
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
