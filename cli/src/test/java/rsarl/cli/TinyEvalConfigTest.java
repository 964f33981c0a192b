package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    /**
     * The quick start's claim: on the shipped model RSA raises pass@1 over the states (its errors differ between
     * samples and its aggregator votes). The shipped config as it is (2 seeds, T=4): measured +0.12, and +0.10 ± 0.02
     * over 3 other seeds, so another CPU's rounding (other samples drawn) stays well above the 0.03 asked here; fails
     * if the model stops aggregating or the aggregation prompt changes under it.
     */
    @Test
    void rsaRaisesPassAt1OnTheShippedModel() throws IOException {
        Path config = Path.of("..", "configs", "eval", "tiny.yaml");
        CliRun run = CliRun.rsa("eval", "--config", config.toString(), "--no-progress",
                "--set", "backend.model=" + Path.of("..", "models", "tiny"),
                "--set", "data.path=" + dir.resolve("problems.jsonl"),
                "--set", "output_dir=" + dir.resolve("rsa"));
        assertEquals(0, run.code(), run.err());
        JsonNode states = new ObjectMapper().readTree(dir.resolve("rsa/summary.json").toFile()).get("states");
        double first = states.get(0).get("pass@1").get("mean").asDouble();
        double last = states.get(3).get("pass@1").get("mean").asDouble();
        assertTrue(first > 0.3 && last > first + 0.03, "pass@1 at T=1 " + first + ", at T=4 " + last);
    }
}
