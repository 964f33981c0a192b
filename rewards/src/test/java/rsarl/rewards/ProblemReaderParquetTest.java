package rsarl.rewards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Problems from Parquet files in the layouts people download (fixtures written by pyarrow:
 * scripts/make-parquet-fixtures.py) and from other column names ({@code data.prompt_key}, ...).
 */
class ProblemReaderParquetTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ProblemReaderParquetTest.class.getResource("/parquet/" + name).toURI());
    }

    @Test
    void verlFileChatPromptAndGroundTruthSnappy() throws Exception {
        List<Problem> ps = ProblemReader.read(fixture("verl-gsm8k.parquet"), "math");
        assertEquals(2, ps.size());
        Problem p = ps.get(1);
        assertTrue(p.prompt().startsWith("A train travels 60 km in 1.5 hours."), p.prompt());
        assertEquals("40", p.answer());
        assertEquals("1", p.id(), "verl's extra_info.index");
        assertEquals("math", p.task());
    }

    @Test
    void math500ZstdWithItsOwnColumnNames() throws Exception {
        List<Problem> ps = ProblemReader.read(fixture("math500.parquet"), "math",
                new ProblemFields(null, null, "unique_id"));
        assertEquals(List.of("test/prealgebra/1.json", "test/algebra/7.json"), ps.stream().map(Problem::id).toList());
        assertEquals("\\frac{5}{6}", ps.get(0).answer());
        assertEquals("What is $\\frac{1}{2} + \\frac{1}{3}$?", ps.get(0).prompt());
    }

    @Test
    void aimeCapitalisedColumnsAndIntegerAnswersGzip() throws Exception {
        List<Problem> ps = ProblemReader.read(fixture("aime.parquet"), "math", new ProblemFields("Problem", "Answer", "ID"));
        assertEquals("2024-I-2", ps.get(1).id());
        assertEquals("12", ps.get(1).answer());
        assertEquals("How many positive divisors does $72$ have?", ps.get(1).prompt());
        assertEquals(1.0, Verifiers.forTask("math").grade("So \\boxed{12}.", ps.get(1)).score());
    }

    @Test
    void gpqaStyleChoicesWithAnIndexAnswerUncompressed() throws Exception {
        Problem p = ProblemReader.read(fixture("gpqa-style.parquet"), "choice").get(0);
        assertEquals(List.of("gluon", "photon", "W boson", "graviton"), p.options());
        assertEquals("B", p.answer());
        assertEquals("choice", p.task());
    }

    @Test
    void aMissingColumnNamesTheFileRowKeyAndTheColumnsThere() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProblemReader.read(
                fixture("aime.parquet"), "math", new ProblemFields("question", null, null)));
        assertTrue(e.getMessage().contains("aime.parquet: row 1: no column 'question' (data.prompt_key; columns: ID, "
                + "Problem, Solution, Answer)"), e.getMessage());
    }

    @Test
    void jsonlWithDottedKeys() throws IOException {
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, "{\"q\": {\"text\": \"1+1?\"}, \"meta\": {\"gold\": 2, \"uid\": \"x7\"}}\n");
        Problem p = ProblemReader.read(f, "math", new ProblemFields("q.text", "meta.gold", "meta.uid")).get(0);
        assertEquals("1+1?", p.prompt());
        assertEquals("2", p.answer());
        assertEquals("x7", p.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProblemReader.read(f, "math", new ProblemFields(null, "meta.answer", null)));
        assertTrue(e.getMessage().startsWith(f + ":1: no column 'meta.answer' (data.answer_key"), e.getMessage());
    }

    @Test
    void aFileThatIsNotParquetNamesItself() throws IOException {
        Path f = dir.resolve("broken.parquet");
        Files.writeString(f, "not parquet at all");
        Exception e = assertThrows(RuntimeException.class, () -> ProblemReader.read(f, "math"));
        assertTrue(e.getMessage().startsWith(f + ": not a readable Parquet file"), e.getMessage());
    }
}
