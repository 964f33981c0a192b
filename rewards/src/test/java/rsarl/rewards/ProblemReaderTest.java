package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProblemReaderTest {

    @TempDir
    Path dir;

    private Path write(String... lines) throws IOException {
        Path f = dir.resolve("data.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void readsCanonicalAndHuggingFaceFields() throws IOException {
        Path f = write(
                "{\"id\": \"a\", \"prompt\": \"1+1?\", \"answer\": \"2\", \"task\": \"math\"}",
                "",
                "{\"problem\": \"Half of 1?\", \"solution\": \"It is $\\\\boxed{\\\\frac12}$.\"}",
                "{\"question\": \"Q\", \"reward_model\": {\"ground_truth\": \"7\"}, \"extra_info\": {\"index\": 9}}",
                "{\"prompt\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"U\"}], \"answer\": 3}",
                "{\"id\": 5, \"prompt\": \"pick\", \"options\": [\"x\", \"y\"], \"answer\": 1, \"task\": \"choice\"}",
                "{\"id\": \"c\", \"prompt\": \"code\", \"task\": \"code\", \"tests\": [{\"input\": \"1\", \"output\": \"1\"}]}",
                "{\"id\": \"p\", \"prompt\": \"sort\", \"answer\": \"1, 2\", \"task\": \"puzzle:sort\", \"metadata\": {\"numbers\": [2, 1]}}");
        List<Problem> ps = ProblemReader.read(f);
        assertEquals(7, ps.size());
        assertEquals("a", ps.get(0).id());
        assertEquals("2", ps.get(0).answer());
        assertEquals("Half of 1?", ps.get(1).prompt());
        assertEquals("\\frac12", ps.get(1).answer());
        assertEquals("math", ps.get(1).task());
        assertEquals("3", ps.get(1).id(), "line number as id");
        assertEquals("7", ps.get(2).answer());
        assertEquals("9", ps.get(2).id());
        assertEquals("U", ps.get(3).prompt());
        assertEquals("3", ps.get(3).answer());
        assertEquals("B", ps.get(4).answer(), "integer index of a choice");
        assertEquals(List.of("x", "y"), ps.get(4).options());
        assertTrue(ps.get(5).tests().isArray());
        assertNull(ps.get(5).answer());
        assertEquals(2, ps.get(6).metadata().get("numbers").size());
    }

    @Test
    void malformedLineNamesFileAndLine() throws IOException {
        Path f = write("{\"id\": \"a\", \"prompt\": \"x\", \"answer\": \"1\"}", "{\"id\": \"b\", \"prompt\": ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProblemReader.read(f));
        assertTrue(e.getMessage().contains("data.jsonl:2"), e.getMessage());
    }

    @Test
    void nonObjectLineAndBadPrompt() throws IOException {
        Path f = write("[1, 2]");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ProblemReader.read(f)).getMessage().contains(":1"));
        Path g = write("{\"prompt\": \"fine\"}", "{\"prompt\": {\"a\": 1}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProblemReader.read(g));
        assertTrue(e.getMessage().contains("data.jsonl:2") && e.getMessage().contains("prompt"), e.getMessage());
    }

    @Test
    void missingFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProblemReader.read(dir.resolve("nope.jsonl")));
        assertTrue(e.getMessage().contains("nope.jsonl"));
    }

    @Test
    void verifiersForEveryTask() {
        for (String t : List.of("math", "choice", "code", "general", "puzzle:chain")) {
            assertTrue(Verifiers.forTask(t) != null);
        }
        assertThrows(IllegalArgumentException.class, () -> Verifiers.forTask("poetry"));
        Verifier g = Verifiers.forTask("general");
        assertEquals(1.0, g.grade("The answer is: Paris!", Problem.of("x", "q", "paris", "general")).score());
        assertEquals(0.0, g.grade("The answer is: Lyon", Problem.of("x", "q", "paris", "general")).score());
    }
}
