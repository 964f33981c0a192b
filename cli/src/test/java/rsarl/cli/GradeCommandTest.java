package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Runs the CLI, returning {exitCode, stdout, stderr}. */
    static Object[] run(String... args) {
        CliRun r = CliRun.rsa(args);
        return new Object[]{r.code(), r.out(), r.err()};
    }

    static List<JsonNode> readJsonl(Path f) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void gradesMathResponses() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"a\", \"response\": \"Thus $\\\\boxed{\\\\frac{1}{2}}$.\", \"answer\": \"0.5\"}",
                "{\"id\": \"b\", \"response\": \"7\", \"answer\": \"$8$\"}",
                "{\"id\": \"c\", \"response\": \"I do not know, this is long and has no answer at all in it so nothing is extracted.\\nreally\", \"answer\": \"\\\\boxed{3}\"}"));
        Path outFile = dir.resolve("out/graded.jsonl");
        Object[] r = run("grade", "--task", "math", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<JsonNode> rows = readJsonl(outFile);
        assertEquals(3, rows.size());
        assertEquals("a", rows.get(0).get("id").asText());
        assertEquals(1.0, rows.get(0).get("score").asDouble());
        assertEquals("\\frac{1}{2}", rows.get(0).get("extracted").asText());
        assertEquals(0.0, rows.get(1).get("score").asDouble());
        assertEquals("7", rows.get(1).get("extracted").asText());
        assertTrue(rows.get(2).get("extracted").isNull());
        assertEquals(5, rows.get(0).size(), "exactly id, score, extracted, gold_extracted, reason");
        assertEquals("0.5", rows.get(0).get("gold_extracted").asText());
        assertEquals("equivalent to gold", rows.get(0).get("reason").asText());
        assertEquals("8", rows.get(1).get("gold_extracted").asText());
        assertEquals("not equivalent to gold", rows.get(1).get("reason").asText());
        assertEquals("3", rows.get(2).get("gold_extracted").asText(), "the boxed gold goes through the extractor");
        assertEquals("no final answer found", rows.get(2).get("reason").asText());
        String err = (String) r[2];
        assertTrue(err.contains("graded 3") && err.contains("0.3333"), err);
    }

    @Test
    void writesToStdoutWithoutOutputAndGradesChoice() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of(
                "{\"id\": 1, \"response\": \"The answer is (B).\", \"answer\": \"B\", \"options\": [\"x\", \"y\", \"z\"]}",
                "{\"id\": 2, \"response\": \"\\\\boxed{A, B, C}\", \"answer\": \"B\", \"options\": [\"x\", \"y\", \"z\"]}"));
        Object[] r = run("grade", "--task", "choice", "--input", in.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        String[] lines = ((String) r[1]).strip().split("\n");
        assertEquals(2, lines.length);
        assertEquals(1.0, JSON.readTree(lines[0]).get("score").asDouble());
        assertEquals(0.0, JSON.readTree(lines[1]).get("score").asDouble());
    }

    @Test
    void gradesCodeWhenPythonIsPresent() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(rsarl.rewards.code.Sandbox.ready(),
                () -> "skipping the code grading test: " + rsarl.rewards.code.Sandbox.refusal());
        Path in = dir.resolve("code.jsonl");
        String tests = "\"tests\": {\"inputs\": [\"2\\n\", \"5\\n\"], \"outputs\": [\"4\\n\", \"25\\n\"]}";
        Files.write(in, List.of(
                "{\"id\": \"ok\", \"response\": \"```python\\nn = int(input())\\nprint(n * n)\\n```\", " + tests + "}",
                "{\"id\": \"bad\", \"response\": \"```python\\nprint(4)\\n```\", " + tests + "}"));
        Path outFile = dir.resolve("code-out.jsonl");
        Object[] r = run("grade", "--task", "code", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r[0], () -> (String) r[2]);
        List<JsonNode> rows = readJsonl(outFile);
        assertEquals(1.0, rows.get(0).get("score").asDouble());
        assertEquals(0.0, rows.get(1).get("score").asDouble());
        assertTrue(rows.get(0).get("extracted").asText().contains("n * n"));
    }

    @Test
    void malformedLineIsOneClearError() throws Exception {
        Path in = dir.resolve("bad.jsonl");
        Files.write(in, List.of("{\"id\": \"a\", \"response\": \"1\", \"answer\": \"1\"}", "{oops"));
        Object[] r = run("grade", "--task", "math", "--input", in.toString());
        assertNotEquals(0, r[0]);
        String err = ((String) r[2]).strip();
        assertTrue(err.contains("bad.jsonl:2") && !err.contains("\n"), err);
        Files.write(in, List.of("{\"id\": \"a\", \"answer\": \"1\"}"));
        Object[] r2 = run("grade", "--task", "math", "--input", in.toString());
        assertTrue(((String) r2[2]).contains("bad.jsonl:1") && ((String) r2[2]).contains("missing field 'response'"), (String) r2[2]);
        assertNotEquals(0, r2[0]);
        Files.write(in, List.of("{\"id\": \"a\", \"response\": \"1\", \"answer\": \"1\"}",
                "{\"id\": \"b\", \"response\": \"\\\\boxed{2}\"}"));
        Path out = dir.resolve("never.jsonl");
        Object[] r4 = run("grade", "--task", "math", "--input", in.toString(), "--output", out.toString());
        String err4 = ((String) r4[2]).strip();
        assertNotEquals(0, r4[0], "a line without a gold answer is an error, not a score of 0");
        assertTrue(err4.contains("bad.jsonl:2") && err4.contains("missing field 'answer'") && !err4.contains("\n"), err4);
        assertTrue(!Files.exists(out), "nothing is written when the input is bad");
        Files.write(in, List.of("{\"id\": \"c\", \"response\": \"```python\\nprint(1)\\n```\"}"));
        Object[] r5 = run("grade", "--task", "code", "--input", in.toString());
        assertTrue(((String) r5[2]).contains("bad.jsonl:1") && ((String) r5[2]).contains("missing field 'tests'"), (String) r5[2]);
        Object[] r3 = run("grade", "--task", "astrology", "--input", in.toString());
        assertTrue(((String) r3[2]).contains("unknown task"), (String) r3[2]);
    }
}
