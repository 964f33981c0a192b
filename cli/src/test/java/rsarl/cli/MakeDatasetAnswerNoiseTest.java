package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rsarl.rewards.Problem;
import rsarl.rewards.ProblemReader;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rsa make-dataset --sft-answer-noise F}: a share F of the standard answers replaced by a random wrong one. */
class MakeDatasetAnswerNoiseTest {

    @TempDir
    Path dir;

    @Test
    void aShareOfTheStandardAnswersIsAWrongResidueWithTheLastStepChangedToMatch() throws Exception {
        Path data = dir.resolve("modarith.jsonl");
        Path sft = dir.resolve("sft.jsonl");
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:modarith", "--n", "1000", "--seed", "4",
                "--out", data.toString(), "--sft-out", sft.toString(), "--sft-answer-noise", "0.25");
        assertEquals(0, r[0], () -> (String) r[2]);
        List<Problem> problems = ProblemReader.read(data);
        List<JsonNode> pairs = GradeCommandTest.readJsonl(sft);
        int noisy = 0;
        Set<String> wrongAnswers = new HashSet<>();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            String solution = p.metadata().get("solution").asText();
            String response = pairs.get(i).get("response").asText();
            if (response.equals(solution)) {
                continue;
            }
            noisy++;
            String answer = response.substring(response.lastIndexOf("<answer>") + 8, response.lastIndexOf("</answer>"));
            assertNotEquals(p.answer(), answer, response);
            int value = Integer.parseInt(answer);
            assertTrue(value >= 0 && value < 10, response);
            // only the last step's result and the tag change: the working before it is the reference's
            String[] got = response.split("\n");
            String[] want = solution.split("\n");
            assertEquals(want.length, got.length);
            assertEquals(want[0], got[0]);
            assertEquals(want[1].substring(0, want[1].indexOf('=') + 1) + answer, got[1]);
            wrongAnswers.add(p.answer() + "->" + answer);
        }
        assertTrue(noisy > 200 && noisy < 300, noisy + " noisy answers of 1000, want about 250");
        // wrong answers are spread over the other residues, not a fixed offset
        assertTrue(wrongAnswers.size() > 60, wrongAnswers.size() + " distinct (right -> wrong) answer pairs");
    }

    @Test
    void noiseOutsideTheUnitIntervalOrWithAttemptsIsRefused() throws Exception {
        Object[] r = GradeCommandTest.run("make-dataset", "--task", "puzzle:modarith", "--n", "10", "--out",
                dir.resolve("a.jsonl").toString(), "--sft-out", dir.resolve("b.jsonl").toString(),
                "--sft-answer-noise", "1.5");
        assertNotEquals(0, r[0]);
        assertTrue(((String) r[2]).contains("--sft-answer-noise must be in [0, 1], got 1.5"), (String) r[2]);
        Object[] both = GradeCommandTest.run("make-dataset", "--task", "puzzle:modsolve", "--n", "10", "--out",
                dir.resolve("a.jsonl").toString(), "--sft-out", dir.resolve("b.jsonl").toString(),
                "--sft-answer-noise", "0.2", "--sft-attempt-share", "0.5");
        assertNotEquals(0, both[0]);
        assertTrue(((String) both[2]).contains("give one of them"), (String) both[2]);
    }
}
