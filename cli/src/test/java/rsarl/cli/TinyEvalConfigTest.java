package rsarl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** configs/eval/tiny.yaml runs from nothing: it creates its model and problems, then evaluates them with RSA. */
class TinyEvalConfigTest {
    @TempDir
    Path dir;

    @Test
    void shippedTinyEvalCreatesWhatItLacksAndRuns() throws IOException {
        Path config = Path.of("..", "configs", "eval", "tiny.yaml");
        String[] args = {"eval", "--config", config.toString(), "--no-progress",
                "--set", "backend.model=" + dir.resolve("model"),
                "--set", "data.path=" + dir.resolve("problems.jsonl"),
                "--set", "data.limit=2",
                "--set", "output_dir=" + dir.resolve("rsa")};
        CliRun run = CliRun.rsa(args);
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.isRegularFile(dir.resolve("model/config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("model/tokenizer.json")));
        assertEquals(8, Files.readAllLines(dir.resolve("problems.jsonl")).size());
        // population 4 x steps 3 x 2 problems
        assertEquals(24, Files.readAllLines(dir.resolve("rsa/generations.jsonl")).size());
        assertEquals(3, Files.readAllLines(dir.resolve("rsa/metrics.jsonl")).size());

        // A second run finds everything in place and repeats no request.
        CliRun again = CliRun.rsa(args);
        assertEquals(0, again.code(), again.err());
        assertEquals(24, Files.readAllLines(dir.resolve("rsa/generations.jsonl")).size());
    }
}
