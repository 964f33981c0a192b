package rsarl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * configs/eval/tiny.yaml runs on the shipped model (models/tiny) and creates its problems, then evaluates them with
 * RSA; the trained model earns rewards (a random one earns none), so pass@1 is not zero.
 */
class TinyEvalConfigTest {
    @TempDir
    Path dir;

    @Test
    void shippedTinyEvalRunsOnTheShippedModel() throws IOException {
        Path config = Path.of("..", "configs", "eval", "tiny.yaml");
        String[] args = {"eval", "--config", config.toString(), "--no-progress",
                "--set", "backend.model=" + Path.of("..", "models", "tiny"),
                "--set", "data.path=" + dir.resolve("problems.jsonl"),
                "--set", "data.limit=4",
                "--set", "output_dir=" + dir.resolve("rsa")};
        CliRun run = CliRun.rsa(args);
        assertEquals(0, run.code(), run.err());
        assertEquals(32, Files.readAllLines(dir.resolve("problems.jsonl")).size());
        // 2 seeds x population 8 x steps 4 x 4 problems
        assertEquals(256, Files.readAllLines(dir.resolve("rsa/generations.jsonl")).size());
        assertEquals(8, Files.readAllLines(dir.resolve("rsa/metrics.jsonl")).size());
        assertTrue(Files.readString(dir.resolve("rsa/generations.jsonl")).contains("\"score\":1.0"),
                "the shipped model solves some puzzles");

        // A second run finds everything in place and repeats no request.
        CliRun again = CliRun.rsa(args);
        assertEquals(0, again.code(), again.err());
        assertEquals(256, Files.readAllLines(dir.resolve("rsa/generations.jsonl")).size());
    }
}
