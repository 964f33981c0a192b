package rsarl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rsa sweep} with {@code command: train+eval} on a self-creating tiny model (real training, 2 steps a run). */
class SweepTrainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainEvalTrainsEachCellThenEvaluatesItsFinalCheckpoint(@TempDir Path dir) throws IOException {
        Path train = dir.resolve("train.yaml");
        Files.writeString(train, String.join("\n",
                "model: " + dir.resolve("model"),
                "init: {preset: tiny, seed: 0, vocab_size: 300}",
                "seed: 7",
                "data:",
                "  path: " + dir.resolve("problems.jsonl"),
                "  generate: {task: \"puzzle:arith\", n: 4, seed: 0}",
                "  pools: " + dir.resolve("pools.jsonl"),
                "  pools_generate: {per_problem: 2, seed: 9}",
                "  task: \"puzzle:arith\"",
                "aggregation: {ratio: 0.5, k: 2, source: pool}",
                "num_generations: 2",
                "batch_size: 2",
                "sampling: {max_tokens: 6}",
                "advantage: rloo",
                "learning_rate: 1.0e-2",
                "max_steps: 2",
                "save_steps: 2",
                "output_dir: unused", ""));
        Path eval = dir.resolve("eval.yaml");
        Files.writeString(eval, String.join("\n",
                "backend: {type: local, model: unused, max_batch: 8}",
                "data: {path: " + dir.resolve("problems.jsonl") + ", task: \"puzzle:arith\"}",
                "rsa: {population: 2, k: 2, steps: 2}",
                "sampling: {max_tokens: 6}",
                "output_dir: unused", ""));
        Path sweep = dir.resolve("sweep.yaml");
        Files.writeString(sweep, String.join("\n",
                "command: train+eval",
                "base: " + train,
                "eval_config: " + eval,
                "grid: {aggregation.ratio: [0.0, 0.5]}",
                "seeds: [3]",
                "max_parallel: 2", // the second run trains on a worker thread
                "output_dir: " + dir.resolve("sweep"), ""));
        assertEquals(0, Rsa.run("sweep", "--config", sweep.toString()));
        for (String cell : List.of("ratio=0.0", "ratio=0.5")) {
            Path run = dir.resolve("sweep").resolve(cell).resolve("seed-3");
            assertTrue(Files.isDirectory(run.resolve("train/checkpoint-2/model")), cell);
            JsonNode manifest = JSON.readTree(run.resolve("eval/run.json").toFile());
            assertEquals(run.resolve("train/checkpoint-2/model").toString(), manifest.get("backend").get("model").asText());
            List<String> metrics = Files.readAllLines(run.resolve("train/metrics.jsonl"));
            assertEquals(2, metrics.size());
            assertTrue(Files.readString(run.resolve("train/train.log")).contains("2/2"), "the run's own log");
        }
        List<String> csv = Files.readAllLines(dir.resolve("sweep/summary.csv"));
        assertEquals("aggregation.ratio,pass@1_mean,pass@1_std,majority_mean,majority_std,pass@n_mean,pass@n_std,"
                + "train_reward_mean_standard_mean,train_reward_mean_standard_std,train_reward_mean_aggregation_mean,"
                + "train_reward_mean_aggregation_std,n", csv.get(0));
        String[] standard = csv.get(1).split(",", -1);
        assertEquals("0.0", standard[0]);
        assertEquals("", standard[9], "no aggregation prompts at ratio 0, so no aggregation reward");
        assertEquals("1", standard[standard.length - 1]);
        String[] agg = csv.get(2).split(",", -1);
        assertTrue(!agg[9].isEmpty(), csv.get(2));
        // Rerun: both runs are finished and skipped, the summary is the same.
        String before = Files.readString(dir.resolve("sweep/summary.csv"));
        assertEquals(0, Rsa.run("sweep", "--config", sweep.toString()));
        assertEquals(before, Files.readString(dir.resolve("sweep/summary.csv")));
    }
}
